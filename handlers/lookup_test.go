package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/rules"
)

var refInText = regexp.MustCompile(`（记录 ([0-9a-f]{8})）`)

// sentRefs processes a message through the real pipeline and returns the
// references printed in the messages it queued, by action kind.
func sentRefs(t *testing.T, e *adminEnv, m bot.Message) map[bot.ActionKind]string {
	t.Helper()
	ctx := context.Background()
	if _, err := e.pipeline.Process(ctx, m); err != nil {
		t.Fatal(err)
	}
	entries, err := e.st.ReadOutbox(ctx, "lookup-test", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[bot.ActionKind]string{}
	for _, en := range entries {
		var a bot.Action
		if err := json.Unmarshal(en.Payload, &a); err != nil {
			t.Fatal(err)
		}
		if a.MsgID != m.ID {
			continue
		}
		sub := refInText.FindStringSubmatch(bot.ActionText(a))
		if sub == nil {
			t.Fatalf("%s message has no reference: %s", a.Kind, bot.ActionText(a))
		}
		refs[a.Kind] = sub[1]
	}
	return refs
}

// The reference in a warning, and in the HR escalation, resolves: through
// the API to the violation (the escalation to its case), through the
// search query, and as a /ui/r/ link, which opens the page signed in and
// the search otherwise.
func TestReferenceResolves(t *testing.T) {
	e := newAdminEnv(t)
	refs := sentRefs(t, e, bot.Message{ID: "msg:ref1", Source: bot.SourceArchive, From: "zhangsan", ChatID: "wrwork",
		ChatKind: rules.ChatWork, Text: "把机密文件发到我私人邮箱", Time: time.Now()})
	warn, esc := refs[bot.ActWarnSender], refs[bot.ActEscalateHR]
	if warn == "" || esc == "" {
		t.Fatalf("references sent %v, want a warning and an escalation", refs)
	}
	v, ok, err := e.st.Violation(context.Background(), "msg:ref1")
	if err != nil || !ok || v.CaseID == "" {
		t.Fatalf("violation %+v %v %v, want one with a case", v, ok, err)
	}
	type answer struct {
		Matches []struct{ Type, ID, Violation, CaseID, Kind string } `json:"matches"`
	}
	for _, tc := range []struct {
		name, path, token string
		code              int
		typ, id           string
	}{
		{"warning reference", "/api/v1/refs/" + warn, e.tokens["hr"], 200, "violation", "msg:ref1"},
		{"escalation reference", "/api/v1/refs/" + esc, e.tokens["auditor"], 200, "case", v.CaseID},
		{"as typed", "/api/v1/lookup?q=" + url.QueryEscape("（记录 "+strings.ToUpper(warn)+"）"), e.tokens["hr"], 200, "violation", "msg:ref1"},
		{"violation id", "/api/v1/lookup?q=msg:ref1", e.tokens["hr"], 200, "violation", "msg:ref1"},
		{"case id", "/api/v1/lookup?q=" + url.QueryEscape(v.CaseID), e.tokens["hr"], 200, "case", v.CaseID},
		{"nothing", "/api/v1/lookup?q=00000000", e.tokens["hr"], 200, "", ""},
		{"owner of no chat", "/api/v1/refs/" + warn, e.tokens["owner"], 200, "", ""},
		{"not a reference", "/api/v1/refs/xyz", e.tokens["hr"], 400, "", ""},
		{"empty query", "/api/v1/lookup?q=", e.tokens["hr"], 400, "", ""},
		{"one violation", "/api/v1/violations/msg:ref1", e.tokens["hr"], 200, "", ""},
		{"one violation, owner", "/api/v1/violations/msg:ref1", e.tokens["owner"], 404, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.call("GET", tc.path, tc.token, "")
			if code != tc.code {
				t.Fatalf("%s: %d %s, want %d", tc.path, code, body, tc.code)
			}
			if code != 200 || strings.HasPrefix(tc.path, "/api/v1/violations/") {
				if code == 200 && (!strings.Contains(body, `"has_raw"`) || strings.Contains(body, `"raw"`)) {
					t.Errorf("one violation %s: want has_raw and no raw text", body)
				}
				return
			}
			var a answer
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				t.Fatal(err)
			}
			if tc.typ == "" {
				if len(a.Matches) != 0 {
					t.Fatalf("matches %+v, want none", a.Matches)
				}
				return
			}
			if len(a.Matches) != 1 || a.Matches[0].Type != tc.typ || a.Matches[0].ID != tc.id || a.Matches[0].Violation != "msg:ref1" && tc.typ == "violation" {
				t.Fatalf("matches %+v, want one %s %s", a.Matches, tc.typ, tc.id)
			}
		})
	}

	// The link: without a session it opens the search (which signs in
	// first); with one, the violation or the case.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	location := func(path, cookie string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET %s: %d, want a redirect", path, resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	if got := location("/ui/r/"+warn, ""); got != "/ui/#search/"+warn {
		t.Errorf("signed-out link goes to %q", got)
	}
	resp, err := http.Post(e.srv.URL+"/ui/login", "application/json", strings.NewReader(`{"token":"`+e.tokens["hr"]+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "wg_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if got := location("/ui/r/"+warn, cookie); got != "/ui/#violations/"+url.PathEscape("msg:ref1") {
		t.Errorf("warning link goes to %q", got)
	}
	if got := location("/ui/r/"+strings.ToUpper(esc), cookie); got != "/ui/#cases/"+url.PathEscape(v.CaseID) {
		t.Errorf("escalation link goes to %q", got)
	}
	if got := location("/ui/r/nonsense", cookie); got != "/ui/#search/nonsense" {
		t.Errorf("link of a non-reference goes to %q", got)
	}
}
