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
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
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
	const n = 40
	r := runPacedBacklog(t, n, 0, 1)
	// No later than the window allows: the slots of a burst of sends free
	// together a minute later and serve a burst of parts again (spread one
	// every 12 s instead, this backlog took 85 s of the test's clock).
	if r.took > 65*time.Second {
		t.Errorf("backlog delivered in %v of the test's clock; the window allows it in 64 s", r.took)
	}
	// Each paced alert waits in the queue about twice (once on arrival, once
	// if its message's turn came before the whole backlog fitted); 2 × 80
	// allows for that, where putting every waiting alert back at each slot
	// is several times more.
	if r.put > 2*2*n {
		t.Errorf("%d entries put back to wait for the 80 paced alerts; want at most %d", r.put, 2*2*n)
	}
}

// TestPacedBacklogKeepsOrderBeyondABatch: when the stream holds more than
// a round reads (Batch), a paced recipient's part promoted back from the
// delayed set lands in the stream behind alerts queued since; those are
// read first, and must wait behind the recipient's older alerts still
// waiting (in Redis, Store.LookupRound's waiting entries), not go out
// before them (HR received … 70 74 75 71 72 73 … with Batch 5 before).
func TestPacedBacklogKeepsOrderBeyondABatch(t *testing.T) {
	runPacedBacklog(t, 64, 5, 1)
}

// TestPacedBacklogKeepsOrderAcrossReplicas: two replicas on one store,
// taking turns, each with its own memory of the recipients it paced: the
// order is kept by what Redis knows, not by either replica's queue.
func TestPacedBacklogKeepsOrderAcrossReplicas(t *testing.T) {
	runPacedBacklog(t, 64, 5, 2)
	runPacedBacklog(t, 40, 0, 2)
}

// admitAll is a client-side pacer that admits every message.
type admitAll struct{}

func (admitAll) Admit(context.Context, []string, time.Time) (bool, time.Duration, error) {
	return true, 0, nil
}

// backlogRun is what runPacedBacklog saw.
type backlogRun struct {
	took time.Duration // of the test's clock, until the outbox was empty
	put  int           // entries put back to wait
}

// runPacedBacklog has n members offend once each in one group, one a
// second, while replicas senders (Batch batch; 0: the default) take turns
// at rounds on one store: n warnings (one each, no pacing), n owner alerts
// and n HR notices, two recipients paced to 5 a minute whose digests hold
// a few alerts each. It fails t unless every alert is delivered exactly
// once and each paced recipient receives its alerts in the order they
// happened.
func runPacedBacklog(t *testing.T, n, batch, replicas int) backlogRun {
	t.Helper()
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrbacklog", Creator: "owner1"})
	now, advance := testClock()
	counter := &rescheduleCounter{Store: h.st}
	// A client-side pacer that admits every message: the sender's own
	// pacing (on the test's clock) is what is tested, and the client's
	// would count the test's sends in real time, refusing all after 30.
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: h.fake.URL(), CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: h.st, Pacer: admitAll{}})
	if err != nil {
		t.Fatal(err)
	}
	const perMinute = 5
	var senders []*bot.Sender
	for i := range replicas {
		var st bot.OutboxStore = counter
		if i > 0 {
			st = &rescheduleCounter{Store: storetest.Replica(t, h.st)}
		}
		senders = append(senders, h.senderWith(fmt.Sprintf("r%d", i+1), func(c *bot.SenderConfig) {
			c.Store, c.API, c.Now, c.PerMinute, c.Poll, c.Batch = st, client, now, perMinute, time.Millisecond, batch
		}))
	}
	t0 := now()
	start := now()
	// One member offends a second, while the sender runs: the paced
	// recipients' windows fill at different times, so their slots free one
	// by one later.
	for i := 0; i < 4000; i++ {
		if i < n {
			m := archived(fmt.Sprintf("b%02d", i), fmt.Sprintf("member%02d", i), "wrbacklog", idCard, t0.Add(time.Duration(i)*time.Second))
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := senders[i%replicas].Round(ctx); err != nil {
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
	r := backlogRun{took: now().Sub(start), put: counter.count()}
	if stats, _ := h.st.OutboxStats(ctx); stats.Queued+stats.Pending+stats.Delayed != 0 {
		t.Fatalf("backlog not delivered after %v of the test's clock: %+v", r.took, stats)
	}
	// The fake drops silently what exceeds WeCom's 30 a minute to one
	// member, counted in real time: the run must stay below it.
	if d := h.fake.Dropped(); len(d) > 0 {
		t.Fatalf("the fake WeCom dropped %d messages: more than 30 to one member within a real minute (%v)", len(d), d[0])
	}
	if dl, err := h.st.DeadLetters(ctx, 10); err != nil || len(dl) > 0 {
		for _, d := range dl {
			t.Errorf("dead letter %s: %s", d.Entry.Key, d.Reason)
		}
		t.Fatalf("%d dead letters (%v)", len(dl), err)
	}
	t.Logf("n=%d batch=%d replicas=%d: %d messages, %d entries put back (first replica), drained in %v of the test's clock",
		n, batch, replicas, len(h.fake.Sent()), r.put, r.took)
	// Delivered once each, in the order they happened.
	seen := map[string]int{}
	order := map[string][]int{}
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
				order[to] = append(order[to], i)
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
	for _, to := range []string{"owner1", "hr1"} {
		if !slices.IsSorted(order[to]) {
			t.Errorf("%s's alerts out of order (n=%d batch=%d replicas=%d): %v", to, n, batch, replicas, order[to])
		}
	}
	return r
}
