package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// countWindows records one event in a rolling-window sorted set and counts
// the events inside each window, in one round trip and atomically, so
// concurrent replicas never under- or over-count. ZADD NX makes a retried
// event (same member) count once.
//
//	KEYS[1]  the sorted set (score: event time in ms, member: event id)
//	ARGV[1]  now, ms       ARGV[2] event id
//	ARGV[3]  longest window, ms (older events are trimmed; the key expires after it)
//	ARGV[4…] the windows to count, ms
var countWindows = redis.NewScript(`
local now = tonumber(ARGV[1])
local longest = tonumber(ARGV[3])
redis.call("ZADD", KEYS[1], "NX", now, ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", "(" .. (now - longest))
redis.call("PEXPIRE", KEYS[1], longest)
local out = {}
for i = 4, #ARGV do
  out[#out + 1] = redis.call("ZCOUNT", KEYS[1], "(" .. (now - tonumber(ARGV[i])), "+inf")
end
return out`)

// CountViolation records violation eventID of user in category at now and
// returns how many of that user's violations in that category fall inside
// each window (ending at now), in the order given. Recording the same
// eventID again does not count it twice.
func (s *Store) CountViolation(ctx context.Context, user, category, eventID string, now time.Time, windows []time.Duration) ([]int64, error) {
	if len(windows) == 0 {
		return nil, fmt.Errorf("count violation: no windows given")
	}
	longest := slices.Max(windows)
	args := make([]any, 0, 3+len(windows))
	args = append(args, now.UnixMilli(), eventID, longest.Milliseconds())
	for _, w := range windows {
		args = append(args, w.Milliseconds())
	}
	key := s.keyViolationCounter(user, category)
	res, err := countWindows.Run(ctx, s.rdb, []string{key}, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("count violations %q: %w", key, err)
	}
	return res, nil
}
