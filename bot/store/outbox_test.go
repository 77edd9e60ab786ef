package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestOutboxLifecycle(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatalf("second EnsureOutboxGroup: %v", err)
	}
	for i, want := range []bool{true, false} {
		added, err := s.Enqueue(ctx, "a1", []byte(`{"x":1}`), now)
		if err != nil || added != want {
			t.Fatalf("enqueue #%d = %v, %v; want %v", i+1, added, err, want)
		}
	}
	if _, err := s.Enqueue(ctx, "a2", []byte(`{"x":2}`), now); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadOutbox(ctx, "r1", 10, 0)
	if err != nil || len(got) != 2 || got[0].Key != "a1" || string(got[0].Payload) != `{"x":1}` {
		t.Fatalf("ReadOutbox = %+v, %v; want a1 and a2", got, err)
	}
	// Nothing new for another consumer: both entries are pending at r1.
	if more, _ := s.ReadOutbox(ctx, "r2", 10, 0); len(more) != 0 {
		t.Fatalf("second reader got %d entries, want 0", len(more))
	}
	// r1 dies; r2 claims what r1 left pending.
	claimed, err := s.ClaimStale(ctx, "r2", 0, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimStale = %d entries, %v; want 2", len(claimed), err)
	}
	// a1 fails and is rescheduled; a2 is delivered.
	a1 := claimed[0]
	a1.Attempt++
	a1.LastError = "errcode -1"
	if err := s.Reschedule(ctx, a1, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.AckOutbox(ctx, claimed[1]); err != nil {
		t.Fatal(err)
	}
	st, err := s.OutboxStats(ctx)
	if err != nil || st.Queued != 0 || st.Pending != 0 || st.Delayed != 1 {
		t.Fatalf("stats %+v, %v; want 0 queued, 0 pending, 1 delayed", st, err)
	}
	if n, _ := s.PromoteDue(ctx, now, 10); n != 0 {
		t.Fatalf("promoted %d before due, want 0", n)
	}
	if n, _ := s.PromoteDue(ctx, now.Add(time.Second), 10); n != 1 {
		t.Fatalf("promoted %d when due, want 1", n)
	}
	back, err := s.ReadOutbox(ctx, "r2", 10, 0)
	if err != nil || len(back) != 1 || back[0].Key != "a1" || back[0].Attempt != 1 || back[0].LastError != "errcode -1" {
		t.Fatalf("after promotion read %+v, %v", back, err)
	}
	if err := s.DeadLetter(ctx, back[0], "5 attempts: errcode -1", now); err != nil {
		t.Fatal(err)
	}
	dead, err := s.DeadLetters(ctx, 10)
	if err != nil || len(dead) != 1 || dead[0].Entry.Key != "a1" || dead[0].Reason != "5 attempts: errcode -1" {
		t.Fatalf("DeadLetters = %+v, %v", dead, err)
	}
	if ok, err := s.RetryDeadLetter(ctx, dead[0].ID); err != nil || !ok {
		t.Fatalf("RetryDeadLetter = %v, %v", ok, err)
	}
	again, err := s.ReadOutbox(ctx, "r2", 10, 0)
	if err != nil || len(again) != 1 || again[0].Key != "a1" || again[0].Attempt != 0 {
		t.Fatalf("after retry read %+v, %v; want a1 with attempt 0", again, err)
	}
	if time.Since(again[0].Enqueued) > time.Minute {
		t.Fatalf("retried entry enqueued %v: want a fresh retry budget", again[0].Enqueued)
	}
	if ok, _ := s.RetryDeadLetter(ctx, dead[0].ID); ok {
		t.Fatal("a dead letter was retried twice")
	}
	if err := s.MarkDelivered(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Delivered(ctx, "a1"); err != nil || !ok {
		t.Fatalf("Delivered(a1) = %v, %v", ok, err)
	}
	if ok, _ := s.Delivered(ctx, "a9"); ok {
		t.Fatal("Delivered(a9) = true for a key never delivered")
	}
}

func TestTakeSendSlot(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		wait, err := s.TakeSendSlot(ctx, "owner1", "t"+string(rune('a'+i)), now.Add(time.Duration(i)*time.Second), 3, 100)
		if err != nil || wait != 0 {
			t.Fatalf("slot %d: wait %v, %v; want 0", i, wait, err)
		}
	}
	wait, err := s.TakeSendSlot(ctx, "owner1", "td", now.Add(10*time.Second), 3, 100)
	if err != nil || wait != 50*time.Second {
		t.Fatalf("4th slot in a minute: wait %v, %v; want 50s (until the first frees)", wait, err)
	}
	if wait, _ := s.TakeSendSlot(ctx, "owner2", "ta", now.Add(10*time.Second), 3, 100); wait != 0 {
		t.Fatalf("another recipient waited %v", wait)
	}
	if wait, _ := s.TakeSendSlot(ctx, "owner1", "te", now.Add(61*time.Second), 3, 100); wait != 0 {
		t.Fatalf("after the minute: wait %v, want 0", wait)
	}
}

func TestViolationsAndCases(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	v := store.Violation{ID: "msg:1", Time: now, From: "zhangsan", ChatKind: "work", Severity: "medium", Action: "warn",
		Hits: []store.VHit{{Category: "ads", Rule: "ads-words", Kind: "keyword", Masked: "刷*", Start: 3, End: 5}}}
	for range 2 {
		if err := s.SaveViolation(ctx, v, 180*24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := s.Violation(ctx, "msg:1")
	if err != nil || !ok || got.From != "zhangsan" || len(got.Hits) != 1 || got.Hits[0].Masked != "刷*" || !got.Time.Equal(now) {
		t.Fatalf("Violation = %+v, %v, %v", got, ok, err)
	}
	recent, _, err := s.SearchViolations(ctx, store.ViolationQuery{Limit: 10})
	if err != nil || len(recent) != 1 {
		t.Fatalf("SearchViolations = %d, %v; want 1 (saved twice, indexed once)", len(recent), err)
	}
	c := store.Case{ID: store.CaseIDFor("msg:1", now), Opened: now, User: "zhangsan", Category: "ads", Suggested: "警告"}
	for i, want := range []bool{true, false} {
		created, err := s.OpenCase(ctx, c)
		if err != nil || created != want {
			t.Fatalf("OpenCase #%d = %v, %v; want %v", i+1, created, err, want)
		}
	}
	open, err := s.OpenCases(ctx)
	if err != nil || len(open) != 1 || open[0] != c.ID {
		t.Fatalf("OpenCases = %v, %v", open, err)
	}
	if got, ok, _ := s.Case(ctx, c.ID); !ok || got.Status != "open" || got.Suggested != "警告" {
		t.Fatalf("Case = %+v, %v", got, ok)
	}
}

// TestTwoReplicasRescheduleOnce: when two replicas hold one entry and both
// fail it, it is queued for a retry once, and dead-lettered at most once.
func TestTwoReplicasRescheduleOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	s.EnsureOutboxGroup(ctx)
	s.Enqueue(ctx, "k", []byte(`{}`), now)
	a, _ := s.ReadOutbox(ctx, "a", 1, 0)
	b, _ := s.ClaimStale(ctx, "b", 0, 1)
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("read %d, claimed %d", len(a), len(b))
	}
	a[0].LastError, b[0].LastError = "busy", "timeout" // different errors, different members
	if err := s.Reschedule(ctx, a[0], now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Reschedule(ctx, b[0], now.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeadLetter(ctx, b[0], "late", now); err != nil {
		t.Fatal(err)
	}
	st, _ := s.OutboxStats(ctx)
	if st.Delayed != 1 || st.Dead != 0 {
		t.Fatalf("stats %+v, want the entry delayed once and not dead", st)
	}
}

// TestRescheduleAll: entries put back together come back at their due
// time, each once, and an entry another replica acked meanwhile is left
// alone.
func TestRescheduleAll(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 4 {
		if _, err := s.Enqueue(ctx, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf(`{"n":%d}`, i)), now); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.ReadOutbox(ctx, "r1", 10, 0)
	if err != nil || len(es) != 4 {
		t.Fatalf("read %d entries (%v), want 4", len(es), err)
	}
	if err := s.AckOutbox(ctx, es[3]); err != nil { // delivered by another replica
		t.Fatal(err)
	}
	if err := s.RescheduleAll(ctx, es, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PromoteDue(ctx, now, 10); err != nil || n != 0 {
		t.Fatalf("promoted %d before their time (%v)", n, err)
	}
	if n, err := s.PromoteDue(ctx, now.Add(time.Second), 10); err != nil || n != 3 {
		t.Fatalf("promoted %d at their time (%v), want 3", n, err)
	}
	back, err := s.ReadOutbox(ctx, "r1", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range back {
		keys = append(keys, e.Key)
	}
	slices.Sort(keys)
	if want := []string{"k0", "k1", "k2"}; !slices.Equal(keys, want) {
		t.Fatalf("back in the stream: %v, want %v", keys, want)
	}
}

// A call in progress keeps its entry: another replica's ClaimStale does not
// take it over while its holder renews it, and a former holder cannot take
// it back.
func TestKeepPending(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "call/1", []byte("{}"), time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadOutbox(ctx, "a", 10, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("read %d, %v", len(got), err)
	}
	const idle = 150 * time.Millisecond
	for range 3 {
		time.Sleep(idle / 2)
		if held, err := s.KeepPending(ctx, "a", got[0]); !held || err != nil {
			t.Fatalf("KeepPending = %v, %v; want held", held, err)
		}
	}
	if b, err := s.ClaimStale(ctx, "b", idle, 10); err != nil || len(b) != 0 {
		t.Fatalf("b claimed %d entries (%v) of a call kept by a", len(b), err)
	}
	time.Sleep(idle + 20*time.Millisecond)
	b, err := s.ClaimStale(ctx, "b", idle, 10)
	if err != nil || len(b) != 1 {
		t.Fatalf("b claimed %d entries, %v; want the one a stopped keeping", len(b), err)
	}
	if held, err := s.KeepPending(ctx, "a", got[0]); held || err != nil {
		t.Fatalf("KeepPending by the former holder = %v, %v; want not held", held, err)
	}
	if held, err := s.KeepPending(ctx, "b", got[0]); !held || err != nil {
		t.Fatalf("KeepPending by b after a's = %v, %v; want b still holding it", held, err)
	}
}

// TestRescheduleAt: entries put back in one call, each at its own time,
// come back each at its time and not before.
func TestRescheduleAt(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 3 {
		if _, err := s.Enqueue(ctx, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf(`{"n":%d}`, i)), now); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.ReadOutbox(ctx, "r1", 10, 0)
	if err != nil || len(es) != 3 {
		t.Fatalf("read %d entries (%v), want 3", len(es), err)
	}
	if err := s.RescheduleAt(ctx, es, []time.Time{now.Add(time.Second)}); err == nil {
		t.Fatal("three entries rescheduled at one time; want an error")
	}
	dues := []time.Time{now.Add(3 * time.Second), now.Add(time.Second), now.Add(2 * time.Second)}
	if err := s.RescheduleAt(ctx, es, dues); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"k1", "k2", "k0"} {
		if n, err := s.PromoteDue(ctx, now.Add(time.Duration(i+1)*time.Second), 10); err != nil || n != 1 {
			t.Fatalf("promoted %d at %d s (%v), want 1", n, i+1, err)
		}
		back, err := s.ReadOutbox(ctx, "r1", 10, 0)
		if err != nil || len(back) != 1 || back[0].Key != want {
			t.Fatalf("back at %d s: %v (%v), want %s", i+1, back, err, want)
		}
	}
}
