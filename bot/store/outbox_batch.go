package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A message to WeCom that carries several actions (a digest) is the unit
// of delivery: once it is about to be sent, its actions leave the stream
// and one carrier entry takes their place, so a message that failed
// ambiguously (delivered, but the answer lost) is resent as the same
// message, which WeCom's duplicate check recognises, and never as parts of
// other combinations.
//
// While its holder sends it the carrier waits in the delayed set under a
// lease: its score is the lease's end, which the holder keeps pushing out
// (RenewLease). If the holder dies, the lease runs out, PromoteDue puts the
// carrier back into the stream and another replica resends it as it was.

// Lease is a carrier held by one sender while it sends it.
type Lease struct {
	// Entry is the carrier as it waits in the delayed set.
	Entry  OutboxEntry
	member string
}

// leased is the delayed-set member of a carrier under a lease; Lease makes
// it unique, so only its holder can move it on.
type leased struct {
	OutboxEntry
	Lease string `json:"lease"`
}

// sealScript moves the held entries out of the stream KEYS[1], the noted
// set KEYS[3] and their waiting sets (KEYS[4] the index, then the sets)
// and puts the carrier (ARGV[3]) in the delayed set KEYS[2] until ARGV[2],
// but only if every one of them is still pending at consumer ARGV[1]:
// entries another replica took over meanwhile are returned and nothing
// changes. The
// carrier takes their place in its recipient's waiting set while it is
// sent: ARGV[4] the set's KEYS index (0: none), ARGV[5] its key, ARGV[6]
// its place, ARGV[7] the recipient, ARGV[8] now (its due time). From
// ARGV[9] on each held entry is a stream id, its waiting set's KEYS index
// (0: none), its key and its recipient.
var sealScript = redis.NewScript(waitLua + `
local lost = {}
for i = 9, #ARGV, 4 do
  local p = redis.call("XPENDING", KEYS[1], "` + outboxGroup + `", ARGV[i], ARGV[i], 1, ARGV[1])
  if #p == 0 then table.insert(lost, ARGV[i]) end
end
if #lost > 0 then return lost end
for i = 9, #ARGV, 4 do
  redis.call("XACK", KEYS[1], "` + outboxGroup + `", ARGV[i])
  redis.call("XDEL", KEYS[1], ARGV[i])
  redis.call("ZREM", KEYS[3], ARGV[i])
  local w = tonumber(ARGV[i + 1])
  if w > 0 then unwait(KEYS[4], KEYS[w], KEYS[w + 1], ARGV[i + 3], ARGV[i + 2]) end
end
local w = tonumber(ARGV[4])
if w > 0 then wait(KEYS[4], KEYS[w], KEYS[w + 1], ARGV[7], ARGV[5], ARGV[6], ARGV[8]) end
redis.call("ZADD", KEYS[2], ARGV[2], ARGV[3])
return {}`)

// SealBatch replaces the entries held by consumer with carrier, leased to
// the caller until until. It is the safe claim on those entries: if any of
// them is no longer pending at consumer (another replica claimed it, or it
// was moved on), nothing changes and lost lists their stream ids, so the
// caller can leave them out and seal again. A carrier read back from the
// stream is sealed anew with itself as the only held entry. A carrier
// whose Waits names a recipient stays in its waiting set, due now, until
// FinishLease, RetryLease or DeadLease moves it on: a replica reading the
// recipient's later alerts meanwhile parks them behind it.
func (s *Store) SealBatch(ctx context.Context, consumer string, held []OutboxEntry, carrier OutboxEntry, now, until time.Time) (l Lease, lost []string, err error) {
	carrier.StreamID = ""
	member, err := leaseMember(carrier)
	if err != nil {
		return Lease{}, nil, fmt.Errorf("seal %s: %w", carrier.Key, err)
	}
	wk := s.waitKeys(s.keyOutbox(), s.keyOutboxDelayed(), s.keyOutboxNoted())
	args := []any{consumer, until.UnixMilli(), member, wk.of(carrier.Waits), carrier.Key, PlaceScore(carrier.Place()), carrier.Waits, now.UnixMilli()}
	for _, e := range held {
		args = append(append(args, e.StreamID), wk.unwaitArgs(e)...)
	}
	lost, err = sealScript.Run(ctx, s.rdb, wk.keys, args...).StringSlice()
	if err != nil {
		return Lease{}, nil, fmt.Errorf("seal %s: %w", carrier.Key, err)
	}
	if len(lost) > 0 {
		return Lease{}, lost, nil
	}
	return Lease{Entry: carrier, member: member}, nil, nil
}

func leaseMember(e OutboxEntry) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random lease: %w", err)
	}
	data, err := json.Marshal(leased{e, hex.EncodeToString(b[:])})
	if err != nil {
		return "", fmt.Errorf("encode carrier: %w", err)
	}
	return string(data), nil
}

var renewScript = redis.NewScript(`
if redis.call("ZSCORE", KEYS[1], ARGV[2]) then
  redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`)

// RenewLease pushes the end of l out to until; ok is false when the lease
// was lost already (it ran out and the carrier went back to the stream).
func (s *Store) RenewLease(ctx context.Context, l Lease, until time.Time) (ok bool, err error) {
	n, err := renewScript.Run(ctx, s.rdb, []string{s.keyOutboxDelayed()}, until.UnixMilli(), l.member).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease of %s: %w", l.Entry.Key, err)
	}
	return n == 1, nil
}

// finishScript marks KEYS[2..ARGV[3]+1] delivered, drops the lease
// ARGV[1] from the delayed set KEYS[1] and the carrier from its waiting
// set (ARGV[4] the set's KEYS index, 0 for none, after the index; ARGV[5]
// its key, ARGV[6] its recipient); it returns whether the lease was still
// held.
var finishScript = redis.NewScript(waitLua + `
local marks = tonumber(ARGV[3])
for i = 2, marks + 1 do
  redis.call("SET", KEYS[i], "1", "PX", ARGV[2])
end
local w = tonumber(ARGV[4])
if w > 0 then unwait(KEYS[marks + 2], KEYS[w], KEYS[w + 1], ARGV[6], ARGV[5]) end
return redis.call("ZREM", KEYS[1], ARGV[1])`)

// FinishLease records that the carrier of l was delivered, with the actions
// it carried (keys), and drops it, also from its recipient's waiting set.
// The marks are set even when the lease was lost: whoever holds the
// carrier now finds it delivered.
func (s *Store) FinishLease(ctx context.Context, l Lease, keys ...string) (held bool, err error) {
	own := []string{s.keyOutboxDelayed(), s.keyOutboxDelivered(l.Entry.Key)}
	for _, k := range keys {
		own = append(own, s.keyOutboxDelivered(k))
	}
	wk := s.waitKeys(own...)
	args := append([]any{l.member, OutboxKeyTTL.Milliseconds(), len(own) - 1}, wk.unwaitArgs(l.Entry)...)
	n, err := finishScript.Run(ctx, s.rdb, wk.keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("finish %s: %w", l.Entry.Key, err)
	}
	return n == 1, nil
}

// retryLeaseScript replaces lease ARGV[1] in the delayed set KEYS[1] with
// the carrier ARGV[3] due at ARGV[2] and, when ARGV[4] names a recipient,
// notes the carrier (key ARGV[5], place ARGV[6]) in its waiting set
// (KEYS[2] the index, KEYS[3..4] the sets); when it names none, the
// carrier leaves the set of the recipient ARGV[7] it was sealed for
// (KEYS[ARGV[8]], 0 for none).
var retryLeaseScript = redis.NewScript(waitLua + `
if redis.call("ZREM", KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call("ZADD", KEYS[1], ARGV[2], ARGV[3])
if ARGV[4] ~= "" then
  wait(KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[5], ARGV[6], ARGV[2])
elseif tonumber(ARGV[8]) > 0 then
  local w = tonumber(ARGV[8])
  unwait(KEYS[2], KEYS[w], KEYS[w + 1], ARGV[7], ARGV[5])
end
return 1`)

// RetryLease gives up l and puts its carrier, as e (the caller sets Attempt
// and LastError, and Waits to keep the recipient's later alerts behind
// it), back in the delayed set until due. It does nothing when the lease
// was lost: the carrier is someone else's now.
func (s *Store) RetryLease(ctx context.Context, l Lease, e OutboxEntry, due time.Time) (held bool, err error) {
	e.StreamID = ""
	// A waiting carrier's member is unique too (as Reschedule's "from").
	member, err := leaseMember(e)
	if err != nil {
		return false, fmt.Errorf("retry %s: %w", e.Key, err)
	}
	wk := s.waitKeys(s.keyOutboxDelayed())
	wk.of(e.Waits)
	sealed := 0
	if e.Waits == "" {
		sealed = wk.of(l.Entry.Waits)
	}
	n, err := retryLeaseScript.Run(ctx, s.rdb, wk.keys, l.member, due.UnixMilli(), member, e.Waits, e.Key, PlaceScore(e.Order), l.Entry.Waits, sealed).Int()
	if err != nil {
		return false, fmt.Errorf("retry %s: %w", e.Key, err)
	}
	return n == 1, nil
}

var deadLeaseScript = redis.NewScript(waitLua + `
if redis.call("ZREM", KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call("XADD", KEYS[2], "*", "e", ARGV[2], "reason", ARGV[3], "died", ARGV[4])
local w = tonumber(ARGV[5])
if w > 0 then unwait(KEYS[3], KEYS[w], KEYS[w + 1], ARGV[7], ARGV[6]) end
return 1`)

// DeadLease gives up l and moves its carrier, as e, to the dead letters,
// and out of its recipient's waiting set.
func (s *Store) DeadLease(ctx context.Context, l Lease, e OutboxEntry, reason string, now time.Time) (held bool, err error) {
	e.StreamID = ""
	data, err := json.Marshal(e)
	if err != nil {
		return false, fmt.Errorf("encode carrier %s: %w", e.Key, err)
	}
	wk := s.waitKeys(s.keyOutboxDelayed(), s.keyOutboxDead())
	args := append([]any{l.member, data, reason, now.UnixMilli()}, wk.unwaitArgs(l.Entry)...)
	n, err := deadLeaseScript.Run(ctx, s.rdb, wk.keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("dead-letter %s: %w", e.Key, err)
	}
	return n == 1, nil
}

// DeliveredMany reports, in one round trip, which of keys were delivered.
func (s *Store) DeliveredMany(ctx context.Context, keys ...string) ([]bool, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.Exists(ctx, s.keyOutboxDelivered(k))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("check %d delivered: %w", len(keys), err)
	}
	out := make([]bool, len(keys))
	for i, c := range cmds {
		out[i] = c.Val() == 1
	}
	return out, nil
}
