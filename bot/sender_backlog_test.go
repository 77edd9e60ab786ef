package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// rescheduleCounter is the store, counting the entries put back to wait.
type rescheduleCounter struct {
	*store.Store
	mu  sync.Mutex
	put int
}

func (c *rescheduleCounter) RescheduleAll(ctx context.Context, es []store.OutboxEntry, due time.Time) error {
	c.mu.Lock()
	c.put += len(es)
	c.mu.Unlock()
	return c.Store.RescheduleAll(ctx, es, due)
}

func (c *rescheduleCounter) RescheduleAt(ctx context.Context, es []store.OutboxEntry, dues []time.Time) error {
	c.mu.Lock()
	c.put += len(es)
	c.mu.Unlock()
	return c.Store.RescheduleAt(ctx, es, dues)
}

func (c *rescheduleCounter) Reschedule(ctx context.Context, e store.OutboxEntry, due time.Time) error {
	return c.RescheduleAll(ctx, []store.OutboxEntry{e}, due)
}

func (c *rescheduleCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.put
}

// TestPacedBacklogIsNotHandledEverySlot: a paced recipient's backlog that
// needs many messages is put back once per message it waits for at most a
// few times in all, not all of it again each time one slot frees (in the
// sandbox every HR case goes to one member paced to 20 a minute, and the
// backlog of a load run was read, decoded, rendered and put back at every
// slot: a quarter of the server's CPU). Every alert is still delivered
// once, in order, each message within the pacing.
func TestPacedBacklogIsNotHandledEverySlot(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrbacklog", Creator: "owner1"})
	now, advance := testClock()
	counter := &rescheduleCounter{Store: h.st}
	// No client-side pacer: the sender's own pacing (on the test's clock)
	// is what is tested, and the fake would otherwise be paced in real time.
	client := mustClient(t, h)
	const perMinute = 5
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Store, c.API, c.Now, c.PerMinute, c.Poll = counter, client, now, perMinute, time.Millisecond
	})
	// 40 members offend once each in one group: 40 warnings (one each, no
	// pacing) and 40 owner alerts and 40 HR notices, two paced recipients
	// whose digests hold a few alerts each.
	const n = 40
	t0 := now()
	start := now()
	// One member offends a second, while the sender runs: the paced
	// recipients' windows fill at different times, so their slots free one
	// by one later.
	for i := 0; i < 2000; i++ {
		if i < n {
			m := archived(fmt.Sprintf("b%02d", i), fmt.Sprintf("member%02d", i), "wrbacklog", idCard, t0.Add(time.Duration(i)*time.Second))
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
		stats, err := h.st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i >= n && stats.Queued+stats.Pending+stats.Delayed == 0 {
			break
		}
		advance(time.Second)
	}
	if stats, _ := h.st.OutboxStats(ctx); stats.Queued+stats.Pending+stats.Delayed != 0 {
		t.Fatalf("backlog not delivered after %v of the test's clock: %+v", now().Sub(start), stats)
	}
	// No later than the window allows: the slots of a burst of sends free
	// together a minute later and serve a burst of parts again (spread one
	// every 12 s instead, this backlog took 85 s of the test's clock).
	if took := now().Sub(start); took > 65*time.Second {
		t.Errorf("backlog delivered in %v of the test's clock; the window allows it in 64 s", took)
	}
	// Each paced alert waits in the queue about twice (once on arrival, once
	// if its message's turn came before the whole backlog fitted); 2 × 80
	// allows for that, where putting every waiting alert back at each slot
	// is several times more.
	if got := counter.count(); got > 2*2*n {
		t.Errorf("%d entries put back to wait for the 80 paced alerts; want at most %d", got, 2*2*n)
	}
	t.Logf("%d messages, %d entries put back, drained in %v of the test's clock", len(h.fake.Sent()), counter.count(), now().Sub(start))
	// Delivered once each, in the order they happened.
	seen := map[string]int{}
	var hrOrder []int
	for _, m := range h.fake.Sent() {
		if len(m.ToUser) != 1 {
			t.Fatalf("message to %v, want one member each", m.ToUser)
		}
		to := m.ToUser[0]
		if strings.HasPrefix(to, "member") {
			seen[to+"/"+strings.TrimPrefix(to, "member")]++
			continue
		}
		for i := range n {
			if strings.Contains(m.Content, fmt.Sprintf("member%02d", i)) {
				seen[fmt.Sprintf("%s/%02d", to, i)]++
				if to == "hr1" {
					hrOrder = append(hrOrder, i)
				}
			}
		}
	}
	for _, to := range []string{"owner1", "hr1", "member"} {
		for i := range n {
			k := fmt.Sprintf("%s/%02d", to, i)
			if to == "member" {
				k = fmt.Sprintf("member%02d/%02d", i, i)
			}
			if seen[k] != 1 {
				t.Errorf("%s delivered %d times, want once", k, seen[k])
			}
		}
	}
	if !slices.IsSorted(hrOrder) {
		t.Errorf("HR's notices out of order: %v", hrOrder)
	}
}
