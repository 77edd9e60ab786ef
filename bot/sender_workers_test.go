package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// sendsInFlight is the sender's WeCom API, counting the sends in flight at once.
type sendsInFlight struct {
	bot.WeComAPI
	mu       sync.Mutex
	now, top int
}

func (f *sendsInFlight) enter() {
	f.mu.Lock()
	f.now++
	f.top = max(f.top, f.now)
	f.mu.Unlock()
}

func (f *sendsInFlight) leave() { f.mu.Lock(); f.now--; f.mu.Unlock() }

func (f *sendsInFlight) SendText(ctx context.Context, t wecom.SendTarget, c string, o wecom.SendOptions) (*wecom.SendResult, error) {
	f.enter()
	defer f.leave()
	return f.WeComAPI.SendText(ctx, t, c, o)
}

func (f *sendsInFlight) SendMarkdown(ctx context.Context, t wecom.SendTarget, c string, o wecom.SendOptions) (*wecom.SendResult, error) {
	f.enter()
	defer f.leave()
	return f.WeComAPI.SendMarkdown(ctx, t, c, o)
}

// TestRoundServesManyRecipientsAtOnce: with the default Batch and Workers,
// a burst of offences in 150 groups (a warning, an owner alert and an HR
// notice each: 450 entries) is one round, and the sends to different
// members overlap well beyond 8 at a time. Under load the round's length
// is its slowest recipient's few round trips, whatever its size, so the
// entries a round takes and the recipients it serves at once are what the
// sender keeps up with (100 and 8 did 460–540 deliveries/s on one core in
// `load --groups`, 500 and 64 750–850).
func TestRoundServesManyRecipientsAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	// Each send takes a while, as towards WeCom, so that sends overlap.
	h.fake.SetFaults(wecomtest.Faults{Latency: 20 * time.Millisecond, APIs: []string{wecomtest.APIMessageSend}})
	const groups = 150
	for i := range groups {
		room := fmt.Sprintf("wrburst%03d", i)
		h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: room, Creator: fmt.Sprintf("owner%03d", i)})
		if _, err := h.pipeline.Process(ctx, archived(fmt.Sprint("b", i), fmt.Sprintf("member%03d", i), room, idCard, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	var api *sendsInFlight
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		api = &sendsInFlight{WeComAPI: c.API}
		c.API, c.Batch, c.Workers = api, 0, 0 // the defaults
	})
	n, err := s.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3*groups {
		t.Fatalf("one round handled %d entries, want all %d", n, 3*groups)
	}
	to := sentTo(h.fake)
	for i := range groups {
		if to[fmt.Sprintf("owner%03d", i)] != 1 || to[fmt.Sprintf("member%03d", i)] != 1 {
			t.Fatalf("group %d: owner got %d, member %d; want one each", i, to[fmt.Sprintf("owner%03d", i)], to[fmt.Sprintf("member%03d", i)])
		}
	}
	if api.top <= 8 {
		t.Fatalf("at most %d sends in flight at once, want more than 8", api.top)
	}
}

// lookupsInFlight is the sender's WeCom API, counting the group owner
// lookups made and in flight at once; each takes a while, as towards WeCom.
type lookupsInFlight struct {
	bot.WeComAPI
	mu              sync.Mutex
	calls, now, top int
}

func (f *lookupsInFlight) ArchiveGroupChatCreator(ctx context.Context, roomID string) (string, error) {
	f.mu.Lock()
	f.calls++
	f.now++
	f.top = max(f.top, f.now)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.now--; f.mu.Unlock() }()
	time.Sleep(10 * time.Millisecond)
	return f.WeComAPI.ArchiveGroupChatCreator(ctx, roomID)
}

// TestRoundLooksUpOwnersAtOnce: the owners of a round's new groups are
// looked up concurrently, each group once, before the deliveries (one after
// the other, 40 new groups were 40 WeCom calls in turn before any alert went
// out), and every owner gets its alert.
func TestRoundLooksUpOwnersAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	const groups = 40
	for i := range groups {
		room := fmt.Sprintf("wrlook%03d", i)
		h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: room, Creator: fmt.Sprintf("owner%03d", i)})
		// Two members offend in each group: one lookup of its owner.
		for _, m := range []string{"a", "b"} {
			if _, err := h.pipeline.Process(ctx, archived(fmt.Sprint(m, i), fmt.Sprintf("member%s%03d", m, i), room, idCard, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	var api *lookupsInFlight
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		// Without the client's chat-detail calls (not promoted through the
		// interface), so that owners are asked with the call counted here.
		api = &lookupsInFlight{WeComAPI: c.API}
		c.API = api
	})
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	to := sentTo(h.fake)
	for i := range groups {
		if got := to[fmt.Sprintf("owner%03d", i)]; got != 1 {
			t.Fatalf("owner%03d got %d messages, want one (a digest of two alerts)", i, got)
		}
	}
	if api.calls != groups {
		t.Errorf("%d owner lookups for %d groups, want one each", api.calls, groups)
	}
	if api.top <= 1 {
		t.Fatalf("at most %d owner lookups in flight at once, want several", api.top)
	}
}
