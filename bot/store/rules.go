package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The rule set lives in Redis as files (policy.yaml and lists/…/*.txt) in
// one hash, with a version number that every change increments and
// announces on a pub/sub channel; replicas rebuild their matcher when the
// version moves; each save's delta is kept next to the files
// (rules_delta.go). All four keys share the {rules} tag.

// ErrVersionConflict is returned by SaveRules when the rule set changed
// since the version the caller edited.
var ErrVersionConflict = errors.New("rule set changed meanwhile")

var saveRulesScript = redis.NewScript(`
local cur = tonumber(redis.call("GET", KEYS[2]) or "0")
if tonumber(ARGV[1]) >= 0 and cur ~= tonumber(ARGV[1]) then
  return -1
end
redis.call("DEL", KEYS[1])
for i = 4, #ARGV, 2 do
  redis.call("HSET", KEYS[1], ARGV[i], ARGV[i + 1])
end
local v = redis.call("INCR", KEYS[2])
if ARGV[3] ~= "" and cur == tonumber(ARGV[2]) then
  redis.call("HSET", KEYS[4], v, ARGV[3])
else
  redis.call("HDEL", KEYS[4], v)
end
redis.call("HDEL", KEYS[4], v - ` + strconv.Itoa(rulesDeltaHistory) + `)
redis.call("PUBLISH", KEYS[3], v)
return v`)

// SaveRules replaces the rule set with files if its version is still
// expect (-1: whatever it is), and returns the new version. It stores the
// save's delta from the version it replaces with it (rules_delta.go), in
// the same script; the delta is stored only when that version is still
// the one the files were compared with.
func (s *Store) SaveRules(ctx context.Context, files map[string][]byte, expect int64) (int64, error) {
	base, delta := int64(-1), ""
	if old, v, err := s.Rules(ctx); err == nil && (expect < 0 || v == expect) {
		// A failed read only costs the delta: replicas read the files.
		if data, err := json.Marshal(diffRules(v, old, files)); err == nil {
			base, delta = v, string(data)
		}
	}
	args := make([]any, 0, 3+2*len(files))
	args = append(args, expect, base, delta)
	for name, data := range files {
		args = append(args, name, data)
	}
	v, err := saveRulesScript.Run(ctx, s.rdb, []string{s.keyRulesFiles(), s.keyRulesVersion(), s.keyRulesChannel(), s.keyRulesDeltas()}, args...).Int64()
	if err != nil {
		return 0, fmt.Errorf("save rule set: %w", err)
	}
	if v < 0 {
		return 0, fmt.Errorf("save rule set (edited version %d): %w", expect, ErrVersionConflict)
	}
	return v, nil
}

var seedRulesScript = redis.NewScript(`
if redis.call("EXISTS", KEYS[2]) == 1 then
  return 0
end
for i = 1, #ARGV, 2 do
  redis.call("HSET", KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call("SET", KEYS[2], 1)
return 1`)

// SeedRules stores files as version 1 when Redis holds no rule set yet, and
// reports whether it did. After that Redis is the source of truth.
func (s *Store) SeedRules(ctx context.Context, files map[string][]byte) (bool, error) {
	args := make([]any, 0, 2*len(files))
	for name, data := range files {
		args = append(args, name, data)
	}
	n, err := seedRulesScript.Run(ctx, s.rdb, []string{s.keyRulesFiles(), s.keyRulesVersion()}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("seed rule set: %w", err)
	}
	return n == 1, nil
}

// RulesVersion returns the version of the stored rule set (0: none).
func (s *Store) RulesVersion(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.keyRulesVersion()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get rule set version: %w", err)
	}
	return v, nil
}

// Rules returns the stored rule set's files and their version, read
// together in one transaction.
func (s *Store) Rules(ctx context.Context) (map[string][]byte, int64, error) {
	var files *redis.MapStringStringCmd
	var ver *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		files = p.HGetAll(ctx, s.keyRulesFiles())
		ver = p.Get(ctx, s.keyRulesVersion())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, fmt.Errorf("read rule set: %w", err)
	}
	out := make(map[string][]byte, len(files.Val()))
	for k, v := range files.Val() {
		out[k] = []byte(v)
	}
	v, _ := strconv.ParseInt(ver.Val(), 10, 64)
	return out, v, nil
}

// WatchRules calls changed with each version announced on the rules
// channel until ctx ends; it reconnects by itself. Announcements can be
// missed (a reconnect), so callers also poll RulesVersion.
func (s *Store) WatchRules(ctx context.Context, changed func(version int64)) {
	s.watchVersions(ctx, s.keyRulesChannel(), changed)
}

// watchVersions calls changed with each version announced on channel until
// ctx ends; go-redis's PubSub reconnects by itself (and may miss
// announcements meanwhile: callers also poll).
func (s *Store) watchVersions(ctx context.Context, channel string, changed func(version int64)) {
	sub := s.rdb.Subscribe(ctx, channel)
	defer sub.Close()
	ch := sub.Channel(redis.WithChannelHealthCheckInterval(10 * time.Second))
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if v, err := strconv.ParseInt(m.Payload, 10, 64); err == nil {
				changed(v)
			}
		}
	}
}
