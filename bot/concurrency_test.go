package bot_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// inFlight counts the sends under way, in all and per recipient.
type inFlight struct {
	bot.WeComAPI
	mu                 sync.Mutex
	now, max           int
	perRcpt            map[string]int
	overlapToRecipient bool
}

func (f *inFlight) enter(t wecom.SendTarget) func() {
	r := strings.Join(t.ToUser, "|")
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	f.perRcpt[r]++
	if f.perRcpt[r] > 1 {
		f.overlapToRecipient = true
	}
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		f.now--
		f.perRcpt[r]--
		f.mu.Unlock()
	}
}

func (f *inFlight) SendText(ctx context.Context, t wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	defer f.enter(t)()
	return f.WeComAPI.SendText(ctx, t, content, opt)
}

func (f *inFlight) SendMarkdown(ctx context.Context, t wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	defer f.enter(t)()
	return f.WeComAPI.SendMarkdown(ctx, t, content, opt)
}

// TestRecipientsServedConcurrently (issue 13): one round delivers to
// different recipients at once, never more than Workers, and never two
// messages to one recipient at once (its order and pacing are kept).
func TestRecipientsServedConcurrently(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrconc", Creator: "boss"})
	// Eight members warned once each; the owner offends too (a warning to
	// the owner) while one member's third offence alerts the owner: two
	// messages to one recipient in the same round.
	for i, u := range users(8) {
		if _, err := h.pipeline.Process(ctx, archived("p"+strconv.Itoa(i), u, "wrconc", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := h.pipeline.Process(ctx, archived("q"+strconv.Itoa(i), "user00", "wrconc", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.pipeline.Process(ctx, archived("boss1", "boss", "wrconc", insult, time.Now())); err != nil {
		t.Fatal(err)
	}
	h.fake.SetFaults(wecomtest.Faults{Latency: 150 * time.Millisecond, APIs: []string{wecomtest.APIMessageSend}})
	var api *inFlight
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		api = &inFlight{WeComAPI: c.API, perRcpt: map[string]int{}}
		c.API = api
		c.Workers = 4
	})
	h.drain(ctx, nil, s)
	got := sentTo(h.fake)
	if got["boss"] != 2 {
		t.Errorf("boss received %d messages, want the warning and the alert", got["boss"])
	}
	for _, u := range users(8) {
		if got[u] != 1 {
			t.Errorf("%s received %d messages, want 1", u, got[u])
		}
	}
	if api.max < 2 || api.max > 4 {
		t.Errorf("at most %d sends at once, want 2 to 4 (Workers)", api.max)
	}
	if api.overlapToRecipient {
		t.Error("two messages to one recipient were under way at once")
	}
}
