package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestRulesSeedSaveConflictWatch(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	seeded, err := s.SeedRules(ctx, map[string][]byte{"policy.yaml": []byte("v1"), "lists/ads/a.txt": []byte("刷单\n")})
	if err != nil || !seeded {
		t.Fatalf("SeedRules = %v, %v", seeded, err)
	}
	if again, _ := s.SeedRules(ctx, map[string][]byte{"policy.yaml": []byte("other")}); again {
		t.Fatal("seeded over an existing rule set")
	}
	files, v, err := s.Rules(ctx)
	if err != nil || v != 1 || string(files["policy.yaml"]) != "v1" || len(files) != 2 {
		t.Fatalf("Rules = %v, %d, %v", files, v, err)
	}

	got := make(chan int64, 4)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.WatchRules(wctx, func(v int64) { got <- v })
	time.Sleep(100 * time.Millisecond) // let the subscription start

	v2, err := s.SaveRules(ctx, map[string][]byte{"policy.yaml": []byte("v2")}, 1)
	if err != nil || v2 != 2 {
		t.Fatalf("SaveRules = %d, %v", v2, err)
	}
	if _, err := s.SaveRules(ctx, map[string][]byte{"policy.yaml": []byte("stale")}, 1); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale save: %v, want ErrVersionConflict", err)
	}
	files, v, _ = s.Rules(ctx)
	if v != 2 || len(files) != 1 || string(files["policy.yaml"]) != "v2" {
		t.Fatalf("after save: %v, %d", files, v)
	}
	select {
	case n := <-got:
		if n != 2 {
			t.Fatalf("announced %d, want 2", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no announcement of version 2")
	}
}

// TestRulesDeltaOneVersionBehind: a save stores its delta; a reader one
// version behind gets it, and applying it to the files of that version
// gives the saved files; a reader further behind, or a save that adds a
// file, gets none or says so.
func TestRulesDeltaOneVersionBehind(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	v1 := map[string][]byte{"policy.yaml": []byte("p"), "lists/ads/a.txt": []byte("# 广告\n刷单\n返利\n"), "lists/ads/b.txt": []byte("代开发票\n")}
	if _, err := s.SeedRules(ctx, v1); err != nil {
		t.Fatal(err)
	}
	if v, d, err := s.RulesDelta(ctx, 1); v != 1 || d != nil || err != nil {
		t.Fatalf("RulesDelta(1) at version 1 = %d, %+v, %v; want 1, nil, nil", v, d, err)
	}
	v2 := map[string][]byte{"policy.yaml": []byte("p"), "lists/ads/a.txt": []byte("# 广告\n刷单\n兼职刷单\n"), "lists/ads/b.txt": []byte("代开发票\n")}
	if _, err := s.SaveRules(ctx, v2, 1); err != nil {
		t.Fatal(err)
	}
	v, d, err := s.RulesDelta(ctx, 1)
	if err != nil || v != 2 || d == nil || d.Base != 1 || len(d.Files) != 1 || d.Files[0].Path != "lists/ads/a.txt" || len(d.Added)+len(d.Removed) != 0 {
		t.Fatalf("RulesDelta(1) = %d, %+v, %v", v, d, err)
	}
	if got, err := d.Files[0].Apply(v1["lists/ads/a.txt"]); err != nil || string(got) != string(v2["lists/ads/a.txt"]) {
		t.Fatalf("the delta applied gives %q, %v", got, err)
	}
	if e := d.Files[0]; string(e.Cutout(v1["lists/ads/a.txt"])) != "返利\n" || string(e.Insert) != "兼职刷单\n" {
		t.Errorf("the delta cuts %q and inserts %q, want the changed line alone", e.Cutout(v1["lists/ads/a.txt"]), e.Insert)
	}
	if _, d, _ := s.RulesDelta(ctx, 0); d != nil {
		t.Errorf("a reader two versions behind got a delta: %+v", d)
	}
	v3 := map[string][]byte{"policy.yaml": []byte("p"), "lists/ads/a.txt": v2["lists/ads/a.txt"], "lists/ads/c.txt": []byte("新词\n")}
	if _, err := s.SaveRules(ctx, v3, -1); err != nil {
		t.Fatal(err)
	}
	if v, d, err := s.RulesDelta(ctx, 2); err != nil || v != 3 || d == nil || !slices.Equal(d.Added, []string{"lists/ads/c.txt"}) || !slices.Equal(d.Removed, []string{"lists/ads/b.txt"}) || len(d.Files) != 0 {
		t.Fatalf("RulesDelta(2) = %d, %+v, %v; want the added and removed file named", v, d, err)
	}
	if _, d, _ := s.RulesDelta(ctx, 1); d != nil {
		t.Errorf("a reader two versions behind got a delta: %+v", d)
	}
}
