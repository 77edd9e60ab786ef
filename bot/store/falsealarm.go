package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Withdrawal says that a violation was withdrawn as a false alarm (误报):
// it no longer counts on the escalation ladder, and the employee's record
// shows it withdrawn (已撤销).
type Withdrawal struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
	// Via is how it came about: "hr" (HR marked it), "owner" (HR confirmed
	// a group owner's request) or "appeal" (HR accepted the employee's
	// appeal).
	Via string `json:"via"`
}

// CaseReview is what HR's review added to a case: the appeals that joined
// it, its violations withdrawn as false alarms, where the decision was
// announced and a suspension carried out from the console.
type CaseReview struct {
	Appeals   []string `json:"appeals,omitempty"`
	Withdrawn []string `json:"withdrawn,omitempty"`
	// Notices name where the decision went: "member" (the employee),
	// "group" (the group's robot), "announcement" (HR's announcement chat).
	Notices   []string    `json:"notices,omitempty"`
	Suspended *Suspension `json:"suspended,omitempty"`
}

// Suspension records an account suspension (停用账号) HR carried out from
// the console through WeCom's user/update.
type Suspension struct {
	At time.Time `json:"at"`
	By string    `json:"by"`
}

// UpdateViolation applies change to the stored violation id atomically
// (optimistic WATCH), keeping its expiry, and returns it before and after.
// A violation that does not exist (or expired) is ErrNotFound.
func (s *Store) UpdateViolation(ctx context.Context, id string, change func(v *Violation) error) (before, after Violation, err error) {
	key := s.keyViolation(id)
	txf := func(tx *redis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("violation %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		before = Violation{}
		if err := json.Unmarshal(data, &before); err != nil {
			return fmt.Errorf("decode violation %s: %w", id, err)
		}
		if err := json.Unmarshal(data, &after); err != nil {
			return fmt.Errorf("decode violation %s: %w", id, err)
		}
		if err := change(&after); err != nil {
			return err
		}
		out, err := json.Marshal(after)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, out, redis.SetArgs{KeepTTL: true})
			return nil
		})
		return err
	}
	for range 5 {
		after = Violation{}
		err = s.rdb.Watch(ctx, txf, key)
		if !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return Violation{}, Violation{}, fmt.Errorf("update violation %s: %w", id, err)
	}
	return before, after, nil
}

// uncountScript removes one event (ARGV[1]) from the rolling windows
// KEYS[…] (one user's, one key per category: one slot) and returns how
// many windows held it.
var uncountScript = redis.NewScript(`
local n = 0
for i = 1, #KEYS do
  n = n + redis.call("ZREM", KEYS[i], ARGV[1])
end
return n`)

// UncountViolation takes violation eventID of user out of the user's
// counters in the given categories (CountViolation's windows), so that it
// no longer counts on the escalation ladder. Doing it again changes
// nothing; it returns how many counters held it.
func (s *Store) UncountViolation(ctx context.Context, user, eventID string, categories []string) (int, error) {
	if len(categories) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, len(categories))
	for _, c := range categories {
		if k := s.keyViolationCounter(user, c); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	n, err := uncountScript.Run(ctx, s.rdb, keys, eventID).Int()
	if err != nil {
		return 0, fmt.Errorf("uncount violation %s of %q: %w", eventID, user, err)
	}
	return n, nil
}

// countFalseAlarmScript counts a withdrawn violation once in its day's
// statistics hash (KEYS[1]) as a false alarm (the ARGV[3] fields ARGV[4…])
// and takes it out of the day's violation counts (the fields after them):
// the dashboard and the digest count violations that stand, false alarms
// apart. KEYS[2] remembers the false alarms counted, KEYS[3] (countStats's
// set) the violations counted: one not counted yet (its save is still to
// be retried) is marked counted here, so the retry counts nothing. A
// count that reaches 0 is removed (a member with none is no repeat
// offender). The keys keep the hash's expiry, or ARGV[2] ms when it has
// none (it expired, or was never written).
var countFalseAlarmScript = redis.NewScript(`
if redis.call("SADD", KEYS[2], ARGV[1]) == 0 then
  return 0
end
local n = tonumber(ARGV[3])
for i = 4, 3 + n do
  redis.call("HINCRBY", KEYS[1], ARGV[i], 1)
end
if redis.call("SADD", KEYS[3], ARGV[1]) == 0 then
  for i = 4 + n, #ARGV do
    if redis.call("HINCRBY", KEYS[1], ARGV[i], -1) <= 0 then
      redis.call("HDEL", KEYS[1], ARGV[i])
    end
  end
end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[2])
  redis.call("PEXPIRE", KEYS[1], ttl)
end
redis.call("PEXPIRE", KEYS[2], ttl)
if redis.call("PTTL", KEYS[3]) < 0 then
  redis.call("PEXPIRE", KEYS[3], ttl)
end
return 1`)

// False-alarm fields of the day's statistics hash: "fa:total",
// "fa:rule:<rule>" and "fa:cat:<category>". Stats ignores them.
const (
	faTotal    = "fa:total"
	faRule     = "fa:rule:"
	faCategory = "fa:cat:"
)

// CountFalseAlarm counts v, withdrawn as a false alarm, in the statistics
// of the day it happened (once: a retried withdrawal counts nothing), per
// rule and category of its hits, and takes it out of that day's violation
// counts (Stats). keep bounds the counts' life when the day's statistics
// have expired.
func (s *Store) CountFalseAlarm(ctx context.Context, v Violation, keep time.Duration) (bool, error) {
	if keep < 24*time.Hour {
		keep = 24 * time.Hour
	}
	fa := []string{faTotal}
	for _, h := range v.Hits {
		for _, f := range []string{faRule + h.Rule, faCategory + h.Category} {
			if !slices.Contains(fa, f) {
				fa = append(fa, f)
			}
		}
	}
	args := []any{keyPart(v.ID), keep.Milliseconds(), len(fa)}
	for _, f := range fa {
		args = append(args, f)
	}
	for _, f := range statFields(v) {
		args = append(args, f)
	}
	day := statsDay(v.Time)
	keys := []string{s.keyStats(day), s.keyStatsFalseAlarms(day), s.keyStatsCounted(day)}
	n, err := countFalseAlarmScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("count false alarm %s: %w", v.ID, err)
	}
	return n == 1, nil
}

// FalseAlarmCounts are the false alarms among the violations of some days.
type FalseAlarmCounts struct {
	Total      int64            `json:"total"`
	ByRule     map[string]int64 `json:"by_rule"`
	ByCategory map[string]int64 `json:"by_category"`
}

// FalseAlarmStats sums the false alarms among the violations of the days
// days up to and including the day of now.
func (s *Store) FalseAlarmStats(ctx context.Context, now time.Time, days int) (FalseAlarmCounts, error) {
	out := FalseAlarmCounts{ByRule: map[string]int64{}, ByCategory: map[string]int64{}}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, days)
	for i := range days {
		cmds[i] = pipe.HGetAll(ctx, s.keyStats(statsDay(now.AddDate(0, 0, i-days+1))))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return out, fmt.Errorf("read false-alarm statistics: %w", err)
	}
	for _, cmd := range cmds {
		for f, v := range cmd.Val() {
			if !strings.HasPrefix(f, "fa:") {
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			if rule, ok := strings.CutPrefix(f, faRule); ok {
				out.ByRule[rule] += n
			} else if cat, ok := strings.CutPrefix(f, faCategory); ok {
				out.ByCategory[cat] += n
			} else if f == faTotal {
				out.Total += n
			}
		}
	}
	return out, nil
}

// UserViolationsBetween returns user's violations from from to to
// (inclusive), oldest first, at most limit; records that expired are
// skipped.
func (s *Store) UserViolationsBetween(ctx context.Context, user string, from, to time.Time, limit int) ([]Violation, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.keyUserViolations(user), &redis.ZRangeBy{
		Min: strconv.FormatInt(from.UnixMilli(), 10), Max: strconv.FormatInt(to.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("list violations of %q: %w", user, err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.keyViolation(id)
	}
	vals, err := s.mget(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list violations of %q: %w", user, err)
	}
	out := make([]Violation, 0, len(vals))
	for i, raw := range vals {
		str, ok := raw.(string)
		if !ok {
			continue
		}
		var v Violation
		if err := json.Unmarshal([]byte(str), &v); err != nil {
			return nil, fmt.Errorf("decode violation %s: %w", ids[i], err)
		}
		out = append(out, v)
	}
	return out, nil
}

// FalseAlarmRequest is a group owner's request that HR withdraw a
// violation in their chat as a false alarm.
type FalseAlarmRequest struct {
	Violation string    `json:"violation"`
	Chat      string    `json:"chat,omitempty"`
	User      string    `json:"user"` // the sender of the violation
	By        string    `json:"by"`   // the owner who asked
	Reason    string    `json:"reason"`
	Filed     time.Time `json:"filed"`
	Status    string    `json:"status"` // open, confirmed, declined
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Note      string    `json:"note,omitempty"`
}

// Statuses of appeals and false-alarm requests.
const (
	ReviewOpen      = "open"
	ReviewAccepted  = "accepted"  // an appeal HR accepted (a false alarm)
	ReviewRejected  = "rejected"  // an appeal HR rejected
	ReviewConfirmed = "confirmed" // a request HR confirmed (a false alarm)
	ReviewDeclined  = "declined"  // a request HR declined
)

// RequestFalseAlarm files r (status open) unless a request for its
// violation exists; created says which. It returns the stored request.
func (s *Store) RequestFalseAlarm(ctx context.Context, r FalseAlarmRequest) (FalseAlarmRequest, bool, error) {
	r.Status = ReviewOpen
	return fileOnce(ctx, s, r, s.keyFalseAlarmRequest(r.Violation), s.keyOpenFalseAlarmRequests(), s.keyAllFalseAlarmRequests(), r.Violation, r.Filed)
}

// FalseAlarmRequest returns the request about violation vid.
func (s *Store) FalseAlarmRequest(ctx context.Context, vid string) (r FalseAlarmRequest, ok bool, err error) {
	ok, err = s.getJSON(ctx, s.keyFalseAlarmRequest(vid), &r)
	return r, ok, err
}

// FalseAlarmRequests lists requests newest first: the open ones, or with
// all every one.
func (s *Store) FalseAlarmRequests(ctx context.Context, all bool, limit int) ([]FalseAlarmRequest, error) {
	idx := s.keyOpenFalseAlarmRequests()
	if all {
		idx = s.keyAllFalseAlarmRequests()
	}
	return listFiled[FalseAlarmRequest](ctx, s, idx, limit, s.keyFalseAlarmRequest)
}

// UpdateFalseAlarmRequest applies change to the request about vid
// atomically; the open index follows its status.
func (s *Store) UpdateFalseAlarmRequest(ctx context.Context, vid string, change func(r *FalseAlarmRequest) error) (before, after FalseAlarmRequest, err error) {
	return updateFiled(ctx, s, s.keyFalseAlarmRequest(vid), s.keyOpenFalseAlarmRequests(), vid, change,
		func(r FalseAlarmRequest) (bool, time.Time) { return r.Status == ReviewOpen, r.Filed })
}

// fileOnceScript stores a record (KEYS[1] ← ARGV[1]) unless it exists,
// and then indexes it (member ARGV[3], score ARGV[2]) in the open and all
// indexes KEYS[2] and KEYS[3]. It returns 1 when it stored it.
var fileOnceScript = redis.NewScript(`
if redis.call("SET", KEYS[1], ARGV[1], "NX") then
  redis.call("ZADD", KEYS[2], ARGV[2], ARGV[3])
  redis.call("ZADD", KEYS[3], ARGV[2], ARGV[3])
  return 1
end
return 0`)

// fileOnce stores v under key with its indexes unless key exists, and
// returns what is stored.
func fileOnce[T any](ctx context.Context, s *Store, v T, key, openIdx, allIdx, member string, at time.Time) (T, bool, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return v, false, fmt.Errorf("encode %s: %w", key, err)
	}
	n, err := fileOnceScript.Run(ctx, s.rdb, []string{key, openIdx, allIdx}, data, at.UnixMilli(), member).Int()
	if err != nil {
		return v, false, fmt.Errorf("file %s: %w", member, err)
	}
	if n == 1 {
		return v, true, nil
	}
	var stored T
	if _, err := s.getJSON(ctx, key, &stored); err != nil {
		return v, false, err
	}
	return stored, false, nil
}

// listFiled reads the records of an index, newest first.
func listFiled[T any](ctx context.Context, s *Store, idx string, limit int, key func(string) string) ([]T, error) {
	ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: idx, Start: 0, Stop: int64(limit) - 1, Rev: true}).Result()
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", idx, err)
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	vals, err := s.mget(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", idx, err)
	}
	out := make([]T, 0, len(vals))
	for i, raw := range vals {
		str, ok := raw.(string)
		if !ok {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(str), &v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", ids[i], err)
		}
		out = append(out, v)
	}
	return out, nil
}

// updateFiled applies change to the record at key under WATCH; open says
// whether the result stays in the open index openIdx (as member, scored
// by its time).
func updateFiled[T any](ctx context.Context, s *Store, key, openIdx, member string, change func(*T) error, open func(T) (bool, time.Time)) (before, after T, err error) {
	txf := func(tx *redis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("%s: %w", member, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var b, a T
		if err := json.Unmarshal(data, &b); err != nil {
			return fmt.Errorf("decode %s: %w", member, err)
		}
		if err := json.Unmarshal(data, &a); err != nil {
			return fmt.Errorf("decode %s: %w", member, err)
		}
		if err := change(&a); err != nil {
			return err
		}
		out, err := json.Marshal(a)
		if err != nil {
			return err
		}
		stays, at := open(a)
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, out, 0)
			if stays {
				p.ZAdd(ctx, openIdx, redis.Z{Score: float64(at.UnixMilli()), Member: member})
			} else {
				p.ZRem(ctx, openIdx, member)
			}
			return nil
		})
		before, after = b, a
		return err
	}
	for range 5 {
		err = s.rdb.Watch(ctx, txf, key)
		if !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		var zero T
		return zero, zero, fmt.Errorf("update %s: %w", member, err)
	}
	return before, after, nil
}
