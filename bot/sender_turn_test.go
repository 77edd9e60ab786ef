package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// slowReader is the store, whose ReadOutbox takes the test's clock forward
// as a blocking read does in a quiet moment (Poll): the round's entries are
// those promoted at its start, and its deliveries run later.
type slowReader struct {
	*store.Store
	advance func(time.Duration)
	by      time.Duration
}

func (r *slowReader) ReadOutbox(ctx context.Context, consumer string, count int, block time.Duration) ([]store.OutboxEntry, error) {
	es, err := r.Store.ReadOutbox(ctx, consumer, count, block)
	r.advance(r.by)
	return es, err
}

// TestPacedTurnIsTheRoundsPromotion: a paced recipient's turn (a time its
// backlog's part comes back) counts as come only if the round's promotion
// saw it. A round that began before the time and delivered after it (its
// read blocked, lookups were slow) used to drop the time while the part
// was still delayed; the part, back in the next round, found no turn of
// its own and waited at the end of the queue, behind the later parts: HR's
// notices arrived out of order, and late.
func TestPacedTurnIsTheRoundsPromotion(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrturn", Creator: "owner1"})
	now, advance := testClock()
	st := &slowReader{Store: h.st, advance: advance, by: 700 * time.Millisecond}
	client := mustClient(t, h)
	const perMinute = 2
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Store, c.API, c.Now, c.PerMinute, c.Poll = st, client, now, perMinute, time.Millisecond
	})
	const n = 120
	t0 := now()
	for i := 0; i < 4000; i++ {
		if i < n {
			m := archived(fmt.Sprintf("t%03d", i), fmt.Sprintf("member%03d", i), "wrturn", idCard, t0.Add(time.Duration(i)*time.Second))
			if _, err := h.pipeline.Process(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		handled, err := s.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stats, err := h.st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i >= n && stats.Queued+stats.Pending+stats.Delayed == 0 {
			break
		}
		if i >= n && handled == 0 {
			// Only the backlog's turns are left: quicker to them.
			advance(5 * time.Second)
			continue
		}
		advance(300 * time.Millisecond)
	}
	if stats, _ := h.st.OutboxStats(ctx); stats.Queued+stats.Pending+stats.Delayed != 0 {
		t.Fatalf("backlog not delivered after %v of the test's clock: %+v", now().Sub(t0), stats)
	}
	seen := map[string]int{}
	order := map[string][]int{}
	for _, m := range h.fake.Sent() {
		to := m.ToUser[0]
		if strings.HasPrefix(to, "member") {
			continue
		}
		for i := range n {
			if strings.Contains(m.Content, fmt.Sprintf("member%03d", i)) {
				seen[fmt.Sprintf("%s/%03d", to, i)]++
				order[to] = append(order[to], i)
			}
		}
	}
	for _, to := range []string{"owner1", "hr1"} {
		for i := range n {
			if k := fmt.Sprintf("%s/%03d", to, i); seen[k] != 1 {
				t.Errorf("%s delivered %d times, want once", k, seen[k])
			}
		}
		if !slices.IsSorted(order[to]) {
			t.Errorf("%s's alerts out of order: %v", to, order[to])
		}
	}
}
