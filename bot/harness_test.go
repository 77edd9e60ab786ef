package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

const (
	corpID  = "wwtestcorp"
	secret  = "testsecret"
	agentID = 1000002
)

// harness is one corp: the fake WeCom API, a Redis store, the default
// policy and a pipeline. Senders (replicas) are made with sender().
type harness struct {
	t        *testing.T
	fake     *wecomtest.Server
	st       *store.Store
	pipeline *bot.Pipeline
}

func defaultEngine(t testing.TB) *rules.Engine {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newHarness(t *testing.T, st *store.Store) *harness {
	t.Helper()
	if st == nil {
		st = storetest.New(t)
	}
	fake := wecomtest.New(wecomtest.Config{CorpID: corpID, Secret: secret, AgentID: agentID})
	t.Cleanup(fake.Close)
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, fake: fake, st: st, pipeline: p}
}

// enqueue queues a on the harness's store at "at", its key the message id
// and kind, and returns the reference its alert carries.
func (h *harness) enqueue(ctx context.Context, a bot.Action, at time.Time) string {
	h.t.Helper()
	a.Key = a.MsgID + "/" + string(a.Kind)
	payload, err := json.Marshal(a)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.st.Enqueue(ctx, a.Key, payload, at); err != nil {
		h.t.Fatal(err)
	}
	return refOf(a.Key)
}

// sender is one replica's sender on st (the harness's store when nil),
// with fast retries for tests.
func (h *harness) sender(name string, st *store.Store) *bot.Sender {
	h.t.Helper()
	return h.senderOn(name, st, nil)
}

// senderWith is sender with changes to its configuration.
func (h *harness) senderWith(name string, edit func(*bot.SenderConfig)) *bot.Sender {
	h.t.Helper()
	return h.senderOn(name, nil, edit)
}

func (h *harness) senderOn(name string, st *store.Store, edit func(*bot.SenderConfig)) *bot.Sender {
	h.t.Helper()
	if st == nil {
		st = h.st
	}
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: h.fake.URL(), CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: st, Pacer: st.Pacer()})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := bot.SenderConfig{
		Store: st, API: client, Consumer: name,
		HR:          bot.Recipients{Users: []string{"hr1"}},
		MaxAttempts: 30, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		ClaimIdle: 300 * time.Millisecond, Poll: 20 * time.Millisecond,
		Logger: zerolog.Nop(),
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := bot.NewSender(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := st.EnsureOutboxGroup(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// drain runs rounds of the senders until the outbox is empty (nothing
// queued, pending or delayed) or the deadline passes.
func (h *harness) drain(ctx context.Context, st *store.Store, senders ...*bot.Sender) {
	h.t.Helper()
	if st == nil {
		st = h.st
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range senders {
			if _, err := s.Round(ctx); err != nil {
				h.t.Logf("round: %v", err)
			}
		}
		stats, err := st.OutboxStats(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if stats.Queued == 0 && stats.Pending == 0 && stats.Delayed == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	stats, _ := st.OutboxStats(ctx)
	h.t.Fatalf("outbox not drained in 20 s: %+v", stats)
}

// archived is an archived group message (no passive reply possible, so the
// warning goes through the outbox).
func archived(id, from, chat, text string, at time.Time) bot.Message {
	return bot.Message{ID: "msg:" + id, Source: bot.SourceArchive, From: from, ChatID: chat,
		ChatKind: rules.ChatWork, Text: text, Time: at}
}

// sentTo counts delivered messages per recipient userid (message/send).
func sentTo(fake *wecomtest.Server) map[string]int {
	out := map[string]int{}
	for _, s := range fake.Sent() {
		for _, u := range s.ToUser {
			out[u]++
		}
	}
	return out
}

func users(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%02d", i)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// latestInChina is the latest time at or before now that reads hour:minute
// in China (UTC+8), on one of weekdays if any are given. Tests that need a
// weekday or an hour date their messages with it rather than with a fixed
// date: a sender's index expires with its newest record plus the retention
// by Redis's own clock, so a fixed date stops being found once the
// retention has run out (180 days by default).
func latestInChina(now time.Time, hour, minute int, weekdays ...time.Weekday) time.Time {
	cn := time.FixedZone("CST", 8*3600)
	y, m, d := now.In(cn).Date()
	for back := 0; ; back++ {
		at := time.Date(y, m, d-back, hour, minute, 0, 0, cn)
		if at.After(now) {
			continue
		}
		if len(weekdays) == 0 || slices.Contains(weekdays, at.Weekday()) {
			return at
		}
	}
}

// testClock is a clock that moves only when advanced, safe for the
// sender's goroutines to read.
func testClock() (now func() time.Time, advance func(time.Duration)) {
	var mu sync.Mutex
	clock := time.Now()
	now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance = func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	return now, advance
}

// mustClient is a WeCom client of the harness's fake without a
// client-side pacer: the sender's own pacing is what tests see.
func mustClient(t *testing.T, h *harness) *wecom.Client {
	t.Helper()
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: h.fake.URL(), CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: h.st})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// urlOf names the server s talks to, for a second replica's connection.
func urlOf(t *testing.T, s *store.Store) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://" + s.Addr()
}
