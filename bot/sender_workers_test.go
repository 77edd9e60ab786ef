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
