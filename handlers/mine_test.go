package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// employeeConsole is the console of e's service with 企业微信登录 on
// (a fake WeCom), as employees meet it: a second replica on the same
// Redis. It answers the server and its routes.
func employeeConsole(t *testing.T, e *adminEnv) (*httptest.Server, *wecomtest.Server, []gin.RouteInfo) {
	t.Helper()
	fake := wecomtest.New(wecomtest.Config{CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent})
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: signInCorp, Secret: signInSecret, AgentID: signInAgent, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	si := &handlers.WeComSignIn{
		Links:     wecom.SignInLinks{CorpID: signInCorp, AgentID: signInAgent, AuthorizeBase: fake.URL(), SSOBase: fake.URL()},
		Directory: client, HR: bot.Recipients{Users: []string{"hr-user"}},
	}
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Pipeline: e.pipeline, Logger: zerolog.Nop(),
		Admin: e.st, Checker: e.policy.Checker, Rules: e.st, Review: e.review, Reviews: e.st, SignIn: si,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	si.PublicURL = srv.URL
	fake.SetTrustedDomain(strings.TrimPrefix(srv.URL, "http://"))
	return srv, fake, h.Handler().(*gin.Engine).Routes()
}

// memberCall is one request of a member signed in with WeCom (session
// cookie and CSRF secret), without following redirects.
type memberCall struct {
	t          *testing.T
	base       string
	id, csrf   string
	noRedirect *http.Client
}

func newMember(t *testing.T, st *store.Store, base, user, role string) *memberCall {
	t.Helper()
	id, csrf, err := st.CreateMemberSession(context.Background(), user, role, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &memberCall{t: t, base: base, id: id, csrf: csrf, noRedirect: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (m *memberCall) do(method, path, body string) (int, string, http.Header) {
	m.t.Helper()
	req, _ := http.NewRequest(method, m.base+path, strings.NewReader(body))
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: m.id})
	if method != http.MethodGet {
		req.Header.Set(handlers.CSRFHeader, m.csrf)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.noRedirect.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

type myView struct {
	Ref        string
	Where      string
	Categories []string
	Rules      []string
	Evidence   string
	Withdrawn  *struct{ Via string }
	Appeal     *struct{ Status, Reason, Answer string }
	CanAppeal  bool `json:"can_appeal"`
}

// TestEmployeeSeesOnlyTheirOwnRecords: a member without a console role
// reads their own violations — masked, named in Chinese — by the
// reference of their warning, and nobody else's; every other endpoint of
// the console refuses them, and a link to someone else's record opens
// their own page without saying whose it is.
func TestEmployeeSeesOnlyTheirOwnRecords(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e) // zhangsan: msg:a1, msg:a3 in wrmine; lisi: msg:a2
	if err := e.st.SetChat(context.Background(), store.ChatInfo{ChatID: "wrmine", Name: "华东销售群", Kind: "work"}); err != nil {
		t.Fatal(err)
	}
	srv, _, routes := employeeConsole(t, e)
	zhang := newMember(t, e.st, srv.URL, "zhangsan", handlers.RoleEmployee)

	code, body, _ := zhang.do("GET", "/api/v1/my/violations", "")
	var list struct{ Violations []myView }
	if err := json.Unmarshal([]byte(body), &list); code != http.StatusOK || err != nil || len(list.Violations) != 2 {
		t.Fatalf("own list: %d %s", code, body)
	}
	for _, leak := range []string{"lisi", "msg:a2", "11010519491231002X", "wrother", "wrmine", "case", `"raw"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the employee's list shows %q: %s", leak, body)
		}
	}
	for _, v := range list.Violations {
		if v.Where != "群聊「华东销售群」" || len(v.Categories) == 0 || regexp.MustCompile(`^[a-z_]+$`).MatchString(v.Categories[0]) || v.Evidence == "" || !v.CanAppeal {
			t.Errorf("own violation %+v: want the group's name, Chinese categories, masked evidence, appealable", v)
		}
	}
	// By the reference of each message about it: the warning's, the owner alert's…
	for _, kind := range store.ViolationRefKinds {
		if code, body, _ := zhang.do("GET", "/api/v1/my/violations/"+store.RefOf("msg:a1/"+kind), ""); code != http.StatusOK || !strings.Contains(body, bot.Ref("msg:a1")) {
			t.Errorf("own violation by its %s reference: %d %s", kind, code, body)
		}
	}
	// …but never lisi's, whichever reference.
	for _, kind := range store.ViolationRefKinds {
		ref := store.RefOf("msg:a2/" + kind)
		if code, body, _ := zhang.do("GET", "/api/v1/my/violations/"+ref, ""); code != http.StatusNotFound || strings.Contains(body, "lisi") {
			t.Errorf("lisi's violation by its %s reference: %d %s; want 404", kind, code, body)
		}
		if code, _, _ := zhang.do("POST", "/api/v1/my/violations/"+ref+"/appeal", `{"reason":"不是我"}`); code != http.StatusNotFound {
			t.Errorf("appeal against lisi's violation: %d, want 404", code)
		}
		code, _, hdr := zhang.do("GET", "/ui/r/"+ref, "")
		if code != http.StatusFound || hdr.Get("Location") != "/ui/#mine" {
			t.Errorf("/ui/r/ of lisi's record: %d to %q, want the employee's own page /ui/#mine", code, hdr.Get("Location"))
		}
	}
	if _, _, hdr := zhang.do("GET", "/ui/r/"+bot.Ref("msg:a1"), ""); hdr.Get("Location") != "/ui/#mine/"+bot.Ref("msg:a1") {
		t.Errorf("/ui/r/ of the own record goes to %q", hdr.Get("Location"))
	}
	// Nothing else of the console: every API route but /my/ refuses.
	params := regexp.MustCompile(`[:*][a-z_]+`)
	checked := 0
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasPrefix(r.Path, "/api/v1/my/") || r.Path == "/api/v1/archive/messages" {
			continue
		}
		path := params.ReplaceAllString(r.Path, "msg:a2")
		code, body, _ := zhang.do(r.Method, path, "{}")
		if code != http.StatusForbidden {
			t.Errorf("%s %s as an employee: %d %s; want 403", r.Method, path, code, body)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("checked %d API routes; the console has more", checked)
	}
	// A token cannot be made for the employee role.
	if code, _ := e.call("POST", "/api/v1/tokens", e.tokens[handlers.RoleHR], `{"user":"x","role":"employee","days":1}`); code != http.StatusBadRequest {
		t.Errorf("token with role employee: %d, want 400", code)
	}
}

// TestEmployeeAppealsFromTheirPage: the appeal from the page goes the way
// of 「申诉 …」 in the app chat: it joins the violation's case for HR, one
// appeal a violation, HR accepts it (the record is withdrawn) and the
// employee is told and sees it on their page.
func TestEmployeeAppealsFromTheirPage(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	srv, _, _ := employeeConsole(t, e)
	zhang := newMember(t, e.st, srv.URL, "zhangsan", handlers.RoleEmployee)
	ref := bot.Ref("msg:a3")
	if code, _, _ := zhang.do("POST", "/api/v1/my/violations/"+ref+"/appeal", `{"reason":"  "}`); code != http.StatusBadRequest {
		t.Errorf("empty reason: %d, want 400", code)
	}
	// Without the CSRF header the session does not file anything.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/my/violations/"+ref+"/appeal", strings.NewReader(`{"reason":"x"}`))
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: zhang.id})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("appeal without CSRF: %v %v, want 403", resp.StatusCode, err)
	}
	queued, err := e.st.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a double click files once
		code, body, _ := zhang.do("POST", "/api/v1/my/violations/"+ref+"/appeal", `{"reason":"这是客户发来的身份证，我在转给同事办理业务"}`)
		var out struct {
			Reply     string
			Violation myView
		}
		if err := json.Unmarshal([]byte(body), &out); code != http.StatusOK || err != nil || !strings.Contains(out.Reply, "已收到") ||
			out.Violation.Appeal == nil || out.Violation.Appeal.Status != store.ReviewOpen || out.Violation.CanAppeal {
			t.Fatalf("appeal: %d %s", code, body)
		}
	}
	as, err := e.st.Appeals(context.Background(), true, 10)
	if err != nil || len(as) != 1 || as[0].Source != bot.AppealFromConsole || as[0].User != "zhangsan" || as[0].Case == "" {
		t.Fatalf("appeals stored %+v, %v; want one from the console, in a case", as, err)
	}
	// …and is audited once, as the member's.
	audit, err := e.st.AuditLog(context.Background(), 50, "")
	if err != nil {
		t.Fatal(err)
	}
	filed := 0
	for _, a := range audit {
		if a.Action == "appeal.file" {
			filed++
			if a.User != "zhangsan" || a.Role != handlers.RoleEmployee {
				t.Errorf("appeal audited as %s (%s); want the member", a.User, a.Role)
			}
		}
	}
	if filed != 1 {
		t.Errorf("%d appeal.file audit entries after a double click; want 1", filed)
	}
	cs, ok, err := e.st.Case(context.Background(), as[0].Case)
	if err != nil || !ok || len(cs.Appeals) != 1 {
		t.Fatalf("case %+v: want the appeal joined", cs)
	}
	if code, body := e.call("POST", "/api/v1/appeals/"+as[0].ID+"/accept", e.tokens[handlers.RoleHR], `{"reason":"已核实"}`); code != http.StatusOK {
		t.Fatalf("HR accepts: %d %s", code, body)
	}
	code, body, _ := zhang.do("GET", "/api/v1/my/violations/"+ref, "")
	var v myView
	if err := json.Unmarshal([]byte(body), &v); code != http.StatusOK || err != nil || v.Withdrawn == nil || v.Withdrawn.Via != bot.ViaAppeal ||
		v.Appeal == nil || v.Appeal.Status != store.ReviewAccepted || v.Appeal.Answer != "已核实" || v.CanAppeal {
		t.Fatalf("after HR accepted: %d %s", code, body)
	}
	// HR is told of the appeal once, the employee of the decision: two
	// messages queued for delivery.
	entries, err := e.st.OutboxStats(context.Background())
	if err != nil || entries.Queued != queued.Queued+2 {
		t.Errorf("outbox %+v after, %+v before, %v: want the notice to HR and the answer to the employee queued", entries, queued, err)
	}
}
