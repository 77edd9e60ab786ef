package intercept_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/intercept"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/outcall/outcalltest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// The calls' keys across plans: kept for a change still to be made, new
// and never repeated otherwise.

// TestSyncReplanKeepsAFailingCall: a call WeCom keeps refusing with a
// retryable error is planned again by the next verification under the
// same key, with its attempts: the outbox's dead-letter limit holds
// instead of starting again at every replan.
func TestSyncReplanKeepsAFailingCall(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	out := outcalltest.New(t, outcalltest.Config{Store: e.store, API: c, MaxAttempts: 3,
		Calls: map[string]outcall.Handler{intercept.CallName: e.sync.Handler()}})
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{Busy: 1, APIs: []string{wecomtest.APIAddInterceptRule}})
	if err := e.sync.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	first := e.report(t)
	out.Round(t)  // the add fails once
	for range 2 { // two verifications while it keeps failing
		if err := e.sync.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		r := e.report(t)
		if len(r.Calls) != 1 || !slices.Equal(slices.Sorted(maps.Keys(r.Calls)), slices.Sorted(maps.Keys(first.Calls))) {
			t.Fatalf("replanned calls %v, want the failing one kept under %v", slices.Sorted(maps.Keys(r.Calls)), slices.Sorted(maps.Keys(first.Calls)))
		}
		for _, c := range r.Calls {
			if c.Attempts < 1 || c.Error == "" {
				t.Errorf("replanned call %+v; want its failed attempts kept", c)
			}
		}
		if r.Status != intercept.StatusFailed {
			t.Errorf("status %q after the replan, want still failed", r.Status)
		}
		out.Round(t)
	}
	out.Drain(t)
	dead := out.Dead(t)
	if len(dead) != 1 || !strings.Contains(dead[0].Reason, "尝试 3 次") {
		t.Fatalf("dead letters %d; want the add given up at its third attempt", len(dead))
	}
	if r := e.report(t); !r.Dead || r.Status != intercept.StatusFailed {
		t.Errorf("report %+v; want failed and given up", r)
	}
}

// TestSyncAfterLostStateQueuesItsCalls: the sync's state is lost (a Redis
// restored without it) while the outbox still keeps the marks of the keys
// queued before: the next plan's keys differ from them, so its calls are
// queued and made instead of being dropped as already queued.
func TestSyncAfterLostStateQueuesItsCalls(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	before := calls(e.fake)
	if err := e.store.SetInterceptState(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	mark(t, e.files, "ads", "intercept: warn")
	e.save(t)
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.report(t)
	if r.Status != intercept.StatusInStep || len(r.Calls) != 0 {
		t.Fatalf("report %+v; want in step after the lost state's plan", r)
	}
	after := calls(e.fake)
	if after[0] <= before[0] && after[1] <= before[1] {
		t.Errorf("calls %v then %v: the plan after the lost state changed nothing in WeCom", before, after)
	}
	if n := len(e.fake.InterceptRules()); n != 2 {
		t.Errorf("%d rules in WeCom, want 2 (the adopted one and the new one)", n)
	}
}

// ackAll acknowledges every call without making it, as a replica of an
// older release drops a carried call's entry as an older plan's.
type ackAll struct{}

func (ackAll) Deliver(context.Context, json.RawMessage, int) error            { return nil }
func (ackAll) Failed(context.Context, json.RawMessage, outcall.Failure) error { return nil }

// TestSyncReplanRequeuesACallWhoseEntryIsGone: a failing call's entry is
// dropped (by a replica of an older release); the call is quiet from then
// on, and a replan two verifications later queues it under a new key
// instead of keeping a key whose entry is gone.
func TestSyncReplanRequeuesACallWhoseEntryIsGone(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, func(c *intercept.Config) { c.Now = clock })
	ctx := context.Background()
	mark(t, e.files, "secrets", "intercept: block")
	e.save(t)
	e.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 1, APIs: []string{wecomtest.APIAddInterceptRule}})
	if err := e.sync.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	e.out.Round(t) // fails once, retried with backoff
	first := e.report(t)
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	old := outcalltest.New(t, outcalltest.Config{Store: e.store, API: c, Calls: map[string]outcall.Handler{intercept.CallName: ackAll{}}})
	time.Sleep(500 * time.Millisecond) // the retry comes due
	old.Drain(t)
	mu.Lock()
	now = now.Add(21 * time.Minute)
	mu.Unlock()
	if err := e.syncNow(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.report(t)
	if r.Status != intercept.StatusInStep || len(e.fake.InterceptRules()) != 1 {
		t.Errorf("report %+v (calls before %v); want the add queued anew and made", r, slices.Sorted(maps.Keys(first.Calls)))
	}
}
