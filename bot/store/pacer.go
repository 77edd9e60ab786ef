package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Pacer is the WeCom client's guard against WeCom's silent per-member
// limits (30 messages a minute, 1000 an hour from one app to one member),
// shared by every replica through Redis. It implements wecom.Pacer.
//
// Each member's window is its own key with its own hash tag, so the windows
// spread over a Redis Cluster. A message to several members therefore
// cannot be admitted by one script: Admit takes the members' slots one by
// one and, when one is full, gives back those it took. Meanwhile another
// caller may see a slot that is about to be given back and wait needlessly;
// it is never admitted past a limit, because each take is atomic on its key.
type Pacer struct{ s *Store }

var _ wecom.Pacer = Pacer{}

// Pacer returns the shared pacer on this store.
func (s *Store) Pacer() Pacer { return Pacer{s} }

// paceScript admits one message to the member window KEYS[1] if it has room
// in its sliding minute and hour, and otherwise records nothing and returns
// the wait (ms) until it has room. With ARGV[5] = "0" it only reports the
// wait, recording nothing either way.
//
//	ARGV[1] now ms  ARGV[2] per minute  ARGV[3] per hour  ARGV[4] member  ARGV[5] take
var paceScript = redis.NewScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local perMin, perHour = tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = 0
redis.call("ZREMRANGEBYSCORE", key, "-inf", now - 3600000)
local minute = redis.call("ZCOUNT", key, "(" .. (now - 60000), "+inf")
if minute >= perMin then
  local o = redis.call("ZRANGEBYSCORE", key, "(" .. (now - 60000), "+inf", "WITHSCORES", "LIMIT", 0, 1)
  local w = tonumber(o[2]) + 60000 - now
  if w > wait then wait = w end
end
if redis.call("ZCARD", key) >= perHour then
  local o = redis.call("ZRANGE", key, 0, 0, "WITHSCORES")
  local w = tonumber(o[2]) + 3600000 - now
  if w > wait then wait = w end
end
if wait > 0 or ARGV[5] == "0" then return wait end
redis.call("ZADD", key, now, ARGV[4])
redis.call("PEXPIRE", key, 3600000)
return 0`)

// Admit records one message to each member if all have room, and otherwise
// records nothing and says how long to wait for the fullest.
func (p Pacer) Admit(ctx context.Context, members []string, now time.Time) (bool, time.Duration, error) {
	if len(members) == 0 {
		return true, 0, nil
	}
	keys := make([]string, 0, len(members))
	for _, m := range members {
		keys = append(keys, p.s.keyMemberPace(strings.ToLower(m)))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false, 0, fmt.Errorf("pace: random: %w", err)
	}
	token := hex.EncodeToString(b[:])
	run := func(key string, take bool) (int64, error) {
		mode := "1"
		if !take {
			mode = "0"
		}
		return paceScript.Run(ctx, p.s.rdb, []string{key}, now.UnixMilli(), wecom.MemberPerMinute, wecom.MemberPerHour, token, mode).Int64()
	}
	var taken []string
	var wait int64
	for _, k := range keys {
		ms, err := run(k, wait == 0)
		if err != nil {
			p.giveBack(taken, token)
			return false, 0, fmt.Errorf("pace %d members: %w", len(members), err)
		}
		switch {
		case ms > wait:
			wait = ms
		case ms == 0 && wait == 0:
			taken = append(taken, k)
		}
	}
	if wait > 0 {
		p.giveBack(taken, token)
		return false, time.Duration(wait) * time.Millisecond, nil
	}
	return true, 0, nil
}

// giveBack removes this admission's marks from the windows it took. A
// fresh context: the caller's may be cancelled, and a mark left behind
// only makes the member wait longer, never exceeds a limit.
func (p Pacer) giveBack(keys []string, token string) {
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = p.s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, k := range keys {
			pipe.ZRem(ctx, k, token)
		}
		return nil
	})
}
