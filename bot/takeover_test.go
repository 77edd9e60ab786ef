package bot_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

var errDied = errors.New("replica died")

// dyingAPI delivers a message and then dies, before its sender can record
// anything: a kill -9 between WeCom's answer and the bookkeeping.
type dyingAPI struct {
	bot.WeComAPI
	dead *atomic.Bool
}

func (d dyingAPI) SendMarkdown(ctx context.Context, t wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	if d.dead.Load() {
		return nil, errDied
	}
	if _, err := d.WeComAPI.SendMarkdown(ctx, t, content, opt); err != nil {
		return nil, err
	}
	d.dead.Store(true)
	return nil, errDied
}

func (d dyingAPI) SendText(ctx context.Context, t wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	if d.dead.Load() {
		return nil, errDied
	}
	if _, err := d.WeComAPI.SendText(ctx, t, content, opt); err != nil {
		return nil, err
	}
	d.dead.Store(true)
	return nil, errDied
}

// deadStore is the dead replica's view of Redis: nothing after its death
// reaches it.
type deadStore struct {
	*store.Store
	dead *atomic.Bool
}

func (d deadStore) RenewLease(ctx context.Context, l store.Lease, until time.Time) (bool, error) {
	if d.dead.Load() {
		return false, errDied
	}
	return d.Store.RenewLease(ctx, l, until)
}

func (d deadStore) FinishLease(ctx context.Context, l store.Lease, keys ...string) (bool, error) {
	if d.dead.Load() {
		return false, errDied
	}
	return d.Store.FinishLease(ctx, l, keys...)
}

func (d deadStore) RetryLease(ctx context.Context, l store.Lease, e store.OutboxEntry, due time.Time) (bool, error) {
	if d.dead.Load() {
		return false, errDied
	}
	return d.Store.RetryLease(ctx, l, e, due)
}

func (d deadStore) DeadLease(ctx context.Context, l store.Lease, e store.OutboxEntry, reason string, now time.Time) (bool, error) {
	if d.dead.Load() {
		return false, errDied
	}
	return d.Store.DeadLease(ctx, l, e, reason, now)
}

// TestCrashedReplicasDigestTakenOverWithin30s: replica A sends combined
// messages, WeCom delivers them, and A dies before recording that. With the
// default settings replica B must not touch it while A's lease may still
// run, and must resend it — the same message, which WeCom's duplicate
// check swallows — once 21 s have passed: the owner sees each alert once.
// B's clock is moved forward instead of the test waiting.
func TestCrashedReplicasDigestTakenOverWithin30s(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrcrash", Creator: "owner3"})
	want := map[string]string{}
	for i, u := range users(4) {
		for j := 0; j < 3; j++ {
			id := "c" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
			res, err := h.pipeline.Process(ctx, archived(id, u, "wrcrash", insult, time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range expectedKeys("msg:"+id, res.Step) {
				want[refOf(k)] = k
			}
		}
	}
	var dead atomic.Bool
	a := h.senderWith("replica-a", func(c *bot.SenderConfig) {
		c.ClaimIdle = 0 // the default
		c.API = dyingAPI{c.API, &dead}
		c.Store = deadStore{h.st, &dead}
	})
	if _, err := a.Round(ctx); !errors.Is(err, errDied) {
		t.Fatalf("replica A's round: %v, want it to die after its first delivery", err)
	}
	// A delivered one message, or a few: those it was sending at once.
	delivered := len(h.fake.Sent())
	if delivered < 1 {
		t.Fatal("A delivered nothing before it died")
	}
	combined := false
	for _, m := range h.fake.Sent() {
		combined = combined || len(refPattern.FindAllString(m.Content, -1)) > 1
	}
	if !combined {
		t.Fatal("A delivered no combined message before it died")
	}

	// B's ClaimIdle is short for the entries A read but never sealed (their
	// idle time is Redis's own clock); A's sealed message waits for the
	// lease A took, 20 s by default.
	after := func(d time.Duration) *bot.Sender {
		return h.senderWith("replica-b", func(c *bot.SenderConfig) {
			c.ClaimIdle = 200 * time.Millisecond
			c.Now = func() time.Time { return time.Now().Add(d) }
		})
	}
	early := after(10 * time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := early.Round(ctx); err != nil {
			t.Fatal(err)
		}
		stats, err := h.st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Queued == 0 && stats.Pending == 0 {
			if stats.Delayed == 0 {
				t.Fatalf("outbox %+v, want A's messages waiting for their leases", stats)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B did not take over A's unsealed entries: %+v", stats)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := len(h.fake.Duplicates()); d != 0 {
		t.Fatalf("B resent A's messages %d times while A's leases ran", d)
	}
	h.drain(ctx, nil, after(21*time.Second))
	if d := len(h.fake.Duplicates()); d != delivered {
		t.Errorf("A's %d messages were resent %d times after their leases ran out, want once each (swallowed by the duplicate check)", delivered, d)
	}
	seen := seenRefs(h.fake)
	for ref, key := range want {
		if seen[ref] != 1 {
			t.Errorf("%s seen %d times, want 1", key, seen[ref])
		}
	}
}

// TestSlowSenderKeepsItsMessage: a live replica whose send takes three
// times ClaimIdle keeps its lease by renewing it, so the other replica,
// running rounds all the while, never sends that message a second time.
func TestSlowSenderKeepsItsMessage(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.pipeline.Process(ctx, archived("slow", "sunqi", "wrwork1", insult, time.Now())); err != nil {
		t.Fatal(err)
	}
	const idle = time.Second
	started := make(chan struct{})
	a := h.senderWith("slow-a", func(c *bot.SenderConfig) {
		c.ClaimIdle = idle
		c.API = &startedAPI{WeComAPI: c.API, started: started}
	})
	b := h.senderWith("busy-b", func(c *bot.SenderConfig) { c.ClaimIdle = idle })
	h.fake.SetFaults(wecomtest.Faults{Latency: 3 * idle, APIs: []string{wecomtest.APIMessageSend}})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-started: // B works while A's send is under way
		case <-done:
			return
		}
		for {
			select {
			case <-done:
				return
			default:
			}
			_, _ = b.Round(ctx)
		}
	}()
	n, err := a.Round(ctx)
	close(done)
	wg.Wait()
	if err != nil || n != 1 {
		t.Fatalf("A's round: %d entries, %v; want the one warning", n, err)
	}
	if calls := h.fake.Calls(wecomtest.APIMessageSend); calls != 1 {
		t.Fatalf("message/send called %d times, want once: B took over a live replica's message", calls)
	}
	stats, _ := h.st.OutboxStats(ctx)
	if stats.Queued+stats.Pending+stats.Delayed != 0 {
		t.Fatalf("outbox after the slow delivery: %+v", stats)
	}
}

// startedAPI tells when its first send starts.
type startedAPI struct {
	bot.WeComAPI
	started chan struct{}
	once    sync.Once
}

func (s *startedAPI) SendText(ctx context.Context, t wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	s.once.Do(func() { close(s.started) })
	return s.WeComAPI.SendText(ctx, t, content, opt)
}
