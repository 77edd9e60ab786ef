package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
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
	defer s.dedupBusy.Add(-1)
	ok, err := s.dedupClient().SetNX(ctx, key, 1, ttl).Result()
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
	defer s.dedupBusy.Add(-1)
	n, err := s.dedupClient().Exists(ctx, key).Result()
	if err != nil {
		return false, fmt.Errorf("check dedup mark %q: %w", key, err)
	}
	return n == 1, nil
}

// dedupClient returns the client for a dedup mark or check, the one Redis
// command of a clean callback; the caller counts it on its way in
// dedupBusy until it has answered. A
// command alone goes straight out on the plain client. One issued while
// another is still on its way goes through go-redis's blocking
// auto-pipeliner: while one batch travels, the commands of the callbacks
// served meanwhile gather and go out as the next pipeline, one write and
// one read for all of them instead of one each (the SET NX round trip was
// a tenth of the served binary's CPU under load; for a caller alone the
// auto-pipeliner's hand-over to its flusher costs more than it saves,
// hence the plain client then). The auto-pipeliner is experimental in
// go-redis, so it carries only these single-key commands, whose meaning
// does not change when a batch is retried after a dropped connection (a
// SET NX sent twice answers "not first" to the retry, as a plain client's
// retry would). A command's context does not bound it once it is queued:
// the client's read and write timeouts do.
func (s *Store) dedupClient() redis.Cmdable {
	if s.dedupBusy.Add(1) == 1 {
		return s.rdb
	}
	s.autoOnce.Do(func() {
		s.auto = s.rdb
		if ap, err := s.rdb.AutoPipeline(); err == nil {
			s.auto = ap
		}
	})
	return s.auto
}
