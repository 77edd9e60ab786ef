package wecomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testCorp   = "ww0123456789abcdef"
	testSecret = "s3cr3t-app-secret"
	testAgent  = int64(1000002)
)

// clock is a settable clock for token expiry and frequency windows.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newServer(t *testing.T, mod func(*Config)) (*Server, *clock) {
	t.Helper()
	clk := newClock()
	cfg := Config{CorpID: testCorp, Secret: testSecret, AgentID: testAgent, Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	s := New(cfg)
	t.Cleanup(s.Close)
	return s, clk
}

type answer map[string]any

func (a answer) code() int {
	f, _ := a["errcode"].(float64)
	return int(f)
}

func (a answer) str(k string) string {
	s, _ := a[k].(string)
	return s
}

func do(t *testing.T, method, u string, body any) (int, answer) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var a answer
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatalf("decode %q: %v", data, err)
		}
	}
	return resp.StatusCode, a
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	_, a := do(t, "GET", s.URL()+"/cgi-bin/gettoken?corpid="+testCorp+"&corpsecret="+testSecret, nil)
	if a.code() != 0 || a.str("access_token") == "" {
		t.Fatalf("gettoken: %v", a)
	}
	return a.str("access_token")
}

func send(t *testing.T, s *Server, tok string, body any) answer {
	t.Helper()
	_, a := do(t, "POST", s.URL()+"/cgi-bin/message/send?access_token="+url.QueryEscape(tok), body)
	return a
}

func text(to, content string) map[string]any {
	return map[string]any{"touser": to, "msgtype": "text", "agentid": testAgent, "text": map[string]any{"content": content}}
}

func TestGetToken(t *testing.T) {
	s, _ := newServer(t, nil)
	tests := []struct {
		name, corp, secret string
		want               int
	}{
		{"ok", testCorp, testSecret, 0},
		{"wrong corp id", "wwnope", testSecret, CodeInvalidCorpID},
		{"wrong secret", testCorp, "nope", CodeInvalidSecret},
		{"no corp id", "", testSecret, CodeMissingCorpID},
		{"no secret", testCorp, "", CodeMissingSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"corpid": {tc.corp}, "corpsecret": {tc.secret}}
			status, a := do(t, "GET", s.URL()+"/cgi-bin/gettoken?"+q.Encode(), nil)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			if a.code() != tc.want {
				t.Fatalf("errcode %d (%s), want %d", a.code(), a.str("errmsg"), tc.want)
			}
			if tc.want == 0 {
				if a.str("access_token") == "" || a["expires_in"].(float64) != 7200 || a.str("errmsg") != "ok" {
					t.Fatalf("answer %v, want a token with expires_in 7200", a)
				}
			} else if !strings.Contains(a.str("errmsg"), fmt.Sprintf("e=%d", tc.want)) {
				t.Fatalf("errmsg %q lacks the code pointer", a.str("errmsg"))
			}
		})
	}
	if a, b := token(t, s), token(t, s); a != b {
		t.Fatalf("gettoken within the lifetime gave %q then %q, want the same token", a, b)
	}
	if got := s.Calls(APIGetToken); got != 7 {
		t.Fatalf("Calls(gettoken) = %d, want 7", got)
	}
}

func TestTokenCheck(t *testing.T) {
	s, clk := newServer(t, func(c *Config) { c.TokenTTL = time.Hour })
	tok := token(t, s)
	msg := text("alice", "hi")
	tests := []struct {
		name  string
		setup func() string
		want  int
	}{
		{"valid", func() string { return tok }, 0},
		{"missing", func() string { return "" }, CodeMissingToken},
		{"unknown", func() string { return "NOT-A-TOKEN" }, CodeInvalidToken},
		{"expired by the clock", func() string { clk.Advance(time.Hour); return tok }, CodeTokenExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := send(t, s, tc.setup(), msg).code(); got != tc.want {
				t.Fatalf("errcode %d, want %d", got, tc.want)
			}
		})
	}
	fresh := token(t, s)
	if fresh == tok {
		t.Fatalf("gettoken after expiry returned the expired token")
	}
	if got := send(t, s, fresh, msg).code(); got != 0 {
		t.Fatalf("send with fresh token: errcode %d", got)
	}
	s.ExpireTokens()
	if got := send(t, s, fresh, msg).code(); got != CodeTokenExpired {
		t.Fatalf("after ExpireTokens: errcode %d, want %d", got, CodeTokenExpired)
	}
	if again := token(t, s); again == fresh {
		t.Fatalf("gettoken after ExpireTokens returned the expired token")
	}
}

func TestMessageSendErrors(t *testing.T) {
	s, _ := newServer(t, func(c *Config) { c.StrictDirectory = true })
	s.SetUser(User{UserID: "alice", Name: "Alice"})
	s.SetUser(User{UserID: "bob", Name: "Bob"})
	tok := token(t, s)
	tests := []struct {
		name        string
		body        any
		want        int
		invalidUser string
	}{
		{"text ok", text("alice", "hello"), 0, ""},
		{"agentid as string", map[string]any{"touser": "alice", "msgtype": "text", "agentid": "1000002", "text": map[string]any{"content": "x"}}, 0, ""},
		{"several users", text("alice|bob", "hello"), 0, ""},
		{"one unknown user", text("alice|Zed", "hello"), 0, "zed"},
		{"all unknown", text("zed|yan", "hello"), CodeAllInvalid, "zed|yan"},
		{"markdown", map[string]any{"touser": "alice", "msgtype": "markdown", "agentid": testAgent, "markdown": map[string]any{"content": "**x**"}}, 0, ""},
		{"textcard", map[string]any{"touser": "alice", "msgtype": "textcard", "agentid": testAgent, "textcard": map[string]any{"title": "t", "description": "d", "url": "https://e.x"}}, 0, ""},
		{"textcard without title", map[string]any{"touser": "alice", "msgtype": "textcard", "agentid": testAgent, "textcard": map[string]any{"description": "d", "url": "https://e.x"}}, CodeMissingTitle, ""},
		{"textcard without url", map[string]any{"touser": "alice", "msgtype": "textcard", "agentid": testAgent, "textcard": map[string]any{"title": "t", "description": "d"}}, CodeMissingURL, ""},
		{"textcard without description", map[string]any{"touser": "alice", "msgtype": "textcard", "agentid": testAgent, "textcard": map[string]any{"title": "t", "url": "https://e.x"}}, CodeMissingDesc, ""},
		{"markdown too long", map[string]any{"touser": "alice", "msgtype": "markdown", "agentid": testAgent, "markdown": map[string]any{"content": strings.Repeat("x", 2049)}}, CodeContentTooLong, ""},
		{"invalid msgtype", map[string]any{"touser": "alice", "msgtype": "fax", "agentid": testAgent}, CodeInvalidMsgType, ""},
		{"empty content", text("alice", ""), CodeEmptyContent, ""},
		{"no agentid", map[string]any{"touser": "alice", "msgtype": "text", "text": map[string]any{"content": "x"}}, CodeMissingAgentID, ""},
		{"another app's agentid", map[string]any{"touser": "alice", "msgtype": "text", "agentid": 1000003, "text": map[string]any{"content": "x"}}, CodeOtherAgent, ""},
		{"malformed json", `{"touser":`, CodeInvalidParameter, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, s, tok, tc.body)
			if a.code() != tc.want {
				t.Fatalf("errcode %d (%s), want %d", a.code(), a.str("errmsg"), tc.want)
			}
			if a.str("invaliduser") != tc.invalidUser {
				t.Fatalf("invaliduser %q, want %q", a.str("invaliduser"), tc.invalidUser)
			}
			if tc.want == 0 && a.str("msgid") == "" {
				t.Fatalf("no msgid in %v", a)
			}
		})
	}
	sent := s.Sent()
	if len(sent) != 6 {
		t.Fatalf("%d messages delivered, want 6", len(sent))
	}
	if got := sent[2].ToUser; len(got) != 2 || got[0] != "alice" || got[1] != "bob" {
		t.Fatalf("ToUser %v, want [alice bob]", got)
	}
	if got := sent[3].ToUser; len(got) != 1 || got[0] != "alice" {
		t.Fatalf("ToUser %v, want [alice] (zed is invalid)", got)
	}
	card := sent[5]
	if card.MsgType != "textcard" || card.Title != "t" || card.Description != "d" || card.Content != "t\nd" || card.AgentID != testAgent {
		t.Fatalf("textcard recorded as %+v", card)
	}
}

func TestTextTruncated(t *testing.T) {
	s, _ := newServer(t, nil)
	long := strings.Repeat("警", 700) // 2100 bytes
	if a := send(t, s, token(t, s), text("alice", long)); a.code() != 0 {
		t.Fatalf("errcode %d", a.code())
	}
	got := s.Sent()[0].Content
	if len(got) > 2048 || !strings.HasPrefix(long, got) || len(got) != 2046 {
		t.Fatalf("content kept %d bytes, want the first 682 characters (2046 bytes)", len(got))
	}
}

func TestDuplicateCheck(t *testing.T) {
	s, clk := newServer(t, nil)
	tok := token(t, s)
	msg := text("alice", "warning #1")
	msg["enable_duplicate_check"] = 1
	msg["duplicate_check_interval"] = 600

	first := send(t, s, tok, msg)
	second := send(t, s, tok, msg)
	if first.code() != 0 || second.code() != 0 {
		t.Fatalf("errcodes %d, %d; want 0, 0", first.code(), second.code())
	}
	if first.str("msgid") != second.str("msgid") {
		t.Fatalf("msgid %q then %q, want the same", first.str("msgid"), second.str("msgid"))
	}
	if n, d := len(s.Sent()), len(s.Duplicates()); n != 1 || d != 1 {
		t.Fatalf("delivered %d, duplicates %d; want 1, 1", n, d)
	}

	other := text("bob", "warning #1")
	other["enable_duplicate_check"] = 1
	other["duplicate_check_interval"] = 600
	send(t, s, tok, other)
	if n := len(s.Sent()); n != 2 {
		t.Fatalf("same text to another member: delivered %d, want 2", n)
	}

	clk.Advance(601 * time.Second)
	send(t, s, tok, msg)
	if n := len(s.Sent()); n != 3 {
		t.Fatalf("after the interval: delivered %d, want 3", n)
	}

	plain := text("carol", "no check")
	send(t, s, tok, plain)
	send(t, s, tok, plain)
	if n := len(s.Sent()); n != 5 {
		t.Fatalf("without duplicate check: delivered %d, want 5", n)
	}
}

func TestMemberFrequencyDropsSilently(t *testing.T) {
	s, clk := newServer(t, nil)
	tok := token(t, s)
	for i := range 35 {
		a := send(t, s, tok, text("alice|bob", fmt.Sprintf("alert %d", i)))
		if a.code() != 0 {
			t.Fatalf("message %d: errcode %d, want 0 (WeCom accepts the excess)", i, a.code())
		}
		clk.Advance(time.Second)
	}
	dropped := s.Dropped()
	if len(dropped) != 10 {
		t.Fatalf("dropped %d, want 10 (5 each for alice and bob)", len(dropped))
	}
	if dropped[0].Member != "alice" || dropped[0].Sent.Content != "alert 30" {
		t.Fatalf("first drop %+v, want alice / alert 30", dropped[0])
	}
	if n := len(s.Sent()); n != 30 {
		t.Fatalf("delivered %d, want 30", n)
	}
	send(t, s, tok, text("carol", "other member"))
	if n := len(s.Sent()); n != 31 {
		t.Fatalf("another member is not limited: delivered %d, want 31", n)
	}
	// The minute limit blocks for 60 s from the moment it was hit.
	clk.Advance(30 * time.Second)
	send(t, s, tok, text("alice", "still blocked"))
	if n := len(s.Dropped()); n != 11 {
		t.Fatalf("within the block: dropped %d, want 11", n)
	}
	clk.Advance(31 * time.Second)
	send(t, s, tok, text("alice", "after the block"))
	if n := len(s.Sent()); n != 32 {
		t.Fatalf("after the block: delivered %d, want 32", n)
	}
}

func TestWebhook(t *testing.T) {
	s, clk := newServer(t, nil)
	s.AddWebhook("KEY1")
	hook := func(key string, body any) answer {
		t.Helper()
		_, a := do(t, "POST", s.URL()+"/cgi-bin/webhook/send?key="+key, body)
		return a
	}
	txt := func(content string) map[string]any {
		return map[string]any{"msgtype": "text", "text": map[string]any{"content": content, "mentioned_list": []string{"alice", "@all"}}}
	}
	tests := []struct {
		name string
		key  string
		body any
		want int
	}{
		{"text", "KEY1", txt("hello"), 0},
		{"markdown", "KEY1", map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": strings.Repeat("m", 4096)}}, 0},
		{"unknown key", "NOPE", txt("hello"), CodeInvalidWebhookKey},
		{"no key", "", txt("hello"), CodeInvalidWebhookKey},
		{"text too long", "KEY1", txt(strings.Repeat("t", 2049)), CodeInvalidParameter},
		{"markdown too long", "KEY1", map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": strings.Repeat("m", 4097)}}, CodeInvalidParameter},
		{"empty", "KEY1", txt(""), CodeEmptyContent},
		{"unsupported msgtype", "KEY1", map[string]any{"msgtype": "fax"}, CodeInvalidMsgType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hook(tc.key, tc.body).code(); got != tc.want {
				t.Fatalf("errcode %d, want %d", got, tc.want)
			}
		})
	}
	sent := s.Sent()
	if len(sent) != 2 || sent[0].WebhookKey != "KEY1" || len(sent[0].MentionedList) != 2 {
		t.Fatalf("delivered %+v", sent)
	}
	for i := 2; i < 20; i++ {
		if got := hook("KEY1", txt(fmt.Sprint(i))).code(); got != 0 {
			t.Fatalf("message %d: errcode %d", i+1, got)
		}
	}
	if got := hook("KEY1", txt("21st")).code(); got != CodeFrequencyLimit {
		t.Fatalf("21st message in a minute: errcode %d, want %d", got, CodeFrequencyLimit)
	}
	clk.Advance(61 * time.Second)
	if got := hook("KEY1", txt("later")).code(); got != 0 {
		t.Fatalf("after a minute: errcode %d, want 0", got)
	}
}

func TestAppChatAndLookups(t *testing.T) {
	s, _ := newServer(t, nil)
	s.SetChat(Chat{ChatID: "chat1", Name: "Ops", Owner: "olivia", UserList: []string{"olivia", "alice"}})
	s.SetGroupChat(GroupChat{ChatID: "wrOg", Name: "Customers", Owner: "gary"})
	s.SetArchiveRoom(ArchiveRoom{RoomID: "wrRoom", Name: "Sales", Creator: "carl", Members: []string{"carl"}})
	s.SetUser(User{UserID: "alice", Name: "Alice", Department: []int64{2, 3}, DirectLeader: []string{"lee"}, Alias: "Ali"})
	tok := token(t, s)
	base := s.URL() + "/cgi-bin/"
	q := "access_token=" + tok

	tests := []struct {
		name, method, path string
		body               any
		want               int
		check              func(answer) string
	}{
		{"appchat/get", "GET", "appchat/get?chatid=chat1&" + q, nil, 0, func(a answer) string {
			return a["chat_info"].(map[string]any)["owner"].(string)
		}},
		{"appchat/get unknown", "GET", "appchat/get?chatid=nope&" + q, nil, CodeAppChatNotFound, nil},
		{"groupchat/get", "POST", "externalcontact/groupchat/get?" + q, map[string]any{"chat_id": "wrOg"}, 0, func(a answer) string {
			return a["group_chat"].(map[string]any)["owner"].(string)
		}},
		{"groupchat/get unknown", "POST", "externalcontact/groupchat/get?" + q, map[string]any{"chat_id": "x"}, CodeChatNotFound, nil},
		{"msgaudit/groupchat/get", "POST", "msgaudit/groupchat/get?" + q, map[string]any{"roomid": "wrRoom"}, 0, func(a answer) string {
			return a.str("creator") + "/" + a.str("roomname")
		}},
		{"user/get", "GET", "user/get?userid=alice&" + q, nil, 0, func(a answer) string {
			return fmt.Sprint(a.str("name"), a["department"], a["direct_leader"], a.str("alias"), a["main_department"])
		}},
		{"user/get unknown", "GET", "user/get?userid=zed&" + q, nil, CodeUserNotFound, nil},
		{"user/get no userid", "GET", "user/get?" + q, nil, CodeMissingUserID, nil},
		{"groupchat/get malformed", "POST", "externalcontact/groupchat/get?" + q, "{", CodeInvalidParameter, nil},
		{"user/get no token", "GET", "user/get?userid=alice", nil, CodeMissingToken, nil},
		{"appchat/send", "POST", "appchat/send?" + q, map[string]any{"chatid": "chat1", "msgtype": "markdown", "markdown": map[string]any{"content": "**hi**"}}, 0, nil},
		{"appchat/send unknown chat", "POST", "appchat/send?" + q, map[string]any{"chatid": "x", "msgtype": "text", "text": map[string]any{"content": "x"}}, CodeAppChatNotFound, nil},
	}
	wantVals := map[string]string{
		"appchat/get":            "olivia",
		"groupchat/get":          "gary",
		"msgaudit/groupchat/get": "carl/Sales",
		"user/get":               "Alice[2 3] [lee]Ali2",
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, a := do(t, tc.method, base+tc.path, tc.body)
			if a.code() != tc.want {
				t.Fatalf("errcode %d (%s), want %d", a.code(), a.str("errmsg"), tc.want)
			}
			if tc.check != nil {
				if got := tc.check(a); got != wantVals[tc.name] {
					t.Fatalf("got %q, want %q", got, wantVals[tc.name])
				}
			}
		})
	}
	sent := s.Sent()
	if len(sent) != 1 || sent[0].API != APIAppChatSend || sent[0].ChatID != "chat1" || sent[0].Content != "**hi**" {
		t.Fatalf("appchat delivered %+v", sent)
	}
}

// TestRoomOfAnswersUnseededRooms: a seeded room wins, RoomOf answers the
// others it knows, and the rest stay unknown.
func TestRoomOfAnswersUnseededRooms(t *testing.T) {
	s, _ := newServer(t, func(c *Config) {
		c.RoomOf = func(id string) (ArchiveRoom, bool) {
			return ArchiveRoom{RoomID: id, Name: "Load", Creator: "owner-of-" + id}, id != "wrUnknown"
		}
	})
	s.SetArchiveRoom(ArchiveRoom{RoomID: "wrRoom", Name: "Sales", Creator: "carl"})
	url := s.URL() + "/cgi-bin/msgaudit/groupchat/get?access_token=" + token(t, s)
	for _, tc := range []struct {
		room, want string
		code       int
	}{
		{"wrRoom", "carl", 0},
		{"wrLoad7", "owner-of-wrLoad7", 0},
		{"wrUnknown", "", CodeChatNotFound},
	} {
		_, a := do(t, "POST", url, map[string]any{"roomid": tc.room})
		if a.code() != tc.code || a.str("creator") != tc.want {
			t.Errorf("%s: errcode %d creator %q, want %d %q", tc.room, a.code(), a.str("creator"), tc.code, tc.want)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Run("each kind", func(t *testing.T) {
		tests := []struct {
			name       string
			f          Faults
			wantStatus int
			wantCode   int
			delivered  int
		}{
			{"busy", Faults{Busy: 1}, 200, CodeBusy, 0},
			{"rate limit", Faults{RateLimit: 1}, 200, CodeFrequencyLimit, 0},
			{"concurrency", Faults{Concurrency: 1}, 200, CodeConcurrencyLimit, 0},
			{"http 500", Faults{HTTP500: 1}, 500, 0, 0},
			{"lost reply", Faults{LostReply: 1}, 502, 0, 1},
			{"other api only", Faults{Busy: 1, APIs: []string{APIWebhookSend}}, 200, 0, 1},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s, _ := newServer(t, nil)
				tok := token(t, s)
				s.SetFaults(tc.f)
				status, a := do(t, "POST", s.URL()+"/cgi-bin/message/send?access_token="+tok, text("alice", "x"))
				if status != tc.wantStatus {
					t.Fatalf("status %d, want %d", status, tc.wantStatus)
				}
				if status == 200 && a.code() != tc.wantCode {
					t.Fatalf("errcode %d, want %d", a.code(), tc.wantCode)
				}
				if n := len(s.Sent()); n != tc.delivered {
					t.Fatalf("delivered %d, want %d", n, tc.delivered)
				}
			})
		}
	})
	t.Run("deterministic for a seed", func(t *testing.T) {
		run := func(seed uint64) string {
			s, _ := newServer(t, nil)
			tok := token(t, s)
			s.SetFaults(Faults{Seed: seed, Busy: 0.2, HTTP500: 0.1, RateLimit: 0.1})
			var b strings.Builder
			for i := range 60 {
				status, a := do(t, "POST", s.URL()+"/cgi-bin/message/send?access_token="+tok, text(fmt.Sprint("u", i), "x"))
				fmt.Fprintf(&b, "%d/%d ", status, a.code())
			}
			return b.String()
		}
		a, b, c := run(7), run(7), run(8)
		if a != b {
			t.Fatalf("same seed, different outcomes:\n%s\n%s", a, b)
		}
		if a == c {
			t.Fatalf("different seeds, same outcomes: %s", a)
		}
		if !strings.Contains(a, "200/0 ") || !strings.Contains(a, "200/-1 ") || !strings.Contains(a, "500/") {
			t.Fatalf("a 40%% fault mix over 60 calls should show successes, -1 and 500: %s", a)
		}
	})
	t.Run("latency honours the caller", func(t *testing.T) {
		s, _ := newServer(t, nil)
		s.SetFaults(Faults{Latency: time.Hour})
		req, err := http.NewRequest("GET", s.URL()+"/cgi-bin/gettoken?corpid="+testCorp+"&corpsecret="+testSecret, nil)
		if err != nil {
			t.Fatal(err)
		}
		hc := &http.Client{Timeout: 50 * time.Millisecond}
		if _, err := hc.Do(req); err == nil {
			t.Fatalf("an hour of latency answered in time")
		}
	})
}

func TestHandlerUnderPrefix(t *testing.T) {
	var logged []string
	s := NewHandler(Config{CorpID: testCorp, Secret: testSecret, AgentID: testAgent,
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	mux := http.NewServeMux()
	mux.Handle("/fake-wecom/", http.StripPrefix("/fake-wecom", s.Handler()))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	_, a := do(t, "GET", ts.URL+"/fake-wecom/cgi-bin/gettoken?corpid="+testCorp+"&corpsecret="+testSecret, nil)
	tok := a.str("access_token")
	_, a = do(t, "POST", ts.URL+"/fake-wecom/cgi-bin/message/send?access_token="+tok, text("alice", "via prefix"))
	if a.code() != 0 || len(s.Sent()) != 1 {
		t.Fatalf("errcode %d, delivered %d", a.code(), len(s.Sent()))
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "via prefix") || !strings.Contains(logged[0], "alice") {
		t.Fatalf("logged %q", logged)
	}
	if s.URL() != "" {
		t.Fatalf("URL() = %q for an unstarted server", s.URL())
	}
	// The sandbox lists Sent as JSON: the request body stays readable JSON.
	out, err := json.Marshal(s.Sent())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"body":{"agentid":1000002`) || !strings.Contains(string(out), `"content":"via prefix"`) {
		t.Fatalf("Sent as JSON: %s", out)
	}
}

func TestGetTokenRenewsWithinLifetime(t *testing.T) {
	s, clk := newServer(t, nil)
	first := token(t, s)
	clk.Advance(7199 * time.Second)
	if again := token(t, s); again != first {
		t.Fatalf("gettoken within the lifetime gave a new token")
	}
	clk.Advance(7199 * time.Second)
	if got := send(t, s, first, text("alice", "x")).code(); got != 0 {
		t.Fatalf("renewed token refused with %d", got)
	}
	clk.Advance(2 * time.Second)
	if got := send(t, s, first, text("alice", "x")).code(); got != CodeTokenExpired {
		t.Fatalf("errcode %d past the renewed lifetime, want %d", got, CodeTokenExpired)
	}
}
