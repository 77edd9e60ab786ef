package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A recipient's order across replicas reading at once. An entry is noted
// in its recipient's waiting set (outbox_wait.go) not only while it is put
// back but from the moment its round knows the recipient until it is sent:
// a round notes all its entries at once (NoteRound) and its sealed
// carrier stays noted until FinishLease or DeadLease. What no set can name
// is an entry another replica has read but not yet noted: its recipient is
// unknown until that replica's lookups (a chat's owner) are done. So every
// round also notes the stream ids of what it read in {outbox}:noted (the
// scripts that acknowledge, seal, put back or dead-letter an entry drop
// its id; ids below the oldest pending entry, left by a crash, are
// trimmed here; an entry promoted from waiting is noted by PromoteDue, its
// recipient's set has it), and
// NoteRound returns the oldest entry another consumer holds that is not in
// it: the round's entries placed after it may belong to the same
// recipient, and wait until it is noted (bot/sender_order.go).

// RoundNote is one entry of a round as NoteRound notes it.
type RoundNote struct {
	// Recipient is the order the entry keeps (Waits), empty for none (a
	// WeCom call, a robot's message): only its stream id is noted then.
	Recipient string
	Entry     OutboxEntry
}

// RoundNoted is what NoteRound found.
type RoundNoted struct {
	// Waiting holds, per recipient of the round, its entries placed before
	// the newest of the round's for it, other than the round's own.
	Waiting map[string]Waiting
	// Unresolved is the stream id of the oldest entry placed before the
	// round's newest that another consumer read and has not noted yet;
	// empty when there is none.
	Unresolved string
}

// notedScanned bounds how many pending entries one NoteRound looks at:
// beyond, the first one not looked at counts as not noted, which holds
// back only the round's entries placed after it (none when nothing is
// pending beyond).
const notedScanned = 2000

// noteRoundScript notes a round's entries. KEYS: the stream, the noted
// set, the index of waiting recipients, then each recipient's waiting
// and due sets. ARGV[1] the consumer, ARGV[2] now (ms), ARGV[3] the stale
// bound (ms: members due before it are dropped), ARGV[4] how many waiting
// members to return a recipient at most, ARGV[5] the newest place of the
// round's entries that keep an order ("" for none). From ARGV[6] on, six
// an entry: stream id, its score, its waiting set's KEYS index (0: none),
// key, place score (as a string), recipient. It returns the oldest
// unresolved stream id ("" for none) and, per recipient, the recipient,
// how many older members wait and the oldest of them as key, place, due.
var noteRoundScript = redis.NewScript(waitLua + `
local now, stale, limit = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local mine, newest, newestArg, rcpt = {}, {}, {}, {}
for i = 6, #ARGV, 6 do
  redis.call("ZADD", KEYS[2], ARGV[i + 1], ARGV[i])
  local w = tonumber(ARGV[i + 2])
  if w > 0 then
    wait(KEYS[3], KEYS[w], KEYS[w + 1], ARGV[i + 5], ARGV[i + 3], ARGV[i + 4], now)
    mine[w] = mine[w] or {}
    mine[w][ARGV[i + 3]] = true
    local p = tonumber(ARGV[i + 4])
    if not newest[w] or p > newest[w] then newest[w], newestArg[w] = p, ARGV[i + 4] end
    rcpt[w] = ARGV[i + 5]
  end
end
redis.call("PEXPIRE", KEYS[2], ` + strconv.FormatInt(OutboxKeyTTL.Milliseconds(), 10) + `)
local group = "` + outboxGroup + `"
-- Ids below the oldest pending entry are pending nowhere any more.
local sum = redis.call("XPENDING", KEYS[1], group)
if sum[2] and sum[2] ~= false then
  local ms, seq = string.match(sum[2], "^(%d+)-(%d+)$")
  if ms then
    seq = math.min(tonumber(seq), 999)
    redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", "(" .. ms .. string.format("%03d", seq))
  end
end
local unresolved = ""
if ARGV[5] ~= "" then
  local start, scanned, last = "-", 0, ""
  while unresolved == "" and scanned < ` + strconv.Itoa(notedScanned) + ` do
    local p = redis.call("XPENDING", KEYS[1], group, start, ARGV[5], 200)
    for _, x in ipairs(p) do
      scanned = scanned + 1
      last = x[1]
      if x[2] ~= ARGV[1] and not redis.call("ZSCORE", KEYS[2], x[1]) then
        unresolved = x[1]
        break
      end
    end
    if #p < 200 then break end
    local ms, seq = string.match(last, "^(%d+)-(%d+)$")
    start = ms .. "-" .. (tonumber(seq) + 1)
  end
  -- Beyond what was looked at, the first entry not looked at counts as
  -- not noted: the last one looked at is known noted (or the round's), and
  -- taking it held back the round's entries up to that first one too.
  if unresolved == "" and scanned >= ` + strconv.Itoa(notedScanned) + ` then
    local ms, seq = string.match(last, "^(%d+)-(%d+)$")
    local rest = redis.call("XPENDING", KEYS[1], group, ms .. "-" .. (tonumber(seq) + 1), ARGV[5], 1)
    if #rest > 0 then unresolved = rest[1][1] end
  end
end
local out = {unresolved}
for w, r in pairs(rcpt) do
  local old = redis.call("ZRANGEBYSCORE", KEYS[w + 1], "-inf", "(" .. stale, "LIMIT", 0, 100)
  for _, k in ipairs(old) do
    redis.call("ZREM", KEYS[w], k)
    redis.call("ZREM", KEYS[w + 1], k)
  end
  local n, list, off = 0, {}, 0
  while true do
    local ws = redis.call("ZRANGEBYSCORE", KEYS[w], "-inf", "(" .. newestArg[w], "WITHSCORES", "LIMIT", off, 200)
    for j = 1, #ws, 2 do
      if not mine[w][ws[j]] then
        n = n + 1
        if n <= limit then
          table.insert(list, ws[j])
          table.insert(list, ws[j + 1])
          table.insert(list, redis.call("ZSCORE", KEYS[w + 1], ws[j]) or "0")
        end
      end
    end
    if #ws < 400 or n > limit then break end
    off = off + 200
  end
  table.insert(out, r)
  table.insert(out, n)
  table.insert(out, list)
end
return out`)

// NoteRound notes, in one round trip, the entries a round of consumer
// holds once their recipients are known: each in its recipient's waiting
// set (due now: it is held, not put back) and every one's stream id as
// noted. It returns, per recipient, up to limit of its members placed
// before the round's newest entry for it and not among notes (members due
// more than stale before now dropped first, as Waiters does), and the
// oldest entry another consumer read, placed before the round's newest,
// that is not noted yet.
func (s *Store) NoteRound(ctx context.Context, consumer string, notes []RoundNote, now time.Time, stale time.Duration, limit int) (RoundNoted, error) {
	out := RoundNoted{Waiting: map[string]Waiting{}}
	if len(notes) == 0 {
		return out, nil
	}
	wk := s.waitKeys(s.keyOutbox(), s.keyOutboxNoted())
	newest, newestScore := "", 0.0
	args := []any{consumer, now.UnixMilli(), now.Add(-stale).UnixMilli(), limit, ""}
	for _, n := range notes {
		e := n.Entry
		place := PlaceScore(e.Place())
		if n.Recipient != "" && (newest == "" || place > newestScore) {
			newest, newestScore = e.Place(), place
		}
		args = append(args, e.StreamID, PlaceScore(e.StreamID), wk.of(n.Recipient), e.Key,
			strconv.FormatFloat(place, 'f', -1, 64), n.Recipient)
	}
	args[4] = newest
	res, err := noteRoundScript.Run(ctx, s.rdb, wk.keys, args...).Slice()
	if err != nil || len(res) == 0 || (len(res)-1)%3 != 0 {
		return out, fmt.Errorf("note the %d entries of a round: %v %w", len(notes), res, err)
	}
	out.Unresolved, _ = res[0].(string)
	for i := 1; i+2 < len(res); i += 3 {
		r, _ := res[i].(string)
		n, _ := res[i+1].(int64)
		list, _ := res[i+2].([]any)
		w := waitingOf(list)
		w.More = int(n) > len(w.Oldest)
		if n > 0 {
			out.Waiting[r] = w
		}
	}
	return out, nil
}

// waitingOf decodes a script's list of waiting members: key, place, due.
func waitingOf(list []any) Waiting {
	var w Waiting
	for j := 0; j+2 < len(list); j += 3 {
		key, _ := list[j].(string)
		place, _ := strconv.ParseFloat(fmt.Sprint(list[j+1]), 64)
		due, _ := strconv.ParseFloat(fmt.Sprint(list[j+2]), 64)
		w.Oldest = append(w.Oldest, Waiter{Key: key, Place: place, Due: time.UnixMilli(int64(due))})
	}
	return w
}
