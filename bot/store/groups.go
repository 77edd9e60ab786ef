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

// GroupSeen is one group chat messages arrived from: the kind they arrived
// as (work, private, external), when the last one came and how many came.
type GroupSeen struct {
	ChatID   string    `json:"chat_id"`
	Kind     string    `json:"kind,omitempty"`
	LastSeen time.Time `json:"last_seen"`
	Messages int64     `json:"messages"`
}

// Bounds of the groups seen.
const (
	// MaxGroupID is the longest chat id recorded: WeCom's are some 20 to
	// 40 characters; a longer one is nobody's group and is not kept.
	MaxGroupID = 128
	// GroupsSeenRetention is how long a group nobody wrote in stays listed.
	GroupsSeenRetention = 400 * 24 * time.Hour
	// maxGroupsListed bounds one listing (the newest seen first).
	maxGroupsListed = 10000
	// pruneBatch bounds the stale groups one flush removes.
	pruneBatch = 200
)

// seenScript adds a flush of groups seen: KEYS last (zset), kind and count
// (hashes), all {groups}; ARGV cutoff (unix seconds), then per group id,
// kind, unix seconds, messages. The last-seen time only moves forward
// (replicas flush in any order); groups not seen since cutoff are dropped
// from all three, a bounded batch at a time.
var seenScript = redis.NewScript(`
for i = 2, #ARGV, 4 do
  local id = ARGV[i]
  redis.call('ZADD', KEYS[1], 'GT', ARGV[i+2], id)
  if ARGV[i+1] ~= '' then redis.call('HSET', KEYS[2], id, ARGV[i+1]) end
  redis.call('HINCRBY', KEYS[3], id, ARGV[i+3])
end
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, ` + strconv.Itoa(pruneBatch) + `)
if #old > 0 then
  redis.call('ZREM', KEYS[1], unpack(old))
  redis.call('HDEL', KEYS[2], unpack(old))
  redis.call('HDEL', KEYS[3], unpack(old))
end
return #old
`)

// NoteGroupsSeen adds gs (messages counted since the last flush) to the
// groups seen, in one script call. Ids over MaxGroupID are skipped.
func (s *Store) NoteGroupsSeen(ctx context.Context, gs []GroupSeen, now time.Time) error {
	args := []any{now.Add(-GroupsSeenRetention).Unix()}
	for _, g := range gs {
		if g.ChatID == "" || len(g.ChatID) > MaxGroupID || g.Messages <= 0 {
			continue
		}
		args = append(args, g.ChatID, g.Kind, g.LastSeen.Unix(), g.Messages)
	}
	if len(args) == 1 {
		return nil
	}
	keys := []string{s.keyGroupsLast(), s.keyGroupsKind(), s.keyGroupsCount()}
	if err := seenScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("note %d groups seen: %w", len(args)/4, err)
	}
	return nil
}

// GroupsSeen lists the groups seen, the most recently seen first (at most
// maxGroupsListed of them).
func (s *Store) GroupsSeen(ctx context.Context) ([]GroupSeen, error) {
	zs, err := s.rdb.ZRevRangeWithScores(ctx, s.keyGroupsLast(), 0, maxGroupsListed-1).Result()
	if err != nil {
		return nil, fmt.Errorf("list groups seen: %w", err)
	}
	if len(zs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i], _ = z.Member.(string)
	}
	var kinds, counts *redis.SliceCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		kinds = p.HMGet(ctx, s.keyGroupsKind(), ids...)
		counts = p.HMGet(ctx, s.keyGroupsCount(), ids...)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read groups seen: %w", err)
	}
	kv, cv := kinds.Val(), counts.Val()
	out := make([]GroupSeen, len(zs))
	for i, z := range zs {
		g := GroupSeen{ChatID: ids[i], LastSeen: time.Unix(int64(z.Score), 0)}
		if k, ok := kv[i].(string); ok {
			g.Kind = k
		}
		if c, ok := cv[i].(string); ok {
			g.Messages, _ = strconv.ParseInt(c, 10, 64)
		}
		out[i] = g
	}
	return out, nil
}

// groupName is a group's name as WeCom gave it.
type groupName struct {
	Name string    `json:"name"`
	Kind string    `json:"kind,omitempty"`
	At   time.Time `json:"at"`
}

// NoteGroupName keeps the name WeCom gave a group chat (appchat/get,
// externalcontact/groupchat/get, msgaudit/groupchat/get), as the sender
// looks the owner up; an empty name forgets it (the group was renamed to
// none, or WeCom withholds it).
func (s *Store) NoteGroupName(ctx context.Context, chatID, kind, name string, at time.Time) error {
	if chatID == "" || len(chatID) > MaxGroupID {
		return nil
	}
	if name == "" {
		if err := s.rdb.HDel(ctx, s.keyGroupNames(), chatID).Err(); err != nil {
			return fmt.Errorf("forget name of group %q: %w", chatID, err)
		}
		return nil
	}
	data, err := json.Marshal(groupName{Name: name, Kind: kind, At: at.UTC()})
	if err != nil {
		return fmt.Errorf("encode name of group %q: %w", chatID, err)
	}
	if err := s.rdb.HSet(ctx, s.keyGroupNames(), chatID, data).Err(); err != nil {
		return fmt.Errorf("note name of group %q: %w", chatID, err)
	}
	return nil
}

// GroupNames returns the names WeCom gave the chats ids (one HMGET); ids
// without one are left out.
func (s *Store) GroupNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keyGroupNames(), ids...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read group names: %w", err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		var g groupName
		if ok && json.Unmarshal([]byte(str), &g) == nil && g.Name != "" {
			out[ids[i]] = g.Name
		}
	}
	return out, nil
}
