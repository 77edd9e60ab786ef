// Package contract holds behaviour tests that every implementation of the
// wecom client's storage interfaces must pass: the in-memory ones in
// package wecom and the Redis ones in bot/store run the same checks. It is
// kept apart from wecomtest so the sandbox binary does not link "testing".
package contract

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// TokenStore checks that a wecom.TokenStore behaves as the client
// relies on; run it against every implementation (the in-memory one, the
// Redis one in bot/store). newStore may return stores sharing a backend:
// the keys used are unique to each call.
func TokenStore(t *testing.T, newStore func(t *testing.T) wecom.TokenStore) {
	t.Helper()
	ctx := context.Background()
	unique := func(t *testing.T) string { return fmt.Sprintf("contract:%s:%d", t.Name(), time.Now().UnixNano()) }

	t.Run("get set delete", func(t *testing.T) {
		s, key := newStore(t), unique(t)
		if tok, ok, err := s.GetToken(ctx, key); err != nil || ok || tok != "" {
			t.Fatalf("empty store: GetToken = %q, %v, %v; want \"\", false, nil", tok, ok, err)
		}
		if err := s.SetToken(ctx, key, "T1", time.Hour); err != nil {
			t.Fatalf("SetToken: %v", err)
		}
		if tok, ok, err := s.GetToken(ctx, key); err != nil || !ok || tok != "T1" {
			t.Fatalf("GetToken = %q, %v, %v; want T1", tok, ok, err)
		}
		if err := s.DeleteToken(ctx, key, "OTHER"); err != nil {
			t.Fatalf("DeleteToken(other): %v", err)
		}
		if tok, ok, _ := s.GetToken(ctx, key); !ok || tok != "T1" {
			t.Fatalf("deleting another token removed T1 (got %q, %v)", tok, ok)
		}
		if err := s.DeleteToken(ctx, key, "T1"); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		if _, ok, _ := s.GetToken(ctx, key); ok {
			t.Fatalf("token still there after DeleteToken")
		}
	})
	t.Run("keys are separate", func(t *testing.T) {
		s, key := newStore(t), unique(t)
		if err := s.SetToken(ctx, key+":a", "A", time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.GetToken(ctx, key+":b"); ok {
			t.Fatalf("a token set under one key is visible under another")
		}
		unlock, ok, err := s.Lock(ctx, key+":a", time.Minute)
		if err != nil || !ok {
			t.Fatalf("Lock a: %v, %v", ok, err)
		}
		defer unlock()
		unlockB, ok, err := s.Lock(ctx, key+":b", time.Minute)
		if err != nil || !ok {
			t.Fatalf("the lock on one key blocks another: %v, %v", ok, err)
		}
		unlockB()
	})
	t.Run("lock excludes until unlocked", func(t *testing.T) {
		s, key := newStore(t), unique(t)
		unlock, ok, err := s.Lock(ctx, key, time.Minute)
		if err != nil || !ok {
			t.Fatalf("first Lock: %v, %v", ok, err)
		}
		if _, ok, err := s.Lock(ctx, key, time.Minute); err != nil || ok {
			t.Fatalf("second Lock while held: %v, %v; want false", ok, err)
		}
		unlock()
		unlock2, ok, err := s.Lock(ctx, key, time.Minute)
		if err != nil || !ok {
			t.Fatalf("Lock after unlock: %v, %v", ok, err)
		}
		unlock() // a stale unlock must not release the new holder's lock
		if _, ok, err := s.Lock(ctx, key, time.Minute); err != nil || ok {
			t.Fatalf("a stale unlock released another holder's lock: %v, %v", ok, err)
		}
		unlock2()
	})
	t.Run("one winner among many", func(t *testing.T) {
		s, key := newStore(t), unique(t)
		var mu sync.Mutex
		var wg sync.WaitGroup
		wins := 0
		for range 20 {
			wg.Go(func() {
				if _, ok, err := s.Lock(ctx, key, time.Minute); err == nil && ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d goroutines got the lock, want 1", wins)
		}
	})
}

// Pacer checks that a wecom.Pacer enforces WeCom's per-member
// limits (30 a minute) as the client relies on. The times passed to Admit
// are synthetic; members are unique to each call.
func Pacer(t *testing.T, newPacer func(t *testing.T) wecom.Pacer) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	unique := fmt.Sprintf("pace-%d", time.Now().UnixNano())
	a, b := unique+"-a", unique+"-b"

	p := newPacer(t)
	for i := range wecom.MemberPerMinute {
		ok, _, err := p.Admit(ctx, []string{a}, t0.Add(time.Duration(i)*time.Second))
		if err != nil || !ok {
			t.Fatalf("admission %d: %v, %v", i, ok, err)
		}
	}
	ok, wait, err := p.Admit(ctx, []string{b, a}, t0.Add(40*time.Second))
	if err != nil || ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("admission past the minute limit = %v, %s, %v; want refused with a wait within a minute", ok, wait, err)
	}
	if ok, _, err := p.Admit(ctx, []string{b}, t0.Add(41*time.Second)); err != nil || !ok {
		t.Fatalf("a refused message must record nothing for the other member: %v, %v", ok, err)
	}
	if ok, _, err := p.Admit(ctx, []string{a}, t0.Add(40*time.Second+wait)); err != nil || !ok {
		t.Fatalf("after the wait: %v, %v", ok, err)
	}
}
