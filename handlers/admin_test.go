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
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

type adminEnv struct {
	t      *testing.T
	st     *store.Store
	srv    *httptest.Server
	tokens map[string]string // role → secret
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	st := storetest.New(t)
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Pipeline: newPipeline(t), Logger: zerolog.Nop(),
		Admin: st, Checker: func() bot.Checker { return engine },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &adminEnv{t: t, st: st, srv: httptest.NewServer(h.Handler()), tokens: map[string]string{}}
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
		{"GET", "/api/v1/violations", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/cases", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/cases/C1", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/outbox", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/outbox/dead", "", []string{"hr", "auditor"}},
		{"POST", "/api/v1/outbox/dead/1-0/retry", "", []string{"hr"}},
		{"GET", "/api/v1/audit", "", []string{"hr", "auditor"}},
		{"GET", "/api/v1/chats", "", []string{"hr", "auditor"}},
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
	if _, err := e.st.Enqueue(ctx, "k1", []byte(`{"kind":"warn_sender"}`), time.Now()); err != nil {
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
