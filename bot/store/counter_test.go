package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestCountViolationWindows(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	day, week := 24*time.Hour, 7*24*time.Hour
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		id   string
		day  int64
		week int64
	}{
		{"first", t0, "m1", 1, 1},
		{"same day", t0.Add(2 * time.Hour), "m2", 2, 2},
		{"retry counts once", t0.Add(2 * time.Hour), "m2", 2, 2},
		{"next day: day window slid", t0.Add(27 * time.Hour), "m3", 1, 3},
		{"8 days later: week window slid", t0.Add(8*day + time.Hour), "m4", 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CountViolation(ctx, "zhangsan", "ads", tc.id, tc.at, []time.Duration{day, week})
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != tc.day || got[1] != tc.week {
				t.Fatalf("counts = %v, want [%d %d]", got, tc.day, tc.week)
			}
		})
	}
	// Other users and categories are separate.
	got, err := s.CountViolation(ctx, "lisi", "ads", "m1", t0, []time.Duration{day})
	if err != nil || got[0] != 1 {
		t.Fatalf("another user: %v, %v; want [1]", got, err)
	}
}

func TestCountViolationConcurrent(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every event is delivered twice, as WeCom retries do.
			for range 2 {
				if _, err := s.CountViolation(ctx, "wangwu", "abuse", fmt.Sprint("m", i), now, []time.Duration{time.Hour}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.CountViolation(ctx, "wangwu", "abuse", "final", now, []time.Duration{time.Hour})
	if err != nil || got[0] != 51 {
		t.Fatalf("count after 50 concurrent events (each twice) + 1 = %v, %v; want 51", got, err)
	}
}
