package handlers

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

type ctxKey string

// TestDeadlineContext: a processing context keeps its parent's values but
// not its cancellation, has its deadline no earlier than the timeout and
// at most a tick later, and ends with DeadlineExceeded, as do the contexts
// derived from it.
func TestDeadlineContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey("k"), "v"))
	cancel()
	d := &deadlines{timeout: time.Minute}
	before := time.Now()
	ctx := d.context(parent)
	after := time.Now()
	if ctx.Err() != nil || ctx.Value(ctxKey("k")) != "v" {
		t.Fatalf("Err %v, value %v: want no error (the parent's cancellation does not reach it) and the parent's value", ctx.Err(), ctx.Value(ctxKey("k")))
	}
	if at, ok := ctx.Deadline(); !ok || at.Before(before.Add(time.Minute)) || at.After(after.Add(time.Minute+deadlineTick)) {
		t.Errorf("deadline %v (%v), want within a tick after %v", at, ok, before.Add(time.Minute))
	}
	if context.Cause(ctx) != nil {
		t.Errorf("cause %v before the end, want none (not the parent's)", context.Cause(ctx))
	}

	ended := (&deadlines{timeout: time.Millisecond}).context(parent)
	child, cancelChild := context.WithCancel(ended)
	defer cancelChild()
	stopped := make(chan struct{})
	stop := context.AfterFunc(ended, func() { close(stopped) })
	if !stop() {
		t.Error("AfterFunc's stop before the end reports false, want true")
	}
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a child of a 1 ms processing context not done after 10 s")
	}
	for name, c := range map[string]context.Context{"context": ended, "child": child} {
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(c), context.DeadlineExceeded) {
			t.Errorf("%s: Err %v, cause %v; want DeadlineExceeded", name, c.Err(), context.Cause(c))
		}
	}
	late, cancelLate := context.WithCancel(ended)
	defer cancelLate()
	<-late.Done() // a child made after the end is done at once
	select {
	case <-stopped:
		t.Error("the stopped AfterFunc ran")
	default:
	}
}

// TestDeadlinesShareATimer: the callbacks started in one tick share one
// end (one channel, one timer), and contexts derived from them wait on it
// without a goroutine each.
func TestDeadlinesShareATimer(t *testing.T) {
	d := &deadlines{timeout: time.Minute}
	start := time.Now()
	ends := map[<-chan struct{}]bool{}
	var ctxs []context.Context
	for range 1000 {
		ctx := d.context(context.Background())
		ends[ctx.Done()] = true
		ctxs = append(ctxs, ctx)
	}
	if most := int(time.Since(start)/deadlineTick) + 2; len(ends) > most {
		t.Errorf("1000 contexts made in %v have %d ends, want at most %d (one a tick)", time.Since(start), len(ends), most)
	}
	goroutines := runtime.NumGoroutine()
	var cancels []context.CancelFunc
	for _, ctx := range ctxs {
		_, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
	}
	if n := runtime.NumGoroutine() - goroutines; n > 100 {
		t.Errorf("1000 children started %d goroutines, want none", n)
	}
	for _, cancel := range cancels {
		cancel()
	}
}

// TestDeadlineAfterAClockStep: a bucket that has ended is never handed out
// again, even when its slot is still ahead of the clock's (as after the
// wall clock stepped back, when slots were counted in wall time; they are
// now counted on the monotonic clock).
func TestDeadlineAfterAClockStep(t *testing.T) {
	d := &deadlines{timeout: time.Second}
	d.context(context.Background())
	ended := d.cur.Load()
	ended.slot += int64(time.Hour / deadlineTick) // as if the clock had gone back an hour
	ended.end()                                   // its own timer ends it again later: harmless
	ctx := d.context(context.Background())
	if err := ctx.Err(); err != nil {
		t.Fatalf("a fresh processing context is already done: %v", err)
	}
	if at, _ := ctx.Deadline(); time.Until(at) > time.Second+deadlineTick || time.Until(at) <= 0 {
		t.Errorf("deadline %v from now, want about a second", time.Until(at))
	}
}

// TestDeadlineBucketEndsOnce: a bucket ended twice (its timer after an
// early end) neither panics nor runs its functions again.
func TestDeadlineBucketEndsOnce(t *testing.T) {
	ctx := (&deadlines{timeout: time.Hour}).context(context.Background()).(*deadlineContext)
	runs := make(chan struct{}, 2)
	ctx.AfterFunc(func() { runs <- struct{}{} })
	ctx.b.end()
	ctx.b.end()
	<-runs
	select {
	case <-runs:
		t.Error("an AfterFunc ran twice")
	case <-time.After(50 * time.Millisecond):
	}
}
