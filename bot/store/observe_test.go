package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestObserveCommands(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]bool{} // command → failed
	st.ObserveCommands(func(cmd string, took time.Duration, failed bool) {
		mu.Lock()
		defer mu.Unlock()
		if took < 0 {
			t.Errorf("%s took %s", cmd, took)
		}
		seen[cmd] = seen[cmd] || failed
	})
	if _, err := st.Delivered(ctx, "absent"); err != nil { // EXISTS
		t.Fatal(err)
	}
	if _, err := st.OutboxStats(ctx); err != nil { // a pipeline
		t.Fatal(err)
	}
	var v struct{}
	if _, err := st.CacheGet(ctx, "absent", &v); err != nil { // GET → redis.Nil, not a failure
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, cmd := range []string{"exists", "pipeline", "get"} {
		failed, ok := seen[cmd]
		if !ok {
			t.Errorf("%s not observed (saw %v)", cmd, seen)
		}
		if failed && cmd != "pipeline" {
			t.Errorf("%s reported as failed", cmd)
		}
	}
}

func TestOutboxOldest(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	if _, ok, err := st.OutboxOldest(ctx); err != nil || ok {
		t.Fatalf("empty outbox: ok %v, err %v", ok, err)
	}
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for i, key := range []string{"a", "b"} {
		if _, err := st.Enqueue(ctx, key, []byte(`{}`), t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := st.OutboxOldest(ctx)
	if err != nil || !ok || !got.Equal(t0) {
		t.Fatalf("OutboxOldest = %v, %v, %v; want %v", got, ok, err, t0)
	}
	// The oldest fails and waits in the delayed set: still the oldest.
	es, err := st.ReadOutbox(ctx, "c1", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("read: %v, %v", es, err)
	}
	if err := st.Reschedule(ctx, es[0], t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, ok, err = st.OutboxOldest(ctx); err != nil || !ok || !got.Equal(t0) {
		t.Fatalf("after reschedule: %v, %v, %v; want %v", got, ok, err, t0)
	}
}
