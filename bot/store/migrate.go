package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// layoutVersion names the key layout of this version: 2 moved the cases
// and the admin tokens under the {cases} and {admin} hash tags, which a
// Redis Cluster needs for their transactions.
const layoutVersion = "2"

// renamedKeys are the keys (or, ending in "*", key families) that layout 2
// renamed, old suffix → new suffix after the prefix.
var renamedKeys = [][2]string{
	{"case:*", "{cases}:case:"},
	{"cases:open", "{cases}:open"},
	{"cases:all", "{cases}:all"},
	{"admin:token:*", "{admin}:token:"},
	{"admin:tokens", "{admin}:tokens"},
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
		old, repl := r[0], r[1]
		family, ok := strings.CutSuffix(old, "*")
		if !ok {
			if err := s.renameOld(ctx, s.prefix+old, s.prefix+repl); err != nil {
				return err
			}
			continue
		}
		iter := s.rdb.Scan(ctx, 0, globEscape(s.prefix+family)+"*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			if err := s.renameOld(ctx, k, s.prefix+repl+strings.TrimPrefix(k, s.prefix+family)); err != nil {
				return err
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("migrate keys %s: %w", old, err)
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
