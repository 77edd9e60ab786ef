package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// takeWindowSlot admits one event into a rolling window unless the window
// already holds limit events, atomically so that concurrent replicas never
// admit more. An event already admitted (a retried callback, same member)
// is admitted again without counting twice.
//
//	KEYS[1]  the sorted set (score: event time in ms, member: event id)
//	ARGV[1]  now, ms   ARGV[2] event id   ARGV[3] window, ms   ARGV[4] limit
//
// It returns 1 when admitted, 0 when the window is full.
var takeWindowSlot = redis.NewScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. (now - window))
if redis.call("ZSCORE", KEYS[1], ARGV[2]) then
  return 1
end
if redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call("ZADD", KEYS[1], now, ARGV[2])
redis.call("PEXPIRE", KEYS[1], window)
return 1`)

// TakeReportSlot admits report eventID of user at now when the user made
// fewer than limit reports in the window ending at now. A report admitted
// before (same eventID) is admitted again and not counted twice; a refused
// report is not counted at all.
func (s *Store) TakeReportSlot(ctx context.Context, user, eventID string, now time.Time, window time.Duration, limit int) (bool, error) {
	if window <= 0 || limit <= 0 {
		return false, fmt.Errorf("take report slot: window and limit must be positive")
	}
	key := s.keyReportRate(user)
	n, err := takeWindowSlot.Run(ctx, s.rdb, []string{key}, now.UnixMilli(), eventID, window.Milliseconds(), limit).Int()
	if err != nil {
		return false, fmt.Errorf("take report slot %q: %w", key, err)
	}
	return n == 1, nil
}

// indexByTime adds a member to a time index and trims entries older than
// the retention; the index expires with its newest entry.
var indexByTime = redis.NewScript(`
local at = tonumber(ARGV[1])
local keep = tonumber(ARGV[3])
redis.call("ZADD", KEYS[1], at, ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. (at - keep))
local newest = redis.call("ZREVRANGE", KEYS[1], 0, 0, "WITHSCORES")
redis.call("PEXPIREAT", KEYS[1], math.floor(tonumber(newest[2]) + keep))
return 1`)

// IndexUserViolation adds v to its sender's own index (for the member's
// "我的记录"), kept as long as the record (retention, at least a day).
// Indexing the same violation again is harmless.
func (s *Store) IndexUserViolation(ctx context.Context, v Violation, retention time.Duration) error {
	if retention < 24*time.Hour {
		retention = 24 * time.Hour
	}
	key := s.keyUserViolations(v.From)
	if err := indexByTime.Run(ctx, s.rdb, []string{key}, v.Time.UnixMilli(), v.ID, retention.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("index violation %s of %q: %w", v.ID, v.From, err)
	}
	return nil
}

// UserViolations returns up to limit of user's violations, newest first.
// Records that expired since they were indexed are skipped.
func (s *Store) UserViolations(ctx context.Context, user string, limit int) ([]Violation, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: s.keyUserViolations(user), Start: 0, Stop: int64(limit) - 1, Rev: true}).Result()
	if err != nil {
		return nil, fmt.Errorf("list violations of %q: %w", user, err)
	}
	out := make([]Violation, 0, len(ids))
	for _, id := range ids {
		v, ok, err := s.Violation(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// CacheDelete drops a cached lookup (an owner who changed, a user who left);
// deleting what is not cached is not an error.
func (s *Store) CacheDelete(ctx context.Context, key string) error {
	if err := s.rdb.Del(ctx, s.keyCache(key)).Err(); err != nil {
		return fmt.Errorf("delete cache %q: %w", key, err)
	}
	return nil
}
