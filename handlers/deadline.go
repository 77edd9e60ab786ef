package handlers

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlineTick is how finely processing deadlines are told apart: a
// callback's processing ends at its ProcessTimeout rounded up to the next
// tick, at most this much later.
const deadlineTick = 10 * time.Millisecond

// deadlines gives each callback's processing its ProcessTimeout as a
// context whose end it shares with every callback started in the same
// tick: one channel and one timer a tick instead of context.WithTimeout's
// timer, cancel context and done channel a callback (six allocations and
// a timer added to and removed from the runtime's heap; 1 % of the served
// binary's CPU under the load tool, docs/performance.md). A processing
// context is never cancelled early (the request's cancellation does not
// reach it, processContext), so it needs nothing of its own but its
// parent.
type deadlines struct {
	timeout time.Duration
	cur     atomic.Pointer[deadlineBucket]
	mu      sync.Mutex // makes the next bucket
}

// deadlineBucket is the end of the processing of every callback whose
// deadline falls in one tick.
type deadlineBucket struct {
	slot int64 // the tick, as UnixNano / deadlineTick
	at   time.Time
	done chan struct{}

	mu    sync.Mutex
	ended bool
	funcs []*afterFunc // AfterFunc's, run when the bucket ends
}

type afterFunc struct {
	f    func()
	done bool // run or stopped
}

// deadlineBase is where the ticks are counted from: a reading of the
// monotonic clock, so that a step of the wall clock (NTP, a VM resumed)
// moves no slot (slots counted in wall time would, after a step back, all
// fall into a bucket that has already ended).
var deadlineBase = time.Now()

// context returns a context carrying parent's values that is done when
// d's timeout from now has passed (rounded up to the tick).
func (d *deadlines) context(parent context.Context) context.Context {
	end := int64(time.Since(deadlineBase) + d.timeout)
	slot := (end + int64(deadlineTick) - 1) / int64(deadlineTick)
	b := d.cur.Load()
	if b == nil || b.slot != slot || b.over() {
		b = d.bucket(slot)
	}
	return &deadlineContext{Context: context.WithoutCancel(parent), b: b}
}

// bucket returns the bucket of slot, making it (and its timer) if it is
// not the current one; the buckets made before end by their own timers.
func (d *deadlines) bucket(slot int64) *deadlineBucket {
	d.mu.Lock()
	defer d.mu.Unlock()
	if b := d.cur.Load(); b != nil && b.slot >= slot && !b.over() {
		// Made meanwhile, or a later one (a callback that read the clock
		// just before another): the later deadline is still within a tick.
		return b
	}
	b := &deadlineBucket{slot: slot, at: deadlineBase.Add(time.Duration(slot) * deadlineTick), done: make(chan struct{})}
	time.AfterFunc(time.Until(b.at), b.end)
	d.cur.Store(b)
	return b
}

// over reports whether b has ended: never the case for the bucket of a
// slot still ahead, but a bucket must not be handed out after its end.
func (b *deadlineBucket) over() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

func (b *deadlineBucket) end() {
	b.mu.Lock()
	if b.ended {
		b.mu.Unlock()
		return // ended already (twice is harmless)
	}
	b.ended = true
	var run []func()
	for _, a := range b.funcs {
		if !a.done {
			a.done = true
			run = append(run, a.f)
		}
	}
	b.funcs = nil
	close(b.done)
	b.mu.Unlock()
	for _, f := range run {
		go f()
	}
}

// deadlineContext is a processing context: its parent's values (through
// context.WithoutCancel, so not its cancellation or cause) and its
// bucket's end.
type deadlineContext struct {
	context.Context
	b *deadlineBucket
}

func (c *deadlineContext) Deadline() (time.Time, bool) { return c.b.at, true }
func (c *deadlineContext) Done() <-chan struct{}       { return c.b.done }

func (c *deadlineContext) Err() error {
	select {
	case <-c.b.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// AfterFunc runs f in its own goroutine when the context is done. The
// context package uses it for the contexts derived from this one (a
// WithCancel or WithTimeout child) instead of a goroutine each waiting on
// Done. stop reports whether it kept f from running.
func (c *deadlineContext) AfterFunc(f func()) (stop func() bool) {
	b := c.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		go f()
		return func() bool { return false }
	}
	a := &afterFunc{f: f}
	b.funcs = append(b.funcs, a)
	return func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		if a.done {
			return false
		}
		a.done, a.f = true, nil // the stopped child is not kept until the bucket ends
		return true
	}
}
