package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestWithdrawalKeepsRecordAndCountsOnce: marking a violation withdrawn
// keeps the record's expiry; its counter members go (once); a false alarm
// counts once in its day's statistics and leaves the violation counts.
func TestWithdrawalKeepsRecordAndCountsOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	v := store.Violation{ID: "msg:w1", Time: now, From: "zhangsan", Severity: "medium",
		Hits: []store.VHit{{Category: "abuse", Rule: "abuse"}, {Category: "ads", Rule: "ads-spam"}}}
	if err := s.SaveViolation(ctx, v, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"abuse", "ads"} {
		if _, err := s.CountViolation(ctx, "zhangsan", c, v.ID, now, []time.Duration{time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	_, after, err := s.UpdateViolation(ctx, v.ID, func(x *store.Violation) error {
		x.Withdrawn = &store.Withdrawal{At: now, By: "hr1", Via: "hr"}
		return nil
	})
	if err != nil || after.Withdrawn == nil {
		t.Fatalf("UpdateViolation = %+v, %v", after.Withdrawn, err)
	}
	if got, ok, _ := s.Violation(ctx, v.ID); !ok || got.Withdrawn == nil || got.Withdrawn.By != "hr1" {
		t.Fatalf("stored %+v", got.Withdrawn)
	}
	if ttl, err := store.ViolationTTL(ctx, s, v.ID); err != nil || ttl < 47*time.Hour {
		t.Errorf("record TTL %v after the update, want the 48 h it had", ttl)
	}
	if _, _, err := s.UpdateViolation(ctx, "msg:none", func(*store.Violation) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateViolation of nothing: %v, want ErrNotFound", err)
	}
	for i, want := range []int{2, 0} {
		if n, err := s.UncountViolation(ctx, "zhangsan", v.ID, []string{"abuse", "ads"}); err != nil || n != want {
			t.Errorf("UncountViolation #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
	for i, want := range []bool{true, false} {
		if first, err := s.CountFalseAlarm(ctx, v, 48*time.Hour); err != nil || first != want {
			t.Errorf("CountFalseAlarm #%d = %v, %v; want %v", i+1, first, err, want)
		}
	}
	fa, err := s.FalseAlarmStats(ctx, now, 1)
	if err != nil || fa.Total != 1 || fa.ByRule["ads-spam"] != 1 || fa.ByCategory["abuse"] != 1 {
		t.Errorf("FalseAlarmStats = %+v, %v", fa, err)
	}
	days, err := s.Stats(ctx, now, 1)
	if err != nil || days[0].Total != 0 || len(days[0].ByCategory) != 0 || len(days[0].ByUser) != 0 || len(days[0].BySeverity) != 0 || len(days[0].ByChat) != 0 {
		t.Errorf("Stats after a false alarm = %+v, %v; want the withdrawn violation out of every count", days, err)
	}
}

// TestStatsCountOnlyViolationsThatStand: a withdrawn violation leaves the
// day's counts, the others stay; one withdrawn before its save was
// counted (the save is retried later) is not counted by the retry.
func TestStatsCountOnlyViolationsThatStand(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	mk := func(id, user string) store.Violation {
		return store.Violation{ID: id, Time: now, From: user, ChatID: "wrSales", Severity: "medium",
			Hits: []store.VHit{{Category: "abuse", Rule: "abuse"}}}
	}
	a, b := mk("msg:s1", "zhangsan"), mk("msg:s2", "zhangsan")
	for _, v := range []store.Violation{a, b} {
		if err := s.SaveViolation(ctx, v, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CountFalseAlarm(ctx, a, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	late := mk("msg:s3", "lisi") // withdrawn before its statistics were written
	if _, err := s.CountFalseAlarm(ctx, late, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveViolation(ctx, late, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	days, err := s.Stats(ctx, now, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := days[0]
	if d.Total != 1 || d.ByCategory["abuse"] != 1 || d.ByUser["zhangsan"] != 1 || d.ByChat["wrSales"] != 1 || d.BySeverity["medium"] != 1 {
		t.Errorf("Stats = %+v; want the one violation that stands", d)
	}
	if _, ok := d.ByUser["lisi"]; ok {
		t.Errorf("lisi counted with %d violations; his only one was withdrawn", d.ByUser["lisi"])
	}
	fa, err := s.FalseAlarmStats(ctx, now, 1)
	if err != nil || fa.Total != 2 || fa.ByRule["abuse"] != 2 {
		t.Errorf("FalseAlarmStats = %+v, %v; want both false alarms", fa, err)
	}
}

// TestAppealFiledOnce: an appeal is stored once (a second filing returns
// the first), listed while open, and leaves the open list when decided.
func TestAppealFiledOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	id := store.AppealIDFor("msg:a1")
	first := store.Appeal{ID: id, Violation: "msg:a1", User: "lisi", Reason: "第一次", Filed: time.Now()}
	if _, created, err := s.FileAppeal(ctx, first); err != nil || !created {
		t.Fatalf("FileAppeal = %v, %v", created, err)
	}
	again := first
	again.Reason = "第二次"
	got, created, err := s.FileAppeal(ctx, again)
	if err != nil || created || got.Reason != "第一次" || got.Status != store.ReviewOpen {
		t.Fatalf("second FileAppeal = %+v, %v, %v; want the first", got, created, err)
	}
	if open, _ := s.Appeals(ctx, false, 10); len(open) != 1 {
		t.Fatalf("open appeals %d, want 1", len(open))
	}
	if _, _, err := s.UpdateAppeal(ctx, id, func(a *store.Appeal) error { a.Status = store.ReviewRejected; return nil }); err != nil {
		t.Fatal(err)
	}
	open, _ := s.Appeals(ctx, false, 10)
	all, _ := s.Appeals(ctx, true, 10)
	if len(open) != 0 || len(all) != 1 || all[0].Status != store.ReviewRejected {
		t.Errorf("after the decision: open %d, all %+v", len(open), all)
	}
}
