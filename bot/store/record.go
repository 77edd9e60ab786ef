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

// The record path of a violating message in three round trips, whatever
// the number of categories, actions and cluster nodes — two with plan
// marks on (plan.go):
//
//  1. TallyViolation: the dedup check and the user's counters, one per
//     category, in one pipeline (GET of the mark, of the record and of
//     the plan-mark switch, and one script on the user's {u:…} slot);
//  2. RecordViolation: the record, the time index, the day's statistics,
//     the user's index, the case and the outbox entries in one pipeline —
//     one command or script per slot, go-redis sends each node its part at
//     once on a cluster; with plan marks on, the dedup mark, carrying the
//     whole record as its plan, is the pipeline's first command;
//  3. MarkSeen, only after 2 succeeded — without plan marks.
//
// Every write is idempotent by the message id. Without plan marks the
// dedup mark comes last, in its own round trip: a replica that dies
// anywhere before it leaves the message unmarked, and WeCom's retry
// completes it without counting anything twice (tested in record_test.go
// by stopping between each step). A plain mark cannot join step 2's
// pipeline: Redis runs a pipeline's commands one by one, so a failed
// script in it would not stop the mark after it, and on a cluster the
// nodes run their parts in any order. A plan mark can: whoever finds it
// completes the message from it (plan.go).

// countOnce counts one message in its sender's counters, one per category,
// once: KEYS[1], in the same slot, marks the message as counted, so a
// retried message — or a message whose counter entry was withdrawn since
// (a false alarm) — is not added again; the counts are returned either way.
//
//	KEYS[1]  the counted mark   KEYS[2…] the categories' rolling windows
//	ARGV[1]  now, ms   ARGV[2] event id   ARGV[3] longest window, ms
//	ARGV[4]  the mark's lifetime, ms      ARGV[5…] the windows, ms
//
// It returns {fresh (1 when this call counted), counts of KEYS[2] by
// window…, counts of KEYS[3] …}.
var countOnce = redis.NewScript(`
local now = tonumber(ARGV[1])
local longest = tonumber(ARGV[3])
local fresh = redis.call("SET", KEYS[1], "1", "NX", "PX", ARGV[4])
local out = {fresh and 1 or 0}
for k = 2, #KEYS do
  if fresh then
    redis.call("ZADD", KEYS[k], "NX", now, ARGV[2])
    redis.call("PEXPIRE", KEYS[k], longest)
  end
  redis.call("ZREMRANGEBYSCORE", KEYS[k], "-inf", "(" .. (now - longest))
  for i = 5, #ARGV do
    out[#out + 1] = redis.call("ZCOUNT", KEYS[k], "(" .. (now - tonumber(ARGV[i])), "+inf")
  end
end
return out`)

// Tally is what TallyViolation found: whether the message was processed
// before, and its sender's counts per category (in the order asked), each
// by window (in the order given).
type Tally struct {
	Seen bool
	// Plan is set when the message's mark is a plan (Seen too): it was
	// decided before and maybe stored in part; RecordViolation(*Plan)
	// completes it, nothing is decided again.
	Plan *Record
	// Stored is the message's record when one exists without a mark: a
	// try cut short on a cluster stored it; the retry keeps its decision.
	Stored *Violation
	// PlanMarks tells whether plan marks are on (plan.go): the caller
	// then sets Record.DedupTTL and skips MarkSeen.
	PlanMarks bool
	Counts    [][]int64
}

// TallyViolation is the first round trip of a violating message: it checks
// the dedup mark of msgID and counts the message in user's counters of
// each category at now (once: a retry counts nothing more). When the
// message was seen already (a plain mark), nothing stays counted; when its
// mark is a plan, the message was counted when the plan was made, and a
// count lost since (with the counted mark) is put back. keep is how long
// the message is remembered as counted (at least the longest window and
// MinDedupTTL).
func (s *Store) TallyViolation(ctx context.Context, msgID, user string, categories []string, now time.Time, windows []time.Duration, keep time.Duration) (Tally, error) {
	if len(windows) == 0 || len(categories) == 0 {
		return Tally{}, fmt.Errorf("tally violation %s: no windows or categories given", msgID)
	}
	longest := slices.Max(windows)
	keep = max(keep, longest, MinDedupTTL)
	keys := make([]string, 0, 1+len(categories))
	keys = append(keys, s.keyCounted(user, msgID))
	for _, c := range categories {
		keys = append(keys, s.keyViolationCounter(user, c))
	}
	args := make([]any, 0, 4+len(windows))
	args = append(args, now.UnixMilli(), msgID, longest.Milliseconds(), keep.Milliseconds())
	for _, w := range windows {
		args = append(args, w.Milliseconds())
	}
	var mark, stored, planMarks *redis.StringCmd
	var counted *redis.Cmd
	err := s.pipelineScripts(ctx, func(p redis.Pipeliner, run scriptRunner) {
		mark = p.Get(ctx, s.keyDedup(msgID))
		stored = p.Get(ctx, s.keyViolation(msgID))
		planMarks = p.Get(ctx, s.keyPlanMarks())
		counted = run(countOnce, keys, args...)
	})
	if err != nil {
		return Tally{}, fmt.Errorf("tally violation %s of %q: %w", msgID, user, err)
	}
	res, err := counted.Int64Slice()
	if err != nil || len(res) != 1+len(categories)*len(windows) {
		return Tally{}, fmt.Errorf("tally violation %s of %q: unexpected answer %v: %v", msgID, user, res, err)
	}
	t := Tally{Seen: mark.Err() == nil, PlanMarks: planMarks.Val() == planMarksOn}
	if t.Seen {
		if t.Plan, err = decodeMark(mark.Val()); err != nil {
			return Tally{}, fmt.Errorf("tally violation %s: %w", msgID, err)
		}
		if res[0] == 1 && t.Plan == nil {
			// The counted mark (keys[0]) stays, so the message is never
			// counted later.
			if err := uncountScript.Run(ctx, s.rdb, keys[1:], msgID).Err(); err != nil {
				return Tally{}, fmt.Errorf("take back the count of %s, processed before: %w", msgID, err)
			}
		}
		return t, nil
	}
	if stored.Err() == nil {
		var v Violation
		if err := json.Unmarshal([]byte(stored.Val()), &v); err != nil {
			return Tally{}, fmt.Errorf("tally violation %s: decode its record: %w", msgID, err)
		}
		t.Stored = &v
	}
	for i := range categories {
		t.Counts = append(t.Counts, res[1+i*len(windows):1+(i+1)*len(windows)])
	}
	return t, nil
}

// keyCounted marks message msgID as counted in user's counters; it carries
// the user's {u:…} tag so the count script changes it with them.
func (s *Store) keyCounted(user, msgID string) string {
	return s.prefix + "{u:" + keyPart(user) + "}:counted:" + keyPart(msgID)
}

// Action is one outbox entry to add: its idempotency key and payload.
type Action struct {
	Key     string
	Payload []byte
}

// Record is everything stored for one violating message.
type Record struct {
	Violation Violation
	Retention time.Duration // of the record and its indexes (at least a day)
	Case      *Case         // opened unless it exists; nil for none
	Actions   []Action      // enqueued unless enqueued before (by key)
	Now       time.Time     // when it was decided: the outbox entries' enqueue time
	// DedupTTL, when set (plan marks on), makes RecordViolation write the
	// message's dedup mark, with this record as its plan, first; it
	// expires DedupTTL after Now (planMarkExpiry).
	DedupTTL time.Duration
}

// RecordViolation is the second round trip of a violating message: it
// stores the record, indexes it by time, by sender and by the short
// references of its messages, counts it in its
// day's statistics, opens its case and enqueues its actions — in one
// pipeline, each part idempotent, so a retry after a failure half-way
// completes it and changes nothing that was done (a record stored before
// is kept: HR may have changed it since). With r.DedupTTL set it first
// writes the plan mark (plan.go). The enqueue marks expire OutboxKeyTTL
// after r.Now, however often the record is completed.
func (s *Store) RecordViolation(ctx context.Context, r Record) error {
	_, err := s.RecordViolationFirst(ctx, r)
	return err
}

// RecordViolationFirst is RecordViolation that also tells whether this
// call wrote the record (it was not stored before): true once per
// violation, however often it is completed again (a retry, a plan found),
// so that a metric counts a violation once. A call that fails after
// writing the record but before its answer arrives leaves the record
// written and its retry says false: a count is lost, never doubled.
func (s *Store) RecordViolationFirst(ctx context.Context, r Record) (first bool, err error) {
	v := r.Violation
	retention := max(r.Retention, 24*time.Hour)
	data, err := json.Marshal(v)
	if err != nil {
		return false, fmt.Errorf("encode violation %s: %w", v.ID, err)
	}
	var caseData []byte
	if r.Case != nil {
		c := *r.Case
		c.Status = CaseOpen
		if caseData, err = json.Marshal(c); err != nil {
			return false, fmt.Errorf("encode case %s: %w", c.ID, err)
		}
	}
	var until time.Time
	acts := r.Actions
	if !r.Now.IsZero() {
		until = r.Now.Add(OutboxKeyTTL)
		if !until.After(time.Now()) {
			// The enqueue marks would expire at once (a plan completed
			// at the very end of its life with DedupTTL = OutboxKeyTTL,
			// or a clock far behind): the actions were queued long ago
			// or never will be; queued now they could be delivered twice.
			acts = nil
		}
	}
	entryKeys, entryArgs, err := s.enqueueArgs(acts, r.Now, until)
	if err != nil {
		return false, err
	}
	var plan []byte
	if r.DedupTTL > 0 {
		if plan, err = encodePlan(r); err != nil {
			return false, err
		}
	}
	at := v.Time.UnixMilli()
	day := statsDay(v.Time)
	statArgs := []any{keyPart(v.ID), retention.Milliseconds()}
	for _, f := range statFields(v) {
		statArgs = append(statArgs, f)
	}
	var written []*redis.BoolCmd
	err = s.pipelineScripts(ctx, func(p redis.Pipeliner, run scriptRunner) {
		if plan != nil {
			p.Do(ctx, "set", s.keyDedup(v.ID), plan, "pxat", planMarkExpiry(r).UnixMilli())
		}
		// The pipeline may run twice (pipelineScripts): the record is
		// new when either run wrote it.
		written = append(written, p.SetNX(ctx, s.keyViolation(v.ID), data, retention))
		p.ZAdd(ctx, s.keyViolationIndex(), redis.Z{Score: float64(at), Member: v.ID})
		p.ZRemRangeByScore(ctx, s.keyViolationIndex(), "-inf", "("+strconv.FormatInt(at-retention.Milliseconds(), 10))
		run(countStats, []string{s.keyStats(day), s.keyStatsCounted(day)}, statArgs...)
		run(indexByTime, []string{s.keyUserViolations(v.From)}, at, v.ID, retention.Milliseconds())
		s.queueRefs(ctx, p, v, retention)
		if r.Case != nil {
			run(openCaseScript, []string{s.keyCase(r.Case.ID), s.keyOpenCases(), s.keyAllCases()},
				caseData, r.Case.ID, r.Case.Opened.UnixMilli())
		}
		if len(acts) > 0 {
			run(enqueueScript, entryKeys, entryArgs...)
		}
	})
	if err != nil {
		return false, fmt.Errorf("record violation %s: %w", v.ID, err)
	}
	for _, w := range written {
		first = first || w.Val()
	}
	return first, nil
}

// scriptRunner queues a script in a pipeline (see pipelineScripts).
type scriptRunner func(sc *redis.Script, keys []string, args ...any) *redis.Cmd

// pipelineScripts runs fill's commands in one pipeline, its scripts by
// EVALSHA; when a server does not know a script yet (a restarted or new
// node), the whole pipeline runs again sending the scripts' text. Only
// idempotent pipelines may use it: part of the first run may have been
// applied.
//
// go-redis's Script.Run falls back to EVAL by itself, but not inside a
// pipeline, where the error arrives with the answers.
func (s *Store) pipelineScripts(ctx context.Context, fill func(p redis.Pipeliner, run scriptRunner)) error {
	for _, withText := range []bool{false, true} {
		var scripts []*redis.Cmd
		cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			fill(p, func(sc *redis.Script, keys []string, args ...any) *redis.Cmd {
				var c *redis.Cmd
				if withText {
					c = sc.Eval(ctx, p, keys, args...)
				} else {
					c = sc.EvalSha(ctx, p, keys, args...)
				}
				scripts = append(scripts, c)
				return c
			})
			return nil
		})
		if !withText && slices.ContainsFunc(scripts, func(c *redis.Cmd) bool { return isNoScript(c.Err()) }) {
			continue
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		for _, c := range cmds {
			if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
		}
		return nil
	}
	return nil
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}
