package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// idlePipeline answers callbacks without doing anything: the console tests
// never send one, but New requires a pipeline.
type idlePipeline struct{}

func (idlePipeline) HandleCallback(context.Context, *wecom.Message) (bot.Result, error) {
	return bot.Result{}, nil
}

var _ Pipeline = idlePipeline{}

type uiEnv struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	engine *gin.Engine
	secret string // an hr token
}

// newUIEnv builds a server on a test store and mounts the console's routes
// on an engine of their own, so these tests do not depend on how routes()
// composes them.
func newUIEnv(t *testing.T) *uiEnv {
	t.Helper()
	st := storetest.New(t)
	c, err := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Crypto: c, Pipeline: idlePipeline{}, Logger: zerolog.Nop(), Admin: st})
	if err != nil {
		t.Fatal(err)
	}
	e := gin.New()
	s.uiRoutes(e)
	_, secret, err := st.CreateToken(context.Background(), "wangfang", RoleHR, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &uiEnv{t: t, st: st, srv: s, engine: e, secret: secret}
}

func (e *uiEnv) do(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return w
}

// login signs in and returns the session cookie and the CSRF secret.
func (e *uiEnv) login() (cookie, csrf string) {
	e.t.Helper()
	w := e.do("POST", "/ui/login", `{"token":"`+e.secret+`"}`, nil)
	if w.Code != http.StatusOK {
		e.t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var info sessionInfo
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
		e.t.Fatal(err)
	}
	for _, ck := range w.Result().Cookies() {
		if ck.Name == SessionCookie {
			return ck.Value, info.CSRF
		}
	}
	e.t.Fatalf("login set no %s cookie: %v", SessionCookie, w.Header())
	return "", ""
}

func TestUIServesConsoleWithSecurityHeaders(t *testing.T) {
	e := newUIEnv(t)
	for _, tc := range []struct {
		name, path string
		code       int
		ctype      string
		contains   string
	}{
		{"root redirects", "/", http.StatusFound, "", ""},
		{"console", "/ui/", http.StatusOK, "text/html", "企业微信合规守护"},
		{"script", "/ui/assets/app.js", http.StatusOK, "javascript", "registry.js"},
		{"api module", "/ui/assets/api.js", http.StatusOK, "javascript", "X-CSRF-Token"},
		{"page module", "/ui/assets/pages/cases.js", http.StatusOK, "javascript", "export default"},
		{"style", "/ui/assets/app.css", http.StatusOK, "text/css", ".hr-only"},
		{"logo", "/ui/assets/logo.svg", http.StatusOK, "image/svg+xml", "<svg"},
		{"unknown asset", "/ui/assets/nope.js", http.StatusNotFound, "application/json", `"error"`},
		{"escape", "/ui/assets/../ui.go", http.StatusNotFound, "", ""},
		{"index as asset", "/ui/assets/index.html", http.StatusNotFound, "application/json", `"error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("GET", tc.path, "", nil)
			if w.Code != tc.code {
				t.Fatalf("GET %s: %d, want %d (%s)", tc.path, w.Code, tc.code, w.Header().Get("Location"))
			}
			if tc.ctype != "" && !strings.Contains(w.Header().Get("Content-Type"), tc.ctype) {
				t.Errorf("content type %q, want %q", w.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.contains != "" && !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("body misses %q", tc.contains)
			}
			if w.Code == http.StatusNotFound && tc.path == "/ui/assets/../ui.go" {
				return // cleaned by the router before any handler ran
			}
			h := w.Header()
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("security headers %v", h)
			}
		})
	}
	if loc := e.do("GET", "/", "", nil).Header().Get("Location"); loc != "/ui/" {
		t.Errorf("/ redirects to %q, want /ui/", loc)
	}
}

// The console is plain files with no inline script and no other origin.
func TestUIConsoleHasNoInlineScriptOrCDN(t *testing.T) {
	e := newUIEnv(t)
	body := e.do("GET", "/ui/", "", nil).Body.String()
	for _, bad := range []string{"<script>", "onclick=", "onload=", "style=", "http://", "https://"} {
		if strings.Contains(body, bad) {
			t.Errorf("index.html holds %q", bad)
		}
	}
	if !strings.Contains(body, `<script type="module" src="/ui/assets/app.js"`) {
		t.Error("index.html does not load app.js from the binary as a module")
	}
	// Every module of the console (the shell, the shared modules, the
	// registry and each page); browsers run a module only when it is
	// served as JavaScript.
	modules, err := fs.Glob(webFiles, "web/*.js")
	if err != nil {
		t.Fatal(err)
	}
	pageModules, err := fs.Glob(webFiles, "web/pages/*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"web/app.js", "web/api.js", "web/dom.js", "web/format.js", "web/i18n.js", "web/registry.js", "web/router.js"} {
		if !slices.Contains(modules, want) {
			t.Errorf("the console has no %s", want)
		}
	}
	if len(pageModules) < 9 {
		t.Errorf("pages %v, want one module per page", pageModules)
	}
	for _, name := range append(modules, pageModules...) {
		name = strings.TrimPrefix(name, "web/")
		w := e.do("GET", "/ui/assets/"+name, "", nil)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
			t.Errorf("%s: %d %q, want 200 text/javascript", name, w.Code, w.Header().Get("Content-Type"))
		}
		js := w.Body.String()
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "https://", "localStorage", "sessionStorage"} {
			if strings.Contains(js, bad) {
				t.Errorf("%s uses %q", name, bad)
			}
		}
	}
}

// registry.js names every page module exactly once, in one line each and
// in alphabetical order, and each module is registered under its file's
// name: a page added without its line (or a line without its page) fails
// here rather than in a browser.
func TestUIRegistryListsEveryPage(t *testing.T) {
	reg, err := fs.ReadFile(webFiles, "web/registry.js")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^export \{ default as (\w+) \} from "\./pages/([\w-]+)\.js";$`)
	var registered []string
	for _, m := range line.FindAllStringSubmatch(string(reg), -1) {
		if m[1] != m[2] {
			t.Errorf("pages/%s.js is registered as %q; use the file's name", m[2], m[1])
		}
		registered = append(registered, m[2])
	}
	if !slices.IsSorted(registered) {
		t.Errorf("registry.js lines are not in alphabetical order: %v", registered)
	}
	files, err := fs.Glob(webFiles, "web/pages/*.js")
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, f := range files {
		pages = append(pages, strings.TrimSuffix(strings.TrimPrefix(f, "web/pages/"), ".js"))
		src, err := fs.ReadFile(webFiles, f)
		if err != nil {
			t.Fatal(err)
		}
		name := pages[len(pages)-1]
		if !strings.Contains(string(src), "export default {") || !strings.Contains(string(src), `name: "`+name+`"`) {
			t.Errorf("pages/%s.js does not export a page named %q by default", name, name)
		}
	}
	slices.Sort(pages)
	if !slices.Equal(pages, registered) {
		t.Errorf("registry.js names %v, pages/ holds %v", registered, pages)
	}
}

func TestUILogin(t *testing.T) {
	e := newUIEnv(t)
	for _, tc := range []struct {
		name string
		body string
		hdr  map[string]string
		code int
	}{
		{"unknown token", `{"token":"wgt_forged"}`, nil, http.StatusUnauthorized},
		{"empty token", `{"token":""}`, nil, http.StatusBadRequest},
		{"long token", `{"token":"` + strings.Repeat("x", 300) + `"}`, nil, http.StatusBadRequest},
		{"not json", `token=x`, nil, http.StatusBadRequest},
		{"unknown field", `{"token":"x","role":"hr"}`, nil, http.StatusBadRequest},
		{"too large", `{"token":"` + strings.Repeat("x", 2<<20) + `"}`, nil, http.StatusRequestEntityTooLarge},
		{"other origin", `{"token":"` + e.secret + `"}`, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", `{"token":"` + e.secret + `"}`, map[string]string{"Origin": "http://example.com"}, http.StatusOK},
		{"no origin", `{"token":"` + e.secret + `"}`, nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do("POST", "/ui/login", tc.body, tc.hdr)
			if w.Code != tc.code {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.code)
			}
			if tc.code != http.StatusOK {
				if !strings.Contains(w.Body.String(), `"error"`) || len(w.Result().Cookies()) != 0 {
					t.Errorf("refusal %s with cookies %v", w.Body, w.Result().Cookies())
				}
				return
			}
			var info sessionInfo
			if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil || info.User != "wangfang" || info.Role != RoleHR || len(info.CSRF) < 40 {
				t.Fatalf("answer %s (%v)", w.Body, err)
			}
			if strings.Contains(w.Body.String(), e.secret) {
				t.Error("the answer echoes the token")
			}
			ck := w.Result().Cookies()
			if len(ck) != 1 || ck[0].Name != SessionCookie || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode ||
				ck[0].Secure || ck[0].Path != "/" || ck[0].MaxAge != int(SessionTTL/time.Second) || ck[0].Value == info.CSRF {
				t.Fatalf("cookie %+v", ck)
			}
		})
	}
	// Behind a TLS-terminating proxy the cookie is Secure.
	w := e.do("POST", "/ui/login", `{"token":"`+e.secret+`"}`, map[string]string{"X-Forwarded-Proto": "https"})
	if ck := w.Result().Cookies(); len(ck) != 1 || !ck[0].Secure {
		t.Fatalf("cookie over https %+v", ck)
	}
	entries, err := e.st.AuditLog(context.Background(), 10, "")
	if err != nil || len(entries) == 0 || entries[0].Action != "ui.login" || entries[0].User != "wangfang" {
		t.Fatalf("sign-in not audited: %+v %v", entries, err)
	}
}

func TestUISessionAndLogout(t *testing.T) {
	e := newUIEnv(t)
	if w := e.do("GET", "/ui/session", "", nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("session without cookie: %d", w.Code)
	}
	cookie, csrf := e.login()
	withCookie := map[string]string{"Cookie": SessionCookie + "=" + cookie}
	w := e.do("GET", "/ui/session", "", withCookie)
	var info sessionInfo
	if err := json.Unmarshal(w.Body.Bytes(), &info); w.Code != 200 || err != nil || info.CSRF != csrf || info.User != "wangfang" {
		t.Fatalf("session: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("session answer may be cached: %q", w.Header().Get("Cache-Control"))
	}
	if w := e.do("GET", "/ui/session", "", map[string]string{"Cookie": SessionCookie + "=forged"}); w.Code != http.StatusUnauthorized {
		t.Fatalf("forged cookie: %d", w.Code)
	}
	if w := e.do("POST", "/ui/logout", "", withCookie); w.Code != http.StatusForbidden {
		t.Fatalf("logout without CSRF: %d, want 403", w.Code)
	}
	w = e.do("POST", "/ui/logout", "", map[string]string{"Cookie": SessionCookie + "=" + cookie, CSRFHeader: csrf})
	if w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if ck := w.Result().Cookies(); len(ck) != 1 || ck[0].MaxAge >= 0 {
		t.Errorf("logout does not clear the cookie: %+v", ck)
	}
	if w := e.do("GET", "/ui/session", "", withCookie); w.Code != http.StatusUnauthorized {
		t.Fatalf("session after logout: %d", w.Code)
	}
	if w := e.do("POST", "/ui/logout", "", nil); w.Code != http.StatusNoContent {
		t.Fatalf("logout when signed out: %d", w.Code)
	}
}

func TestSessionPrincipal(t *testing.T) {
	e := newUIEnv(t)
	cookie, csrf := e.login()
	for _, tc := range []struct {
		name      string
		method    string
		cookie    string
		csrf      string
		wantOK    bool
		forbidden bool
	}{
		{"get with cookie", "GET", cookie, "", true, false},
		{"head with cookie", "HEAD", cookie, "", true, false},
		{"post with csrf", "POST", cookie, csrf, true, false},
		{"put with csrf", "PUT", cookie, csrf, true, false},
		{"delete with csrf", "DELETE", cookie, csrf, true, false},
		{"post without csrf", "POST", cookie, "", false, true},
		{"post with wrong csrf", "POST", cookie, csrf + "x", false, true},
		{"delete with another's csrf", "DELETE", cookie, "AAAA", false, true},
		{"no cookie", "GET", "", "", false, false},
		{"no cookie, post", "POST", "", csrf, false, false},
		{"forged cookie", "GET", "forged", "", false, false},
		{"oversized cookie", "GET", strings.Repeat("a", 500), "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(tc.method, "/api/v1/test", nil)
			if tc.cookie != "" {
				c.Request.AddCookie(&http.Cookie{Name: SessionCookie, Value: tc.cookie})
			}
			if tc.csrf != "" {
				c.Request.Header.Set(CSRFHeader, tc.csrf)
			}
			user, role, ok, err := e.srv.sessionPrincipal(c)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v (err %v)", ok, tc.wantOK, err)
			}
			if errors.Is(err, bot.ErrForbidden) != tc.forbidden || (!tc.forbidden && err != nil) {
				t.Fatalf("err = %v, want forbidden %v", err, tc.forbidden)
			}
			if tc.forbidden && status(err) != http.StatusForbidden {
				t.Fatalf("status %d, want 403", status(err))
			}
			if ok && (user != "wangfang" || role != RoleHR) {
				t.Fatalf("principal %q %q", user, role)
			}
		})
	}
}

// Revoking the token ends its console sessions.
func TestSessionEndsWithToken(t *testing.T) {
	e := newUIEnv(t)
	cookie, _ := e.login()
	toks, err := e.st.Tokens(context.Background())
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens %v %v", toks, err)
	}
	if _, err := e.st.RevokeToken(context.Background(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	if w := e.do("GET", "/ui/session", "", map[string]string{"Cookie": SessionCookie + "=" + cookie}); w.Code != http.StatusUnauthorized {
		t.Fatalf("session of a revoked token: %d", w.Code)
	}
}

// Without an admin store there is no console (and no sign-in to attack).
func TestUINeedsAdminStore(t *testing.T) {
	c, _ := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	s, err := New(Config{Crypto: c, Pipeline: idlePipeline{}, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	e := gin.New()
	s.uiRoutes(e)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/ui/", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("console without admin store: %d", w.Code)
	}
}
