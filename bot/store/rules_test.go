package store_test

import (
	"context"
	"errors"
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
