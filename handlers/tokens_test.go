package handlers_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

func TestTokenAPIAuth(t *testing.T) {
	e := newAdminEnv(t)
	for _, ep := range []struct{ method, path, body string }{
		{"GET", "/api/v1/tokens", ""},
		{"POST", "/api/v1/tokens", `{"user":"ci","role":"auditor"}`},
		{"DELETE", "/api/v1/tokens/abc", ""},
	} {
		if code, _ := e.call(ep.method, ep.path, "", ep.body); code != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: %d, want 401", ep.method, ep.path, code)
		}
		for _, role := range []string{"owner", "auditor"} {
			if code, _ := e.call(ep.method, ep.path, e.tokens[role], ep.body); code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", ep.method, ep.path, role, code)
			}
		}
	}
}

func TestTokenAPILifecycle(t *testing.T) {
	e := newAdminEnv(t)
	hr := e.tokens["hr"]
	code, body := e.call("POST", "/api/v1/tokens", hr, `{"user":"ci-export","role":"auditor","days":30}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created struct {
		Token  store.APIToken `json:"token"`
		Secret string         `json:"secret"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || !strings.HasPrefix(created.Secret, "wgt_") || created.Token.Expires.IsZero() {
		t.Fatalf("create answer %s: %v", body, err)
	}
	list := func() map[string]store.APIToken {
		t.Helper()
		code, body := e.call("GET", "/api/v1/tokens", hr, "")
		if code != http.StatusOK {
			t.Fatalf("list: %d %s", code, body)
		}
		if strings.Contains(body, created.Secret) {
			t.Fatal("the listing shows a secret")
		}
		var ans struct{ Tokens []store.APIToken }
		if err := json.Unmarshal([]byte(body), &ans); err != nil {
			t.Fatal(err)
		}
		out := map[string]store.APIToken{}
		for _, tk := range ans.Tokens {
			out[tk.ID] = tk
		}
		return out
	}
	got, ok := list()[created.Token.ID]
	if !ok || got.User != "ci-export" || got.Role != "auditor" || !got.LastUsed.IsZero() {
		t.Fatalf("listed %+v (%v); want ci-export/auditor, never used", got, ok)
	}
	// Using it records the use.
	if code, _ := e.call("GET", "/api/v1/me", created.Secret, ""); code != http.StatusOK {
		t.Fatalf("new token refused: %d", code)
	}
	if got := list()[created.Token.ID]; got.LastUsed.IsZero() {
		t.Error("last use not recorded")
	}
	if code, _ := e.call("DELETE", "/api/v1/tokens/"+created.Token.ID, hr, ""); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := e.call("GET", "/api/v1/me", created.Secret, ""); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", code)
	}
	if _, ok := list()[created.Token.ID]; ok {
		t.Error("revoked token still listed")
	}
	if code, _ := e.call("DELETE", "/api/v1/tokens/"+created.Token.ID, hr, ""); code != http.StatusNotFound {
		t.Errorf("second revoke: %d, want 404", code)
	}
	code, body = e.call("GET", "/api/v1/audit", hr, "")
	if code != http.StatusOK || !strings.Contains(body, `"token.create"`) || !strings.Contains(body, `"token.revoke"`) {
		t.Errorf("audit log misses token.create or token.revoke: %d %s", code, body)
	}
	// People read a sentence and the role by its name.
	for _, want := range []string{"创建 API 令牌", "吊销 API 令牌", `"field":"角色"`, `"审计"`} {
		if !strings.Contains(body, want) {
			t.Errorf("audit log misses %s: %s", want, body)
		}
	}
}

func TestTokenAPIRefusesBadRequests(t *testing.T) {
	e := newAdminEnv(t)
	for _, body := range []string{
		`{"user":"","role":"hr"}`,
		`{"user":"ci","role":"admin"}`,
		`{"user":"ci","role":"hr","days":-1}`,
		`{"user":"ci","role":"hr","days":99999}`,
		`{"user":"a\u0000b","role":"hr"}`,
		`{"user":"` + strings.Repeat("名", 65) + `","role":"hr"}`,
		`not json`,
	} {
		if code, ans := e.call("POST", "/api/v1/tokens", e.tokens["hr"], body); code != http.StatusBadRequest {
			t.Errorf("create %s: %d %s, want 400", body, code, ans)
		}
	}
}
