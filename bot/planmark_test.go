package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/imagescan/imagescantest"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Plan marks (bot/store/plan.go): a violating message's dedup mark
// carries its decided record and is written with it, in two round trips.
// These tests are the review's five objections to an earlier "v" mark,
// each failing on that design.

// countingMedia serves one image and counts the downloads.
type countingMedia struct {
	data  []byte
	calls atomic.Int32
}

func (c *countingMedia) GetMedia(context.Context, string, int64) (wecom.Media, error) {
	c.calls.Add(1)
	return wecom.Media{Data: c.data, ContentType: "image/jpeg"}, nil
}

var _ bot.MediaFetcher = (*countingMedia)(nil)

func planMarksOn(t *testing.T, st *store.Store) {
	t.Helper()
	if err := st.EnablePlanMarks(context.Background(), true); err != nil {
		t.Fatal(err)
	}
}

// TestPlanMarkImageRetryNotScannedAgain: an image to the app whose text
// (OCR) breaks the policy; the replica dies after storing it, before
// answering. WeCom's retry is completed from the plan: no second download
// or reading (which may not finish within WeCom's 5 s, or read nothing and
// decide the image clean), and the same warning as the passive reply.
func TestPlanMarkImageRetryNotScannedAgain(t *testing.T) {
	st := storetest.New(t)
	planMarksOn(t, st)
	ctx := context.Background()
	engine := defaultEngine(t)
	photo := imagescantest.JPEG(t, imagescantest.Photo(640, 480))
	msg := &wecom.Message{MsgType: wecom.MsgTypeImage, MsgID: "ocrplan", MediaID: "M1", FromUserName: "zhangsan", CreateTime: time.Now().Unix()}

	firstMedia := &countingMedia{data: photo}
	first, err := bot.New(bot.Config{Store: dying{st, 2}, Checker: func() bot.Checker { return engine },
		Images: bot.ImageConfig{Media: firstMedia, OCR: fixedText{text: "客户身份证号110101199003074514"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.HandleCallback(ctx, msg); !errors.Is(err, bot.ErrUnavailable) {
		t.Fatalf("dying replica: %v, want ErrUnavailable", err)
	}
	v, ok, err := st.Violation(ctx, msg.DedupKey())
	if err != nil || !ok || v.Action == "log" {
		t.Fatalf("the first try stored %+v, %v, %v; want a violation that warns", v, ok, err)
	}

	// On the retry's replica the reading would now fail: decided again,
	// the image would have no text and be clean.
	media := &countingMedia{data: photo}
	replica := storetest.Replica(t, st)
	rt := &roundTrips{}
	replica.ObserveCommands(rt.observe)
	retry, err := bot.New(bot.Config{Store: replica, Checker: func() bot.Checker { return engine },
		Images: bot.ImageConfig{Media: media, OCR: fixedText{err: errors.New("read text in image: ocr timed out")}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := retry.HandleCallback(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	if n := media.calls.Load(); n != 0 {
		t.Errorf("the retry downloaded the image %d times, want 0", n)
	}
	if !res.Duplicate || !strings.Contains(res.Reply, bot.OCREvidenceLabel) {
		t.Errorf("retry: %+v; want a duplicate carrying the warning (%s)", res, bot.OCREvidenceLabel)
	}
	// The check, then the plan written again (its pipeline may have been
	// cut short: store's TestPlanMarkCutShortCompleted).
	if n, names := rt.take(); n != 2 || names[1] != "pipeline" {
		t.Errorf("retry: round trips %v; want the check and the plan's pipeline", names)
	}
}

// strictEngine is the default policy with a ladder changed to alert the
// owner and escalate to HR at the first violation.
func strictEngine(t *testing.T) *rules.Engine {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	rs.Ladder.OwnerAfter, rs.Ladder.HRAfter = 1, 1
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recordOnly is a replica that dies in step 2 on a cluster where only the
// record's node got its part: the record is stored, with neither its
// mark, nor its case, nor its outbox entries.
type recordOnly struct{ *store.Store }

func (s recordOnly) RecordViolation(ctx context.Context, r store.Record) error {
	if err := s.Store.SaveViolation(ctx, r.Violation, r.Retention); err != nil {
		return err
	}
	return errGone
}

// TestRetryKeepsFirstDecision: the policy's ladder changes between a try
// and its retry (an edit, a reload). A first offence warned; the retry,
// which the new ladder would escalate, keeps that decision — whether it
// finds the plan (the first try stored everything, its answer lost) or
// only the record (the other nodes never got their parts) — so the
// record, the case and the outbox entries agree.
func TestRetryKeepsFirstDecision(t *testing.T) {
	for _, tc := range []struct {
		name      string
		planMarks bool
		first     func(*store.Store) bot.Store
		duplicate bool
	}{
		{"plan found", true, func(st *store.Store) bot.Store { return dying{st, 2} }, true},
		{"only the record stored, plan marks on", true, func(st *store.Store) bot.Store { return recordOnly{st} }, false},
		{"only the record stored, plan marks off", false, func(st *store.Store) bot.Store { return recordOnly{st} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.New(t)
			ctx := context.Background()
			if err := st.EnablePlanMarks(ctx, tc.planMarks); err != nil {
				t.Fatal(err)
			}
			engine := defaultEngine(t)
			first, err := bot.New(bot.Config{Store: tc.first(st), Checker: func() bot.Checker { return engine }})
			if err != nil {
				t.Fatal(err)
			}
			m := archived("keep", "lisi", "wrkeep", insult, time.Now().Add(-time.Minute).Truncate(time.Second))
			if _, err := first.Process(ctx, m); !errors.Is(err, bot.ErrUnavailable) {
				t.Fatalf("dying replica: %v, want ErrUnavailable", err)
			}
			strict := strictEngine(t)
			retry, err := bot.New(bot.Config{Store: storetest.Replica(t, st), Checker: func() bot.Checker { return strict }})
			if err != nil {
				t.Fatal(err)
			}
			res, err := retry.Process(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Duplicate != tc.duplicate || res.Step.AlertOwner || res.Step.EscalateHR {
				t.Errorf("retry: %+v; want duplicate %v and no owner alert or HR", res, tc.duplicate)
			}
			if !tc.duplicate && (!res.Step.Warn || res.Step.Action != "warn") {
				t.Errorf("retry's step %+v; want the first try's warning", res.Step)
			}
			if again, err := retry.Process(ctx, m); err != nil || !again.Duplicate {
				t.Errorf("third delivery: %+v, %v; want a duplicate", again, err)
			}
			v, ok, err := st.Violation(ctx, m.ID)
			if err != nil || !ok || v.Action != "warn" || v.CaseID != "" {
				t.Errorf("record %+v, %v, %v; want the warning, no case", v, ok, err)
			}
			if cases, err := st.OpenCases(ctx); err != nil || len(cases) != 0 {
				t.Errorf("open cases %v, %v; want none", cases, err)
			}
			if os, err := st.OutboxStats(ctx); err != nil || os.Queued != 1 {
				t.Errorf("outbox %+v, %v; want the warning alone", os, err)
			}
		})
	}
}

// TestPlanMarksWaitForTheSwitch: a release without plan marks takes any
// dedup mark for "done". Until the switch is on, a replica that dies
// after storing a violating message leaves no mark (such a replica,
// checking EXISTS, would complete the message); once it is on, the next
// message is stored with its plan mark, without a restart.
func TestPlanMarksWaitForTheSwitch(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: dying{st, 2}, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{false, true} {
		if on {
			planMarksOn(t, st)
		}
		m := archived("switch"+map[bool]string{false: "off", true: "on"}[on], "wangwu", "wrsw", idCard, time.Now())
		if _, err := p.Process(ctx, m); !errors.Is(err, bot.ErrUnavailable) {
			t.Fatalf("dying replica: %v, want ErrUnavailable", err)
		}
		seen, err := st.Seen(ctx, m.ID) // what an older release checks
		if err != nil || seen != on {
			t.Errorf("plan marks %v: marked %v, %v after step 2; want %v", on, seen, err, on)
		}
	}
}

// TestNewRefusesDedupTTLBeyondOutboxMarks: a plan mark must expire before
// the enqueue marks of its actions, so DedupTTL may not exceed
// store.OutboxKeyTTL.
func TestNewRefusesDedupTTLBeyondOutboxMarks(t *testing.T) {
	engine := defaultEngine(t)
	st := storetest.New(t)
	for _, tc := range []struct {
		ttl time.Duration
		ok  bool
	}{{store.OutboxKeyTTL, true}, {store.OutboxKeyTTL + time.Hour, false}} {
		_, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }, DedupTTL: tc.ttl})
		if tc.ok != (err == nil) || !tc.ok && (!errors.Is(err, bot.ErrInvalid) || !strings.Contains(err.Error(), "DedupTTL")) {
			t.Errorf("DedupTTL %v: %v; want ok %v (or ErrInvalid naming DedupTTL)", tc.ttl, err, tc.ok)
		}
	}
}
