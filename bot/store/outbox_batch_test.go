package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestSealIsASafeClaim: entries another consumer took over cannot be
// sealed by their first reader; their new holder seals them once.
func TestSealIsASafeClaim(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k1", "k2", "k3"} {
		if _, err := s.Enqueue(ctx, k, []byte(`{}`), now); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ReadOutbox(ctx, "slow", 10, 0)
	if err != nil || len(got) != 3 {
		t.Fatalf("read %v, %v", got, err)
	}
	// "fast" claims everything idle for 0 ms: all of slow's entries.
	claimed, err := s.ClaimStale(ctx, "fast", 0, 1)
	if err != nil || len(claimed) != 1 || claimed[0].Key != "k1" {
		t.Fatalf("claimed %v, %v; want k1", claimed, err)
	}
	carrier := store.OutboxEntry{Key: "batch/x", Payload: []byte(`{"batch":{}}`), Enqueued: now}
	_, lost, err := s.SealBatch(ctx, "slow", got, carrier, now, now.Add(time.Minute))
	if err != nil || len(lost) != 1 || lost[0] != claimed[0].StreamID {
		t.Fatalf("slow's seal: lost %v, %v; want k1's entry", lost, err)
	}
	if st, _ := s.OutboxStats(ctx); st.Pending != 3 || st.Delayed != 0 {
		t.Fatalf("a refused seal changed the outbox: %+v", st)
	}
	l, lost, err := s.SealBatch(ctx, "slow", got[1:], carrier, now, now.Add(time.Minute))
	if err != nil || len(lost) != 0 {
		t.Fatalf("seal of slow's own entries: lost %v, %v", lost, err)
	}
	if st, _ := s.OutboxStats(ctx); st.Pending != 1 || st.Queued != 1 || st.Delayed != 1 {
		t.Fatalf("after the seal: %+v, want k1 at fast and one carrier", st)
	}
	// The lease is renewed; a due carrier is promoted only when it ends.
	if ok, err := s.RenewLease(ctx, l, now.Add(2*time.Minute)); !ok || err != nil {
		t.Fatalf("renew: %v, %v", ok, err)
	}
	if n, _ := s.PromoteDue(ctx, now.Add(90*time.Second), 10); n != 0 {
		t.Fatalf("promoted %d carriers under a renewed lease", n)
	}
	if n, _ := s.PromoteDue(ctx, now.Add(3*time.Minute), 10); n != 1 {
		t.Fatalf("promoted %d carriers after the lease, want 1", n)
	}
	// The lease is gone: its holder can neither renew, retry nor bury it,
	// but its delivery still counts.
	if ok, err := s.RenewLease(ctx, l, now.Add(time.Hour)); ok || err != nil {
		t.Fatalf("renew of a lost lease: %v, %v", ok, err)
	}
	if ok, err := s.RetryLease(ctx, l, l.Entry, now); ok || err != nil {
		t.Fatalf("retry of a lost lease: %v, %v", ok, err)
	}
	if ok, err := s.DeadLease(ctx, l, l.Entry, "x", now); ok || err != nil {
		t.Fatalf("dead-letter of a lost lease: %v, %v", ok, err)
	}
	if held, err := s.FinishLease(ctx, l, "k2", "k3"); held || err != nil {
		t.Fatalf("finish of a lost lease: %v, %v", held, err)
	}
	done, err := s.DeliveredMany(ctx, "k1", "k2", "k3", "batch/x")
	if err != nil || done[0] || !done[1] || !done[2] || !done[3] {
		t.Fatalf("delivered %v, %v; want k2, k3 and the carrier", done, err)
	}
	if st, _ := s.OutboxStats(ctx); st.Delayed != 0 || st.Dead != 0 {
		t.Fatalf("after the lost lease: %+v", st)
	}
}

// TestLeaseRetryAndDead: a held lease moves its carrier back to the
// delayed set with the caller's attempt count, or to the dead letters.
func TestLeaseRetryAndDead(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, "k", []byte(`{}`), now); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ReadOutbox(ctx, "c", 10, 0)
	l, _, err := s.SealBatch(ctx, "c", got, store.OutboxEntry{Key: "batch/y", Payload: []byte(`{"batch":{}}`)}, now, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	e := l.Entry
	e.Attempt, e.LastError = 1, "HTTP 502"
	if ok, err := s.RetryLease(ctx, l, e, now.Add(-time.Second)); !ok || err != nil {
		t.Fatalf("retry: %v, %v", ok, err)
	}
	if n, _ := s.PromoteDue(ctx, now, 10); n != 1 {
		t.Fatalf("promoted %d, want the retried carrier", n)
	}
	back, _ := s.ReadOutbox(ctx, "c", 10, 0)
	if len(back) != 1 || back[0].Key != "batch/y" || back[0].Attempt != 1 || back[0].LastError != "HTTP 502" {
		t.Fatalf("carrier back as %+v", back)
	}
	l2, lost, err := s.SealBatch(ctx, "c", back, back[0], now, now.Add(time.Minute))
	if err != nil || len(lost) != 0 {
		t.Fatalf("reseal: %v, %v", lost, err)
	}
	if ok, err := s.DeadLease(ctx, l2, l2.Entry, "permanent", now); !ok || err != nil {
		t.Fatalf("dead: %v, %v", ok, err)
	}
	dead, _ := s.DeadLetters(ctx, 10)
	if len(dead) != 1 || dead[0].Entry.Key != "batch/y" || dead[0].Reason != "permanent" {
		t.Fatalf("dead letters %+v", dead)
	}
	if st, _ := s.OutboxStats(ctx); st.Queued+st.Pending+st.Delayed != 0 {
		t.Fatalf("outbox %+v, want empty", st)
	}
}
