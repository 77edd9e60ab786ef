package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

func TestAdminViolationFiltersAndCSV(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	_, body := e.call("GET", "/api/v1/violations?user=zhangsan&category=customer_data", e.tokens["hr"], "")
	if !strings.Contains(body, "msg:a3") || strings.Contains(body, "msg:a1") || strings.Contains(body, "msg:a2") {
		t.Fatalf("filtered: %s", body)
	}
	code, body := e.call("GET", "/api/v1/violations?limit=1", e.tokens["hr"], "")
	var page struct {
		Violations []store.Violation
		NextBefore string `json:"next_before"`
	}
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Violations) != 1 || page.NextBefore == "" {
		t.Fatalf("page 1: %d %s", code, body)
	}
	_, body = e.call("GET", "/api/v1/violations?limit=5&before="+url.QueryEscape(page.NextBefore), e.tokens["hr"], "")
	if strings.Contains(body, page.Violations[0].ID) || !strings.Contains(body, "msg:a1") {
		t.Fatalf("page 2 %s repeats page 1 or misses the oldest", body)
	}
	withdrawnAt := time.Date(2026, 12, 1, 6, 5, 0, 0, time.UTC) // 14:05 in Shanghai
	if _, _, err := e.st.UpdateViolation(context.Background(), "msg:a1", func(v *store.Violation) error {
		v.Withdrawn = &store.Withdrawal{At: withdrawnAt, By: "hr-user", Via: bot.ViaAppeal}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	code, body = e.call("GET", "/api/v1/violations?format=csv", e.tokens["auditor"], "")
	if code != 200 || !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "1101**********002X") || strings.Contains(body, "11010519491231002X") {
		t.Fatalf("csv: %d %s", code, body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("csv rows: %v %q", err, rows)
	}
	header := []string{"记录编号", "时间", "发送人", "群聊", "聊天类型", "严重程度", "处理方式", "类别", "规则", "类型", "证据（已脱敏）", "案件编号", "建议处分", "已撤回", "已撤销", "撤销原因", "撤销时间"}
	if !slices.Equal(rows[0], header) {
		t.Errorf("csv header %q, want %q", rows[0], header)
	}
	for _, row := range rows[1:] {
		want := []string{"否", "", ""}
		if row[0] == "msg:a1" {
			want = []string{"是", "申诉通过", "2026-12-01 14:05"}
		}
		if got := row[len(row)-3:]; !slices.Equal(got, want) {
			t.Errorf("csv row %s: 已撤销 cells %q, want %q", row[0], got, want)
		}
		if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`).MatchString(row[1]) {
			t.Errorf("csv time %q, want 2026-12-01 14:05", row[1])
		}
		if !slices.Contains([]string{"群内发布客户信息", "辱骂人身攻击"}, row[8]) || row[4] != "工作群" || !slices.Contains([]string{"高", "中"}, row[5]) {
			t.Errorf("csv row %q: want the rule's label and Chinese names", row)
		}
	}
	if code, _ := e.call("GET", "/api/v1/violations?from=yesterday", e.tokens["hr"], ""); code != 400 {
		t.Fatalf("bad from: %d, want 400", code)
	}
	if code, _ := e.call("GET", "/api/v1/violations?limit=0", e.tokens["hr"], ""); code != 400 {
		t.Fatalf("limit 0: %d, want 400", code)
	}
}

func TestAdminRawViewIsAudited(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	code, body := e.call("GET", "/api/v1/violations/msg:a2/raw", e.tokens["hr"], "")
	if code != 200 || !strings.Contains(body, "11010519491231002X") {
		t.Fatalf("raw: %d %s", code, body)
	}
	_, audit := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	if !strings.Contains(audit, `"violation.view_raw"`) || !strings.Contains(audit, "msg:a2") {
		t.Fatalf("raw view not audited: %s", audit)
	}
	if code, _ := e.call("GET", "/api/v1/violations/msg:none/raw", e.tokens["hr"], ""); code != 404 {
		t.Fatalf("unknown violation: %d, want 404", code)
	}
}

func TestAdminResolveCase(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	_, body := e.call("GET", "/api/v1/cases", e.tokens["hr"], "")
	var cases struct{ Cases []store.Case }
	if err := json.Unmarshal([]byte(body), &cases); err != nil || len(cases.Cases) == 0 {
		t.Fatalf("cases: %s", body)
	}
	id := cases.Cases[0].ID
	if code, body := e.call("POST", "/api/v1/cases/"+id+"/ack", e.tokens["hr"], ""); code != 200 || !strings.Contains(body, `"acknowledged"`) {
		t.Fatalf("ack: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/cases/"+id+"/resolve", e.tokens["hr"], `{"decision":"开除"}`); code != 400 {
		t.Fatalf("bad decision: %d, want 400", code)
	}
	code, body := e.call("POST", "/api/v1/cases/"+id+"/resolve", e.tokens["hr"], `{"decision":"通报批评","note":"第二次泄露客户信息"}`)
	if code != 200 || !strings.Contains(body, `"resolved"`) || !strings.Contains(body, "通报批评") {
		t.Fatalf("resolve: %d %s", code, body)
	}
	if code, _ := e.call("POST", "/api/v1/cases/"+id+"/resolve", e.tokens["hr"], `{"decision":"警告"}`); code != 409 {
		t.Fatalf("second resolve: %d, want 409", code)
	}
	if code, _ := e.call("POST", "/api/v1/cases/nope/ack", e.tokens["hr"], ""); code != 404 {
		t.Fatalf("unknown case: %d, want 404", code)
	}
	_, open := e.call("GET", "/api/v1/cases", e.tokens["hr"], "")
	if strings.Contains(open, id) {
		t.Fatalf("resolved case still listed as open: %s", open)
	}
	_, all := e.call("GET", "/api/v1/cases?status=all", e.tokens["hr"], "")
	if !strings.Contains(all, id) {
		t.Fatalf("resolved case missing from status=all: %s", all)
	}
	_, audit := e.call("GET", "/api/v1/audit", e.tokens["hr"], "")
	if !strings.Contains(audit, `"case.resolve"`) || !strings.Contains(audit, `"case.ack"`) || !strings.Contains(audit, "第二次泄露客户信息") {
		t.Fatalf("case decisions not audited with before/after: %s", audit)
	}
}

func TestAdminCSVDefusesFormulas(t *testing.T) {
	e := newAdminEnv(t)
	engine := defaultEngineT(t)
	p, _ := bot.New(bot.Config{Store: e.st, Checker: func() bot.Checker { return engine }})
	if _, err := p.Process(context.Background(), bot.Message{ID: "msg:f1", Source: bot.SourceArchive, From: "=HYPERLINK(\"x\")",
		ChatID: "wrx", ChatKind: rules.ChatWork, Text: "你真是个傻逼", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, body := e.call("GET", "/api/v1/violations?format=csv", e.tokens["hr"], "")
	if !strings.Contains(body, `'=HYPERLINK`) {
		t.Fatalf("csv %q, want the formula cell written as text", body)
	}
}

func TestAdminOwnerDoesNotSeeHRNotes(t *testing.T) {
	e := newAdminEnv(t)
	seedViolations(t, e)
	_, body := e.call("GET", "/api/v1/cases", e.tokens["owner"], "")
	var cases struct{ Cases []store.Case }
	if err := json.Unmarshal([]byte(body), &cases); err != nil || len(cases.Cases) != 1 {
		t.Fatalf("owner's cases: %s", body)
	}
	id := cases.Cases[0].ID
	if code, _ := e.call("POST", "/api/v1/cases/"+id+"/ack", e.tokens["hr"], ""); code != 200 {
		t.Fatal(code)
	}
	e.call("POST", "/api/v1/cases/"+id+"/resolve", e.tokens["hr"], `{"decision":"警告","note":"仅供HR：与其主管谈过"}`)
	_, all := e.call("GET", "/api/v1/cases?status=all", e.tokens["owner"], "")
	_, one := e.call("GET", "/api/v1/cases/"+id, e.tokens["owner"], "")
	for _, b := range []string{all, one} {
		if !strings.Contains(b, "警告") || strings.Contains(b, "仅供HR") || strings.Contains(b, "hr-user") {
			t.Fatalf("owner sees %s, want the decision without HR's note or name", b)
		}
	}
}

// TestAdminPagingKeepsTies: violations stamped with the same time (app
// callbacks carry whole seconds) are neither skipped nor repeated.
func TestAdminPagingKeepsTies(t *testing.T) {
	e := newAdminEnv(t)
	ctx := context.Background()
	at := time.Now().Truncate(time.Second)
	for i := 0; i < 5; i++ {
		v := store.Violation{ID: fmt.Sprintf("msg:tie%d", i), Time: at, From: "u", Severity: "low",
			Hits: []store.VHit{{Category: "abuse"}}}
		if err := e.st.SaveViolation(ctx, v, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	before := ""
	for page := 0; page < 10; page++ {
		_, body := e.call("GET", "/api/v1/violations?limit=2&before="+url.QueryEscape(before), e.tokens["hr"], "")
		var got struct {
			Violations []store.Violation
			NextBefore string `json:"next_before"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		for _, v := range got.Violations {
			if seen[v.ID] {
				t.Fatalf("%s repeated on page %d", v.ID, page+1)
			}
			seen[v.ID] = true
		}
		if got.NextBefore == "" {
			break
		}
		before = got.NextBefore
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d of 5 violations with the same timestamp", len(seen))
	}
}

// TestViolationsCSVNeutralizesFormulas: every cell of the violations export
// that a spreadsheet would run (= + - @, TAB, CR first) starts with an
// apostrophe instead. Chat ids and userids come from WeCom and members.
func TestViolationsCSVNeutralizesFormulas(t *testing.T) {
	e := newAdminEnv(t)
	v := store.Violation{ID: "msg:csv", Time: time.Now(), From: "\tcmd", ChatID: "\r=1+1", ChatKind: "work", Source: "callback",
		Severity: "high", Action: "warn", Hits: []store.VHit{{Category: "abuse", Rule: "abuse", Kind: "keyword", Masked: "@SUM(1)"}}}
	if err := e.st.SaveViolation(context.Background(), v, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	code, body := e.call("GET", "/api/v1/violations?format=csv", e.tokens["hr"], "")
	if code != 200 {
		t.Fatalf("csv: %d %s", code, body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv %q: %d rows, %v", body, len(rows), err)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %q starts a formula", cell)
		}
	}
	for _, want := range []string{"'\tcmd", "'\r=1+1", "'@SUM(1)"} {
		if !slices.Contains(rows[1], want) {
			t.Errorf("row %q lacks %q", rows[1], want)
		}
	}
}
