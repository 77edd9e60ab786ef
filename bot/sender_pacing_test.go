package bot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// slotCounter is the store, counting the pacing slots asked per recipient.
type slotCounter struct {
	*store.Store
	mu    sync.Mutex
	asked map[string]int
}

func (c *slotCounter) TakeSendSlot(ctx context.Context, recipient, token string, now time.Time, perMinute, perHour int) (time.Duration, error) {
	c.mu.Lock()
	c.asked[recipient]++
	c.mu.Unlock()
	return c.Store.TakeSendSlot(ctx, recipient, token, now, perMinute, perHour)
}

func (c *slotCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.asked
	c.asked = map[string]int{}
	return out
}

// TestPacedRecipientWaitsWithoutAsking: once a recipient's pacing window
// is found full, its alerts of that round and of the next ones go back to
// the queue until the window frees, one slot asked in all (not one a
// round, and no names resolved or digest rendered for them), and they are
// all delivered, in one digest, when it frees.
func TestPacedRecipientWaitsWithoutAsking(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrpace", Creator: "owner1"})
	now, advance := testClock()
	counter := &slotCounter{Store: h.st, asked: map[string]int{}}
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Store, c.Now, c.PerMinute, c.Workers = counter, now, 1, 1
	})
	offend := func(id string) {
		t.Helper()
		// The same member in the same group: a warning to the member, an
		// alert to the group's owner and a notice to HR, each paced.
		if _, err := h.pipeline.Process(ctx, archived(id, "member1", "wrpace", idCard, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	round := func() int {
		t.Helper()
		n, err := s.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	offend("p0")
	if n := round(); n != 3 {
		t.Fatalf("first round handled %d entries, want 3", n)
	}
	counter.take()
	sent := len(h.fake.Sent())
	if sent != 3 {
		t.Fatalf("%d messages sent for the first offence, want 3", sent)
	}

	// Every recipient's window of one a minute is full now.
	offend("p1")
	offend("p2")
	advance(time.Second)
	if n := round(); n != 6 {
		t.Fatalf("second round handled %d entries, want 6", n)
	}
	asked := counter.take()
	for _, r := range []string{"hr", "user:member1", "user:owner1"} {
		if asked[r] != 1 {
			t.Errorf("second round asked %s's window %d times, want once (slots asked: %v)", r, asked[r], asked)
		}
	}
	offend("p3")
	advance(time.Second)
	if n := round(); n != 3 {
		t.Fatalf("third round handled %d entries, want 3", n)
	}
	if asked := counter.take(); len(asked) != 0 {
		t.Errorf("third round asked for slots %v; the windows are known full for 58 s more", asked)
	}
	if got := len(h.fake.Sent()); got != sent {
		t.Fatalf("%d messages sent while every window was full", got-sent)
	}
	stats, err := h.st.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Delayed != 9 {
		t.Fatalf("outbox %+v; want the 9 waiting alerts delayed", stats)
	}

	// The windows free a minute after the first sends: everything waiting
	// goes, one digest per recipient.
	advance(59 * time.Second)
	for range 3 {
		round()
	}
	if got := len(h.fake.Sent()) - sent; got != 3 {
		t.Fatalf("%d messages once the windows freed, want 3 digests", got)
	}
	if stats, _ := h.st.OutboxStats(ctx); stats.Queued+stats.Pending+stats.Delayed != 0 {
		t.Fatalf("outbox not empty after the windows freed: %+v", stats)
	}
}
