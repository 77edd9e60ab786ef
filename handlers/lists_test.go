package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// waitMatches polls the test endpoint until text gets a hit (the replicas'
// hot reload takes a moment) or a deadline passes.
func (e *adminEnv) waitMatches(text string, want bool) string {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := e.call("POST", "/api/v1/test", e.tokens["hr"], `{"text":"`+text+`","chat_kind":"work"}`)
		has := strings.Contains(body, `"hits":[{`)
		if has == want || time.Now().After(deadline) {
			return body
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestListsAddWordThenEnforced(t *testing.T) {
	e := newAdminEnv(t)
	const word = "蓝鲸暗号"
	if body := e.waitMatches("今天的"+word, false); strings.Contains(body, `"hits":[{`) {
		t.Fatalf("matches before the word was added: %s", body)
	}
	code, body := e.call("POST", "/api/v1/lists", e.tokens["hr"], `{"category":"secrets","name":"project-names","header":"# 项目代号"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/lists", e.tokens["hr"], `{"category":"secrets","name":"project-names"}`); code != http.StatusConflict {
		t.Fatalf("second create: %d, want 409", code)
	}
	if code, _ := e.call("POST", "/api/v1/lists", e.tokens["hr"], `{"category":"secrets","name":"Bad Name"}`); code != http.StatusBadRequest {
		t.Fatalf("bad name: %d, want 400", code)
	}
	code, body = e.call("POST", "/api/v1/lists/secrets/project-names/words", e.tokens["hr"],
		`{"add":[{"word":"`+word+`","severity":"high","note":"Q4 项目"},{"word":"白鹭计划"}]}`)
	if code != 200 || !strings.Contains(body, `"entries":2`) {
		t.Fatalf("add words: %d %s", code, body)
	}
	body = e.waitMatches("今天的"+word, true)
	if !strings.Contains(body, `"category":"secrets"`) {
		t.Fatalf("the new word is not enforced: %s", body)
	}
	_, body = e.call("GET", "/api/v1/lists/secrets/project-names?q=白鹭", e.tokens["auditor"], "")
	if !strings.Contains(body, "白鹭计划") || strings.Contains(body, word) || !strings.Contains(body, "项目代号") {
		t.Fatalf("search: %s", body)
	}
	code, body = e.call("POST", "/api/v1/lists/secrets/project-names/words", e.tokens["hr"], `{"remove":["`+word+`"]}`)
	if code != 200 || !strings.Contains(body, `"entries":1`) {
		t.Fatalf("remove: %d %s", code, body)
	}
	e.waitMatches("今天的"+word, false)
	_, audit := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	if !strings.Contains(audit, `"list.create"`) || strings.Count(audit, `"list.edit"`) != 2 || !strings.Contains(audit, word) {
		t.Fatalf("audit log misses the list changes: %s", audit)
	}
}

func TestListsRefuseBadWords(t *testing.T) {
	e := newAdminEnv(t)
	e.call("POST", "/api/v1/lists", e.tokens["hr"], `{"category":"ads","name":"extra"}`)
	_, before := e.call("GET", "/api/v1/rules", e.tokens["hr"], "")
	for _, bad := range []string{
		`{"add":[{"word":"` + strings.Repeat("长", 65) + `"}]}`,
		`{"add":[{"word":"刷单","severity":"extreme"}]}`,
		`{"add":[{"word":"   "}]}`,
		`{}`,
	} {
		code, body := e.call("POST", "/api/v1/lists/ads/extra/words", e.tokens["hr"], bad)
		if code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	if code, _ := e.call("POST", "/api/v1/lists/ads/none/words", e.tokens["hr"], `{"add":[{"word":"刷单"}]}`); code != http.StatusNotFound {
		t.Errorf("unknown list: %d, want 404", code)
	}
	_, after := e.call("GET", "/api/v1/rules", e.tokens["hr"], "")
	if before != after {
		t.Errorf("refused edits changed the rule set")
	}
}

func TestListsImportExport(t *testing.T) {
	e := newAdminEnv(t)
	code, body := e.call("PUT", "/api/v1/lists/ads/imported/import?format=csv", e.tokens["hr"],
		"\uFEFFword,severity,note\n代刷好评,high,\"电商, 刷单\"\n日结兼职,,\n")
	if code != 200 || !strings.Contains(body, `"entries":2`) {
		t.Fatalf("csv import: %d %s", code, body)
	}
	code, body = e.call("PUT", "/api/v1/lists/ads/imported/import?mode=append", e.tokens["hr"], "高薪招聘打字员\n")
	if code != 200 || !strings.Contains(body, `"entries":3`) {
		t.Fatalf("txt append: %d %s", code, body)
	}
	_, csvOut := e.call("GET", "/api/v1/lists/ads/imported/export?format=csv", e.tokens["auditor"], "")
	if !strings.Contains(csvOut, `代刷好评,high,"电商, 刷单"`) || !strings.Contains(csvOut, "高薪招聘打字员") {
		t.Fatalf("csv export: %s", csvOut)
	}
	_, txt := e.call("GET", "/api/v1/lists/ads/imported/export", e.tokens["auditor"], "")
	if !strings.Contains(txt, "代刷好评\thigh\t电商, 刷单") {
		t.Fatalf("txt export: %q", txt)
	}
	code, body = e.call("PUT", "/api/v1/lists/ads/imported/import?format=csv", e.tokens["hr"], "word,severity,note\n好词,loud,\n")
	var refused struct {
		Problems []struct {
			Line    int
			Message string
		}
	}
	if err := json.Unmarshal([]byte(body), &refused); code != 400 || err != nil || len(refused.Problems) != 1 || refused.Problems[0].Line != 2 {
		t.Fatalf("bad csv: %d %s, want 400 naming line 2", code, body)
	}
	if code, _ := e.call("DELETE", "/api/v1/lists/ads/imported", e.tokens["hr"], ""); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := e.call("GET", "/api/v1/lists/ads/imported", e.tokens["hr"], ""); code != 404 {
		t.Fatalf("deleted list still there: %d", code)
	}
}

func TestRulesUpdateValidatesAndKeepsRulesInForce(t *testing.T) {
	e := newAdminEnv(t)
	_, body := e.call("GET", "/api/v1/rules", e.tokens["hr"], "")
	var cur struct {
		Version int64
		Policy  string
	}
	if err := json.Unmarshal([]byte(body), &cur); err != nil || cur.Version != 1 || !strings.Contains(cur.Policy, "rules:") {
		t.Fatalf("rules: %s", body)
	}
	broken := strings.Replace(cur.Policy, "severity: high", "severity: extreme", 1)
	req, _ := json.Marshal(map[string]any{"version": cur.Version, "policy": broken})
	code, body := e.call("PUT", "/api/v1/rules", e.tokens["hr"], string(req))
	if code != 400 || !strings.Contains(body, `"file":"policy.yaml"`) || !strings.Contains(body, "extreme") {
		t.Fatalf("broken policy: %d %s, want 400 naming policy.yaml and the line", code, body)
	}
	if body := e.waitMatches("你真是个傻逼", true); !strings.Contains(body, "abuse") {
		t.Fatalf("rules in force stopped working: %s", body)
	}
	edited := cur.Policy + "\n# reviewed by HR\n"
	req, _ = json.Marshal(map[string]any{"version": cur.Version, "policy": edited})
	if code, body := e.call("PUT", "/api/v1/rules", e.tokens["hr"], string(req)); code != 200 || !strings.Contains(body, `"version":2`) {
		t.Fatalf("good edit: %d %s", code, body)
	}
	if code, _ := e.call("PUT", "/api/v1/rules", e.tokens["hr"], string(req)); code != http.StatusConflict {
		t.Fatalf("stale edit: %d, want 409", code)
	}
	_, audit := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	if !strings.Contains(audit, `"rules.update"`) || !strings.Contains(audit, "reviewed by HR") {
		t.Fatalf("rule change not audited with before/after: %.300s", audit)
	}
}

func TestTestWithDraftRules(t *testing.T) {
	e := newAdminEnv(t)
	req, _ := json.Marshal(map[string]any{"text": "讨论一下白鹭计划", "chat_kind": "work",
		"draft": map[string]string{"lists/secrets/draft.txt": "白鹭计划\n"}})
	code, body := e.call("POST", "/api/v1/test", e.tokens["auditor"], string(req))
	if code != 200 || !strings.Contains(body, `"category":"secrets"`) {
		t.Fatalf("draft test: %d %s", code, body)
	}
	if body := e.waitMatches("讨论一下白鹭计划", false); strings.Contains(body, `"hits":[{`) {
		t.Fatalf("the draft leaked into the rules in force: %s", body)
	}
	req, _ = json.Marshal(map[string]any{"text": "x", "draft": map[string]string{"policy.yaml": "rules: [oops"}})
	if code, body := e.call("POST", "/api/v1/test", e.tokens["hr"], string(req)); code != 400 || !strings.Contains(body, "problems") {
		t.Fatalf("broken draft: %d %s", code, body)
	}
}

// TestTwoServersOneRedis: a word added through one server is enforced by
// another server on the same Redis within a second.
func TestTwoServersOneRedis(t *testing.T) {
	a := newAdminEnv(t)
	u := os.Getenv("REDIS_URL")
	if u == "" {
		u = "redis://" + a.st.Addr()
	}
	st2, err := store.Open(context.Background(), store.Options{URL: u, Prefix: a.st.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	b := newAdminEnvOn(t, st2)
	const word = "赤霄行动"
	if body := b.waitMatches("关于"+word+"的安排", false); strings.Contains(body, `"hits":[{`) {
		t.Fatalf("server B matches before the word exists: %s", body)
	}
	a.call("POST", "/api/v1/lists", a.tokens["hr"], `{"category":"secrets","name":"ops"}`)
	start := time.Now()
	if code, body := a.call("POST", "/api/v1/lists/secrets/ops/words", a.tokens["hr"], `{"add":[{"word":"`+word+`"}]}`); code != 200 {
		t.Fatalf("add on A: %d %s", code, body)
	}
	body := b.waitMatches("关于"+word+"的安排", true)
	if !strings.Contains(body, `"category":"secrets"`) {
		t.Fatalf("server B does not enforce the word added on A: %s", body)
	}
	t.Logf("server B enforced the word %v after server A saved it", time.Since(start))
}

// The lists answer says which lists count only together (ads/pitch in the
// default policy) and gives no threshold to the others.
func TestListsTogether(t *testing.T) {
	e := newAdminEnv(t)
	code, body := e.call("GET", "/api/v1/lists", e.tokens["hr"], "")
	if code != http.StatusOK {
		t.Fatalf("GET /api/v1/lists: %d %s", code, body)
	}
	var out struct {
		Lists []struct {
			Category, Name string
			Together       int `json:"together"`
		} `json:"lists"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, l := range out.Lists {
		want := 0
		if l.Category == "ads" && l.Name == "pitch" {
			want, seen = 3, true
		}
		if l.Together != want {
			t.Errorf("%s/%s: together %d, want %d", l.Category, l.Name, l.Together, want)
		}
	}
	if !seen {
		t.Errorf("no list ads/pitch in %s", body)
	}
}
