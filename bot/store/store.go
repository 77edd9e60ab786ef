// Package store is wecom-guard's only door to Redis: dedup marks, the shared
// WeCom access token and (as the product grows) counters, lists, violations,
// cases and the outbox. Key names are built here and nowhere else; every key
// starts with the store's prefix so several deployments (or test runs) can
// share one server.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key of a default deployment.
const DefaultPrefix = "wg:"

// Options configure Open.
type Options struct {
	// URL selects a Redis server (redis://[user:pass@]host:port/db or
	// rediss:// for TLS). Empty starts an embedded in-process Redis
	// (miniredis) that keeps nothing across restarts.
	URL string
	// Prefix starts every key; DefaultPrefix when empty.
	Prefix string
}

// Store is a connection to Redis with wecom-guard's key layout.
type Store struct {
	rdb      *redis.Client
	embedded *miniredis.Miniredis
	prefix   string
}

// ValidateURL reports whether u is a usable Redis URL, with a message that
// says what to fix. The password is never part of the message.
func ValidateURL(u string) error {
	if _, err := redis.ParseURL(u); err != nil {
		return fmt.Errorf("parse redis url (want redis://host:port/db or rediss://…): %w", redactErr(err, u))
	}
	return nil
}

// Open connects to the server named by opts.URL, or starts an embedded one
// when it is empty, and checks that it answers.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{prefix: opts.Prefix}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	u := opts.URL
	if u == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		s.embedded = m
		u = "redis://" + m.Addr()
	}
	ropts, err := redis.ParseURL(u)
	if err != nil {
		s.closeEmbedded()
		return nil, fmt.Errorf("parse redis url: %w", redactErr(err, u))
	}
	s.rdb = redis.NewClient(ropts)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Embedded reports whether the store runs on the in-process Redis, which
// loses everything when the process exits.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis %s: %w", s.rdb.Options().Addr, err)
	}
	return nil
}

// Close closes the connection and stops an embedded server.
func (s *Store) Close() error {
	var err error
	if s.rdb != nil {
		err = s.rdb.Close()
	}
	s.closeEmbedded()
	return err
}

func (s *Store) closeEmbedded() {
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// Prefix is the prefix of every key of this store.
func (s *Store) Prefix() string { return s.prefix }

// redactErr drops the password of u from err's text: go-redis may echo the URL.
func redactErr(err error, u string) error {
	i := strings.Index(u, "://")
	at := strings.LastIndex(u, "@")
	if i < 0 || at < i {
		return err
	}
	userinfo := u[i+3 : at]
	_, pass, ok := strings.Cut(userinfo, ":")
	if !ok || pass == "" || !strings.Contains(err.Error(), pass) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pass, "***"))
}

// DeleteAll removes every key under the store's prefix (tests clean up with
// it). It refuses the empty prefix.
func (s *Store) DeleteAll(ctx context.Context) error {
	if s.prefix == "" {
		return errors.New("delete all keys: refusing an empty prefix")
	}
	iter := s.rdb.Scan(ctx, 0, s.prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := s.rdb.Unlink(ctx, batch...).Err(); err != nil {
				return fmt.Errorf("delete keys under %q: %w", s.prefix, err)
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan keys under %q: %w", s.prefix, err)
	}
	if len(batch) > 0 {
		if err := s.rdb.Unlink(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("delete keys under %q: %w", s.prefix, err)
		}
	}
	return nil
}

// Addr is the address of the Redis server (host:port), for logs and for a
// second connection to the same server.
func (s *Store) Addr() string { return s.rdb.Options().Addr }
