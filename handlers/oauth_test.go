package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
)

const (
	signInCorp   = "ww5823bf96d3bd56c7"
	signInSecret = "app-secret"
	signInAgent  = int64(1000002)
	desktopUA    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"
	inWeComUA    = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0 wxwork/4.1.30 Language/zh"
)

// signInEnv is the console on a real router and store, its WeCom app a
// fake WeCom over real HTTP: a browser (an http.Client with a cookie jar)
// goes through the whole sign-in.
type signInEnv struct {
	t     *testing.T
	st    *store.Store
	fake  *wecomtest.Server
	srv   *httptest.Server
	mu    sync.Mutex
	now   time.Time
	stops func(*url.URL) bool // stop the browser before this redirect
}

func newSignInEnv(t *testing.T, hr bot.Recipients, auditors []string) *signInEnv {
	t.Helper()
	e := &signInEnv{t: t, st: storetest.New(t), now: time.Now()}
	clock := func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
	e.fake = wecomtest.New(wecomtest.Config{CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent, Now: clock})
	t.Cleanup(e.fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent,
		Tokens: &wecom.MemoryTokenStore{}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", signInCorp)
	si := &handlers.WeComSignIn{
		Links:     wecom.SignInLinks{CorpID: signInCorp, AgentID: signInAgent, AuthorizeBase: e.fake.URL(), SSOBase: e.fake.URL()},
		Directory: client, HR: hr, Auditors: auditors,
	}
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: signInCorp, Pipeline: pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { return bot.Result{}, nil }), Logger: zerolog.Nop(), Admin: e.st, SignIn: si})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h.Handler())
	t.Cleanup(e.srv.Close)
	si.PublicURL = e.srv.URL
	// WeCom redirects only to the app's 可信域名: the console's host.
	e.fake.SetTrustedDomain(strings.TrimPrefix(e.srv.URL, "http://"))
	return e
}

// browser is a new browser with its own cookies.
func (e *signInEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if e.stops != nil && e.stops(req.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func (e *signInEnv) get(b *http.Client, u, ua string) (int, string, *http.Response) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("User-Agent", ua)
	resp, err := b.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp
}

var refreshTo = regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]*)"`)

// signIn runs a sign-in from SignInPath?to=to and returns the final page's
// status and body and where it moves on to.
func (e *signInEnv) signIn(b *http.Client, to, ua string) (int, string, string) {
	e.t.Helper()
	code, body, _ := e.get(b, e.srv.URL+handlers.SignInPath+"?to="+url.QueryEscape(to), ua)
	next := ""
	if m := refreshTo.FindStringSubmatch(body); m != nil {
		next = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return code, body, next
}

// session asks the console who the browser is signed in as.
func (e *signInEnv) session(b *http.Client) (user, role string, ok bool) {
	e.t.Helper()
	code, body, _ := e.get(b, e.srv.URL+"/ui/session", desktopUA)
	if code != http.StatusOK {
		return "", "", false
	}
	var info struct{ User, Role, CSRF string }
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.CSRF == "" {
		e.t.Fatalf("session %s: %v", body, err)
	}
	return info.User, info.Role, true
}

func TestWeComSignInRoles(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}, Parties: []string{"5"}, Tags: []string{"7"}}, []string{"shenji"})
	e.fake.SetDepartment(5, 1) // 人力资源部
	e.fake.SetDepartment(6, 5) // 招聘组, below it
	e.fake.SetDepartment(9, 1) // 销售部
	e.fake.SetUser(wecomtest.User{UserID: "zhaomin", Name: "赵敏", Department: []int64{6}})
	e.fake.SetUser(wecomtest.User{UserID: "qianli", Name: "钱立", Department: []int64{9}})
	e.fake.SetUser(wecomtest.User{UserID: "sunhao", Name: "孙浩", Department: []int64{9}})
	e.fake.SetUser(wecomtest.User{UserID: "zhoujie", Name: "周杰", Department: []int64{9}})
	e.fake.SetUser(wecomtest.User{UserID: "shenji", Name: "沈计", Department: []int64{9}})
	e.fake.SetTag(wecomtest.Tag{ID: 7, Name: "HRBP", Users: []string{"qianli"}})
	if err := e.st.NoteOwnedChat(context.Background(), "sunhao", "wrSales"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, user, ua string
		api            string // the sign-in page WeCom showed
		wantRole       string
	}{
		{"hr by user, QR on a desktop", "wangfang", desktopUA, wecomtest.APISSOLogin, handlers.RoleHR},
		{"hr by user, silent in WeCom", "wangfang", inWeComUA, wecomtest.APIAuthorize, handlers.RoleHR},
		{"hr by a department below the named one", "zhaomin", inWeComUA, wecomtest.APIAuthorize, handlers.RoleHR},
		{"hr by tag", "qianli", desktopUA, wecomtest.APISSOLogin, handlers.RoleHR},
		{"auditor", "shenji", desktopUA, wecomtest.APISSOLogin, handlers.RoleAuditor},
		{"owner of a chat", "sunhao", inWeComUA, wecomtest.APIAuthorize, handlers.RoleOwner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.fake.SetVisitor(wecomtest.Visitor{UserID: tc.user})
			before := e.fake.Calls(tc.api)
			b := e.browser()
			code, body, next := e.signIn(b, "/ui/r/1d991024", tc.ua)
			if code != http.StatusOK || next != "/ui/r/1d991024" {
				t.Fatalf("sign-in ended %d, moving on to %q; want 200 and /ui/r/1d991024:\n%s", code, next, body)
			}
			if e.fake.Calls(tc.api) != before+1 {
				t.Errorf("WeCom's %s page was not used", tc.api)
			}
			user, role, ok := e.session(b)
			if !ok || user != tc.user || role != tc.wantRole {
				t.Errorf("signed in as %q/%q (%v), want %s/%s", user, role, ok, tc.user, tc.wantRole)
			}
			// Signed in, the link opens its page at once, without WeCom.
			calls := e.fake.Calls(tc.api)
			b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			c, _, resp := e.get(b, e.srv.URL+handlers.SignInPath+"?to=/ui/r/1d991024", tc.ua)
			if c != http.StatusFound || resp.Header.Get("Location") != "/ui/r/1d991024" || e.fake.Calls(tc.api) != calls {
				t.Errorf("signed-in start: %d to %q; want 302 to /ui/r/1d991024", c, resp.Header.Get("Location"))
			}
		})
	}
	t.Run("no role", func(t *testing.T) {
		e.fake.SetVisitor(wecomtest.Visitor{UserID: "zhoujie"})
		b := e.browser()
		code, body, next := e.signIn(b, "/ui/", desktopUA)
		if code != http.StatusForbidden || next != "" || !strings.Contains(body, "没有使用控制台的权限") {
			t.Errorf("member without a role: %d, next %q:\n%s", code, next, body)
		}
		if _, _, ok := e.session(b); ok {
			t.Error("a member without a role is signed in")
		}
	})
	t.Run("outsider", func(t *testing.T) {
		e.fake.SetVisitor(wecomtest.Visitor{OpenID: "oX1"})
		code, body, _ := e.signIn(e.browser(), "/ui/", inWeComUA)
		if code != http.StatusForbidden || !strings.Contains(body, "只有本企业的成员") {
			t.Errorf("outsider: %d\n%s", code, body)
		}
	})
	t.Run("member refuses", func(t *testing.T) {
		e.fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang", Refuse: true})
		code, body, _ := e.signIn(e.browser(), "/ui/", desktopUA)
		if code != http.StatusForbidden || !strings.Contains(body, "没有同意") {
			t.Errorf("refusal: %d\n%s", code, body)
		}
	})
}

// The state binds a sign-in to its browser and works once; a code works
// once and for five minutes.
func TestWeComSignInStateAndCode(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}}, nil)
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang"})
	// Stop the browser when WeCom sends it back, to hold the callback URL.
	e.stops = func(u *url.URL) bool { return u.Path == handlers.SignInCallbackPath }
	start := func(b *http.Client) string {
		t.Helper()
		code, _, resp := e.get(b, e.srv.URL+handlers.SignInPath, desktopUA)
		if code != http.StatusFound {
			t.Fatalf("start: %d", code)
		}
		return resp.Header.Get("Location")
	}
	finish := func(b *http.Client, callback string) (int, string) {
		t.Helper()
		code, body, _ := e.get(b, callback, desktopUA)
		return code, body
	}

	t.Run("another browser's callback", func(t *testing.T) {
		victim, attacker := e.browser(), e.browser()
		callback := start(attacker)
		code, body := finish(victim, callback)
		if code != http.StatusBadRequest || !strings.Contains(body, "登录已失效") {
			t.Errorf("callback in another browser: %d\n%s", code, body)
		}
		if _, _, ok := e.session(victim); ok {
			t.Error("the victim was signed in to the attacker's sign-in")
		}
	})
	t.Run("replayed callback", func(t *testing.T) {
		b := e.browser()
		callback := start(b)
		if code, body := finish(b, callback); code != http.StatusOK {
			t.Fatalf("first callback: %d\n%s", code, body)
		}
		// The same URL again, with the state cookie put back: the state
		// is used up (and so is the code).
		u, _ := url.Parse(callback)
		b.Jar.SetCookies(u, []*http.Cookie{{Name: "wg_signin", Value: u.Query().Get("state"), Path: handlers.SignInCallbackPath}})
		if code, body := finish(b, callback); code != http.StatusBadRequest || !strings.Contains(body, "登录已失效") {
			t.Errorf("replayed callback: %d\n%s", code, body)
		}
	})
	t.Run("forged state", func(t *testing.T) {
		b := e.browser()
		callback := start(b)
		u, _ := url.Parse(callback)
		q := u.Query()
		q.Set("state", strings.Repeat("a", 64))
		u.RawQuery = q.Encode()
		b.Jar.SetCookies(u, []*http.Cookie{{Name: "wg_signin", Value: strings.Repeat("a", 64), Path: handlers.SignInCallbackPath}})
		if code, _ := finish(b, u.String()); code != http.StatusBadRequest {
			t.Errorf("state we never gave: %d", code)
		}
	})
	t.Run("code older than five minutes", func(t *testing.T) {
		b := e.browser()
		callback := start(b)
		e.mu.Lock()
		e.now = e.now.Add(wecomtest.CodeTTL + time.Second)
		e.mu.Unlock()
		code, body := finish(b, callback)
		if code != http.StatusBadRequest || !strings.Contains(body, "超过 5 分钟") {
			t.Errorf("expired code: %d\n%s", code, body)
		}
	})
}

func TestConsoleReturn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/ui/r/1d991024", "/ui/r/1d991024"},
		{"/ui/#/cases/C1", "/ui/#/cases/C1"},
		{"/ui/?q=%E5%BC%A0", "/ui/?q=%E5%BC%A0"},
		{"", "/ui/"},
		{"/", "/ui/"},
		{"//evil.example/ui/", "/ui/"},
		{"https://evil.example/ui/", "/ui/"},
		{"/ui//evil.example", "/ui/"},
		{"/ui/%2F%2Fevil.example", "/ui/"},
		{"/ui/\\evil.example", "/ui/"},
		{"/ui/../api/v1/tokens", "/ui/"},
		{"/ui/./r/x", "/ui/"},
		{"/ui/r/x\r\nSet-Cookie: a=b", "/ui/"},
		{"javascript:alert(1)", "/ui/"},
		{"/uix", "/ui/"},
		{"/api/v1/me", "/ui/"},
	} {
		if got := handlers.ConsoleReturn(tc.in); got != tc.want {
			t.Errorf("ConsoleReturn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A hostile ?to= never leaves the console, through the whole flow.
func TestWeComSignInOpenRedirect(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}}, nil)
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang"})
	for _, to := range []string{"//evil.example/", "https://evil.example/", "/ui/../../evil", "/\\evil.example"} {
		code, _, next := e.signIn(e.browser(), to, desktopUA)
		if code != http.StatusOK || next != "/ui/" {
			t.Errorf("to=%q: %d, moves on to %q; want /ui/", to, code, next)
		}
	}
}

// The link in alerts enters this sign-in and names a page it goes on to.
func TestAlertLinkEntersSignIn(t *testing.T) {
	u, err := url.Parse(bot.ConsoleLinks{Base: "https://guard.example.com"}.Record("1d991024"))
	if err != nil {
		t.Fatal(err)
	}
	to := u.Query().Get("to")
	if u.Path != handlers.SignInPath || to != "/ui/r/1d991024" || handlers.ConsoleReturn(to) != to {
		t.Errorf("alert link %s: path %s (want %s), to %q", u, u.Path, handlers.SignInPath, to)
	}
}
