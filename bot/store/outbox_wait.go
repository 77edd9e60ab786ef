package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A recipient's order across put-backs and replicas. An entry put back to
// wait for its recipient's turn (paced, parked behind older ones, or a
// message retried after a failed send) goes to the end of the stream when
// it comes back, behind alerts queued meanwhile; when the stream holds more
// than a round reads, those later alerts are read first. So every script
// that puts an entry of a recipient back also notes it in the recipient's
// waiting set ({outbox}:wait:<recipient>, the entry's key scored by its
// place: the stream id its oldest action was first read with) and when it
// is due ({outbox}:waitdue:<recipient>); the scripts that seal, dead-letter
// or acknowledge it drop it. A round notes its own entries there too, and
// learns what waits before them, in one script (NoteRound, outbox_note.go),
// and parks a recipient's entries behind the older ones that wait
// elsewhere. A member whose entry was due long ago and was not moved on
// since (its entry lost by a bug or an operator) is dropped by NoteRound
// and Waiters: it bounds how long a stale member can hold a recipient
// back. (Waiters reads the sets without noting anything: for tests and
// the operator.)

// waitLua are the Lua helpers of the scripts that put entries of a
// recipient back (wait) or move them on (unwait): ix is the index of the
// recipients with waiting entries, w and d the recipient's sets.
var waitLua = `
local function wait(ix, w, d, r, key, place, due)
  redis.call("ZADD", w, place, key)
  redis.call("ZADD", d, due, key)
  redis.call("PEXPIRE", w, ` + strconv.FormatInt(OutboxKeyTTL.Milliseconds(), 10) + `)
  redis.call("PEXPIRE", d, ` + strconv.FormatInt(OutboxKeyTTL.Milliseconds(), 10) + `)
  redis.call("SADD", ix, r)
end
local function unwait(ix, w, d, r, key)
  redis.call("ZREM", w, key)
  redis.call("ZREM", d, key)
  if redis.call("ZCARD", w) == 0 then redis.call("SREM", ix, r) end
end
`

// Place is where e stands in its recipient's order: the stream id it (its
// oldest action, for a carrier) was first read with.
func (e OutboxEntry) Place() string {
	if e.Order != "" {
		return e.Order
	}
	return e.StreamID
}

// PlaceScore is a place as a number that orders like the stream ids:
// milliseconds × 1000 + sequence (a sequence beyond 999 within one
// millisecond ties); exact in a float64 until the year 2255.
func PlaceScore(place string) float64 {
	ms, seq, _ := strings.Cut(place, "-")
	m, _ := strconv.ParseInt(ms, 10, 64)
	q, _ := strconv.ParseInt(seq, 10, 64)
	return float64(m)*1000 + float64(min(q, 999))
}

// waitKeys gathers the waiting sets a script touches, after its own keys:
// at names each recipient's waiting set by its KEYS index (its due set
// follows), 0 for none.
type waitKeys struct {
	s    *Store
	keys []string
	at   map[string]int
}

func (s *Store) waitKeys(own ...string) *waitKeys {
	return &waitKeys{s: s, keys: append(own, s.keyOutboxWaiting()), at: map[string]int{}}
}

// of is the KEYS index of r's waiting set (1-based, as Lua counts), 0
// when r is empty (the entry waits for nobody's order).
func (w *waitKeys) of(r string) int {
	if r == "" {
		return 0
	}
	if i, ok := w.at[r]; ok {
		return i
	}
	w.keys = append(w.keys, w.s.keyOutboxWait(r), w.s.keyOutboxWaitDue(r))
	w.at[r] = len(w.keys) - 1
	return w.at[r]
}

// unwaitArgs are the arguments of an entry that leaves its waiting set:
// the set's index, its key and its recipient.
func (w *waitKeys) unwaitArgs(e OutboxEntry) []any {
	return []any{w.of(e.Waits), e.Key, e.Waits}
}

// Waiter is one entry that waits for its turn to a recipient.
type Waiter struct {
	Key   string
	Place float64 // PlaceScore of the entry's place
	Due   time.Time
}

// Waiting is what waits for one recipient: its oldest entries, by place;
// More says that more wait than were returned.
type Waiting struct {
	Oldest []Waiter
	More   bool
}

// waitersScript drops from the waiting set KEYS[2] of recipient ARGV[1]
// (its due set KEYS[3]) up to 100 members due before ARGV[2] (stale: their
// entry was not moved on since), clears the recipient from the index
// KEYS[1] when nothing waits any more, and returns how many wait and the
// oldest ARGV[3] as key, place, due.
var waitersScript = redis.NewScript(`
local old = redis.call("ZRANGEBYSCORE", KEYS[3], "-inf", "(" .. ARGV[2], "LIMIT", 0, 100)
for _, k in ipairs(old) do
  redis.call("ZREM", KEYS[2], k)
  redis.call("ZREM", KEYS[3], k)
end
local n = redis.call("ZCARD", KEYS[2])
if n == 0 then
  redis.call("SREM", KEYS[1], ARGV[1])
  return {0, {}}
end
local ws = redis.call("ZRANGE", KEYS[2], 0, tonumber(ARGV[3]) - 1, "WITHSCORES")
local out = {}
for i = 1, #ws, 2 do
  table.insert(out, ws[i])
  table.insert(out, ws[i + 1])
  table.insert(out, redis.call("ZSCORE", KEYS[3], ws[i]) or "0")
end
return {n, out}`)

// Waiters returns, for each of recipients, its oldest limit waiting
// entries, in one round trip, after dropping those due more than stale
// before now: their entry was not put back, sealed, dead-lettered or
// acknowledged since, so it is gone, and it must not hold the recipient
// back for ever.
func (s *Store) Waiters(ctx context.Context, recipients []string, now time.Time, stale time.Duration, limit int) (map[string]Waiting, error) {
	out := map[string]Waiting{}
	if len(recipients) == 0 {
		return out, nil
	}
	cmds := make([]*redis.Cmd, len(recipients))
	err := s.pipelineScripts(ctx, func(_ redis.Pipeliner, run scriptRunner) {
		for i, r := range recipients {
			cmds[i] = run(waitersScript, []string{s.keyOutboxWaiting(), s.keyOutboxWait(r), s.keyOutboxWaitDue(r)},
				r, now.Add(-stale).UnixMilli(), limit)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read the waiting entries of %d recipients: %w", len(recipients), err)
	}
	for i, r := range recipients {
		res, err := cmds[i].Slice()
		if err != nil || len(res) != 2 {
			return nil, fmt.Errorf("read the waiting entries of %s: %v %w", r, res, err)
		}
		n, _ := res[0].(int64)
		list, _ := res[1].([]any)
		w := waitingOf(list)
		w.More = int(n) > len(w.Oldest)
		if n > 0 {
			out[r] = w
		}
	}
	return out, nil
}
