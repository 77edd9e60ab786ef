package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/rules"
)

// keepRaw is a pipeline on e's store that keeps message texts (as
// enforcement.keep_raw does), so allow phrases can be previewed.
func keepRaw(t *testing.T, e *adminEnv) *bot.Pipeline {
	t.Helper()
	p, err := bot.New(bot.Config{Store: e.st, Checker: e.policy.Checker, KeepRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func process(t *testing.T, p *bot.Pipeline, id, from, chat, text string) {
	t.Helper()
	m := bot.Message{ID: id, Source: bot.SourceArchive, From: from, ChatID: chat, ChatKind: rules.ChatWork, Text: text, Time: time.Now()}
	if _, err := p.Process(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// TestFalseAlarmAPI: a group owner asks for a false alarm in their chat
// (202; other chats are not found), HR confirms it; HR marks another one
// directly; both are withdrawn, audited in Chinese and counted per rule;
// an allow phrase previewed against the kept texts suppresses exactly the
// false alarm and, added in one step, stops matching on every replica.
func TestFalseAlarmAPI(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	p := keepRaw(t, e)
	process(t, p, "msg:r1", "zhangsan", "wrowned", "你就是个脑残")
	process(t, p, "msg:r2", "lisi", "wrowned", "我们去智障就业帮扶中心做志愿者")
	process(t, p, "msg:r3", "wangwu", "wrother", "你就是个脑残")
	if err := e.st.NoteOwnedChat(ctx, "owner-user", "wrowned"); err != nil {
		t.Fatal(err)
	}

	if code, body := e.call("POST", "/api/v1/violations/msg:r1/false-alarm", e.tokens["owner"], `{"reason":"是在开玩笑"}`); code != http.StatusAccepted || !strings.Contains(body, `"open"`) {
		t.Fatalf("owner request: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/violations/msg:r3/false-alarm", e.tokens["owner"], `{"reason":"x"}`); code != http.StatusNotFound {
		t.Fatalf("owner request outside their chats: %d, want 404", code)
	}
	if code, _ := e.call("POST", "/api/v1/violations/msg:r1/false-alarm", e.tokens["auditor"], `{"reason":"x"}`); code != http.StatusForbidden {
		t.Fatalf("auditor: %d, want 403", code)
	}
	if code, body := e.call("GET", "/api/v1/false-alarms/requests", e.tokens["hr"], ""); code != 200 || !strings.Contains(body, "是在开玩笑") {
		t.Fatalf("requests: %d %s", code, body)
	}
	if code, body := e.call("POST", "/api/v1/false-alarms/requests/msg:r1/confirm", e.tokens["hr"], `{"reason":"确认"}`); code != 200 || !strings.Contains(body, `"confirmed"`) {
		t.Fatalf("confirm: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/false-alarms/requests/msg:r1/decline", e.tokens["hr"], `{}`); code != http.StatusConflict {
		t.Fatalf("declining a confirmed request: %d, want 409", code)
	}
	code, body := e.call("POST", "/api/v1/violations/msg:r2/false-alarm", e.tokens["hr"], `{"reason":"机构名称"}`)
	if code != 200 || !strings.Contains(body, `"uncounted":1`) {
		t.Fatalf("HR false alarm: %d %s", code, body)
	}
	_, list := e.call("GET", "/api/v1/violations?chat=wrowned", e.tokens["hr"], "")
	if strings.Count(list, `"withdrawn":{`) != 2 {
		t.Errorf("violations list does not show both withdrawn: %s", list)
	}
	_, audit := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	for _, want := range []string{"标记误报", "申请标记误报", "确认误报申请"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q: %.600s", want, audit)
		}
	}
	var st struct {
		Total  int64 `json:"total"`
		ByRule []struct {
			Rule, Label string
			Count       int64
		} `json:"by_rule"`
	}
	_, body = e.call("GET", "/api/v1/stats/false-alarms?days=7", e.tokens["auditor"], "")
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Total != 2 || len(st.ByRule) == 0 || st.ByRule[0].Count != 2 || st.ByRule[0].Label == st.ByRule[0].Rule {
		t.Fatalf("false-alarm stats: %s", body)
	}

	code, body = e.call("POST", "/api/v1/allow-phrases/preview", e.tokens["hr"], `{"phrase":"智障就业帮扶"}`)
	var pv struct {
		Scanned, WithText, Suppressed int
		Items                         []struct{ ID, Ref string }
		Summary                       string
	}
	if err := json.Unmarshal([]byte(body), &pv); code != 200 || err != nil {
		t.Fatalf("preview: %d %s", code, body)
	}
	if pv.Suppressed != 1 || len(pv.Items) != 1 || pv.Items[0].ID != "msg:r2" || pv.Items[0].Ref != bot.Ref("msg:r2") || !strings.Contains(pv.Summary, "不再算违规") {
		t.Fatalf("preview: %s; want only msg:r2 suppressed", body)
	}
	if strings.Contains(body, "志愿者") {
		t.Errorf("the preview shows message text: %s", body)
	}
	if code, _ := e.call("POST", "/api/v1/allow-phrases/preview", e.tokens["owner"], `{"phrase":"智障就业"}`); code != http.StatusForbidden {
		t.Errorf("owner preview: %d, want 403 (it reads message texts)", code)
	}
	if body := e.waitMatches("智障就业帮扶中心", true); !strings.Contains(body, `"hits":[{`) {
		t.Fatalf("matches before the phrase: %s", body)
	}
	if code, body := e.call("POST", "/api/v1/violations/msg:r2/allow-phrase", e.tokens["hr"], `{"phrase":"智障就业帮扶"}`); code != 200 || !strings.Contains(body, "false_alarms.txt") {
		t.Fatalf("allow phrase: %d %s", code, body)
	}
	if body := e.waitMatches("智障就业帮扶中心", false); strings.Contains(body, `"hits":[{`) {
		t.Errorf("still matches after the allow phrase: %s", body)
	}
	if body := e.waitMatches("你就是个脑残", true); !strings.Contains(body, `"hits":[{`) {
		t.Errorf("the allow phrase suppressed more than itself: %s", body)
	}
}

// TestResolveAnnounces: HR's decision answers where it went; without a
// robot or an announcement chat 通报批评 says it was not posted; a
// suspension where the deployment cannot suspend is refused, not faked.
func TestResolveAnnounces(t *testing.T) {
	e := newAdminEnv(t)
	process(t, e.pipeline, "msg:c1", "zhangsan", "wrg", "客户身份证 11010519491231002X")
	_, body := e.call("GET", "/api/v1/cases", e.tokens["hr"], "")
	var cases struct{ Cases []struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &cases); err != nil || len(cases.Cases) == 0 {
		t.Fatalf("cases: %s", body)
	}
	id := cases.Cases[0].ID
	code, body := e.call("POST", "/api/v1/cases/"+id+"/resolve", e.tokens["hr"], `{"decision":"通报批评","note":"内部备注","reason":"泄露客户身份证号"}`)
	if code != 200 || !strings.Contains(body, `"notices":["member"]`) || !strings.Contains(body, "通报批评未发送") {
		t.Fatalf("resolve: %d %s", code, body)
	}
	if code, body := e.call("POST", "/api/v1/cases/"+id+"/announce", e.tokens["hr"], `{}`); code != 200 || !strings.Contains(body, `"member"`) {
		t.Fatalf("announce again: %d %s", code, body)
	}
	ob, _ := e.st.OutboxStats(context.Background())
	if ob.Queued == 0 {
		t.Errorf("nothing queued for the employee: %+v", ob)
	}
	if code, _ := e.call("POST", "/api/v1/cases/"+id+"/suspend", e.tokens["hr"], `{}`); code != http.StatusServiceUnavailable {
		t.Errorf("suspend without WeCom accounts: %d, want 503", code)
	}
	if code, _ := e.call("POST", "/api/v1/cases/"+id+"/suspend", e.tokens["owner"], `{}`); code != http.StatusForbidden {
		t.Errorf("owner suspend: %d, want 403", code)
	}
}

// TestStatsLeaveOutWithdrawnViolations: once HR marks a violation 误报,
// the dashboard's counts (/stats, /offenders) and the 群聊 page no longer
// include it — total, category, chat, repeat offenders — and it is counted
// among the false alarms.
func TestStatsLeaveOutWithdrawnViolations(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	type statsView struct {
		Total      int64
		ByCategory map[string]int64 `json:"by_category"`
		TopChats   []struct {
			Name  string
			Count int64
		} `json:"top_chats"`
		Repeat []struct {
			Name  string
			Count int64
		} `json:"repeat_offenders"`
	}
	read := func() statsView {
		t.Helper()
		code, body := e.call("GET", "/api/v1/stats", e.tokens["hr"], "")
		var s statsView
		if err := json.Unmarshal([]byte(body), &s); code != http.StatusOK || err != nil {
			t.Fatalf("stats: %d %s", code, body)
		}
		return s
	}
	count := func(items []struct {
		Name  string
		Count int64
	}, name string) int64 {
		for _, it := range items {
			if it.Name == name {
				return it.Count
			}
		}
		return 0
	}
	offenders := func() string {
		t.Helper()
		code, body := e.call("GET", "/api/v1/offenders", e.tokens["hr"], "")
		if code != http.StatusOK {
			t.Fatalf("offenders: %d %s", code, body)
		}
		return body
	}
	groupViolations := func(chat string) int {
		t.Helper()
		code, body := e.call("GET", "/api/v1/groups", e.tokens["hr"], "")
		var g struct {
			Groups []struct {
				ChatID     string `json:"chat_id"`
				Violations int
			}
		}
		if err := json.Unmarshal([]byte(body), &g); code != http.StatusOK || err != nil {
			t.Fatalf("groups: %d %s", code, body)
		}
		for _, x := range g.Groups {
			if x.ChatID == chat {
				return x.Violations
			}
		}
		return 0
	}
	if !strings.Contains(offenders(), `"zhangsan"`) || groupViolations("wrmine") != 2 {
		t.Fatalf("before: zhangsan not a repeat offender, or wrmine without its 2 violations")
	}
	before := read()
	v, _, err := e.st.Violation(context.Background(), "msg:a1")
	if err != nil || len(v.Hits) == 0 {
		t.Fatalf("msg:a1: %+v, %v", v, err)
	}
	cat := v.Hits[0].Category
	if code, body := e.call("POST", "/api/v1/violations/msg:a1/false-alarm", e.tokens["hr"], `{"reason":"同事间玩笑"}`); code != http.StatusOK {
		t.Fatalf("false alarm: %d %s", code, body)
	}
	after := read()
	if after.Total != before.Total-1 || after.ByCategory[cat] != before.ByCategory[cat]-1 {
		t.Errorf("after 误报: total %d → %d, %s %d → %d; want each one less", before.Total, after.Total, cat, before.ByCategory[cat], after.ByCategory[cat])
	}
	if b, a := count(before.TopChats, "wrmine"), count(after.TopChats, "wrmine"); a != b-1 {
		t.Errorf("wrmine's count %d → %d, want one less", b, a)
	}
	if b, a := count(before.Repeat, "zhangsan"), count(after.Repeat, "zhangsan"); a != b-1 {
		t.Errorf("zhangsan's count %d → %d, want one less", b, a)
	}
	// The dashboard's repeat offenders and the 群聊 page count the same way.
	if body := offenders(); strings.Contains(body, `"zhangsan"`) {
		t.Errorf("zhangsan, with one violation left, is still a repeat offender: %s", body)
	}
	if n := groupViolations("wrmine"); n != 1 {
		t.Errorf("wrmine counts %d violations after the false alarm, want 1", n)
	}
	code, body := e.call("GET", "/api/v1/stats/false-alarms", e.tokens["hr"], "")
	var fa struct{ Total int64 }
	if err := json.Unmarshal([]byte(body), &fa); code != http.StatusOK || err != nil || fa.Total != 1 {
		t.Errorf("false alarms: %d %s; want a total of 1", code, body)
	}
}
