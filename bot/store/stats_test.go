package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestStatsCountEachViolationOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	day1 := time.Date(2026, 11, 25, 23, 30, 0, 0, cst) // late evening: still the 25th in China
	day2 := time.Date(2026, 11, 26, 9, 0, 0, 0, cst)
	save := func(id, from, chat, sev string, at time.Time, cats ...string) {
		v := store.Violation{ID: id, Time: at, From: from, ChatID: chat, Severity: sev}
		for _, c := range cats {
			v.Hits = append(v.Hits, store.VHit{Category: c})
		}
		// Saved twice, as a retried message would be.
		for range 2 {
			if err := s.SaveViolation(ctx, v, 180*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	save("a", "zhangsan", "wr1", "medium", day1, "ads", "ads")
	save("b", "lisi", "", "high", day1.UTC(), "customer_data", "ads")
	save("c", "zhangsan", "wr1", "low", day2, "abuse")
	got, err := s.Stats(ctx, day2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Date != "2026-11-24" || got[0].Total != 0 || got[1].Date != "2026-11-25" || got[2].Date != "2026-11-26" {
		t.Fatalf("days %+v", got)
	}
	d := got[1]
	if d.Total != 2 || d.ByCategory["ads"] != 2 || d.ByCategory["customer_data"] != 1 || d.ByChat["wr1"] != 1 || d.ByChat["-"] != 1 ||
		d.ByUser["zhangsan"] != 1 || d.BySeverity["high"] != 1 {
		t.Fatalf("2026-11-25: %+v", d)
	}
	if got[2].Total != 1 || got[2].ByCategory["abuse"] != 1 {
		t.Fatalf("2026-11-26: %+v", got[2])
	}
}

func TestCachedDepartment(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.CacheSet(ctx, "user:zhangsan", map[string]any{"UserID": "zhangsan", "Department": []int64{3, 4}, "MainDepartment": 4}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if d, ok, err := s.CachedDepartment(ctx, "zhangsan"); err != nil || !ok || d != "4" {
		t.Fatalf("CachedDepartment = %q, %v, %v", d, ok, err)
	}
	if _, ok, _ := s.CachedDepartment(ctx, "nobody"); ok {
		t.Fatal("an uncached user has a department")
	}
}
