package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// CacheGet reads a cached lookup (owners, users) into v; ok is false when
// nothing is cached.
func (s *Store) CacheGet(ctx context.Context, key string, v any) (bool, error) {
	return s.getJSON(ctx, s.keyCache(key), v)
}

// CacheSet caches v under key for ttl.
func (s *Store) CacheSet(ctx context.Context, key string, v any, ttl time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode cache %q: %w", key, err)
	}
	if err := s.rdb.Set(ctx, s.keyCache(key), data, ttl).Err(); err != nil {
		return fmt.Errorf("set cache %q: %w", key, err)
	}
	return nil
}

// CacheGetMany reads the cached lookups of keys in one round trip (a
// pipeline of GETs: cache keys carry no hash tag, so on a cluster each GET
// goes to its own slot's node); a miss is nil.
func (s *Store) CacheGetMany(ctx context.Context, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.Get(ctx, s.keyCache(k))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read cache: %w", err)
	}
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			out[i] = b
		}
	}
	return out, nil
}
