package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/intercept"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/outcall/outcalltest"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

type customerEnv struct {
	*adminEnv
	fake *wecomtest.Server
	svc  *handover.Service
}

// newCustomerEnv is the admin API with the intercept sync running against
// the fake WeCom API, the secrets category marked 拦截客户聊天, and the
// handover service (worked by the test).
func newCustomerEnv(t *testing.T) *customerEnv {
	t.Helper()
	fake := wecomtest.New(wecomtest.Config{CorpID: vecCorpID, Secret: "s", AgentID: 1000002})
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: vecCorpID, Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	seed, err := rules.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	seed["policy.yaml"] = []byte(strings.Replace(string(seed["policy.yaml"]), "  - name: secrets\n", "  - name: secrets\n    intercept: block\n", 1))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	policy, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: seed, Logger: zerolog.Nop(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go policy.Run(ctx)
	syncer, err := intercept.New(intercept.Config{Client: client, Store: st, Logger: zerolog.Nop(), Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go syncer.Run(ctx)
	svc, err := handover.New(handover.Config{Client: client, Store: st, Logger: zerolog.Nop(), Names: &handover.Names{Client: client, Cache: st}})
	if err != nil {
		t.Fatal(err)
	}
	// The sender makes the sync's and the handover's calls (the outbox).
	out := outcalltest.New(t, outcalltest.Config{Store: st, API: client, Calls: map[string]outcall.Handler{
		intercept.CallName: syncer.Handler(), handover.CallName: svc.Handler()}})
	go func() { _ = out.Sender.Run(ctx) }()
	p, err := bot.New(bot.Config{Store: st, Checker: policy.Checker})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: zerolog.Nop(),
		Admin: st, Checker: policy.Checker, Rules: st, Intercept: syncer, Handover: svc,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &adminEnv{t: t, st: st, policy: policy, pipeline: p, srv: httptest.NewServer(h.Handler()), tokens: map[string]string{}}
	t.Cleanup(e.srv.Close)
	for _, role := range []string{handlers.RoleHR, handlers.RoleOwner, handlers.RoleAuditor} {
		_, secret, err := st.CreateToken(context.Background(), role+"-user", role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return &customerEnv{adminEnv: e, fake: fake, svc: svc}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInterceptAPIFollowsHREdits(t *testing.T) {
	e := newCustomerEnv(t)
	hasWord := func(w string) bool {
		for _, r := range e.fake.InterceptRules() {
			if r.Name == "wg·商业机密" && slices.Contains(r.Words, w) {
				return true
			}
		}
		return false
	}
	eventually(t, "the first sync", func() bool { return len(e.fake.InterceptRules()) == 1 })
	// HR adds a word to the marked list through the admin API: it is in
	// WeCom's rule within seconds.
	code, body := e.call("POST", "/api/v1/lists/secrets/leak/words", e.tokens[handlers.RoleHR], `{"add":[{"word":"季度营收预测","severity":"critical"}]}`)
	if code != http.StatusOK {
		t.Fatalf("edit words: %d %s", code, body)
	}
	start := time.Now()
	eventually(t, "the new word in WeCom", func() bool { return hasWord("季度营收预测") })
	t.Logf("the HR edit reached WeCom after %v", time.Since(start))

	var v struct {
		Status  string `json:"status"`
		Summary string `json:"summary"`
		Rules   map[string]struct {
			ID   string `json:"id"`
			Rule struct {
				Words []string `json:"words"`
			} `json:"rule"`
		} `json:"rules"`
	}
	eventually(t, "in step", func() bool {
		code, body = e.call("GET", "/api/v1/intercept", e.tokens[handlers.RoleAuditor], "")
		_ = json.Unmarshal([]byte(body), &v)
		return code == http.StatusOK && v.Status == intercept.StatusInStep
	})
	if !strings.Contains(v.Summary, "已同步") || len(v.Rules) != 1 || !slices.Contains(v.Rules["secrets/block/1"].Rule.Words, "季度营收预测") {
		t.Errorf("intercept state %s; want in step with the new word", body)
	}
	if code, _ := e.call("GET", "/api/v1/intercept", e.tokens[handlers.RoleOwner], ""); code != http.StatusForbidden {
		t.Errorf("a group owner reads the intercept state: %d, want 403", code)
	}
}

// TestInterceptAPIShowsAGivenUpCall: WeCom refuses the update an HR edit
// needs; the outbox gives up at once, and the state says so in Chinese
// with WeCom's errcode and the change that did not go through.
func TestInterceptAPIShowsAGivenUpCall(t *testing.T) {
	e := newCustomerEnv(t)
	eventually(t, "the first sync", func() bool { return len(e.fake.InterceptRules()) == 1 })
	e.fake.SetFaults(wecomtest.Faults{Refused: 1, Errcode: 40058, APIs: []string{wecomtest.APIUpdateInterceptRule}})
	if code, body := e.call("POST", "/api/v1/lists/secrets/leak/words", e.tokens[handlers.RoleHR], `{"add":[{"word":"季度营收预测","severity":"critical"}]}`); code != http.StatusOK {
		t.Fatalf("edit words: %d %s", code, body)
	}
	var v struct {
		Status    string   `json:"status"`
		Dead      bool     `json:"dead"`
		ErrCode   int      `json:"errcode"`
		Summary   string   `json:"summary"`
		CallsText []string `json:"calls_text"`
	}
	var body string
	eventually(t, "the refusal in the state", func() bool {
		_, body = e.call("GET", "/api/v1/intercept", e.tokens[handlers.RoleHR], "")
		_ = json.Unmarshal([]byte(body), &v)
		return v.Dead
	})
	if v.Status != intercept.StatusFailed || v.ErrCode != 40058 || !strings.Contains(v.Summary, "企业微信返回错误码 40058，已停止重试") ||
		len(v.CallsText) != 1 || v.CallsText[0] != "更新客户聊天拦截规则「wg·商业机密」：已尝试 1 次，企业微信返回错误码 40058" {
		t.Errorf("intercept state %s", body)
	}
}

func TestHandoverAPI(t *testing.T) {
	e := newCustomerEnv(t)
	ctx := context.Background()
	hr, auditor := e.tokens[handlers.RoleHR], e.tokens[handlers.RoleAuditor]
	e.fake.SetLeaver("lisi", time.Now().Add(-time.Hour), "wmCustomerA01", "wmCustomerB02")
	// WeCom names one customer and withholds the other (84061).
	e.fake.SetCustomer(wecomtest.Customer{ExternalUserID: "wmCustomerA01", Name: "王小明", Type: 2, CorpName: "华东贸易"})
	e.fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG1", Owner: "lisi"})
	if code, body := e.call("POST", "/api/v1/handovers/refresh", auditor, ""); code != http.StatusForbidden {
		t.Errorf("auditor refresh: %d %s", code, body)
	}
	code, body := e.call("POST", "/api/v1/handovers/refresh", hr, "")
	if code != http.StatusOK || !strings.Contains(body, `"leaver":"lisi"`) || !strings.Contains(body, "等待分配") {
		t.Fatalf("refresh: %d %s", code, body)
	}
	code, body = e.call("GET", "/api/v1/handovers/lisi", auditor, "")
	if code != http.StatusOK || strings.Contains(body, "wmCustomerA01") || !strings.Contains(body, "wmCu****01") || strings.Contains(body, "王小明") || !strings.Contains(body, `"name":"王**＠华东贸易"`) {
		t.Errorf("auditor view: %d %s; want customer ids and names masked", code, body)
	}
	if n := e.fake.Calls(wecomtest.APICustomerGet); n != 2 {
		t.Errorf("%d externalcontact/get calls; want one a customer", n)
	}
	if code, body := e.call("POST", "/api/v1/handovers/lisi/assign", hr, `{"takeover":""}`); code != http.StatusBadRequest {
		t.Errorf("assign without a successor: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/handovers/nobody/assign", hr, `{"takeover":"zhaoliu"}`); code != http.StatusNotFound {
		t.Errorf("assign for an unknown leaver: %d", code)
	}
	code, body = e.call("POST", "/api/v1/handovers/lisi/assign", hr, `{"takeover":"zhaoliu"}`)
	if code != http.StatusOK || !strings.Contains(body, `"queued":3`) {
		t.Fatalf("assign: %d %s", code, body)
	}
	if err := e.svc.Work(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transfers made by the sender", func() bool {
		h, err := e.svc.Get(ctx, "lisi")
		return err == nil && h.Items["customer:wmCustomerA01"].State == handover.StateWaiting && h.Items["customer:wmCustomerB02"].State == handover.StateWaiting
	})
	e.fake.DecideTransfer("lisi", "wmCustomerA01", true)
	e.fake.DecideTransfer("lisi", "wmCustomerB02", false)
	if err := e.svc.Work(ctx); err != nil {
		t.Fatal(err)
	}
	code, body = e.call("GET", "/api/v1/handovers/lisi", hr, "")
	if n := e.fake.Calls(wecomtest.APICustomerGet); n != 2 {
		t.Errorf("%d externalcontact/get calls after more views; want the cache to answer", n)
	}
	for _, want := range []string{`"id":"wmCustomerA01"`, `"name":"王小明＠华东贸易"`, `"name":"客户 wmCu****02"`, "已接替", "客户拒绝", `"id":"wrG1"`, "lisi 的 2 位客户、1 个客户群：已接替 1 位，客户拒绝 1 位"} {
		if !strings.Contains(body, want) {
			t.Errorf("handover %s lacks %q", body, want)
		}
	}
	// The transfers the sender made are audited too, by 系统, in Chinese.
	// The sender writes the audit entry after it settled the items (the
	// states waited for above), so the log may lag them a moment.
	wants := []string{"handover.assign", "分配离职成员的客户", "系统 通过企业微信转接离职成员的客户", "系统 通过企业微信转交离职成员的客户群", `"field":"接替成员"`, `"field":"转接数"`}
	eventually(t, "the assignment and the transfers in the audit log", func() bool {
		code, body = e.call("GET", "/api/v1/audit", hr, "")
		if code != http.StatusOK {
			return false
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				return false
			}
		}
		return true
	})
}
