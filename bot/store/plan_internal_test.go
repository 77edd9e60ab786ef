package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

// planned is testRecord with its plan mark (plan marks on).
func planned(id string, at time.Time) Record {
	r := testRecord(id, at)
	r.DedupTTL = 48 * time.Hour
	return r
}

// TestPlanMarkCutShortCompleted: with plan marks on, the record pipeline
// dies after each of its commands in turn — with the user's counted mark
// kept or lost since (evicted, a failover) — and whoever sees the message
// next finds the plan, whichever way it looks (the tally of a violating
// retry, the check of an image, the mark of a message now decided clean),
// and completing it gives what one clean write gives. A plan mark written
// anywhere but first, or a completion that needs the counted mark, fails
// here.
func TestPlanMarkCutShortCompleted(t *testing.T) {
	y, m, d := time.Now().In(cst).Date()
	at := time.Date(y, m, d, 12, 5, 0, 0, cst)
	ctx := context.Background()
	probe := newTestStore(t)
	cut := &cutShort{}
	probe.rdb.AddHook(cut)
	must(t, probe.RecordViolation(ctx, planned("msg:probe", at)))
	total := cut.total
	windows := []time.Duration{24 * time.Hour}
	for n := 1; n < total; n++ {
		for _, lost := range []bool{false, true} {
			t.Run(fmt.Sprintf("cut after %d of %d, counted mark lost %v", n, total, lost), func(t *testing.T) {
				s := newTestStore(t)
				cut := &cutShort{}
				s.rdb.AddHook(cut)
				must(t, s.EnablePlanMarks(ctx, true))
				must(t, s.RecordViolation(ctx, planned("msg:other", at.Add(-time.Hour))))
				r := planned("msg:cut", at)
				tl, err := s.TallyViolation(ctx, r.Violation.ID, r.Violation.From, []string{"pii"}, at, windows, time.Hour)
				must(t, err)
				if tl.Seen || !tl.PlanMarks {
					t.Fatalf("first tally %+v; want unseen, plan marks on", tl)
				}
				cut.arm(n)
				if err := s.RecordViolation(ctx, r); !errors.Is(err, errCut) {
					t.Fatalf("cut pipeline: %v, want the cut", err)
				}
				cut.disarm()
				if lost {
					must(t, s.rdb.Del(ctx, s.keyCounted(r.Violation.From, r.Violation.ID)).Err())
				}
				seen, fromCheck, err := s.SeenPlan(ctx, r.Violation.ID)
				if err != nil || !seen || fromCheck == nil {
					t.Fatalf("SeenPlan: %v, %v, %v; want the plan", seen, fromCheck, err)
				}
				first, fromMark, err := s.MarkSeenPlan(ctx, r.Violation.ID, time.Hour)
				if err != nil || first || fromMark == nil {
					t.Fatalf("MarkSeenPlan: %v, %v, %v; want the plan", first, fromMark, err)
				}
				tl, err = s.TallyViolation(ctx, r.Violation.ID, r.Violation.From, []string{"pii"}, at, windows, time.Hour)
				if err != nil || !tl.Seen || tl.Plan == nil {
					t.Fatalf("retry's tally %+v, %v; want the plan", tl, err)
				}
				for _, p := range []*Record{fromCheck, fromMark, tl.Plan} {
					if got, want := mustJSON(t, *p), mustJSON(t, r); got != want {
						t.Fatalf("plan\n%s\nwant\n%s", got, want)
					}
				}
				must(t, s.RecordViolation(ctx, *tl.Plan))
				checkRecord(t, s, r, 2)
				// Counted once: the retry's tally put back a count lost with
				// its counted mark, and took nothing away.
				if n, err := s.rdb.ZCard(ctx, s.keyViolationCounter(r.Violation.From, "pii")).Result(); err != nil || n != 1 {
					t.Errorf("counter holds %d, %v; want the message once", n, err)
				}
			})
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	must(t, err)
	return string(data)
}

// TestPlanMarkNeverOutlivesEnqueueMarks: a plan completed again later
// (WeCom's retries, an archive re-pull) keeps its mark's expiry — a time,
// DedupTTL after the plan was made — and that time is never after the
// expiry of the enqueue marks of its actions, even with DedupTTL equal
// to OutboxKeyTTL: a mark given its lifetime anew at each completion would
// outlive them, and a completion after they expired would queue the
// warnings and alerts again.
func TestPlanMarkNeverOutlivesEnqueueMarks(t *testing.T) {
	s := newTestStore(t)
	if s.Embedded() {
		t.Skip("miniredis keeps lifetimes, not expiry times: PEXPIRETIME moves with its clock")
	}
	ctx := context.Background()
	r := testRecord("msg:expiry", time.Now())
	r.DedupTTL, r.Retention = OutboxKeyTTL, 180*24*time.Hour
	must(t, s.RecordViolation(ctx, r))
	expiry := func() (mark int64, earliest int64) {
		t.Helper()
		m, err := s.rdb.PExpireTime(ctx, s.keyDedup(r.Violation.ID)).Result()
		must(t, err)
		earliest = -1
		for _, a := range r.Actions {
			e, err := s.rdb.PExpireTime(ctx, s.keyOutboxEnqueued(a.Key)).Result()
			must(t, err)
			if earliest < 0 || e.Milliseconds() < earliest {
				earliest = e.Milliseconds()
			}
		}
		return m.Milliseconds(), earliest
	}
	mark0, enq0 := expiry()
	if mark0 <= 0 || mark0 > enq0 {
		t.Fatalf("plan mark expires at %d, the earliest enqueue mark at %d", mark0, enq0)
	}
	time.Sleep(20 * time.Millisecond)
	_, plan, err := s.SeenPlan(ctx, r.Violation.ID)
	if err != nil || plan == nil {
		t.Fatalf("SeenPlan: %v, %v", plan, err)
	}
	must(t, s.RecordViolation(ctx, *plan))
	if mark, enq := expiry(); mark != mark0 || enq != enq0 || mark > enq {
		t.Errorf("after a later completion the plan mark expires at %d (was %d), the earliest enqueue mark at %d (was %d)", mark, mark0, enq, enq0)
	}
}

// TestPlanMarksOffByDefault: until an operator turns them on, the record
// pipeline writes no dedup mark, so that a replica of a release that
// takes any mark for "done" never sees a message cut short in step 2 as
// processed; the switch is read by every tally, on and off at once.
func TestPlanMarksOffByDefault(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	windows := []time.Duration{time.Hour}
	for i, on := range []bool{false, true, false} {
		if i > 0 {
			must(t, s.EnablePlanMarks(ctx, on))
		}
		id := fmt.Sprint("msg:switch", i)
		tl, err := s.TallyViolation(ctx, id, "wangwu", []string{"pii"}, time.Now(), windows, time.Hour)
		if err != nil || tl.PlanMarks != on {
			t.Fatalf("tally %d: %+v, %v; want plan marks %v", i, tl, err, on)
		}
		r := testRecord(id, time.Now())
		if tl.PlanMarks {
			r.DedupTTL = 48 * time.Hour
		}
		must(t, s.RecordViolation(ctx, r))
		// What a release without plan marks checks: EXISTS.
		if seen, err := s.Seen(ctx, id); err != nil || seen != on {
			t.Errorf("plan marks %v: the mark exists %v, %v after the record pipeline", on, seen, err)
		}
	}
}

// TestStalePlanQueuesNothing: a record whose enqueue marks would expire
// at once — a plan completed just as it expires (DedupTTL equal to
// OutboxKeyTTL), or decided by a clock a week behind — queues none of its
// actions: SET NX PXAT in the past succeeds and the key is gone at once,
// so the naive script would queue the warnings and alerts again. The
// record itself is still written.
func TestStalePlanQueuesNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	r := testRecord("msg:stale", time.Now())
	r.Now = time.Now().Add(-OutboxKeyTTL - time.Minute)
	r.DedupTTL = OutboxKeyTTL
	first, err := s.RecordViolationFirst(ctx, r)
	if err != nil || !first {
		t.Fatalf("RecordViolationFirst = %v, %v; want the record written", first, err)
	}
	if n, err := s.rdb.XLen(ctx, s.keyOutbox()).Result(); err != nil || n != 0 {
		t.Errorf("outbox holds %d entries, %v; want none", n, err)
	}
	if _, ok, err := s.Violation(ctx, r.Violation.ID); err != nil || !ok {
		t.Errorf("record: %v, %v", ok, err)
	}
}
