package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned for a case, violation or entry that does not exist.
var ErrNotFound = errors.New("not found")

// ErrState is returned for a change the record's state does not allow
// (resolving a resolved case).
var ErrState = errors.New("not allowed in this state")

// Case statuses.
const (
	CaseOpen         = "open"
	CaseAcknowledged = "acknowledged"
	CaseResolved     = "resolved"
)

// UpdateCase applies change to case id atomically (optimistic WATCH): the
// open index follows the status. It returns the case before and after.
func (s *Store) UpdateCase(ctx context.Context, id string, change func(c *Case) error) (before, after Case, err error) {
	key := s.keyCase(id)
	txf := func(tx *redis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("case %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &before); err != nil {
			return fmt.Errorf("decode case %s: %w", id, err)
		}
		after = before
		if err := change(&after); err != nil {
			return err
		}
		out, err := json.Marshal(after)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, out, 0)
			if after.Status == CaseResolved {
				p.ZRem(ctx, s.keyOpenCases(), id)
			} else {
				p.ZAdd(ctx, s.keyOpenCases(), redis.Z{Score: float64(after.Opened.UnixMilli()), Member: id})
			}
			return nil
		})
		return err
	}
	for range 5 {
		err = s.rdb.Watch(ctx, txf, key)
		if !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return Case{}, Case{}, fmt.Errorf("update case %s: %w", id, err)
	}
	return before, after, nil
}

// Cases lists cases newest first: the open (and acknowledged) ones, or with
// all every case ever opened within the retention of the all-cases index.
func (s *Store) Cases(ctx context.Context, all bool, limit int) ([]Case, error) {
	idx := s.keyOpenCases()
	if all {
		idx = s.keyAllCases()
	}
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: idx, Start: 0, Stop: int64(limit) - 1, Rev: true}).Result()
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	out := make([]Case, 0, len(ids))
	for _, id := range ids {
		c, ok, err := s.Case(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// ViolationQuery selects violations; zero fields match everything.
type ViolationQuery struct {
	User, Chat, Category, Severity string
	Chats                          []string // only these chats (an owner's)
	From, To                       time.Time
	// Before pages: only violations older than this time (exclusive) —
	// or, with BeforeID, those at Before ordered after that violation.
	Before   time.Time
	BeforeID string
	Limit    int
}

// MaxSearchScan bounds the violations one search reads: a filter that
// matches little must not make one request read the whole retention. The
// answer's next cursor lets the caller go on from where it stopped.
const MaxSearchScan = 5000

// SearchViolations returns violations matching q, newest first, scanning
// the time index from q.To (or q.Before) backwards; next is the time to pass
// as Before for the following page (zero when there is none). It reads at
// most MaxSearchScan records a call, in pipelined batches.
func (s *Store) SearchViolations(ctx context.Context, q ViolationQuery) (out []Violation, next Cursor, err error) {
	maxScore := "+inf"
	switch {
	case !q.Before.IsZero() && q.BeforeID != "":
		maxScore = fmt.Sprint(q.Before.UnixMilli()) // inclusive; ties are skipped below
	case !q.Before.IsZero():
		maxScore = fmt.Sprintf("(%d", q.Before.UnixMilli())
	case !q.To.IsZero():
		maxScore = fmt.Sprint(q.To.UnixMilli())
	}
	minScore := "-inf"
	if !q.From.IsZero() {
		minScore = fmt.Sprint(q.From.UnixMilli())
	}
	const batch = 500
	var offset int64
	for scanned := 0; len(out) < q.Limit; {
		zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, s.keyViolationIndex(), &redis.ZRangeBy{
			Max: maxScore, Min: minScore, Offset: offset, Count: batch,
		}).Result()
		if err != nil {
			return nil, Cursor{}, fmt.Errorf("search violations: %w", err)
		}
		if len(zs) == 0 {
			break
		}
		read := len(zs)
		if q.BeforeID != "" {
			// Equal scores come in descending member order: those at the
			// cursor's time up to and including its id were on earlier pages.
			bms := float64(q.Before.UnixMilli())
			zs = slices.DeleteFunc(zs, func(z redis.Z) bool { return z.Score == bms && fmt.Sprint(z.Member) >= q.BeforeID })
			if len(zs) == 0 {
				if read < batch {
					break
				}
				offset += batch
				continue
			}
		}
		keys := make([]string, len(zs))
		for i, z := range zs {
			keys[i] = s.keyViolation(fmt.Sprint(z.Member))
		}
		vals, err := s.mget(ctx, keys)
		if err != nil {
			return nil, Cursor{}, fmt.Errorf("search violations: %w", err)
		}
		for i, raw := range vals {
			scanned++
			str, ok := raw.(string)
			if !ok {
				continue // expired since it was indexed
			}
			var v Violation
			if err := json.Unmarshal([]byte(str), &v); err != nil {
				return nil, Cursor{}, fmt.Errorf("decode violation %v: %w", zs[i].Member, err)
			}
			here := Cursor{Time: time.UnixMilli(int64(zs[i].Score)), ID: fmt.Sprint(zs[i].Member)}
			if !q.matches(v) {
				if scanned >= MaxSearchScan {
					return out, here, nil
				}
				continue
			}
			out = append(out, v)
			if len(out) == q.Limit || scanned >= MaxSearchScan {
				return out, here, nil
			}
		}
		if read < batch {
			break
		}
		offset += batch
	}
	return out, Cursor{}, nil
}

// Cursor is where a search stopped: the time and id of the last violation
// it read. The zero Cursor means there is nothing more.
type Cursor struct {
	Time time.Time
	ID   string
}

func (q ViolationQuery) matches(v Violation) bool {
	if q.User != "" && v.From != q.User || q.Chat != "" && v.ChatID != q.Chat || q.Severity != "" && v.Severity != q.Severity {
		return false
	}
	if q.Chats != nil && !contains(q.Chats, v.ChatID) {
		return false
	}
	if q.Category != "" {
		found := false
		for _, h := range v.Hits {
			found = found || h.Category == q.Category
		}
		if !found {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// noteOwnerScript makes ARGV[1] the one owner of chat ARGV[2], if the
// chat's current owner is still ARGV[3] (read by the caller, whose key
// KEYS[3] is that owner's set): the chat leaves that set and joins the new
// owner's (KEYS[2]). KEYS[1] maps chats to owners. An empty new owner only
// removes. It returns -1 when the owner changed meanwhile (retry).
var noteOwnerScript = redis.NewScript(`
local old = redis.call("HGET", KEYS[1], ARGV[2]) or ""
if old ~= ARGV[3] then
  return -1
end
if old ~= "" and old ~= ARGV[1] then
  redis.call("SREM", KEYS[3], ARGV[2])
end
if ARGV[1] == "" then
  redis.call("HDEL", KEYS[1], ARGV[2])
  return 0
end
redis.call("HSET", KEYS[1], ARGV[2], ARGV[1])
redis.call("SADD", KEYS[2], ARGV[2])
return 1`)

// NoteOwnedChat records that owner owns chat (learned when an alert is
// delivered, or set by HR), so the owner can see that chat's violations;
// the chat's previous owner loses that view. An empty owner forgets the
// chat's owner.
func (s *Store) NoteOwnedChat(ctx context.Context, owner, chat string) error {
	for range 5 {
		old, err := s.rdb.HGet(ctx, s.keyChatOwners(), chat).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("note chat %s of %s: %w", chat, owner, err)
		}
		keys := []string{s.keyChatOwners(), s.keyOwnedChats(owner), s.keyOwnedChats(old)}
		n, err := noteOwnerScript.Run(ctx, s.rdb, keys, owner, chat, old).Int()
		if err != nil {
			return fmt.Errorf("note chat %s of %s: %w", chat, owner, err)
		}
		if n >= 0 {
			return nil
		}
	}
	return fmt.Errorf("note chat %s of %s: its owner keeps changing", chat, owner)
}

// OwnedChats returns the chats owner is known to own.
func (s *Store) OwnedChats(ctx context.Context, owner string) ([]string, error) {
	chats, err := s.rdb.SMembers(ctx, s.keyOwnedChats(owner)).Result()
	if err != nil {
		return nil, fmt.Errorf("chats of %s: %w", owner, err)
	}
	return chats, nil
}
