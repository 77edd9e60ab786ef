package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
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
