package store

import (
	"context"
	"fmt"
	"time"
)

// TryLease takes the lease name for holder for ttl, or renews it if holder
// has it already; ok is false while another holder has it. Replicas use it
// so that periodic work (the HR digest) runs on exactly one of them.
func (s *Store) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	key := s.keyLease(name)
	ok, err := s.rdb.SetNX(ctx, key, holder, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	if ok {
		return true, nil
	}
	cur, err := s.rdb.Get(ctx, key).Result()
	if err != nil {
		return false, nil // expired between the two calls: try again next time
	}
	if cur != holder {
		return false, nil
	}
	if err := s.rdb.PExpire(ctx, key, ttl).Err(); err != nil {
		return false, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return true, nil
}

// MarkOnce records that the once-only job id was done, reporting whether
// this call was the first (SET NX, kept for ttl).
func (s *Store) MarkOnce(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.keyOnce(id), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("mark %s done: %w", id, err)
	}
	return ok, nil
}

// OnceDone reports whether the once-only job id was marked done.
func (s *Store) OnceDone(ctx context.Context, id string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.keyOnce(id)).Result()
	if err != nil {
		return false, fmt.Errorf("check %s done: %w", id, err)
	}
	return n == 1, nil
}
