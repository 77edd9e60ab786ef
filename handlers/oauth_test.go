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
	t      *testing.T
	st     *store.Store
	fake   *wecomtest.Server
	client *wecom.Client
	srv    *httptest.Server
	mu     sync.Mutex
	now    time.Time
	stops  func(*url.URL) bool // stop the browser before this redirect
	rate   handlers.SignInRate
}

func newSignInEnv(t *testing.T, hr bot.Recipients, auditors []string) *signInEnv {
	return newSignInEnvRate(t, hr, auditors, handlers.SignInRate{})
}

func newSignInEnvRate(t *testing.T, hr bot.Recipients, auditors []string, rate handlers.SignInRate) *signInEnv {
	t.Helper()
	e := &signInEnv{t: t, st: storetest.New(t), now: time.Now(), rate: rate}
	e.fake = wecomtest.New(wecomtest.Config{CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent, Now: e.clock})
	t.Cleanup(e.fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent,
		Tokens: &wecom.MemoryTokenStore{}, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	e.serve(hr, auditors)
	return e
}

func (e *signInEnv) clock() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }

func (e *signInEnv) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

// serve starts the console with this configuration of HR and auditors.
func (e *signInEnv) serve(hr bot.Recipients, auditors []string) {
	t := e.t
	c, _ := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", signInCorp)
	si := &handlers.WeComSignIn{
		Links:     wecom.SignInLinks{CorpID: signInCorp, AgentID: signInAgent, AuthorizeBase: e.fake.URL(), SSOBase: e.fake.URL()},
		Directory: e.client, HR: hr, Auditors: auditors,
	}
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: signInCorp, Pipeline: pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { return bot.Result{}, nil }),
		Logger: zerolog.Nop(), Admin: e.st, SignIn: si, Now: e.clock, SignInRate: e.rate})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h.Handler())
	t.Cleanup(e.srv.Close)
	si.PublicURL = e.srv.URL
	// WeCom redirects only to the app's 可信域名: the console's host.
	e.fake.SetTrustedDomain(strings.TrimPrefix(e.srv.URL, "http://"))
}

// restart stops the console and starts it again with a new configuration
// of HR and auditors, on the same Redis: the browsers keep their cookies.
func (e *signInEnv) restart(hr bot.Recipients, auditors []string, browsers ...*http.Client) {
	old, _ := url.Parse(e.srv.URL)
	e.srv.Close()
	e.serve(hr, auditors)
	now, _ := url.Parse(e.srv.URL)
	for _, b := range browsers {
		b.Jar.SetCookies(now, b.Jar.Cookies(old))
	}
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
	t.Run("no role: an employee, for their own records only", func(t *testing.T) {
		e.fake.SetVisitor(wecomtest.Visitor{UserID: "zhoujie"})
		b := e.browser()
		code, body, next := e.signIn(b, "/ui/r/1d991024", inWeComUA)
		if code != http.StatusOK || next != "/ui/r/1d991024" || !strings.Contains(body, "您的违规记录") {
			t.Errorf("member without a role: %d, next %q:\n%s", code, next, body)
		}
		if user, role, ok := e.session(b); !ok || user != "zhoujie" || role != handlers.RoleEmployee {
			t.Errorf("signed in as %q/%q (%v), want zhoujie/employee", user, role, ok)
		}
		if code, _, _ := e.get(b, e.srv.URL+"/api/v1/violations", desktopUA); code != http.StatusForbidden {
			t.Errorf("an employee listed the violations: %d, want 403", code)
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

// TestWeComSessionFollowsRoleChanges: a member signed in with WeCom who
// loses their role loses it at their next request — an HR list or
// auditor list changed (and the service restarted with it), a chat given
// to another owner — and, for hr through a tag, once WeCom's answer is a
// minute old. They are then an employee: the console's API refuses them.
func TestWeComSessionFollowsRoleChanges(t *testing.T) {
	hr := bot.Recipients{Users: []string{"wangfang"}, Tags: []string{"7"}}
	auditors := []string{"shenji"}
	e := newSignInEnv(t, hr, auditors)
	e.fake.SetUser(wecomtest.User{UserID: "qianli", Name: "钱立", Department: []int64{9}})
	e.fake.SetTag(wecomtest.Tag{ID: 7, Name: "HRBP", Users: []string{"qianli"}})
	ctx := context.Background()
	if err := e.st.NoteOwnedChat(ctx, "sunhao", "wrSales"); err != nil {
		t.Fatal(err)
	}
	browsers := map[string]*http.Client{}
	for _, u := range []string{"wangfang", "qianli", "shenji", "sunhao"} {
		e.fake.SetVisitor(wecomtest.Visitor{UserID: u})
		b := e.browser()
		if code, body, _ := e.signIn(b, "/ui/", desktopUA); code != http.StatusOK {
			t.Fatalf("sign-in of %s: %d\n%s", u, code, body)
		}
		browsers[u] = b
	}
	expect := func(when, user, want string) {
		t.Helper()
		b := browsers[user]
		if _, role, ok := e.session(b); !ok || role != want {
			t.Errorf("%s: %s is %q (signed in %v), want %q", when, user, role, ok, want)
		}
		code, _, _ := e.get(b, e.srv.URL+"/api/v1/violations", desktopUA)
		if allowed := code == http.StatusOK; allowed != (want != handlers.RoleEmployee) {
			t.Errorf("%s: %s (%s) lists violations: %d", when, user, want, code)
		}
	}
	expect("signed in", "wangfang", handlers.RoleHR)
	expect("signed in", "qianli", handlers.RoleHR)
	expect("signed in", "shenji", handlers.RoleAuditor)
	expect("signed in", "sunhao", handlers.RoleOwner)

	// The chat goes to another owner: sunhao's next request.
	if err := e.st.NoteOwnedChat(ctx, "zhoujie", "wrSales"); err != nil {
		t.Fatal(err)
	}
	expect("chat handed over", "sunhao", handlers.RoleEmployee)

	// qianli leaves the HR tag: WeCom's answer stands for a minute.
	e.fake.SetTag(wecomtest.Tag{ID: 7, Name: "HRBP"})
	expect("tag changed, answer fresh", "qianli", handlers.RoleHR)
	e.advance(time.Minute + time.Second)
	expect("tag changed, a minute later", "qianli", handlers.RoleEmployee)

	// The configuration drops wangfang from HR and shenji from the
	// auditors; the service restarts with it (sessions live in Redis).
	e.restart(bot.Recipients{Tags: []string{"7"}}, nil, browsers["wangfang"], browsers["shenji"])
	expect("HR list changed", "wangfang", handlers.RoleEmployee)
	expect("auditors changed", "shenji", handlers.RoleEmployee)
	// Given back, the role is back at the next request too.
	e.restart(hr, auditors, browsers["wangfang"])
	expect("HR list restored", "wangfang", handlers.RoleHR)

	// While WeCom cannot say whether qianli is in the tag, his requests
	// are refused as unavailable, not answered with an unconfirmed role.
	e.restart(hr, auditors, browsers["qianli"])
	e.fake.SetTag(wecomtest.Tag{ID: 7, Name: "HRBP", Users: []string{"qianli"}})
	e.fake.SetFaults(wecomtest.Faults{HTTP500: 1})
	if code, body, _ := e.get(browsers["qianli"], e.srv.URL+"/api/v1/violations", desktopUA); code != http.StatusServiceUnavailable {
		t.Errorf("WeCom down: qianli's request %d %s, want 503", code, body)
	}
	e.fake.SetFaults(wecomtest.Faults{})
	expect("WeCom back", "qianli", handlers.RoleHR)
}

// TestSignInRateLimit: the sign-in's pages refuse a client over its
// limit with a Chinese page (429), others go on; the limit refills.
func TestSignInRateLimit(t *testing.T) {
	e := newSignInEnvRate(t, bot.Recipients{Users: []string{"wangfang"}}, nil, handlers.SignInRate{PerMinute: 6, Burst: 3, Clients: 2})
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang"})
	b := e.browser()
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hit := func(path, forwarded string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded) // not believed: no trusted proxy
		}
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for i := range 3 {
		if code, _ := hit(handlers.SignInPath, ""); code != http.StatusFound {
			t.Fatalf("start #%d: %d, want 302 to WeCom", i+1, code)
		}
	}
	for _, path := range []string{handlers.SignInPath, handlers.SignInCallbackPath + "?state=x&code=y"} {
		code, body := hit(path, "203.0.113.9")
		if code != http.StatusTooManyRequests || !strings.Contains(body, "登录请求过于频繁") {
			t.Errorf("%s over the limit: %d\n%s", path, code, body)
		}
	}
	// The rest of the console is not limited.
	if code, _ := hit("/ui/login/options", ""); code != http.StatusOK {
		t.Errorf("login options: %d", code)
	}
	e.advance(10 * time.Second) // 6 a minute: one more
	if code, _ := hit(handlers.SignInPath, ""); code != http.StatusFound {
		t.Errorf("after 10 s: %d, want one more start", code)
	}
	if code, _ := hit(handlers.SignInPath, ""); code != http.StatusTooManyRequests {
		t.Errorf("right after: %d, want 429", code)
	}
}
