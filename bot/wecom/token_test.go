package wecom_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func TestTokenCachedAndShared(t *testing.T) {
	fake := newFake(t, nil)
	store := &wecom.MemoryTokenStore{}
	a := newClient(t, fake.URL(), store, nil)
	b := newClient(t, fake.URL(), store, nil)
	ctx := context.Background()
	for i, c := range []*wecom.Client{a, a, b, b} {
		if _, err := c.SendText(ctx, alice, fmt.Sprint("hello ", i), wecom.SendOptions{}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 1 {
		t.Fatalf("gettoken called %d times for two clients on one store, want 1", got)
	}
	ta, err := a.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ta != tb || ta == "" {
		t.Fatalf("tokens %q and %q, want one shared token", ta, tb)
	}
}

func TestTokenExpiryMidRun(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	if _, err := c.SendText(ctx, alice, "before", wecom.SendOptions{}); err != nil {
		t.Fatalf("send before expiry: %v", err)
	}
	fake.ExpireTokens()
	if _, err := c.SendText(ctx, alice, "after", wecom.SendOptions{}); err != nil {
		t.Fatalf("send after expiry: %v", err)
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 2 {
		t.Fatalf("gettoken calls %d, want 2", got)
	}
	// before; after refused with 42001; after retried once.
	if got := fake.Calls(wecomtest.APIMessageSend); got != 3 {
		t.Fatalf("message/send calls %d, want 3", got)
	}
	if got := len(fake.Sent()); got != 2 {
		t.Fatalf("delivered %d, want 2", got)
	}
}

func TestTokenExpiryByClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := newFake(t, func(c *wecomtest.Config) { c.Now = clk })
	// The client keeps the token it read for a while too: on the same clock.
	c := newClient(t, fake.URL(), &wecom.MemoryTokenStore{Now: clk}, func(cfg *wecom.ClientConfig) { cfg.Now = clk })
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.SendText(ctx, alice, fmt.Sprint("hour ", i), wecom.SendOptions{}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		mu.Lock()
		now = now.Add(time.Hour + time.Minute)
		mu.Unlock()
	}
	// 7200 s tokens cached for 7200 s less 5 min: hours 0 and 1 share one.
	if got := fake.Calls(wecomtest.APIGetToken); got != 2 {
		t.Fatalf("gettoken calls %d, want 2", got)
	}
	if got := fake.Calls(wecomtest.APIMessageSend); got != 3 {
		t.Fatalf("message/send calls %d, want 3 (the cache drops tokens before WeCom expires them)", got)
	}
}

func TestTokenRefusedRetriesOnce(t *testing.T) {
	for _, code := range []int{40014, 41001, 42001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			ts, tokens, sends := refusingServer(t, code)
			c := newClient(t, ts.URL, nil, nil)
			_, err := c.SendText(context.Background(), alice, "x", wecom.SendOptions{})
			if !wecom.TokenInvalid(err) {
				t.Fatalf("error %v, want a token error", err)
			}
			if wecom.Retryable(err) || wecom.Permanent(err) {
				t.Fatalf("token error classified retryable=%v permanent=%v", wecom.Retryable(err), wecom.Permanent(err))
			}
			if tokens.Load() != 2 || sends.Load() != 2 {
				t.Fatalf("gettoken %d, message/send %d; want 2 and 2 (exactly one retry)", tokens.Load(), sends.Load())
			}
			var apiErr *wecom.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != code || apiErr.API != "message/send" {
				t.Fatalf("error %#v, want *APIError %d from message/send", err, code)
			}
			if strings.Contains(err.Error(), "TOKEN") {
				t.Fatalf("error %q shows the access token", err)
			}
		})
	}
}

func TestGetTokenErrorsArePermanent(t *testing.T) {
	fake := newFake(t, nil)
	tests := []struct {
		name string
		mod  func(*wecom.ClientConfig)
		code int
	}{
		{"wrong secret", func(c *wecom.ClientConfig) { c.Secret = "wrong-secret-value" }, 40001},
		{"wrong corp id", func(c *wecom.ClientConfig) { c.CorpID = "wwwrong" }, 40013},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, fake.URL(), nil, tc.mod)
			_, err := c.SendText(context.Background(), alice, "x", wecom.SendOptions{})
			var apiErr *wecom.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code || apiErr.API != "gettoken" {
				t.Fatalf("error %v, want errcode %d from gettoken", err, tc.code)
			}
			if !wecom.Permanent(err) || wecom.Retryable(err) || wecom.TokenInvalid(err) {
				t.Fatalf("%v: permanent=%v retryable=%v", err, wecom.Permanent(err), wecom.Retryable(err))
			}
			if strings.Contains(err.Error(), "wrong-secret-value") || strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}
	if got := fake.Calls(wecomtest.APIMessageSend); got != 0 {
		t.Fatalf("message/send reached %d times without a token", got)
	}
}

func TestConcurrentRefresh(t *testing.T) {
	fake := newFake(t, nil)
	// Slow gettoken so that every goroutine arrives while the refresh runs.
	fake.SetFaults(wecomtest.Faults{Latency: 50 * time.Millisecond, APIs: []string{wecomtest.APIGetToken}})
	store := &wecom.MemoryTokenStore{}
	clients := make([]*wecom.Client, 4) // four replicas sharing one store
	for i := range clients {
		clients[i] = newClient(t, fake.URL(), store, nil)
	}
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			tokens[i], errs[i] = clients[i%len(clients)].Token(context.Background())
		})
	}
	wg.Wait()
	for i := range 20 {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if tokens[i] != tokens[0] {
			t.Fatalf("goroutine %d got %q, goroutine 0 %q", i, tokens[i], tokens[0])
		}
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 1 {
		t.Fatalf("gettoken called %d times by 20 goroutines, want 1", got)
	}
}

func TestWaitsForAnotherReplicasRefresh(t *testing.T) {
	fake := newFake(t, nil)
	store := &wecom.MemoryTokenStore{}
	c := newClient(t, fake.URL(), store, nil)
	ctx := context.Background()
	unlock, ok, err := store.Lock(ctx, c.TokenKey(), time.Minute)
	if err != nil || !ok {
		t.Fatalf("lock: ok=%v err=%v", ok, err)
	}
	got := make(chan string, 1)
	go func() {
		tok, err := c.Token(ctx)
		if err != nil {
			tok = "error: " + err.Error()
		}
		got <- tok
	}()
	// The other replica stores its token and releases the lock.
	if err := store.SetToken(ctx, c.TokenKey(), "FROM-OTHER-REPLICA", time.Hour); err != nil {
		t.Fatal(err)
	}
	unlock()
	if tok := <-got; tok != "FROM-OTHER-REPLICA" {
		t.Fatalf("token %q, want the other replica's", tok)
	}
	if n := fake.Calls(wecomtest.APIGetToken); n != 0 {
		t.Fatalf("gettoken called %d times while another replica refreshed", n)
	}
}

// TestTokenReadOnceForManyCalls: calls within tokenLocalTTL read the
// shared store once, not once a call; a refused token is forgotten at once
// (the next call reads the store again) and one read later than the local
// lifetime asks the store again.
func TestTokenReadOnceForManyCalls(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := newFake(t, func(c *wecomtest.Config) { c.Now = clk })
	store := &countingStore{MemoryTokenStore: wecom.MemoryTokenStore{Now: clk}}
	c := newClient(t, fake.URL(), store, func(cfg *wecom.ClientConfig) { cfg.Now = clk })
	ctx := context.Background()
	send := func(i int) {
		t.Helper()
		if _, err := c.SendText(ctx, alice, fmt.Sprint("message ", i), wecom.SendOptions{}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	for i := range 10 {
		send(i)
	}
	if got := store.gets.Load(); got > 3 {
		t.Fatalf("10 calls read the token store %d times, want at most 3 (the first call's refresh)", got)
	}
	before := store.gets.Load()
	fake.ExpireTokens()
	send(10) // refused: dropped, refreshed, sent again
	send(11)
	if got := fake.Calls(wecomtest.APIGetToken); got != 2 {
		t.Fatalf("gettoken %d times, want 2 (one refresh after the refusal)", got)
	}
	mid := store.gets.Load()
	if mid == before {
		t.Fatal("the refused token was not forgotten: the store was not read again")
	}
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	send(12)
	if store.gets.Load() == mid {
		t.Fatal("after the local lifetime the store was not read again")
	}
}
