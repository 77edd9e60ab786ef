package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// layoutVersion names the key layout of this version: 2 moved the cases,
// the admin tokens and the day statistics under hash tags ({cases},
// {admin}, {stats:<day>}), which a Redis Cluster needs for their
// transactions and scripts.
const layoutVersion = "2"

// renamedKeys are the keys (or, ending in "*", key families) that layout 2
// renamed: the old name after the prefix, and the new name for what
// followed the family's stem.
var renamedKeys = []struct {
	old string
	new func(rest string) string
}{
	{"case:*", func(id string) string { return "{cases}:case:" + id }},
	{"cases:open", func(string) string { return "{cases}:open" }},
	{"cases:all", func(string) string { return "{cases}:all" }},
	{"admin:token:*", func(h string) string { return "{admin}:token:" + h }},
	{"admin:tokens", func(string) string { return "{admin}:tokens" }},
	{"stats:*", func(day string) string { return "{stats:" + day + "}" }},
}

func (s *Store) keyLayout() string { return s.prefix + "layout" }

// migrate renames the keys of an earlier layout on one server, once per
// prefix (the layout key remembers it); RENAMENX keeps their expiry and
// never overwrites a key already written under the new name. Replicas
// starting together may both run it: a key one of them moved is simply
// gone for the other. A cluster never ran the earlier layout's
// transactions, so there is nothing to move there.
func (s *Store) migrate(ctx context.Context) error {
	if s.Cluster() {
		return nil
	}
	v, err := s.rdb.Get(ctx, s.keyLayout()).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read key layout: %w", err)
	}
	if v == layoutVersion {
		return nil
	}
	for _, r := range renamedKeys {
		family, ok := strings.CutSuffix(r.old, "*")
		if !ok {
			if err := s.renameOld(ctx, s.prefix+r.old, s.prefix+r.new("")); err != nil {
				return err
			}
			continue
		}
		iter := s.rdb.Scan(ctx, 0, globEscape(s.prefix+family)+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			if err := s.renameOld(ctx, k, s.prefix+r.new(strings.TrimPrefix(k, s.prefix+family))); err != nil {
				return err
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("migrate keys %s: %w", r.old, err)
		}
	}
	if err := s.rdb.Set(ctx, s.keyLayout(), layoutVersion, 0).Err(); err != nil {
		return fmt.Errorf("record key layout: %w", err)
	}
	return nil
}

func (s *Store) renameOld(ctx context.Context, from, to string) error {
	err := s.rdb.RenameNX(ctx, from, to).Err()
	if err != nil && !strings.Contains(err.Error(), "no such key") {
		return fmt.Errorf("migrate key %q: %w", from, err)
	}
	return nil
}
