package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// adminEnv is the real service on one test store: the admin API, the rule
// set in Redis with hot reload, and the pipeline that records violations
// and opens cases.
type adminEnv struct {
	t        *testing.T
	st       *store.Store
	policy   *bot.Policy
	pipeline *bot.Pipeline
	review   *bot.Reviewer
	srv      *httptest.Server
	tokens   map[string]string // role → secret
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	return newAdminEnvOn(t, storetest.New(t))
}

// newAdminEnvOn starts a server on st: several on one Redis are replicas.
func newAdminEnvOn(t *testing.T, st *store.Store) *adminEnv {
	t.Helper()
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	seed, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	policy, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: seed, Logger: zerolog.Nop(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go policy.Run(ctx)
	p, err := bot.New(bot.Config{Store: st, Checker: policy.Checker})
	if err != nil {
		t.Fatal(err)
	}
	review, err := bot.NewReviewer(bot.ReviewConfig{Store: st, Policy: func() *rules.RuleSet { return policy.Engine().RuleSet() }})
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: zerolog.Nop(),
		Admin: st, Checker: policy.Checker, Rules: st, Review: review, Reviews: st,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &adminEnv{t: t, st: st, policy: policy, pipeline: p, review: review, srv: httptest.NewServer(h.Handler()), tokens: map[string]string{}}
	t.Cleanup(e.srv.Close)
	for _, role := range []string{handlers.RoleHR, handlers.RoleOwner, handlers.RoleAuditor} {
		_, secret, err := st.CreateToken(context.Background(), role+"-user", role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

func (e *adminEnv) call(method, path, token, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Every admin endpoint refuses a missing token, an unknown token and the
// roles it does not admit.
func TestAdminAuthOnEveryEndpoint(t *testing.T) {
	e := newAdminEnv(t)
	for _, ep := range []struct {
		method, path, body string
		roles              []string // admitted
	}{
		{"GET", "/api/v1/me", "", []string{"hr", "owner", "auditor"}},
		{"POST", "/api/v1/test", `{"text":"你好"}`, []string{"hr", "auditor"}},
		{"GET", "/api/v1/violations", "", []string{"hr", "owner", "auditor"}},
		{"GET", "/api/v1/violations/v1/raw", "", []string{"hr"}},
		{"GET", "/api/v1/cases", "", []string{"hr", "owner", "auditor"}},
		{"GET", "/api/v1/cases/C1", "", []string{"hr", "owner", "auditor"}},
		{"POST", "/api/v1/cases/C1/ack", "", []string{"hr"}},
		{"POST", "/api/v1/cases/C1/resolve", `{"decision":"警告"}`, []string{"hr"}},
		{"GET", "/api/v1/outbox", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/outbox/dead", "", []string{"hr", "auditor"}},
		{"POST", "/api/v1/outbox/dead/1-0/retry", "", []string{"hr"}},
		{"GET", "/api/v1/audit", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/chats", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/stats", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/archive", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/rules", "", []string{"hr", "auditor"}},
		{"PUT", "/api/v1/rules", `{"version":0,"policy":"x"}`, []string{"hr"}},
		{"GET", "/api/v1/lists", "", []string{"hr", "auditor"}},
		{"POST", "/api/v1/lists", `{"category":"ads","name":"authtest"}`, []string{"hr"}},
		{"GET", "/api/v1/lists/ads/authtest", "", []string{"hr", "auditor"}},
		{"DELETE", "/api/v1/lists/ads/none", "", []string{"hr"}},
		{"POST", "/api/v1/lists/ads/authtest/words", `{"add":[{"word":"授权测试词"}]}`, []string{"hr"}},
		{"GET", "/api/v1/lists/ads/authtest/export", "", []string{"hr", "auditor"}},
		{"PUT", "/api/v1/lists/ads/authtest2/import", "授权测试\n", []string{"hr"}},
		{"PUT", "/api/v1/chats/wr1", `{"kind":"private"}`, []string{"hr"}},
		{"DELETE", "/api/v1/chats/wr2", "", []string{"hr"}},
	} {
		t.Run(ep.method+" "+ep.path, func(t *testing.T) {
			if code, _ := e.call(ep.method, ep.path, "", ep.body); code != http.StatusUnauthorized {
				t.Errorf("no token: %d, want 401", code)
			}
			if code, _ := e.call(ep.method, ep.path, "wgt_forged", ep.body); code != http.StatusUnauthorized {
				t.Errorf("unknown token: %d, want 401", code)
			}
			for role, tok := range e.tokens {
				admitted := false
				for _, r := range ep.roles {
					admitted = admitted || r == role
				}
				code, body := e.call(ep.method, ep.path, tok, ep.body)
				if !admitted && code != http.StatusForbidden {
					t.Errorf("role %s: %d, want 403", role, code)
				}
				if admitted && (code == http.StatusUnauthorized || code == http.StatusForbidden) {
					t.Errorf("role %s refused: %d %s", role, code, body)
				}
			}
		})
	}
}

func TestAdminTestMessage(t *testing.T) {
	e := newAdminEnv(t)
	code, body := e.call("POST", "/api/v1/test", e.tokens["hr"], `{"text":"你真是个傻逼","chat_kind":"work"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var got struct {
		Action string
		Hits   []struct {
			Category, Kind, Masked, Explanation string
			Start, End                          int
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Action == "none" || len(got.Hits) == 0 || got.Hits[0].Category != "abuse" || got.Hits[0].Explanation == "" ||
		strings.Contains(body, "傻逼") {
		t.Fatalf("verdict %s, want an explained, masked abuse hit", body)
	}
	for _, bad := range []string{`{"text":""}`, `{"text":"x","chat_kind":"moon"}`, `{"text":"x","time":"tomorrow"}`, `{"txt":"x"}`, `not json`} {
		if code, body := e.call("POST", "/api/v1/test", e.tokens["hr"], bad); code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want 400 with an error", bad, code, body)
		}
	}
	if code, _ := e.call("POST", "/api/v1/test", e.tokens["hr"], `{"text":"`+strings.Repeat("a", 2<<20)+`"}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d, want 413", code)
	}
}

func TestAdminDeadLetterRetryIsAudited(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	if err := e.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Enqueue(ctx, "k1", []byte(`{"kind":"warn_sender","key":"k1","from":"zhangsan","chat_id":"wrwork","categories":["abuse"],"labels":["辱骂人身攻击"],"evidence":["傻*"]}`), time.Now()); err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.ReadOutbox(ctx, "r", 1, 0)
	if err := e.st.DeadLetter(ctx, got[0], "permanent error: 40001", time.Now()); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/outbox/dead", e.tokens["auditor"], "")
	var dl struct {
		DeadLetters []store.DeadLetter `json:"dead_letters"`
	}
	if err := json.Unmarshal([]byte(body), &dl); code != 200 || err != nil || len(dl.DeadLetters) != 1 {
		t.Fatalf("dead letters: %d %s", code, body)
	}
	id := dl.DeadLetters[0].ID
	var view struct {
		DeadLetters []struct {
			Recipient, Text string
			KindLabel       string `json:"kind_label"`
			DiedAt          string `json:"died_at"`
		} `json:"dead_letters"`
	}
	if err := json.Unmarshal([]byte(body), &view); err != nil || len(view.DeadLetters) != 1 {
		t.Fatalf("dead letters view: %v %s", err, body)
	}
	if v := view.DeadLetters[0]; v.Recipient != "成员 zhangsan" || !strings.HasPrefix(v.Text, "【企业微信使用规范提醒】您在群聊「wrwork」") ||
		!strings.Contains(v.Text, "辱骂人身攻击") || v.KindLabel == "" || v.DiedAt == "" {
		t.Errorf("dead letter for people %+v: want recipient, kind and the warning as the member reads it", v)
	}
	if code, _ := e.call("POST", "/api/v1/outbox/dead/"+id+"/retry", e.tokens["hr"], ""); code != 200 {
		t.Fatalf("retry: %d", code)
	}
	if code, _ := e.call("POST", "/api/v1/outbox/dead/"+id+"/retry", e.tokens["hr"], ""); code != 404 {
		t.Fatalf("second retry: %d, want 404", code)
	}
	_, body = e.call("GET", "/api/v1/audit", e.tokens["auditor"], "")
	if !strings.Contains(body, `"action":"outbox.retry"`) || !strings.Contains(body, `"user":"hr-user"`) || !strings.Contains(body, id) {
		t.Fatalf("audit log %s, want the retry by hr-user", body)
	}
}

// TestAdminDeadCallHidesItsArgumentsFromAuditors: a given-up WeCom call
// (a leaver's transfer) carries the customers' external_userids in its
// arguments; the auditor, who sees customers masked on 离职继承, reads
// the dead letter without them, HR with them (to retry knowingly).
func TestAdminDeadCallHidesItsArgumentsFromAuditors(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	if err := e.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	const customer = "wmCustomer0042"
	if _, err := outcall.Enqueue(ctx, e.st, "handover", "handover/lisi/customer/1", "离职继承：把离职成员 lisi 的 1 位客户转接给 zhaoliu",
		map[string]any{"key": "handover/lisi/customer/1", "leaver": "lisi", "kind": "customer", "takeover": "zhaoliu", "ids": []string{customer}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, _ := e.st.ReadOutbox(ctx, "r", 1, 0)
	if err := e.st.DeadLetter(ctx, got[0], "permanent error: 40097", time.Now()); err != nil {
		t.Fatal(err)
	}
	for role, shown := range map[string]bool{"auditor": false, "hr": true} {
		code, body := e.call("GET", "/api/v1/outbox/dead", e.tokens[role], "")
		var dl struct {
			DeadLetters []struct {
				store.DeadLetter
				Text string `json:"text"`
			} `json:"dead_letters"`
		}
		if err := json.Unmarshal([]byte(body), &dl); code != 200 || err != nil || len(dl.DeadLetters) != 1 {
			t.Fatalf("%s: dead letters: %d %s", role, code, body)
		}
		d := dl.DeadLetters[0]
		if has := strings.Contains(string(d.Entry.Payload), customer); has != shown {
			t.Errorf("%s: the customer's id in the dead letter: %v, want %v (%s)", role, has, shown, d.Entry.Payload)
		}
		if !strings.Contains(d.Text, "离职继承") {
			t.Errorf("%s: text %q; want what the call did", role, d.Text)
		}
	}
}

func TestAdminChats(t *testing.T) {
	e := newAdminEnv(t)
	if code, body := e.call("PUT", "/api/v1/chats/wrfun", e.tokens["hr"], `{"kind":"private","owner":"lisi","name":"羽毛球群"}`); code != 200 {
		t.Fatalf("put: %d %s", code, body)
	}
	if code, _ := e.call("PUT", "/api/v1/chats/wrfun", e.tokens["hr"], `{"kind":"party"}`); code != 400 {
		t.Fatalf("bad kind: %d, want 400", code)
	}
	c, ok, err := e.st.Chat(context.Background(), "wrfun")
	if err != nil || !ok || c.Kind != "private" || c.Owner != "lisi" || c.SetBy != "hr-user" {
		t.Fatalf("stored chat %+v, %v, %v", c, ok, err)
	}
	if code, body := e.call("GET", "/api/v1/chats", e.tokens["auditor"], ""); code != 200 || !strings.Contains(body, "羽毛球群") {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, _ := e.call("DELETE", "/api/v1/chats/wrfun", e.tokens["hr"], ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := e.call("DELETE", "/api/v1/chats/wrfun", e.tokens["hr"], ""); code != 404 {
		t.Fatalf("second delete: %d, want 404", code)
	}
	_, body := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	if !strings.Contains(body, `"chat.set"`) || !strings.Contains(body, `"chat.delete"`) {
		t.Fatalf("audit log misses the chat changes: %s", body)
	}
}

// seedViolations records violations in two chats through the real
// pipeline; owner-user owns wrmine, someone else owns wrother.
func seedViolations(t *testing.T, e *adminEnv) {
	t.Helper()
	ctx := context.Background()
	engine := defaultEngineT(t)
	p, err := bot.New(bot.Config{Store: e.st, Checker: func() bot.Checker { return engine }, KeepRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []bot.Message{
		{ID: "msg:a1", From: "zhangsan", ChatID: "wrmine", Text: "你真是个傻逼"},
		{ID: "msg:a2", From: "lisi", ChatID: "wrother", Text: "客户身份证 11010519491231002X"},
		{ID: "msg:a3", From: "zhangsan", ChatID: "wrmine", Text: "客户身份证 11010519491231002X"},
	} {
		m.Source, m.ChatKind, m.Time = bot.SourceArchive, rules.ChatWork, time.Now().Add(time.Duration(i)*time.Second)
		if _, err := p.Process(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.NoteOwnedChat(ctx, "owner-user", "wrmine"); err != nil {
		t.Fatal(err)
	}
}

func defaultEngineT(t *testing.T) *rules.Engine {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

func TestAdminOwnerSeesOnlyOwnChats(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	_, body := e.call("GET", "/api/v1/violations", e.tokens["owner"], "")
	if !strings.Contains(body, "msg:a1") || strings.Contains(body, "wrother") {
		t.Fatalf("owner sees %s, want only wrmine's violations", body)
	}
	_, body = e.call("GET", "/api/v1/violations", e.tokens["auditor"], "")
	if !strings.Contains(body, "wrother") || !strings.Contains(body, "wrmine") || strings.Contains(body, "11010519491231002X") {
		t.Fatalf("auditor sees %s, want every chat, masked", body)
	}
	_, body = e.call("GET", "/api/v1/cases", e.tokens["owner"], "")
	var cases struct{ Cases []store.Case }
	json.Unmarshal([]byte(body), &cases)
	if len(cases.Cases) != 1 || cases.Cases[0].Violations[0] != "msg:a3" {
		t.Fatalf("owner's cases %s, want only the case from wrmine", body)
	}
	_, all := e.call("GET", "/api/v1/cases", e.tokens["hr"], "")
	var hrCases struct{ Cases []store.Case }
	json.Unmarshal([]byte(all), &hrCases)
	for _, c := range hrCases.Cases {
		if c.Violations[0] == "msg:a2" {
			if code, _ := e.call("GET", "/api/v1/cases/"+c.ID, e.tokens["owner"], ""); code != http.StatusNotFound {
				t.Fatalf("owner opened another owner's case: %d, want 404", code)
			}
		}
	}
}

func TestAdminStats(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	if err := e.st.CacheSet(context.Background(), "user:zhangsan", map[string]any{"UserID": "zhangsan", "MainDepartment": 7}, time.Hour); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/stats?days=7", e.tokens["auditor"], "")
	var got struct {
		Days []struct {
			Date  string
			Total int64
		}
		Total           int64
		ByCategory      map[string]int64 `json:"by_category"`
		ByDepartment    map[string]int64 `json:"by_department"`
		RepeatOffenders []struct {
			Name  string
			Count int64
		} `json:"repeat_offenders"`
	}
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	if len(got.Days) != 7 || got.Total != 3 || got.Days[6].Total != 3 || got.ByCategory["customer_data"] != 2 || got.ByCategory["abuse"] != 1 {
		t.Fatalf("stats %s", body)
	}
	if got.ByDepartment["7"] != 2 || got.ByDepartment["unknown"] != 1 {
		t.Fatalf("by department %v, want zhangsan's 2 in department 7 and lisi's 1 unknown", got.ByDepartment)
	}
	if len(got.RepeatOffenders) == 0 || got.RepeatOffenders[0].Name != "zhangsan" || got.RepeatOffenders[0].Count != 2 {
		t.Fatalf("repeat offenders %+v", got.RepeatOffenders)
	}
	if code, _ := e.call("GET", "/api/v1/stats?days=0", e.tokens["hr"], ""); code != 400 {
		t.Fatalf("days=0: %d, want 400", code)
	}
}

func TestAdminArchiveStatus(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	for range 2 {
		if _, err := e.st.CountNotify(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.SetArchiveSeq(ctx, handlers.DefaultArchiveCorp, 42); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/archive", e.tokens["auditor"], "")
	if code != 200 || !strings.Contains(body, `"seq":42`) || !strings.Contains(body, `"notifications":2`) {
		t.Fatalf("archive status: %d %s", code, body)
	}
}

func TestAdminOwnerLosesChatWhenOwnerChanges(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e) // owner-user owns wrmine
	if _, body := e.call("GET", "/api/v1/violations", e.tokens["owner"], ""); !strings.Contains(body, "wrmine") {
		t.Fatalf("owner does not see their chat: %s", body)
	}
	if code, _ := e.call("PUT", "/api/v1/chats/wrmine", e.tokens["hr"], `{"kind":"work","owner":"newowner"}`); code != 200 {
		t.Fatal(code)
	}
	if _, body := e.call("GET", "/api/v1/violations", e.tokens["owner"], ""); strings.Contains(body, "wrmine") {
		t.Fatalf("the previous owner still sees the chat: %s", body)
	}
	chats, _ := e.st.OwnedChats(context.Background(), "newowner")
	if len(chats) != 1 || chats[0] != "wrmine" {
		t.Fatalf("new owner's chats %v", chats)
	}
	e.call("DELETE", "/api/v1/chats/wrmine", e.tokens["hr"], "")
	if chats, _ := e.st.OwnedChats(context.Background(), "newowner"); len(chats) != 0 {
		t.Fatalf("after HR removed the settings the owner keeps %v", chats)
	}
}

func TestAdminBadAuditCursor(t *testing.T) {
	e := newAdminEnv(t)
	if code, body := e.call("GET", "/api/v1/audit?before=garbage", e.tokens["hr"], ""); code != http.StatusBadRequest {
		t.Fatalf("before=garbage: %d %s, want 400", code, body)
	}
}

// TestAuditCursorRefusesWhatRedisWould is issue 11's malformed cursor: an id
// Redis cannot take (0-0, a part beyond uint64) is the client's mistake,
// 400, not a 503; a well-formed id still pages.
func TestAuditCursorRefusesWhatRedisWould(t *testing.T) {
	e := newAdminEnv(t)
	if code, body := e.call("PUT", "/api/v1/chats/wrfun", e.tokens["hr"], `{"kind":"private"}`); code != 200 {
		t.Fatalf("put: %d %s", code, body)
	}
	for _, before := range []string{"0-0", "99999999999999999999-0", "1-99999999999999999999", "18446744073709551616-1", "abc", "1-", "-1"} {
		if code, body := e.call("GET", "/api/v1/audit?before="+before, e.tokens["hr"], ""); code != 400 {
			t.Errorf("before=%s: %d %s, want 400", before, code, body)
		}
	}
	for _, before := range []string{"0-1", "18446744073709551615-18446744073709551615", "1-0"} {
		if code, body := e.call("GET", "/api/v1/audit?before="+before, e.tokens["hr"], ""); code != 200 {
			t.Errorf("before=%s: %d %s, want 200", before, code, body)
		}
	}
	if _, body := e.call("GET", "/api/v1/audit?before=18446744073709551615-18446744073709551615", e.tokens["hr"], ""); !strings.Contains(body, `"chat.set"`) {
		t.Errorf("paging from the largest id misses the entry: %s", body)
	}
}
