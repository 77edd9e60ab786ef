package bot_test

import (
	"context"
	"fmt"
	"slices"
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

// TestParkedBehindHeldEntryDoesNotSpin: a recipient's older entry that
// came back from waiting and is held, unsealed, by another replica (one
// that died: it is claimed only after ClaimIdle) parks the recipient's
// newer alert, which then waits a poll before it is read again — not
// re-read and re-parked by every round, back to back, until the older one
// is claimed. When the older one is done, the newer goes, once.
func TestParkedBehindHeldEntryDoesNotSpin(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrheld", Creator: "owner1"})
	now, advance := testClock()
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Now, c.Poll, c.API = now, 50*time.Millisecond, mustClient(t, h)
		c.ClaimIdle = time.Minute // the dead replica's entry is not claimed here
	})
	if err := h.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Enqueue(ctx, "older", []byte("{}"), now()); err != nil {
		t.Fatal(err)
	}
	// An entry of HR's put back to wait, come back, and read by a replica
	// that then died.
	es, err := h.st.ReadOutbox(ctx, "dead", 1, 0)
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
	es, err = h.st.ReadOutbox(ctx, "dead", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("read %d, %v", len(es), err)
	}
	held := es[0]
	if _, err := h.pipeline.Process(ctx, archived("held1", "member01", "wrheld", idCard, now())); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Round(ctx); err != nil || n != 3 {
		t.Fatalf("first round handled %d entries, %v; want 3", n, err)
	}
	if got := sentTo(h.fake); got["hr1"] != 0 || got["owner1"] != 1 {
		t.Fatalf("first round sent %v; want the owner's alert and HR's notice parked", got)
	}
	// The clock stands still: the parked notice is not due again.
	busy := 0
	for range 10 {
		n, err := s.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			busy++
		}
	}
	if busy > 0 {
		t.Errorf("%d of 10 rounds at one instant read the parked notice again; want none until a poll has passed", busy)
	}
	if got := sentTo(h.fake)["hr1"]; got != 0 {
		t.Fatalf("HR's notice sent %d times while the older entry is held", got)
	}
	// The dead replica's entry is done (as its claimant would): the notice
	// goes, once.
	if err := h.st.AckOutbox(ctx, held); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && sentTo(h.fake)["hr1"] == 0; i++ {
		advance(10 * time.Millisecond)
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, s)
	if got := sentTo(h.fake); got["hr1"] != 1 || got["owner1"] != 1 || got["member01"] != 1 {
		t.Fatalf("sent %v; want one each to hr1, owner1 and member01", got)
	}
}

// TestFailedSendHoldsLaterAlertsBack: a recipient's message whose send
// fails is retried later, and the recipient's later alerts read in the
// same round wait behind it, not sent meanwhile: the member receives
// warning 0 before warning 1, though 0 failed twice.
func TestFailedSendHoldsLaterAlertsBack(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	now, advance := testClock()
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Now, c.Poll, c.API = now, time.Millisecond, mustClient(t, h)
	})
	busyOnce := func() {
		h.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 1, APIs: []string{wecomtest.APIMessageSend}})
	}
	warn := func(i int) string {
		a := bot.Action{Kind: bot.ActWarnSender, MsgID: fmt.Sprintf("msg:held%d", i), From: "member01", ChatID: "wrheld",
			Time: now(), Categories: []string{"idcard"}, Evidence: []string{"110***********1234"}}
		return h.enqueue(ctx, a, now())
	}
	first := warn(0)
	busyOnce()
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Sent()); n != 0 {
		t.Fatalf("%d messages sent while WeCom was busy", n)
	}
	second := warn(1)
	advance(time.Second) // the retry is due
	busyOnce()           // and fails again, in the round that read warning 1
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Sent()); n != 0 {
		t.Fatalf("%d messages sent in the round whose retry failed; want warning 1 held back behind warning 0", n)
	}
	for i := 0; i < 50 && len(h.fake.Sent()) < 2; i++ {
		advance(time.Second)
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range h.fake.Sent() {
		for _, g := range refPattern.FindAllStringSubmatch(m.Content, -1) {
			got = append(got, g[1])
		}
	}
	if !slices.Equal(got, []string{first, second}) {
		t.Fatalf("member received %v; want warning 0 (%s) then warning 1 (%s), once each", got, first, second)
	}
}

// TestFailedPartHoldsLaterPartsBack: a digest too long for one message
// goes in parts; when the first part's send fails, the parts after it go
// back to wait for its retry instead of going out meanwhile, and the
// member receives every warning once, in order.
func TestFailedPartHoldsLaterPartsBack(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	now, advance := testClock()
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Now, c.Poll, c.API = now, time.Millisecond, mustClient(t, h)
	})
	var want []string
	for i := range 40 {
		a := bot.Action{Kind: bot.ActWarnSender, MsgID: fmt.Sprintf("msg:part%02d", i), From: "member01", ChatID: "wrparts",
			Time: now().Add(time.Duration(i) * time.Millisecond), Categories: []string{"idcard"}, Evidence: []string{"110***********1234"}}
		want = append(want, h.enqueue(ctx, a, now()))
	}
	h.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 1, APIs: []string{wecomtest.APIMessageSend}})
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Sent()); n != 0 {
		t.Fatalf("%d messages sent in the round whose first part failed; want the later parts held back", n)
	}
	var got []string
	parts := 0
	for i := 0; i < 100 && len(got) < len(want); i++ {
		advance(time.Second)
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
		got, parts = nil, 0
		for _, m := range h.fake.Sent() {
			parts++
			for _, g := range refPattern.FindAllStringSubmatch(m.Content, -1) {
				got = append(got, g[1])
			}
		}
	}
	if parts < 2 {
		t.Fatalf("the warnings went in %d message(s); the test wants a digest in parts", parts)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("member received %v; want %v, once each, in order", got, want)
	}
}
