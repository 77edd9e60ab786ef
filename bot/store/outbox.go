package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outbox is a Redis Stream read by one consumer group, so each entry
// goes to one sender replica at a time and stays pending until acknowledged:
// a crashed replica's entries are claimed by another (XAUTOCLAIM). Failed
// deliveries wait in a sorted set until their retry time, then go back into
// the stream; entries that fail too often move to a dead-letter stream.
// All of its keys share the {outbox} hash tag so scripts may touch them together.

// outboxGroup is the consumer group of the senders.
const outboxGroup = "senders"

// OutboxKeyTTL is how long enqueue and delivery marks are kept: far longer
// than any retry schedule, so a redelivered entry is recognised.
const OutboxKeyTTL = 7 * 24 * time.Hour

// OutboxEntry is one action waiting for delivery.
type OutboxEntry struct {
	StreamID  string    `json:"-"`
	Key       string    `json:"key"`     // idempotency key of the action
	Attempt   int       `json:"attempt"` // deliveries tried so far
	Payload   []byte    `json:"payload"`
	Enqueued  time.Time `json:"enqueued"`
	LastError string    `json:"last_error,omitempty"`
	// Waited is set on an entry put back to wait (Reschedule): when it
	// comes back it is older than the entries read with it that have not.
	Waited bool `json:"waited,omitempty"`
	// Order is the stream id the entry (a carrier: its oldest action) was
	// first read with, kept when it is put back (Place).
	Order string `json:"order,omitempty"`
	// Waits names the recipient whose order the entry waits in while it
	// is put back (outbox_wait.go); the sender sets it, empty for none.
	Waits string `json:"waits,omitempty"`
}

// DeadLetter is an entry that exhausted its attempts.
type DeadLetter struct {
	ID     string      `json:"id"`
	Entry  OutboxEntry `json:"entry"`
	Reason string      `json:"reason"`
	Died   time.Time   `json:"died"`
}

// enqueueScript adds entries to the outbox (KEYS[1]), each unless its
// enqueue mark (KEYS[1+i], the mark of ARGV[2+i]) was set before and has
// not expired: the marks expire after ARGV[2] ms (ARGV[1] "PX") or at
// ARGV[2] ms since the epoch (ARGV[1] "PXAT", a violation's plan: see
// planMarkExpiry). It returns how many it added.
var enqueueScript = redis.NewScript(`
local added = 0
for i = 2, #KEYS do
  if redis.call("SET", KEYS[i], "1", "NX", ARGV[1], ARGV[2]) then
    redis.call("XADD", KEYS[1], "*", "e", ARGV[i + 1])
    added = added + 1
  end
end
return added`)

// Enqueue adds an action with idempotency key to the outbox unless one with
// that key was enqueued within OutboxKeyTTL; added tells which.
func (s *Store) Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (added bool, err error) {
	keys, args, err := s.enqueueArgs([]Action{{Key: key, Payload: payload}}, now, time.Time{})
	if err != nil {
		return false, err
	}
	n, err := enqueueScript.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", key, err)
	}
	return n == 1, nil
}

// enqueueArgs are enqueueScript's keys and arguments for acts, enqueued at
// now; their marks expire at until, or OutboxKeyTTL after they are set
// when until is zero.
func (s *Store) enqueueArgs(acts []Action, now, until time.Time) (keys []string, args []any, err error) {
	keys = append(make([]string, 0, 1+len(acts)), s.keyOutbox())
	args = append(make([]any, 0, 2+len(acts)), "PX", OutboxKeyTTL.Milliseconds())
	if !until.IsZero() {
		args[0], args[1] = "PXAT", until.UnixMilli()
	}
	for _, a := range acts {
		data, err := json.Marshal(OutboxEntry{Key: a.Key, Payload: a.Payload, Enqueued: now})
		if err != nil {
			return nil, nil, fmt.Errorf("encode outbox entry %s: %w", a.Key, err)
		}
		keys = append(keys, s.keyOutboxEnqueued(a.Key))
		args = append(args, data)
	}
	return keys, args, nil
}

// EnsureOutboxGroup creates the outbox stream and its consumer group if
// they do not exist yet.
func (s *Store) EnsureOutboxGroup(ctx context.Context) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.keyOutbox(), outboxGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create outbox group: %w", err)
	}
	return nil
}

// withGroup runs op, and if the stream or its group is missing (a fresh or
// wiped Redis) creates them and runs op once more.
func (s *Store) withGroup(ctx context.Context, op func() error) error {
	err := op()
	if err == nil || !strings.HasPrefix(err.Error(), "NOGROUP") {
		return err
	}
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		return err
	}
	return op()
}

// ReadOutbox returns up to count new entries for consumer, waiting up to
// block for one to arrive (0: do not wait).
func (s *Store) ReadOutbox(ctx context.Context, consumer string, count int, block time.Duration) ([]OutboxEntry, error) {
	if block <= 0 {
		block = -1 // go-redis: a negative Block omits BLOCK
	}
	var res []redis.XStream
	err := s.withGroup(ctx, func() (err error) {
		res, err = s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: outboxGroup, Consumer: consumer,
			Streams: []string{s.keyOutbox(), ">"}, Count: int64(count), Block: block,
		}).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var out []OutboxEntry
	for _, st := range res {
		out = append(out, decodeEntries(st.Messages)...)
	}
	return out, nil
}

// ClaimStale takes over up to count entries that another consumer read but
// has not acknowledged for minIdle: that replica died or hangs.
func (s *Store) ClaimStale(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]OutboxEntry, error) {
	var msgs []redis.XMessage
	err := s.withGroup(ctx, func() (err error) {
		msgs, _, err = s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: s.keyOutbox(), Group: outboxGroup, Consumer: consumer,
			MinIdle: minIdle, Start: "0-0", Count: int64(count),
		}).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim stale outbox entries: %w", err)
	}
	return decodeEntries(msgs), nil
}

// keepScript resets the idle time of the pending entry ARGV[2] if it is
// still pending at consumer ARGV[1] (XCLAIM to itself, no delivery
// counted); it returns 0 when another consumer holds it or it is gone, and
// never takes an entry back from the replica that claimed it.
var keepScript = redis.NewScript(`
local p = redis.call("XPENDING", KEYS[1], "` + outboxGroup + `", ARGV[2], ARGV[2], 1, ARGV[1])
if #p == 0 then return 0 end
redis.call("XCLAIM", KEYS[1], "` + outboxGroup + `", ARGV[1], 0, ARGV[2], "JUSTID")
return 1`)

// KeepPending tells the outbox that consumer is still working on e (a
// WeCom call in progress), so that ClaimStale elsewhere does not take it
// over after minIdle; held is false when e is no longer pending at
// consumer (another replica took it over, or it was moved on).
func (s *Store) KeepPending(ctx context.Context, consumer string, e OutboxEntry) (held bool, err error) {
	n, err := keepScript.Run(ctx, s.rdb, []string{s.keyOutbox()}, consumer, e.StreamID).Int()
	if err != nil {
		return false, fmt.Errorf("keep %s pending: %w", e.Key, err)
	}
	return n == 1, nil
}

func decodeEntries(msgs []redis.XMessage) []OutboxEntry {
	out := make([]OutboxEntry, 0, len(msgs))
	for _, m := range msgs {
		var e OutboxEntry
		raw, _ := m.Values["e"].(string)
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			// Unreadable entries are still returned, so the sender can
			// dead-letter them instead of leaving them pending forever.
			e = OutboxEntry{Key: "undecodable:" + m.ID, LastError: "undecodable entry: " + err.Error()}
		}
		e.StreamID = m.ID
		out = append(out, e)
	}
	return out
}

// ackScript removes entries from the stream KEYS[1], the noted set KEYS[2]
// and their waiting sets (KEYS[3] the index, then the sets): a stream id, a waiting set's KEYS index (0: none), a key and a
// recipient an entry.
var ackScript = redis.NewScript(waitLua + `
for i = 1, #ARGV, 4 do
  redis.call("XACK", KEYS[1], "` + outboxGroup + `", ARGV[i])
  redis.call("XDEL", KEYS[1], ARGV[i])
  redis.call("ZREM", KEYS[2], ARGV[i])
  local w = tonumber(ARGV[i + 1])
  if w > 0 then unwait(KEYS[3], KEYS[w], KEYS[w + 1], ARGV[i + 3], ARGV[i + 2]) end
end
return #ARGV / 4`)

// AckOutbox removes delivered entries from the outbox.
func (s *Store) AckOutbox(ctx context.Context, entries ...OutboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	wk := s.waitKeys(s.keyOutbox(), s.keyOutboxNoted())
	ids := make([]any, 0, 4*len(entries))
	for _, e := range entries {
		ids = append(append(ids, e.StreamID), wk.unwaitArgs(e)...)
	}
	if err := ackScript.Run(ctx, s.rdb, wk.keys, ids...).Err(); err != nil {
		return fmt.Errorf("ack outbox entries: %w", err)
	}
	return nil
}

// rescheduleAllScript and deadScript act only if this call acknowledged
// the entry: when two replicas hold one entry (a slow round was claimed by
// another), only the first moves it, and it is not queued twice.

// Reschedule moves e out of the stream into the delayed set, to come back
// at due. The caller sets e.Attempt and e.LastError as they should be then.
func (s *Store) Reschedule(ctx context.Context, e OutboxEntry, due time.Time) error {
	return s.RescheduleAll(ctx, []OutboxEntry{e}, due)
}

// rescheduleAllScript moves entries out of the stream into the delayed
// set (and out of the noted set KEYS[3]), and notes those that wait for a
// recipient's order in its waiting set (KEYS[4] is the index, then the
// sets): a due time, a stream id, a
// member, the waiting set's KEYS index (0: none), the key, the place and
// the recipient per entry. It returns how many it moved (an entry another
// replica acked already is skipped).
var rescheduleAllScript = redis.NewScript(waitLua + `
local n = 0
for i = 1, #ARGV, 7 do
  if redis.call("XACK", KEYS[1], "` + outboxGroup + `", ARGV[i + 1]) == 1 then
    redis.call("XDEL", KEYS[1], ARGV[i + 1])
    redis.call("ZREM", KEYS[3], ARGV[i + 1])
    redis.call("ZADD", KEYS[2], ARGV[i], ARGV[i + 2])
    local w = tonumber(ARGV[i + 3])
    if w > 0 then wait(KEYS[4], KEYS[w], KEYS[w + 1], ARGV[i + 6], ARGV[i + 4], ARGV[i + 5], ARGV[i]) end
    n = n + 1
  end
end
return n`)

// RescheduleAll is Reschedule for every entry of es, all due at due, in one
// round trip: the sender puts back all the alerts of a recipient whose
// pacing window is full at once (one script call each cost a seventh of
// the served binary's CPU under load).
func (s *Store) RescheduleAll(ctx context.Context, es []OutboxEntry, due time.Time) error {
	dues := make([]time.Time, len(es))
	for i := range dues {
		dues[i] = due
	}
	return s.RescheduleAt(ctx, es, dues)
}

// RescheduleAt is Reschedule for every entry of es, es[i] due at dues[i],
// in one round trip: the sender spreads a paced recipient's backlog over
// the slots it will have, one message's worth a slot, so that each part
// comes back once at its turn instead of the whole backlog at every slot.
func (s *Store) RescheduleAt(ctx context.Context, es []OutboxEntry, dues []time.Time) error {
	if len(es) == 0 {
		return nil
	}
	if len(dues) != len(es) {
		return fmt.Errorf("reschedule %d entries at %d times: one due time an entry", len(es), len(dues))
	}
	wk := s.waitKeys(s.keyOutbox(), s.keyOutboxDelayed(), s.keyOutboxNoted())
	args := make([]any, 0, 7*len(es))
	for i, e := range es {
		data, err := rescheduledMember(e)
		if err != nil {
			return err
		}
		args = append(args, dues[i].UnixMilli(), e.StreamID, data, wk.of(e.Waits), e.Key, PlaceScore(e.Place()), e.Waits)
	}
	if err := rescheduleAllScript.Run(ctx, s.rdb, wk.keys, args...).Err(); err != nil {
		if len(es) == 1 {
			return fmt.Errorf("reschedule %s: %w", es[0].Key, err)
		}
		return fmt.Errorf("reschedule %d entries: %w", len(es), err)
	}
	return nil
}

// rescheduledMember is e as a member of the delayed set.
func rescheduledMember(e OutboxEntry) ([]byte, error) {
	e.Waited = true
	e.Order = e.Place()
	data, err := json.Marshal(struct {
		OutboxEntry
		From string `json:"from"` // makes the member unique per stream entry
	}{e, e.StreamID})
	if err != nil {
		return nil, fmt.Errorf("encode outbox entry %s: %w", e.Key, err)
	}
	return data, nil
}

// promoteScript moves up to ARGV[2] members of the delayed set KEYS[2] due
// by ARGV[1] into the stream KEYS[1]. One that waits in a recipient's
// order is in its waiting set already, so its new stream id counts as
// noted (KEYS[3], outbox_note.go): a round reading an entry placed after
// it does not wait for its reader to note it. (A plain find: "waits" is a
// field of the member's JSON, and no string value can hold its quoted
// name unescaped.)
var promoteScript = redis.NewScript(`
local due = redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", ARGV[1], "LIMIT", 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local id = redis.call("XADD", KEYS[1], "*", "e", m)
  redis.call("ZREM", KEYS[2], m)
  if string.find(m, '"waits":"', 1, true) then
    local ms, seq = string.match(id, "^(%d+)-(%d+)$")
    redis.call("ZADD", KEYS[3], ms .. string.format("%03d", math.min(tonumber(seq), 999)), id)
  end
end
if #due > 0 then redis.call("PEXPIRE", KEYS[3], ` + strconv.FormatInt(OutboxKeyTTL.Milliseconds(), 10) + `) end
return #due`)

// PromoteDue moves up to max delayed entries whose time has come back into
// the stream, atomically, and returns how many it moved.
func (s *Store) PromoteDue(ctx context.Context, now time.Time, max int) (int, error) {
	n, err := promoteScript.Run(ctx, s.rdb, []string{s.keyOutbox(), s.keyOutboxDelayed(), s.keyOutboxNoted()}, now.UnixMilli(), max).Int()
	if err != nil {
		return 0, fmt.Errorf("promote due outbox entries: %w", err)
	}
	return n, nil
}

// deadScript moves stream entry ARGV[1] of KEYS[1] to the dead letters
// KEYS[2], out of the noted set KEYS[3] and out of its waiting set
// (KEYS[4] the index, then ARGV[5] the
// set's KEYS index, 0 for none, ARGV[6] its key and ARGV[7] its recipient).
var deadScript = redis.NewScript(waitLua + `
if redis.call("XACK", KEYS[1], "` + outboxGroup + `", ARGV[1]) == 0 then
  return 0
end
redis.call("XDEL", KEYS[1], ARGV[1])
redis.call("ZREM", KEYS[3], ARGV[1])
redis.call("XADD", KEYS[2], "*", "e", ARGV[2], "reason", ARGV[3], "died", ARGV[4])
local w = tonumber(ARGV[5])
if w > 0 then unwait(KEYS[4], KEYS[w], KEYS[w + 1], ARGV[7], ARGV[6]) end
return 1`)

// DeadLetter moves e out of the outbox into the dead-letter stream.
func (s *Store) DeadLetter(ctx context.Context, e OutboxEntry, reason string, now time.Time) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode outbox entry %s: %w", e.Key, err)
	}
	wk := s.waitKeys(s.keyOutbox(), s.keyOutboxDead(), s.keyOutboxNoted())
	args := append([]any{e.StreamID, data, reason, now.UnixMilli()}, wk.unwaitArgs(e)...)
	err = deadScript.Run(ctx, s.rdb, wk.keys, args...).Err()
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", e.Key, err)
	}
	return nil
}

// DeadLetters returns up to count dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, count int) ([]DeadLetter, error) {
	msgs, err := s.rdb.XRevRangeN(ctx, s.keyOutboxDead(), "+", "-", int64(count)).Result()
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	out := make([]DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		d := DeadLetter{ID: m.ID}
		raw, _ := m.Values["e"].(string)
		_ = json.Unmarshal([]byte(raw), &d.Entry)
		d.Reason, _ = m.Values["reason"].(string)
		if ms, err := strconv.ParseInt(fmt.Sprint(m.Values["died"]), 10, 64); err == nil {
			d.Died = time.UnixMilli(ms)
		}
		out = append(out, d)
	}
	return out, nil
}

var retryDeadScript = redis.NewScript(`
local m = redis.call("XRANGE", KEYS[2], ARGV[1], ARGV[1])
if #m == 0 then return 0 end
local fields = m[1][2]
for i = 1, #fields, 2 do
  if fields[i] == "e" then
    local e = cjson.decode(fields[i + 1])
    e["attempt"] = 0
    e["enqueued"] = ARGV[2]
    e["waits"] = nil
    e["waited"] = nil
    e["order"] = nil
    redis.call("XADD", KEYS[1], "*", "e", cjson.encode(e))
  end
end
redis.call("XDEL", KEYS[2], ARGV[1])
return 1`)

// RetryDeadLetter puts dead letter id back into the outbox with a fresh
// attempt count and retry budget; ok is false when there is no such dead
// letter.
func (s *Store) RetryDeadLetter(ctx context.Context, id string) (ok bool, err error) {
	now, _ := time.Now().MarshalText() // the JSON form of OutboxEntry.Enqueued
	n, err := retryDeadScript.Run(ctx, s.rdb, []string{s.keyOutbox(), s.keyOutboxDead()}, id, string(now)).Int()
	if err != nil {
		return false, fmt.Errorf("retry dead letter %s: %w", id, err)
	}
	return n == 1, nil
}

// MarkDelivered records that the actions with these keys were delivered.
func (s *Store) MarkDelivered(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	for _, k := range keys {
		pipe.Set(ctx, s.keyOutboxDelivered(k), 1, OutboxKeyTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	return nil
}

// Delivered reports whether the action with key was delivered already.
func (s *Store) Delivered(ctx context.Context, key string) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.keyOutboxDelivered(key)).Result()
	if err != nil {
		return false, fmt.Errorf("check delivered %s: %w", key, err)
	}
	return n == 1, nil
}

// OutboxStats counts the entries waiting in the stream (new and pending),
// delayed for a retry, and dead.
type OutboxStats struct {
	Queued  int64 `json:"queued"`
	Pending int64 `json:"pending"`
	Delayed int64 `json:"delayed"`
	Dead    int64 `json:"dead"`
}

// OutboxStats returns the outbox's counts.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	pipe := s.rdb.Pipeline()
	q := pipe.XLen(ctx, s.keyOutbox())
	p := pipe.XPending(ctx, s.keyOutbox(), outboxGroup)
	d := pipe.ZCard(ctx, s.keyOutboxDelayed())
	dl := pipe.XLen(ctx, s.keyOutboxDead())
	_, err := pipe.Exec(ctx)
	if err != nil && !errors.Is(err, redis.Nil) && !strings.HasPrefix(err.Error(), "NOGROUP") {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	st.Queued, st.Delayed, st.Dead = q.Val(), d.Val(), dl.Val()
	if p.Val() != nil {
		st.Pending = p.Val().Count
	}
	return st, nil
}

// TakeSendSlot takes one message slot towards recipient in a sliding minute
// and hour window shared by all replicas. It returns 0 when the slot is
// taken, or how long to wait until one frees. WeCom silently drops messages
// beyond 30 a minute and 1000 an hour from one app to one member, so the
// sender paces below that.
func (s *Store) TakeSendSlot(ctx context.Context, recipient, token string, now time.Time, perMinute, perHour int) (time.Duration, error) {
	// The pacer's window script (pacer.go), taking the slot ("1").
	ms, err := paceScript.Run(ctx, s.rdb, []string{s.keySendRate(recipient)}, now.UnixMilli(), perMinute, perHour, token, "1").Int64()
	if err != nil {
		return 0, fmt.Errorf("take send slot for %s: %w", recipient, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// SendSlotsFree says when the sends within the last minute towards
// recipient (up to count, oldest first) leave its sliding minute window:
// the times at which its slots free, if nothing else is sent. The sender
// spreads a paced recipient's backlog over them.
func (s *Store) SendSlotsFree(ctx context.Context, recipient string, now time.Time, count int) ([]time.Time, error) {
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.keySendRate(recipient), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(now.Add(-time.Minute).UnixMilli(), 10), Max: "+inf", Count: int64(count),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the send window of %s: %w", recipient, err)
	}
	out := make([]time.Time, len(zs))
	for i, z := range zs {
		out[i] = time.UnixMilli(int64(z.Score)).Add(time.Minute)
	}
	return out, nil
}
