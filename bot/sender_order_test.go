package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// TestLostWaiterHoldsBackOnlyUntilStale: a recipient's waiting member
// whose entry is gone (here acknowledged behind the scripts' back, as a
// bug or an operator might) parks the recipient's newer alerts only until
// it is stale (5 min after its due time); then the alerts go, once, and
// other recipients are never held back by it.
func TestLostWaiterHoldsBackOnlyUntilStale(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrlost", Creator: "owner1"})
	now, advance := testClock()
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Now, c.Poll, c.API = now, time.Millisecond, mustClient(t, h)
	})
	if err := h.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Enqueue(ctx, "ghost", []byte("{}"), now()); err != nil {
		t.Fatal(err)
	}
	// An entry put back to wait for HR's order, then lost.
	es, err := h.st.ReadOutbox(ctx, "ghost", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("read %d, %v", len(es), err)
	}
	e := es[0]
	e.Waits = "hr"
	if err := h.st.Reschedule(ctx, e, now()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.PromoteDue(ctx, now(), 10); err != nil {
		t.Fatal(err)
	}
	es, err = h.st.ReadOutbox(ctx, "ghost", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("read %d, %v", len(es), err)
	}
	lost := es[0]
	lost.Waits = "" // acknowledged as if it waited for nobody: its member stays
	if err := h.st.AckOutbox(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pipeline.Process(ctx, archived("lost1", "member01", "wrlost", idCard, now())); err != nil {
		t.Fatal(err)
	}
	start := now()
	var heldFor time.Duration
	for i := 0; i < 1200 && sentTo(h.fake)["hr1"] == 0; i++ {
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
		if i == 0 && (sentTo(h.fake)["hr1"] != 0 || sentTo(h.fake)["owner1"] != 1) {
			t.Fatalf("first round sent %v; want the owner's alert and HR's notice parked", sentTo(h.fake))
		}
		heldFor = now().Sub(start)
		advance(time.Second)
	}
	h.drain(ctx, nil, s)
	got := sentTo(h.fake)
	if got["hr1"] != 1 || got["owner1"] != 1 || got["member01"] != 1 {
		t.Fatalf("sent %v; want one each to hr1, owner1 and member01", got)
	}
	if heldFor < 4*time.Minute || heldFor > 6*time.Minute {
		t.Errorf("HR's notice held back %v of the test's clock by the lost member; want about 5 min", heldFor)
	}
}
