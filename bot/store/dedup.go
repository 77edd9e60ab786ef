package store

import (
	"context"
	"fmt"
	"time"
)

// MinDedupTTL is the shortest time a dedup mark is kept: WeCom retries within
// seconds, but a replayed or re-pulled message may come much later.
const MinDedupTTL = 24 * time.Hour

// MarkSeen records id as processed and reports whether this call was the
// first to do so, across restarts and replicas (SET NX). A ttl below
// MinDedupTTL is raised to it.
func (s *Store) MarkSeen(ctx context.Context, id string, ttl time.Duration) (first bool, err error) {
	if ttl < MinDedupTTL {
		ttl = MinDedupTTL
	}
	key := s.keyDedup(id)
	ok, err := s.rdb.SetNX(ctx, key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("set dedup mark %q: %w", key, err)
	}
	return ok, nil
}

// ForgetSeen removes the mark of id so a retry processes it again; the
// pipeline calls it when processing failed after the mark was set.
func (s *Store) ForgetSeen(ctx context.Context, id string) error {
	key := s.keyDedup(id)
	if err := s.rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("delete dedup mark %q: %w", key, err)
	}
	return nil
}

// Seen reports whether id was marked as processed.
func (s *Store) Seen(ctx context.Context, id string) (bool, error) {
	key := s.keyDedup(id)
	n, err := s.rdb.Exists(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("check dedup mark %q: %w", key, err)
	}
	return n == 1, nil
}
