package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// cutShort is a go-redis hook that, while armed, sends only the first n
// commands of a pipeline and fails it: a replica that died while writing
// its pipeline, with part of it applied.
type cutShort struct {
	mu    sync.Mutex
	armed bool
	n     int
	total int // commands of the last full pipeline seen
}

var errCut = errors.New("connection reset (cut short by the test)")

func (c *cutShort) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *cutShort) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}

func (c *cutShort) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		armed, n := c.armed, c.n
		c.total = len(cmds)
		c.mu.Unlock()
		if !armed || n >= len(cmds) {
			return next(ctx, cmds)
		}
		if n > 0 {
			if err := next(ctx, cmds[:n]); err != nil {
				return err
			}
		}
		for _, cmd := range cmds[n:] {
			cmd.SetErr(errCut)
		}
		return errCut
	}
}

func (c *cutShort) arm(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed, c.n = true, n
}

func (c *cutShort) disarm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
}

// testRecord is a violating message's record with a case and three actions.
func testRecord(id string, at time.Time) Record {
	v := Violation{ID: id, Time: at, From: "zhangsan", ChatID: "wrcut", Severity: "high", Action: "escalate_hr",
		Hits: []VHit{{Category: "pii", Masked: "1101**********002X"}}, CaseID: CaseIDFor(id, at)}
	return Record{
		Violation: v, Retention: 48 * time.Hour, Now: at,
		Case: &Case{ID: v.CaseID, Opened: at, User: v.From, Category: "pii", Violations: []string{id}},
		Actions: []Action{
			{Key: id + "/warn_sender", Payload: []byte(`{"kind":"warn_sender"}`)},
			{Key: id + "/alert_owner", Payload: []byte(`{"kind":"alert_owner"}`)},
			{Key: id + "/escalate_hr", Payload: []byte(`{"kind":"escalate_hr"}`)},
		},
	}
}

// TestRecordViolationCutShort: the record pipeline dies after each of its
// commands in turn (part applied, the rest never sent); the retry completes
// it, and the result is the same as one clean write: one record, indexed
// once by time and by sender, counted once in the statistics, one case in
// both indexes, one outbox entry per action.
func TestRecordViolationCutShort(t *testing.T) {
	// Noon of today in China: the records must still be within their
	// retention when the test runs (a fixed date expired two days later),
	// and this record and the one an hour earlier fall on one day.
	y, m, d := time.Now().In(cst).Date()
	at := time.Date(y, m, d, 12, 5, 0, 0, cst)
	probe := newTestStore(t)
	cut := &cutShort{}
	probe.rdb.AddHook(cut)
	ctx := context.Background()
	must(t, probe.RecordViolation(ctx, testRecord("msg:probe", at)))
	total := cut.total
	if total < 6 {
		t.Fatalf("the record pipeline has %d commands; want at least 6", total)
	}
	for n := 0; n < total; n++ {
		t.Run(fmt.Sprintf("cut after %d of %d", n, total), func(t *testing.T) {
			s := newTestStore(t)
			cut := &cutShort{}
			s.rdb.AddHook(cut)
			r := testRecord("msg:cut", at)
			// Load the scripts first, so the cut falls in the real write.
			must(t, s.RecordViolation(ctx, testRecord("msg:other", at.Add(-time.Hour))))
			cut.arm(n)
			if err := s.RecordViolation(ctx, r); !errors.Is(err, errCut) {
				t.Fatalf("cut pipeline: %v, want the cut", err)
			}
			cut.disarm()
			must(t, s.RecordViolation(ctx, r))
			must(t, s.RecordViolation(ctx, r)) // and once more: nothing changes
			checkRecord(t, s, r, 2)
		})
	}
}

// checkRecord checks r's effects in s, where want records (r and others
// at the same day) were written.
func checkRecord(t *testing.T, s *Store, r Record, want int64) {
	t.Helper()
	ctx := context.Background()
	v := r.Violation
	if got, ok, err := s.Violation(ctx, v.ID); err != nil || !ok || got.CaseID != v.CaseID {
		t.Errorf("record %+v, %v, %v", got, ok, err)
	}
	if n, err := s.rdb.ZCard(ctx, s.keyViolationIndex()).Result(); err != nil || n != want {
		t.Errorf("time index %d, %v; want %d", n, err, want)
	}
	if n, err := s.rdb.ZCard(ctx, s.keyUserViolations(v.From)).Result(); err != nil || n != want {
		t.Errorf("sender's index %d, %v; want %d", n, err, want)
	}
	days, err := s.Stats(ctx, v.Time, 1)
	if err != nil || days[0].Total != want || days[0].ByCategory["pii"] != want {
		t.Errorf("statistics %+v, %v; want %d", days, err, want)
	}
	if c, ok, err := s.Case(ctx, r.Case.ID); err != nil || !ok || c.Status != CaseOpen {
		t.Errorf("case %+v, %v, %v", c, ok, err)
	}
	for _, idx := range []string{s.keyOpenCases(), s.keyAllCases()} {
		if n, err := s.rdb.ZCard(ctx, idx).Result(); err != nil || n != want {
			t.Errorf("case index %s: %d, %v; want %d", idx, n, err, want)
		}
	}
	if n, err := s.rdb.XLen(ctx, s.keyOutbox()).Result(); err != nil || n != want*int64(len(r.Actions)) {
		t.Errorf("outbox %d entries, %v; want %d", n, err, want*int64(len(r.Actions)))
	}
}

// TestRecordViolationKeepsResolvedCase: a retried record does not reopen a
// case HR resolved meanwhile.
func TestRecordViolationKeepsResolvedCase(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	r := testRecord("msg:resolved", time.Now())
	must(t, s.RecordViolation(ctx, r))
	if _, _, err := s.UpdateCase(ctx, r.Case.ID, func(c *Case) error { c.Status = CaseResolved; return nil }); err != nil {
		t.Fatal(err)
	}
	must(t, s.RecordViolation(ctx, r))
	if c, _, _ := s.Case(ctx, r.Case.ID); c.Status != CaseResolved {
		t.Errorf("case %s after a retry: %s, want still resolved", c.ID, c.Status)
	}
	if ids, err := s.OpenCases(ctx); err != nil || len(ids) != 0 {
		t.Errorf("open cases %v, %v; want none", ids, err)
	}
}

// TestTallyCountsOnce: a message is counted once across retries, not again
// after its counter entry was withdrawn (a false alarm), and not at all
// when its dedup mark says it was processed before.
func TestTallyCountsOnce(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	windows := []time.Duration{24 * time.Hour, 7 * 24 * time.Hour}
	tally := func(id string) Tally {
		t.Helper()
		tl, err := s.TallyViolation(ctx, id, "lisi", []string{"abuse", "ads"}, now, windows, time.Hour)
		must(t, err)
		return tl
	}
	for range 3 {
		if tl := tally("m1"); tl.Seen || fmt.Sprint(tl.Counts) != "[[1 1] [1 1]]" {
			t.Fatalf("tally m1 = %+v, want counted once in both", tl)
		}
	}
	if tl := tally("m2"); fmt.Sprint(tl.Counts) != "[[2 2] [2 2]]" {
		t.Fatalf("tally m2 = %+v", tl)
	}
	// HR withdraws m1 (a false alarm) from the counters; a late retry of
	// m1 must not put it back.
	must(t, s.rdb.ZRem(ctx, s.keyViolationCounter("lisi", "abuse"), "m1").Err())
	if tl := tally("m1"); fmt.Sprint(tl.Counts) != "[[1 1] [2 2]]" {
		t.Fatalf("tally m1 after withdrawal = %+v, want abuse 1", tl)
	}
	// m3 was processed (marked) before, clean under the rules of then.
	_, err := s.MarkSeen(ctx, "m3", time.Hour)
	must(t, err)
	if tl := tally("m3"); !tl.Seen || tl.Counts != nil {
		t.Fatalf("tally of a seen message = %+v, want seen and no counts", tl)
	}
	if tl := tally("m4"); fmt.Sprint(tl.Counts) != "[[2 2] [3 3]]" {
		t.Fatalf("tally m4 = %+v: the seen m3 stayed counted", tl)
	}
}
