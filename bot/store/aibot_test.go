package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestTakeReportSlot(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		user string
		id   string
		at   time.Duration
		want bool
	}{
		{"first", "u1", "r1", 0, true},
		{"second", "u1", "r2", time.Minute, true},
		{"third", "u1", "r3", 2 * time.Minute, true},
		{"over the limit", "u1", "r4", 3 * time.Minute, false},
		{"a retry of an admitted report", "u1", "r2", 4 * time.Minute, true},
		{"a refused report was not counted", "u1", "r4", 5 * time.Minute, false},
		{"another user", "u2", "r5", 5 * time.Minute, true},
		{"the first slid out of the hour", "u1", "r6", time.Hour + time.Second, true},
		{"full again", "u1", "r7", time.Hour + 2*time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.TakeReportSlot(ctx, tc.user, tc.id, t0.Add(tc.at), time.Hour, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("TakeReportSlot(%s, %s) = %v, want %v", tc.user, tc.id, got, tc.want)
			}
		})
	}
	if _, err := s.TakeReportSlot(ctx, "u1", "x", t0, 0, 3); err == nil {
		t.Error("a zero window was accepted")
	}
	if _, err := s.TakeReportSlot(ctx, "u1", "x", t0, time.Hour, 0); err == nil {
		t.Error("a zero limit was accepted")
	}
}

// Replicas racing for the last slots never admit more than the limit.
func TestTakeReportSlotConcurrent(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, err := s.TakeReportSlot(ctx, "u", fmt.Sprint("r", i), now, time.Hour, 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != 5 {
		t.Errorf("%d reports admitted, want 5", n)
	}
}

func TestUserViolations(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	// Within the retention of today's clock: the index expires with its
	// newest entry plus the retention, counted from the wall clock.
	t0 := time.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	save := func(id, user string, at time.Time, index bool) {
		t.Helper()
		v := store.Violation{ID: id, From: user, Time: at, Severity: "medium"}
		if err := s.SaveViolation(ctx, v, 30*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if index {
			if err := s.IndexUserViolation(ctx, v, 30*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	save("a1", "alice", t0, true)
	save("a2", "alice", t0.Add(time.Hour), true)
	save("a3", "alice", t0.Add(2*time.Hour), true)
	save("b1", "bob", t0.Add(3*time.Hour), true)
	save("a4", "alice", t0.Add(4*time.Hour), false) // saved, not indexed
	// Indexing again (a retried message) adds nothing.
	if err := s.IndexUserViolation(ctx, store.Violation{ID: "a2", From: "alice", Time: t0.Add(time.Hour)}, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	// An indexed record that no longer exists is skipped.
	if err := s.IndexUserViolation(ctx, store.Violation{ID: "gone", From: "alice", Time: t0.Add(5 * time.Hour)}, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user  string
		limit int
		want  []string
	}{
		{"alice", 10, []string{"a3", "a2", "a1"}},
		{"alice", 3, []string{"a3", "a2"}}, // the newest entry (gone) takes a slot
		{"bob", 10, []string{"b1"}},
		{"carol", 10, nil},
		{"alice", 0, nil},
	} {
		t.Run(fmt.Sprint(tc.user, tc.limit), func(t *testing.T) {
			vs, err := s.UserViolations(ctx, tc.user, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("UserViolations(%s, %d) = %v, want %v", tc.user, tc.limit, got, tc.want)
			}
		})
	}
}

func TestCacheDelete(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.CacheSet(ctx, "owner:external:wr1", "alice", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.CacheDelete(ctx, "owner:external:wr1"); err != nil {
		t.Fatal(err)
	}
	var v string
	if ok, err := s.CacheGet(ctx, "owner:external:wr1", &v); err != nil || ok {
		t.Errorf("after delete: ok=%v err=%v", ok, err)
	}
	if err := s.CacheDelete(ctx, "never-set"); err != nil {
		t.Errorf("deleting an absent entry: %v", err)
	}
}
