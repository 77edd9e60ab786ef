package bot_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// An owner alert delivered through the real sender and the fake WeCom
// carries the link that opens its record, with the reference its text shows.
func TestDeliveredAlertLinksToItsRecord(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.st.SetChat(ctx, store.ChatInfo{ChatID: "wrlink", Kind: "work", Owner: "boss8"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := h.pipeline.Process(ctx, archived("l"+strconv.Itoa(i), "sunqi", "wrlink", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Links = bot.ConsoleLinks{Base: "https://guard.example.com"}
	}))
	link := regexp.MustCompile(`（记录 ([0-9a-f]{8})）\n\[在控制台查看\]\((https://guard\.example\.com/ui/login/wecom\?to=[^)]+)\)`)
	found := 0
	for _, m := range h.fake.Sent() {
		if len(m.ToUser) != 1 || m.ToUser[0] != "boss8" {
			continue
		}
		g := link.FindStringSubmatch(m.Content)
		if g == nil {
			t.Fatalf("owner alert without its link:\n%s", m.Content)
		}
		u, _ := url.Parse(g[2])
		if to := u.Query().Get("to"); to != "/ui/r/"+g[1] {
			t.Errorf("link opens %q, want /ui/r/%s", to, g[1])
		}
		found++
	}
	if found != 1 {
		t.Fatalf("%d owner alerts, want 1", found)
	}
}

// The warning delivered to the sender carries the link to their own
// record, where they appeal online, when the console's address is set;
// without it, the warning offers the chat reply only.
func TestDeliveredWarningLinksToAppeal(t *testing.T) {
	for _, base := range []string{"https://guard.example.com", ""} {
		h := newHarness(t, nil)
		ctx := context.Background()
		if _, err := h.pipeline.Process(ctx, archived("wl1", "sunqi", "wrlink", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
		h.drain(ctx, nil, h.senderWith("r1", func(c *bot.SenderConfig) { c.Links = bot.ConsoleLinks{Base: base} }))
		link := regexp.MustCompile(`<a href="(https://guard\.example\.com/ui/login/wecom\?to=[^"]+)">在线查看并申诉</a>。（记录 ([0-9a-f]{8})）$`)
		found := 0
		for _, m := range h.fake.Sent() {
			if len(m.ToUser) != 1 || m.ToUser[0] != "sunqi" {
				continue
			}
			found++
			g := link.FindStringSubmatch(m.Content)
			if base == "" {
				if g != nil || regexp.MustCompile(`<a `).MatchString(m.Content) {
					t.Errorf("warning without a console address carries a link:\n%s", m.Content)
				}
				continue
			}
			if g == nil {
				t.Fatalf("warning without its link:\n%s", m.Content)
			}
			u, _ := url.Parse(g[1])
			if to := u.Query().Get("to"); to != "/ui/r/"+g[2] {
				t.Errorf("link opens %q, want /ui/r/%s", to, g[2])
			}
			if ms, err := h.st.ResolveRef(ctx, g[2]); err != nil || len(ms) != 1 || ms[0].Kind != string(bot.ActWarnSender) {
				t.Errorf("the warning's reference %s resolves to %+v, %v; want its violation", g[2], ms, err)
			}
		}
		if found != 1 {
			t.Fatalf("base %q: %d warnings to the sender, want 1", base, found)
		}
	}
}

// A message to the app is warned in the passive reply: with the console's
// address it links to the employee's record too, and so does the reply to
// WeCom's retry of the same message.
func TestPassiveWarningLinksToAppeal(t *testing.T) {
	st := storetest.New(t)
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }, Links: bot.ConsoleLinks{Base: "https://guard.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := bot.Message{ID: "app:pl1", Source: bot.SourceApp, From: "sunqi", ChatKind: rules.ChatDirect, Text: insult, Time: time.Now()}
	want := `<a href="https://guard.example.com/ui/login/wecom?to=` + url.QueryEscape("/ui/r/"+bot.Ref(m.ID)) + `">在线查看并申诉</a>`
	for _, what := range []string{"first", "retry"} {
		res, err := p.Process(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Reply, want) || !strings.HasSuffix(res.Reply, "（记录 "+bot.Ref(m.ID)+"）") {
			t.Errorf("%s reply %q, want the link %s", what, res.Reply, want)
		}
	}
}
