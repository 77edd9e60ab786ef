package store_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestMarkRecalled(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	v := store.Violation{ID: "archive:m1", Time: time.Now(), From: "zhangsan", ChatID: "wr1", ChatKind: "work",
		Source: "archive", Severity: "high", Action: "alert_owner",
		Hits: []store.VHit{{Category: "customer_data", Rule: "r", Kind: "phone", Severity: "high", Masked: "138****5678", Start: 4, End: 15}}}
	if err := s.SaveViolation(ctx, v, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		id        string
		wantFound bool
	}{
		{"unknown violation", "archive:nope", false},
		{"first mark", "archive:m1", true},
		{"second mark is harmless", "archive:m1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found, err := s.MarkRecalled(ctx, tc.id)
			if err != nil || found != tc.wantFound {
				t.Fatalf("MarkRecalled(%q) = %v, %v; want %v, nil", tc.id, found, err, tc.wantFound)
			}
		})
	}
	got, ok, err := s.Violation(ctx, "archive:m1")
	if err != nil || !ok {
		t.Fatalf("violation after mark: %v %v", ok, err)
	}
	if !got.Recalled {
		t.Error("Recalled not set")
	}
	got.Recalled = false
	if got.From != v.From || got.Action != v.Action || len(got.Hits) != 1 || got.Hits[0] != v.Hits[0] || !got.Time.Equal(v.Time) {
		t.Errorf("record changed beyond Recalled: %+v, want %+v", got, v)
	}
	if _, ok, _ := s.Violation(ctx, "archive:nope"); ok {
		t.Error("MarkRecalled created a record for an unknown id")
	}

	// The record keeps its retention.
	ttl, err := store.ViolationTTL(ctx, s, "archive:m1")
	if err != nil || ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Errorf("ttl after mark %v, %v; want the 48h retention kept", ttl, err)
	}
}

func TestArchiveSeqOnlyMovesForward(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if seq, err := s.ArchiveSeq(ctx, "corpA"); err != nil || seq != 0 {
		t.Fatalf("fresh ArchiveSeq = %d, %v; want 0", seq, err)
	}
	const big = uint64(1)<<53 + 1 // not exact as a Lua number
	tests := []struct {
		name string
		set  uint64
		want uint64
	}{
		{"first", 100, 100},
		{"forward", 250, 250},
		{"backward is ignored", 120, 250},
		{"same", 250, 250},
		{"more digits", 1000, 1000},
		{"fewer digits is smaller", 999, 1000},
		{"beyond 2^53", big, big},
		{"beyond 2^53, one less", big - 1, big},
		{"max uint64", math.MaxUint64, math.MaxUint64},
		{"zero after max", 0, math.MaxUint64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.SetArchiveSeq(ctx, "corpA", tc.set); err != nil {
				t.Fatal(err)
			}
			got, err := s.ArchiveSeq(ctx, "corpA")
			if err != nil || got != tc.want {
				t.Fatalf("ArchiveSeq = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if seq, _ := s.ArchiveSeq(ctx, "corpB"); seq != 0 {
		t.Errorf("corpB seq %d, want 0: seqs are per corp", seq)
	}
}

// TestArchiveSeqConcurrentReplicas: replicas storing seqs at once end at
// the largest, whatever the order.
func TestArchiveSeqConcurrentReplicas(t *testing.T) {
	a := storetest.New(t)
	ctx := context.Background()
	b := storetest.Replica(t, a)
	var wg sync.WaitGroup
	for i := range 40 {
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			if err := st.SetArchiveSeq(ctx, "corp", uint64(i*7)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, err := b.ArchiveSeq(ctx, "corp"); err != nil || got != 39*7 {
		t.Fatalf("seq after concurrent stores %d, %v; want %d", got, err, 39*7)
	}
}

func TestNotifyCount(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if n, err := s.NotifyCount(ctx); err != nil || n != 0 {
		t.Fatalf("fresh NotifyCount = %d, %v; want 0", n, err)
	}
	for i := int64(1); i <= 3; i++ {
		n, err := s.CountNotify(ctx)
		if err != nil || n != i {
			t.Fatalf("CountNotify = %d, %v; want %d", n, err, i)
		}
	}
	if n, err := s.NotifyCount(ctx); err != nil || n != 3 {
		t.Fatalf("NotifyCount = %d, %v; want 3", n, err)
	}
}
