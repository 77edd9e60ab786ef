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
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key of a default deployment.
const DefaultPrefix = "wg:"

// Options configure Open. At most one of URL, ClusterAddrs and
// SentinelMaster picks the deployment; with none, Open starts an embedded
// Redis.
type Options struct {
	// URL selects one Redis server (redis://[user:pass@]host:port/db or
	// rediss:// for TLS), or a Redis Cluster in go-redis's cluster form,
	// which names further nodes as addr parameters
	// (redis://[user:pass@]host1:port?addr=host2:port&addr=host3:port).
	// Empty (and no ClusterAddrs or SentinelMaster) starts an embedded
	// in-process Redis (miniredis) that keeps nothing across restarts.
	URL string
	// ClusterAddrs are some nodes (host:port) of a Redis Cluster; the
	// client learns the others from them.
	ClusterAddrs []string
	// SentinelMaster is the master name that SentinelAddrs (host:port of
	// the sentinels) watch: the client follows the master through
	// failovers.
	SentinelMaster string
	SentinelAddrs  []string
	// Username and Password authenticate to the cluster nodes or the
	// Sentinel-managed master (a URL carries its own).
	Username, Password string
	// Prefix starts every key; DefaultPrefix when empty. It may not hold
	// braces: they would change every key's Cluster hash tag.
	Prefix string
}

// Store is a connection to Redis with wecom-guard's key layout.
type Store struct {
	rdb      redis.UniversalClient
	embedded *miniredis.Miniredis
	prefix   string
	opts     Options // as opened; an embedded store's URL names its server
	addr     string  // for logs: the server, or the first cluster node or sentinel
	// auto is the auto-pipeliner of the dedup marks (dedup.go), made once;
	// dedupBusy counts the dedup commands on their way.
	autoOnce  sync.Once
	auto      redis.Cmdable
	dedupBusy atomic.Int64
}

// ValidateURL reports whether u is a usable Redis URL (one server, or the
// cluster form with addr parameters), with a message that says what to
// fix. The password is never part of the message.
func ValidateURL(u string) error {
	if isClusterURL(u) {
		if _, err := redis.ParseClusterURL(u); err != nil {
			return fmt.Errorf("parse redis cluster url (want redis://host:port?addr=host:port&addr=…): %w", redactErr(err, u))
		}
		return nil
	}
	if _, err := redis.ParseURL(u); err != nil {
		return fmt.Errorf("parse redis url (want redis://host:port/db or rediss://…): %w", redactErr(err, u))
	}
	return nil
}

// isClusterURL reports whether u is go-redis's cluster URL form: a URL
// with addr parameters, which the one-server form refuses.
func isClusterURL(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && parsed.Query().Has("addr")
}

// Validate reports whether opts name at most one deployment, completely,
// with a message that says what to fix.
func (opts Options) Validate() error {
	n := 0
	for _, set := range []bool{opts.URL != "", len(opts.ClusterAddrs) > 0, opts.SentinelMaster != "" || len(opts.SentinelAddrs) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("redis options: set only one of a URL, cluster addresses, or a sentinel master and its sentinels")
	case opts.URL != "":
		if err := ValidateURL(opts.URL); err != nil {
			return err
		}
	case len(opts.ClusterAddrs) > 0:
		if err := validAddrs("cluster", opts.ClusterAddrs); err != nil {
			return err
		}
	case opts.SentinelMaster != "" || len(opts.SentinelAddrs) > 0:
		if opts.SentinelMaster == "" {
			return errors.New("redis options: sentinel addresses need the master name")
		}
		if len(opts.SentinelAddrs) == 0 {
			return errors.New("redis options: the sentinel master name needs the sentinels' addresses")
		}
		if err := validAddrs("sentinel", opts.SentinelAddrs); err != nil {
			return err
		}
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return fmt.Errorf("redis options: key prefix %q holds a brace, which would change every key's cluster slot", opts.Prefix)
	}
	return nil
}

func validAddrs(kind string, addrs []string) error {
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(strings.TrimSpace(a))
		if err != nil || host == "" || port == "" {
			return fmt.Errorf("redis options: %s address %q is not host:port", kind, a)
		}
	}
	return nil
}

func trimAll(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Open connects to the deployment named by opts (one server, a cluster or
// a Sentinel-managed master), or starts an embedded server when none is
// named, and checks that it answers.
func Open(ctx context.Context, opts Options) (*Store, error) {
	opts.ClusterAddrs, opts.SentinelAddrs = trimAll(opts.ClusterAddrs), trimAll(opts.SentinelAddrs)
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	s := &Store{prefix: opts.Prefix}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	switch {
	case len(opts.ClusterAddrs) > 0:
		s.rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: opts.ClusterAddrs, Username: opts.Username, Password: opts.Password})
		s.addr = opts.ClusterAddrs[0]
	case opts.SentinelMaster != "":
		s.rdb = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: opts.SentinelMaster, SentinelAddrs: opts.SentinelAddrs,
			Username: opts.Username, Password: opts.Password,
		})
		s.addr = opts.SentinelMaster + "@" + opts.SentinelAddrs[0]
	case isClusterURL(opts.URL):
		copts, err := redis.ParseClusterURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("parse redis cluster url: %w", redactErr(err, opts.URL))
		}
		s.rdb = redis.NewClusterClient(copts)
		s.addr = copts.Addrs[0]
	default:
		if opts.URL == "" {
			m := miniredis.NewMiniRedis()
			if err := m.StartAddr("127.0.0.1:0"); err != nil {
				return nil, fmt.Errorf("start embedded redis: %w", err)
			}
			s.embedded = m
			opts.URL = "redis://" + m.Addr()
		}
		ropts, err := redis.ParseURL(opts.URL)
		if err != nil {
			s.closeEmbedded()
			return nil, fmt.Errorf("parse redis url: %w", redactErr(err, opts.URL))
		}
		s.rdb = redis.NewClient(ropts)
		s.addr = ropts.Addr
	}
	opts.Prefix = s.prefix
	s.opts = opts
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Options returns the options this store was opened with (an embedded
// store's URL names its in-process server), so that Open makes a second
// connection to the same data, as another replica would.
func (s *Store) Options() Options { return s.opts }

// Cluster reports whether the store talks to a Redis Cluster.
func (s *Store) Cluster() bool {
	_, ok := s.rdb.(*redis.ClusterClient)
	return ok
}

// Embedded reports whether the store runs on the in-process Redis, which
// loses everything when the process exits.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis %s: %w", s.addr, err)
	}
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		// A cluster answers PING while some slots have no master; every
		// write to those would fail, so say so now.
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("redis cluster info %s: %w", s.addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("redis cluster %s: state is not ok (some slots have no master)", s.addr)
		}
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
// it). It refuses the empty prefix. Keys are deleted one per UNLINK, in
// pipelined batches: a multi-key UNLINK must stay within one cluster slot.
func (s *Store) DeleteAll(ctx context.Context) error {
	if s.prefix == "" {
		return errors.New("delete all keys: refusing an empty prefix")
	}
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range batch {
				p.Unlink(ctx, k)
			}
			return nil
		})
		batch = batch[:0]
		if err != nil {
			return fmt.Errorf("delete keys under %q: %w", s.prefix, err)
		}
		return nil
	}
	var flushErr error
	err := s.forEachKey(ctx, s.prefix, func(k string) {
		batch = append(batch, k)
		if len(batch) == 500 && flushErr == nil {
			flushErr = flush()
		}
	})
	if err != nil {
		return err
	}
	if flushErr != nil {
		return flushErr
	}
	return flush()
}

// forEachKey calls fn with every key that starts with keyPrefix, scanning
// every master of a cluster. fn runs on one goroutine at a time.
func (s *Store) forEachKey(ctx context.Context, keyPrefix string, fn func(key string)) error {
	scan := func(ctx context.Context, rdb redis.Cmdable) error {
		iter := rdb.Scan(ctx, 0, globEscape(keyPrefix)+"*", 5000).Iterator()
		for iter.Next(ctx) {
			fn(iter.Val())
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("scan keys under %q: %w", keyPrefix, err)
		}
		return nil
	}
	c, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return scan(ctx, s.rdb)
	}
	var mu sync.Mutex
	var keys []string
	err := c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		var local []string
		iter := node.Scan(ctx, 0, globEscape(keyPrefix)+"*", 5000).Iterator()
		for iter.Next(ctx) {
			local = append(local, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("scan keys under %q on %s: %w", keyPrefix, node.Options().Addr, err)
		}
		mu.Lock()
		keys = append(keys, local...)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		fn(k)
	}
	return nil
}

// Addr is the address of the Redis server (host:port), for logs and for a
// second connection to the same server; for a cluster, its first node, and
// for Sentinel, master@first-sentinel. Options names the whole deployment.
func (s *Store) Addr() string { return s.addr }

// globEscape quotes the pattern characters of SCAN MATCH in s.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*?[]^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
