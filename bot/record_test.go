package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// idCard is a message the default policy escalates to HR at once (a
// resident id number in a group): warning, owner alert, HR case.
const idCard = "客户身份证 11010519491231002X"

// roundTrips counts the store's round trips: one per command or pipeline
// (go-redis hook via ObserveCommands; not timed).
type roundTrips struct {
	mu    sync.Mutex
	n     int
	names []string
}

func (r *roundTrips) observe(cmd string, _ time.Duration, _ bool) {
	// A new pooled connection's handshake (HELLO, AUTH, SELECT, CLIENT
	// SETINFO) depends on how many connections the pool had open, not on
	// the work counted: under load the sender's workers may dial one more.
	switch cmd {
	case "hello", "auth", "select", "client":
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.names = append(r.names, cmd)
}

func (r *roundTrips) take() (int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, names := r.n, r.names
	r.n, r.names = 0, nil
	return n, names
}

// TestRoundTripsPerMessage: a clean message costs one Redis round trip, a
// violating one three — the dedup check with the counting, everything
// stored, the mark — or two with plan marks on (the mark stored with the
// rest), whether it only warns or also alerts the owner, opens a case and
// escalates to HR, on one server or a cluster.
func TestRoundTripsPerMessage(t *testing.T) {
	for _, planMarks := range []bool{false, true} {
		t.Run(fmt.Sprintf("plan marks %v", planMarks), func(t *testing.T) { testRoundTrips(t, planMarks) })
	}
}

func testRoundTrips(t *testing.T, planMarks bool) {
	st := storetest.New(t)
	rt := &roundTrips{}
	st.ObserveCommands(rt.observe)
	h := newHarness(t, st)
	ctx := context.Background()
	if err := st.EnablePlanMarks(ctx, planMarks); err != nil {
		t.Fatal(err)
	}
	// A duplicate of a violating message is completed again from its
	// plan: nothing tells the tally that the plan's pipeline went through.
	violating, duplicate := 3, 1
	if planMarks {
		violating, duplicate = 2, 2
	}
	t0 := time.Now()
	// The first use of each script on a server loads it (one more round
	// trip, once per server and script): the same member warms up, so that
	// on a cluster the node of the member's slot has the scripts too.
	for i, text := range []string{insult, idCard} {
		if _, err := h.pipeline.Process(ctx, archived(fmt.Sprint("warm", i), "rtuser", "wrrt", text, t0)); err != nil {
			t.Fatal(err)
		}
	}
	// The groups seen are written by a timer (groupseen.go): written now,
	// the next one is 5 s away, outside what is counted.
	if err := h.pipeline.FlushGroupsSeen(ctx); err != nil {
		t.Fatal(err)
	}
	rt.take()
	for _, tc := range []struct {
		name, id, text string
		want           int
		escalates      bool
	}{
		{"clean", "c1", "明天上午十点开会，请准时参加", 1, false},
		{"clean duplicate", "c1", "明天上午十点开会，请准时参加", 1, false},
		{"violating, warning", "v1", insult, violating, false},
		{"violating, owner, HR and case", "v2", idCard, violating, true},
		{"violating duplicate", "v2", idCard, duplicate, false},
	} {
		res, err := h.pipeline.Process(ctx, archived(tc.id, "rtuser", "wrrt", tc.text, t0))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Step.EscalateHR != tc.escalates {
			t.Fatalf("%s: step %+v, escalates %v wanted", tc.name, res.Step, tc.escalates)
		}
		if n, names := rt.take(); n != tc.want {
			t.Errorf("%s: %d round trips %v, want %d", tc.name, n, names, tc.want)
		}
	}
}

// dying is the pipeline's store on a replica that dies during step `after`
// of a violating message's three (1 tally, 2 record, 3 mark; 0: before the
// first): that step is done in Redis but its answer never arrives, and
// nothing after it is done.
type dying struct {
	*store.Store
	after int
}

var errGone = errors.New("replica died")

func (s dying) TallyViolation(ctx context.Context, msgID, user string, cats []string, now time.Time, windows []time.Duration, keep time.Duration) (store.Tally, error) {
	if s.after < 1 {
		return store.Tally{}, errGone
	}
	t, err := s.Store.TallyViolation(ctx, msgID, user, cats, now, windows, keep)
	if err == nil && s.after == 1 {
		err = errGone
	}
	return t, err
}

func (s dying) RecordViolation(ctx context.Context, r store.Record) error {
	if s.after < 2 {
		return errGone
	}
	err := s.Store.RecordViolation(ctx, r)
	if err == nil && s.after == 2 {
		err = errGone
	}
	return err
}

func (s dying) MarkSeen(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if s.after < 3 {
		return false, errGone
	}
	first, err := s.Store.MarkSeen(ctx, id, ttl)
	if err == nil && s.after == 3 {
		err = errGone
	}
	return first, err
}

// TestViolationStoppedBetweenStepsCountsOnce: a replica dies before, in or
// after each of a violating message's steps (three, or two with plan
// marks); WeCom's retry on another replica completes the message with the
// same decision, and afterwards the message is counted once, recorded
// once, in the statistics once, with one case and one outbox entry per
// action — and a third delivery is a duplicate. (Dying in the middle of
// step 2's pipeline: store's TestRecordViolationCutShort and
// TestPlanMarkCutShortCompleted.)
func TestViolationStoppedBetweenStepsCountsOnce(t *testing.T) {
	for _, planMarks := range []bool{false, true} {
		t.Run(fmt.Sprintf("plan marks %v", planMarks), func(t *testing.T) { testStoppedBetweenSteps(t, planMarks) })
	}
}

func testStoppedBetweenSteps(t *testing.T, planMarks bool) {
	engine := defaultEngine(t)
	category := engine.Evaluate(idCard, rules.Context{ChatKind: rules.ChatWork}).Hits[0].Category
	steps, marked := 3, 3 // the steps, the one after which the message is marked
	if planMarks {
		steps, marked = 2, 2
	}
	for after := 0; after <= steps; after++ {
		t.Run(fmt.Sprintf("died in step %d", after), func(t *testing.T) {
			st := storetest.New(t)
			ctx := context.Background()
			if err := st.EnablePlanMarks(ctx, planMarks); err != nil {
				t.Fatal(err)
			}
			first, err := bot.New(bot.Config{Store: dying{st, after}, Checker: func() bot.Checker { return engine }})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := bot.New(bot.Config{Store: storetest.Replica(t, st), Checker: func() bot.Checker { return engine }})
			if err != nil {
				t.Fatal(err)
			}
			// Sent a minute ago: the user's index checked below expires
			// with the record's retention counted from its date by Redis's
			// clock (a fixed 2026-12-01 found nothing from 2027-05-30).
			m := archived("died", "zhaoliu", "wrdie", idCard, time.Now().Add(-time.Minute).Truncate(time.Second))
			if _, err := first.Process(ctx, m); !errors.Is(err, bot.ErrUnavailable) {
				t.Fatalf("dying replica: %v, want ErrUnavailable", err)
			}
			res, err := retry.Process(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if after == marked {
				// The mark was set: the message is done (or, a plan,
				// completed from it), the retry a duplicate.
				if !res.Duplicate {
					t.Fatalf("retry after the mark: %+v, want a duplicate", res)
				}
			} else if res.Duplicate || !res.Step.EscalateHR || !res.Step.AlertOwner || !res.Step.Warn {
				t.Fatalf("retry: %+v, want warning, owner alert and HR", res)
			}
			if again, err := retry.Process(ctx, m); err != nil || !again.Duplicate {
				t.Fatalf("third delivery: %+v, %v; want a duplicate", again, err)
			}
			checkRecordedOnce(t, st, m, category)
		})
	}
}

// checkRecordedOnce checks what one processed violating message m leaves.
func checkRecordedOnce(t *testing.T, st *store.Store, m bot.Message, category string) {
	t.Helper()
	ctx := context.Background()
	// The counter: a probe message sees m and itself.
	tl, err := st.TallyViolation(ctx, "msg:probe", m.From, []string{category}, m.Time, []time.Duration{24 * time.Hour}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Counts) != 1 || tl.Counts[0][0] != 2 {
		t.Errorf("count in %s after a probe: %v, want 2 (the message once, the probe)", category, tl.Counts)
	}
	if _, ok, err := st.Violation(ctx, m.ID); err != nil || !ok {
		t.Errorf("violation record: %v, %v", ok, err)
	}
	days, err := st.Stats(ctx, m.Time, 1)
	if err != nil || days[0].Total != 1 || days[0].ByUser[m.From] != 1 {
		t.Errorf("statistics %+v, %v; want the message counted once", days, err)
	}
	mine, err := st.UserViolations(ctx, m.From, 10)
	if err != nil || len(mine) != 1 {
		t.Errorf("user's index: %d, %v; want 1", len(mine), err)
	}
	cases, err := st.OpenCases(ctx)
	if err != nil || len(cases) != 1 {
		t.Errorf("open cases %v, %v; want 1", cases, err)
	}
	os, err := st.OutboxStats(ctx)
	if err != nil || os.Queued != 3 {
		t.Errorf("outbox %+v, %v; want 3 entries (warning, owner alert, HR)", os, err)
	}
}
