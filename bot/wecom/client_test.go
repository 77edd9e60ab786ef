package wecom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

const (
	corpID  = "ww0123456789abcdef"
	secret  = "s3cr3t-app-secret-XYZ"
	agentID = int64(1000002)
)

func newFake(t *testing.T, mod func(*wecomtest.Config)) *wecomtest.Server {
	t.Helper()
	cfg := wecomtest.Config{CorpID: corpID, Secret: secret, AgentID: agentID}
	if mod != nil {
		mod(&cfg)
	}
	s := wecomtest.New(cfg)
	t.Cleanup(s.Close)
	return s
}

func newClient(t *testing.T, baseURL string, store wecom.TokenStore, mod func(*wecom.ClientConfig)) *wecom.Client {
	t.Helper()
	if store == nil {
		store = &wecom.MemoryTokenStore{}
	}
	cfg := wecom.ClientConfig{BaseURL: baseURL, CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: store}
	if mod != nil {
		mod(&cfg)
	}
	c, err := wecom.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

var alice = wecom.SendTarget{ToUser: []string{"alice"}}

func TestNewClientValidates(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*wecom.ClientConfig)
		want string
	}{
		{"ok", func(*wecom.ClientConfig) {}, ""},
		{"no corp id", func(c *wecom.ClientConfig) { c.CorpID = "" }, "corp id is empty"},
		{"no secret", func(c *wecom.ClientConfig) { c.Secret = "" }, "secret is empty"},
		{"no agent id", func(c *wecom.ClientConfig) { c.AgentID = 0 }, "agent id must be a positive number"},
		{"no store", func(c *wecom.ClientConfig) { c.Tokens = nil }, "no token store"},
		{"bad base url", func(c *wecom.ClientConfig) { c.BaseURL = "qyapi.weixin.qq.com" }, "not an http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := wecom.ClientConfig{CorpID: corpID, Secret: secret, AgentID: agentID, Tokens: &wecom.MemoryTokenStore{}}
			tc.mod(&cfg)
			_, err := wecom.NewClient(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("NewClient: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("NewClient error %v, want it to say %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), secret):
				t.Fatalf("error %q shows the secret", err)
			}
		})
	}
}

// refusingServer issues tokens but refuses every one of them on message/send,
// counting the calls.
func refusingServer(t *testing.T, code int) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	t.Helper()
	var tokens, sends atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/gettoken":
			n := tokens.Add(1)
			fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","access_token":"TOKEN%d","expires_in":7200}`, n)
		default:
			sends.Add(1)
			fmt.Fprintf(w, `{"errcode":%d,"errmsg":"refused"}`, code)
		}
	}))
	t.Cleanup(ts.Close)
	return ts, &tokens, &sends
}

func TestTransientErrorsAreRetryable(t *testing.T) {
	tests := []struct {
		name string
		f    wecomtest.Faults
		want string
	}{
		{"busy -1", wecomtest.Faults{Busy: 1}, "errcode -1"},
		{"45009", wecomtest.Faults{RateLimit: 1}, "errcode 45009"},
		{"45033", wecomtest.Faults{Concurrency: 1}, "errcode 45033"},
		{"http 500", wecomtest.Faults{HTTP500: 1}, "http status 500"},
		{"lost reply", wecomtest.Faults{LostReply: 1}, "http status 502"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake(t, nil)
			c := newClient(t, fake.URL(), nil, nil)
			tc.f.APIs = []string{wecomtest.APIMessageSend}
			fake.SetFaults(tc.f)
			_, err := c.SendText(context.Background(), alice, "x", wecom.SendOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if !wecom.Retryable(err) || wecom.Permanent(err) || wecom.TokenInvalid(err) {
				t.Fatalf("%v: retryable=%v permanent=%v", err, wecom.Retryable(err), wecom.Permanent(err))
			}
			if got := fake.Calls(wecomtest.APIMessageSend); got != 1 {
				t.Fatalf("message/send calls %d, want 1: retries are the caller's job", got)
			}
		})
	}
}

// TestResendAfterLostReplyIsIdempotent shows why the outbox sends with a
// duplicate-check interval: the first answer is lost after delivery, the
// resend is accepted and not delivered again.
func TestResendAfterLostReplyIsIdempotent(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	opt := wecom.SendOptions{DuplicateCheckInterval: 30 * time.Minute}
	fake.SetFaults(wecomtest.Faults{LostReply: 1, APIs: []string{wecomtest.APIMessageSend}})
	if _, err := c.SendText(context.Background(), alice, "alert 42", opt); !wecom.Retryable(err) {
		t.Fatalf("lost reply: error %v, want retryable", err)
	}
	fake.SetFaults(wecomtest.Faults{})
	res, err := c.SendText(context.Background(), alice, "alert 42", opt)
	if err != nil {
		t.Fatalf("resend: %v", err)
	}
	if n, d := len(fake.Sent()), len(fake.Duplicates()); n != 1 || d != 1 {
		t.Fatalf("delivered %d, duplicates %d; want 1 and 1", n, d)
	}
	if res.MsgID != fake.Sent()[0].MsgID {
		t.Fatalf("resend msgid %q, want the original %q", res.MsgID, fake.Sent()[0].MsgID)
	}
	var body map[string]any
	if err := json.Unmarshal(fake.Sent()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["enable_duplicate_check"] != 1.0 || body["duplicate_check_interval"] != 1800.0 {
		t.Fatalf("request %v, want duplicate check over 1800 s", body)
	}
}

func TestSendKinds(t *testing.T) {
	fake := newFake(t, func(c *wecomtest.Config) { c.StrictDirectory = true })
	fake.SetUser(wecomtest.User{UserID: "alice"})
	fake.SetUser(wecomtest.User{UserID: "bob"})
	fake.SetChat(wecomtest.Chat{ChatID: "chat1", Owner: "olivia"})
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	card := wecom.TextCard{Title: "违规提醒", Description: `<div class="gray">2026-03-01</div>`, URL: "https://hr.example/case/1", BtnTxt: "详情"}

	tests := []struct {
		name        string
		send        func() (*wecom.SendResult, error)
		wantType    string
		wantContent string
		wantTo      []string
		invalid     []string
	}{
		{"text", func() (*wecom.SendResult, error) {
			return c.SendText(ctx, wecom.SendTarget{ToUser: []string{"alice", "bob"}}, "请注意 <群规>", wecom.SendOptions{})
		}, "text", "请注意 <群规>", []string{"alice", "bob"}, nil},
		{"text with an unknown member", func() (*wecom.SendResult, error) {
			return c.SendText(ctx, wecom.SendTarget{ToUser: []string{"alice", "ghost"}}, "x", wecom.SendOptions{})
		}, "text", "x", []string{"alice"}, []string{"ghost"}},
		{"markdown", func() (*wecom.SendResult, error) {
			return c.SendMarkdown(ctx, alice, "**警告** 138****5678", wecom.SendOptions{})
		}, "markdown", "**警告** 138****5678", []string{"alice"}, nil},
		{"textcard", func() (*wecom.SendResult, error) {
			return c.SendTextCard(ctx, alice, card, wecom.SendOptions{})
		}, "textcard", card.Title + "\n" + card.Description, []string{"alice"}, nil},
		{"party and tag", func() (*wecom.SendResult, error) {
			return c.SendText(ctx, wecom.SendTarget{ToParty: []string{"2"}, ToTag: []string{"7"}}, "hr", wecom.SendOptions{})
		}, "text", "hr", nil, nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.send()
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if res.MsgID == "" || fmt.Sprint(res.InvalidUser) != fmt.Sprint(tc.invalid) {
				t.Fatalf("result %+v, want a msgid and invalid users %v", res, tc.invalid)
			}
			sent := fake.Sent()
			if len(sent) != i+1 {
				t.Fatalf("delivered %d, want %d", len(sent), i+1)
			}
			got := sent[i]
			if got.MsgType != tc.wantType || got.Content != tc.wantContent || fmt.Sprint(got.ToUser) != fmt.Sprint(tc.wantTo) || got.AgentID != agentID {
				t.Fatalf("delivered %+v", got)
			}
			var body map[string]any
			if err := json.Unmarshal(got.Body, &body); err != nil {
				t.Fatal(err)
			}
			if _, isNumber := body["agentid"].(float64); !isNumber {
				t.Fatalf("agentid sent as %T, want a JSON number", body["agentid"])
			}
			if strings.Contains(string(got.Body), `\u003c`) {
				t.Fatalf("body %s escapes < as \\u003c", got.Body)
			}
		})
	}
	t.Run("appchat", func(t *testing.T) {
		if err := c.SendAppChat(ctx, "chat1", wecom.AppChatMessage{MsgType: "markdown", Content: "**hi**"}); err != nil {
			t.Fatal(err)
		}
		sent := fake.Sent()
		last := sent[len(sent)-1]
		if last.API != wecomtest.APIAppChatSend || last.ChatID != "chat1" || last.Content != "**hi**" {
			t.Fatalf("delivered %+v", last)
		}
		err := c.SendAppChat(ctx, "nochat", wecom.AppChatMessage{MsgType: "text", Content: "x"})
		if !wecom.NotFound(err) || !wecom.Permanent(err) {
			t.Fatalf("unknown chat: %v", err)
		}
	})
	t.Run("nobody valid", func(t *testing.T) {
		_, err := c.SendText(ctx, wecom.SendTarget{ToUser: []string{"ghost"}}, "x", wecom.SendOptions{})
		var apiErr *wecom.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 81013 || !wecom.Permanent(err) {
			t.Fatalf("error %v, want permanent 81013", err)
		}
	})
}

func TestRefusedBeforeSending(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"empty text", func() error { _, err := c.SendText(ctx, alice, " ", wecom.SendOptions{}); return err }},
		{"text too long", func() error {
			_, err := c.SendText(ctx, alice, strings.Repeat("x", 2049), wecom.SendOptions{})
			return err
		}},
		{"no recipient", func() error { _, err := c.SendText(ctx, wecom.SendTarget{}, "x", wecom.SendOptions{}); return err }},
		{"card without url", func() error {
			_, err := c.SendTextCard(ctx, alice, wecom.TextCard{Title: "t", Description: "d"}, wecom.SendOptions{})
			return err
		}},
		{"appchat image", func() error { return c.SendAppChat(ctx, "c", wecom.AppChatMessage{MsgType: "image"}) }},
		{"webhook no key", func() error { return c.Webhook(ctx, "", wecom.WebhookMessage{MsgType: "text", Content: "x"}) }},
		{"webhook markdown too long", func() error {
			return c.Webhook(ctx, "k", wecom.WebhookMessage{MsgType: "markdown", Content: strings.Repeat("m", 4097)})
		}},
		{"empty user id", func() error { _, err := c.User(ctx, ""); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, wecom.ErrInvalidRequest) || !wecom.Permanent(err) || wecom.Retryable(err) {
				t.Fatalf("error %v, want a permanent ErrInvalidRequest", err)
			}
		})
	}
	if got := fake.Calls(wecomtest.APIGetToken) + fake.Calls(wecomtest.APIMessageSend) + fake.Calls(wecomtest.APIWebhookSend); got != 0 {
		t.Fatalf("%d requests reached WeCom", got)
	}
}

func TestWebhook(t *testing.T) {
	fake := newFake(t, nil)
	const key = "693a91f6-7b1e-4bc4-97a0-0ec2a1fa5aaa"
	fake.AddWebhook(key)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()

	err := c.Webhook(ctx, key, wecom.WebhookMessage{MsgType: "text", Content: "群内请勿发广告", MentionedList: []string{"alice"}})
	if err != nil {
		t.Fatalf("webhook: %v", err)
	}
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].WebhookKey != key || fmt.Sprint(sent[0].MentionedList) != "[alice]" || sent[0].Content != "群内请勿发广告" {
		t.Fatalf("delivered %+v", sent)
	}

	err = c.Webhook(ctx, "unknown-key-123", wecom.WebhookMessage{MsgType: "markdown", Content: "x"})
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 93000 || !wecom.Permanent(err) {
		t.Fatalf("unknown key: error %v, want permanent 93000", err)
	}
	if strings.Contains(err.Error(), "unknown-key-123") {
		t.Fatalf("error %q shows the webhook key", err)
	}

	for i := 1; i < 20; i++ {
		if err := c.Webhook(ctx, key, wecom.WebhookMessage{MsgType: "text", Content: fmt.Sprint(i)}); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	err = c.Webhook(ctx, key, wecom.WebhookMessage{MsgType: "text", Content: "21st"})
	if !errors.As(err, &apiErr) || apiErr.Code != 45009 || !wecom.Retryable(err) {
		t.Fatalf("21st message: error %v, want retryable 45009", err)
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 0 {
		t.Fatalf("webhook fetched %d tokens; it needs none", got)
	}
}

func TestLookups(t *testing.T) {
	fake := newFake(t, nil)
	fake.SetChat(wecomtest.Chat{ChatID: "chat1", Owner: "olivia"})
	fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrOgQhDgAA", Owner: "gary"})
	fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrNplhCgAA", Creator: "carl"})
	fake.SetUser(wecomtest.User{UserID: "alice", Name: "张三", Alias: "Ali", Department: []int64{2, 5}, DirectLeader: []string{"lee"}})
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()

	tests := []struct {
		name     string
		call     func() (string, error)
		want     string
		notFound bool
	}{
		{"app chat owner", func() (string, error) { return c.AppChatOwner(ctx, "chat1") }, "olivia", false},
		{"app chat unknown", func() (string, error) { return c.AppChatOwner(ctx, "nope") }, "", true},
		{"customer group owner", func() (string, error) { return c.ExternalGroupChatOwner(ctx, "wrOgQhDgAA") }, "gary", false},
		{"customer group unknown", func() (string, error) { return c.ExternalGroupChatOwner(ctx, "nope") }, "", true},
		{"archived group creator", func() (string, error) { return c.ArchiveGroupChatCreator(ctx, "wrNplhCgAA") }, "carl", false},
		{"archived group unknown", func() (string, error) { return c.ArchiveGroupChatCreator(ctx, "nope") }, "", true},
		{"user", func() (string, error) {
			u, err := c.User(ctx, "alice")
			if err != nil {
				return "", err
			}
			return fmt.Sprint(u.UserID, " ", u.Name, " ", u.Alias, " ", u.Department, " ", u.MainDepartment, " ", u.DirectLeader, " ", u.Status), nil
		}, "alice 张三 Ali [2 5] 2 [lee] 1", false},
		{"user unknown", func() (string, error) { _, err := c.User(ctx, "ghost"); return "", err }, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call()
			if tc.notFound {
				if !wecom.NotFound(err) || !wecom.Permanent(err) {
					t.Fatalf("error %v, want not found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 1 {
		t.Fatalf("gettoken calls %d, want 1", got)
	}
}

func TestContextCancellation(t *testing.T) {
	fake := newFake(t, nil)
	c := newClient(t, fake.URL(), nil, nil)

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.SendText(ctx, alice, "x", wecom.SendOptions{})
		if !errors.Is(err, context.Canceled) || wecom.Retryable(err) || wecom.Permanent(err) {
			t.Fatalf("error %v, want context.Canceled, neither retryable nor permanent", err)
		}
	})
	t.Run("cancelled while WeCom is slow", func(t *testing.T) {
		if _, err := c.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		fake.SetFaults(wecomtest.Faults{Latency: time.Hour})
		defer fake.SetFaults(wecomtest.Faults{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := c.SendText(ctx, alice, "slow", wecom.SendOptions{})
			done <- err
		}()
		for fake.Calls(wecomtest.APIMessageSend) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if strings.Contains(err.Error(), "access_token=") && !strings.Contains(err.Error(), "access_token=REDACTED") {
			t.Fatalf("error %q shows the access token", err)
		}
	})
	t.Run("deadline is retryable", func(t *testing.T) {
		fake.SetFaults(wecomtest.Faults{Latency: time.Hour})
		defer fake.SetFaults(wecomtest.Faults{})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := c.SendText(ctx, alice, "slow", wecom.SendOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || !wecom.Retryable(err) {
			t.Fatalf("error %v, want a retryable deadline", err)
		}
	})
}

func TestNetworkErrorsRedacted(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	base := ts.URL
	ts.Close() // nothing listens there any more
	c := newClient(t, base, nil, nil)
	_, err := c.SendText(context.Background(), alice, "x", wecom.SendOptions{})
	if err == nil || !wecom.Retryable(err) {
		t.Fatalf("error %v, want a retryable network error", err)
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "REDACTED") {
		t.Fatalf("error %q: the secret must be replaced by REDACTED", err)
	}
	err = c.Webhook(context.Background(), "hook-key-secret", wecom.WebhookMessage{MsgType: "text", Content: "x"})
	if err == nil || strings.Contains(err.Error(), "hook-key-secret") {
		t.Fatalf("error %v shows the webhook key", err)
	}
}

func TestMalformedAnswer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>gateway</html>")
	}))
	defer ts.Close()
	c := newClient(t, ts.URL, nil, nil)
	_, err := c.SendText(context.Background(), alice, "x", wecom.SendOptions{})
	if !errors.Is(err, wecom.ErrBadAnswer) || !wecom.Retryable(err) {
		t.Fatalf("error %v, want a retryable ErrBadAnswer", err)
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	fake := wecomtest.NewHandler(wecomtest.Config{CorpID: corpID, Secret: secret, AgentID: agentID})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/wecom/", http.StripPrefix("/sandbox/wecom", fake.Handler()))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	c := newClient(t, ts.URL+"/sandbox/wecom/", nil, nil)
	if _, err := c.SendMarkdown(context.Background(), alice, "**in-process**", wecom.SendOptions{}); err != nil {
		t.Fatalf("send through a mounted fake: %v", err)
	}
	if sent := fake.Sent(); len(sent) != 1 || sent[0].Content != "**in-process**" {
		t.Fatalf("delivered %+v", sent)
	}
}

// TestFaultyWeComExactlyOnce is the client's share of the outbox guarantee:
// with 30% of calls failing (busy, 45009, HTTP 500, lost replies), a caller
// that resends what Retryable marks, with duplicate checking on, gets every
// message delivered exactly once.
func TestFaultyWeComExactlyOnce(t *testing.T) {
	fake := newFake(t, nil)
	fake.SetFaults(wecomtest.Faults{Seed: 42, Busy: 0.1, RateLimit: 0.05, HTTP500: 0.1, LostReply: 0.05})
	c := newClient(t, fake.URL(), nil, nil)
	opt := wecom.SendOptions{DuplicateCheckInterval: 30 * time.Minute}
	const n = 40
	failures := 0
	for i := range n {
		target := wecom.SendTarget{ToUser: []string{fmt.Sprint("member", i)}}
		for attempt := 0; ; attempt++ {
			_, err := c.SendText(context.Background(), target, fmt.Sprint("alert ", i), opt)
			if err == nil {
				break
			}
			if !wecom.Retryable(err) || attempt == 20 {
				t.Fatalf("alert %d attempt %d: %v", i, attempt, err)
			}
			failures++
		}
	}
	sent := fake.Sent()
	seen := map[string]int{}
	for _, s := range sent {
		seen[s.Content]++
	}
	if len(sent) != n || len(seen) != n {
		t.Fatalf("delivered %d messages (%d distinct), want %d exactly once each", len(sent), len(seen), n)
	}
	if failures == 0 || len(fake.Duplicates()) == 0 {
		t.Fatalf("failures %d, suppressed duplicates %d: the fault mix did not exercise resends", failures, len(fake.Duplicates()))
	}
	t.Logf("%d failed attempts, %d resends suppressed as duplicates", failures, len(fake.Duplicates()))
}

// countingStore counts GetToken calls.
type countingStore struct {
	wecom.MemoryTokenStore
	gets atomic.Int32
}

func (s *countingStore) GetToken(ctx context.Context, key string) (string, bool, error) {
	s.gets.Add(1)
	return s.MemoryTokenStore.GetToken(ctx, key)
}

// TestConcurrentCallsKeepTheirConnections: 16 calls at a time, five times
// over, open about 16 connections to WeCom, not one a call (net/http's
// default transport keeps 2 idle connections a host, so 14 of every 16
// were opened and closed again: a TLS handshake each towards WeCom).
func TestConcurrentCallsKeepTheirConnections(t *testing.T) {
	fake := wecomtest.NewHandler(wecomtest.Config{CorpID: corpID, Secret: secret, AgentID: agentID})
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(fake.Handler())
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, nil, nil)
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	const inFlight, waves = 16, 5
	for w := range waves {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range inFlight {
			wg.Go(func() {
				<-start
				if _, err := c.SendText(context.Background(), wecom.SendTarget{ToUser: []string{fmt.Sprintf("u%d-%d", w, i)}}, "hi", wecom.SendOptions{}); err != nil {
					t.Error(err)
				}
			})
		}
		close(start)
		wg.Wait()
	}
	if got := opened.Load(); got > inFlight+1 {
		t.Fatalf("%d calls in waves of %d opened %d connections, want at most %d", inFlight*waves, inFlight, got, inFlight+1)
	}
}
