package handlers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

func defaultEngine(t *testing.T) *rules.Engine {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return e
}

// TestExplainZH checks the 试一试 explanation of the default policy: a
// Chinese sentence with labels, not ids or codes.
func TestExplainZH(t *testing.T) {
	e := defaultEngine(t)
	names := labelsOf(e.RuleSet())
	for _, tc := range []struct {
		text    string
		kind    rules.ChatKind
		want    []string
		notWant []string
	}{
		{"你这个傻逼", rules.ChatWork, []string{"规则「辱骂人身攻击」", "工作群中的关键词", "来自词库「", "严重程度中", "处理方式：私信提醒"}, []string{"abuse/", "rule ", "keyword", "warn"}},
		{"加我微信 abc12345 详聊", rules.ChatWork, []string{"规则「微信/QQ 引流」", "微信/QQ 引流“"}, []string{"wechat_id", "ads-wechat-solicit"}},
		{"找外包代开发发票管理系统", rules.ChatWork, []string{"出现在软件开发说明中"}, []string{"software-outsourcing"}},
		{"明天下午反洗钱培训", rules.ChatWork, []string{"出现在反制措施的名称中"}, []string{"anti-prefix"}},
		{"为智障人士提供岗位", rules.ChatWork, []string{"是对特定人群的中性称呼"}, []string{"people-term"}},
		{"法务部在审一起洗钱案的材料", rules.ChatWork, []string{"出现在案件或罪名的讨论中"}, []string{"legal-case"}},
		{"安兔兔跑分平台显示新机型八十万分", rules.ChatWork, []string{"出现在设备性能测试说明中"}, []string{"benchmark"}},
		{"招聘兼职客服，在家办公，日结150，宝妈学生优先", rules.ChatWork, []string{"来自词库「招揽用语」（该词库的词单独出现不算，同一条消息里有 3 个或更多不同的词才算）"}, []string{"pitch", "ads/"}},
		{"优秀员工评选的投票链接发群里了", rules.ChatWork, []string{"出现在单位评选或问卷说明中"}, []string{"workplace-vote"}},
	} {
		v := e.Evaluate(tc.text, rules.Context{ChatKind: tc.kind})
		if len(v.Hits) == 0 {
			t.Fatalf("%q: no hits", tc.text)
		}
		got := explainZH(v.Hits[0], tc.kind, names)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q: explanation %q lacks %q", tc.text, got, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%q: explanation %q holds the code %q", tc.text, got, w)
			}
		}
	}
}

// TestExplainZHShadowAndFallback checks the shadow and held endings and
// that a rule without a label is shown by its id.
func TestExplainZHShadowAndFallback(t *testing.T) {
	h := rules.Hit{Rule: "x-rule", Category: "c", Masked: "a**", Severity: rules.SeverityLow, Action: rules.ActionLog, Shadow: true, Confidence: 30, Context: "prohibition"}
	got := explainZH(h, rules.ChatExternal, labelsOf(nil))
	for _, w := range []string{"规则「x-rule」", "外部群中", "观察期", "出现在禁止性说明中"} {
		if !strings.Contains(got, w) {
			t.Errorf("explanation %q lacks %q", got, w)
		}
	}
	h.Held = true
	if got := explainZH(h, rules.ChatExternal, labelsOf(nil)); !strings.Contains(got, "低于规则的要求") {
		t.Errorf("held explanation %q does not say why", got)
	}
}

func TestFormatTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		sh = time.FixedZone("CST", 8*3600)
	}
	ny := time.FixedZone("EST", -5*3600)
	at := time.Date(2026, 12, 1, 6, 5, 59, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{at, sh, "2026-12-01 14:05"},
		{at, nil, "2026-12-01 14:05"},
		{at, ny, "2026-12-01 01:05"},
		{time.Time{}, sh, ""},
	} {
		if got := formatTime(tc.t, tc.loc); got != tc.want {
			t.Errorf("formatTime(%v, %v) = %q, want %q", tc.t, tc.loc, got, tc.want)
		}
	}
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDescribeAudit checks the audit sentence and diff of each kind of
// change: fields of a case, words of a list, lines of the policy.
func TestDescribeAudit(t *testing.T) {
	names := labelsOf(defaultEngine(t).RuleSet())
	loc := time.FixedZone("CST", 8*3600)
	decided := time.Date(2026, 12, 1, 6, 5, 0, 0, time.UTC)
	before := store.Case{ID: "C1", Status: "open", Severity: "high"}
	after := before
	after.Status, after.Decision, after.DecidedBy, after.DecisionAt = "resolved", "警告", "hr1", decided
	for _, tc := range []struct {
		name          string
		e             store.AuditEntry
		summary       string
		changes       []auditChange
		added, remove []string
	}{
		{
			name:    "case resolved",
			e:       store.AuditEntry{User: "hr1", Action: "case.resolve", Target: "C1", Before: raw(t, before), After: raw(t, after)},
			summary: "hr1 处理案件 C1，决定：警告",
			changes: []auditChange{
				{Field: "处理人", Before: "（无）", After: "hr1"},
				{Field: "处理决定", Before: "（无）", After: "警告"},
				{Field: "处理时间", Before: "（无）", After: "2026-12-01 14:05"},
				{Field: "状态", Before: "待处理", After: "已处理"},
			},
		},
		{
			name: "list words",
			e: store.AuditEntry{User: "hr1", Action: "list.edit", Target: "lists/abuse/insults.txt",
				Before: raw(t, map[string]any{"entries": 10}),
				After:  raw(t, map[string]any{"entries": 11, "added": []entryJSON{{Word: "蠢货"}, {Word: "废物"}}, "removed": []string{"笨"}})},
			summary: "hr1 编辑词库「侮辱词汇」，新增 2 个词，删除 1 个词",
			changes: []auditChange{{Field: "词条数", Before: "10", After: "11"}},
			added:   []string{"蠢货", "废物"},
			remove:  []string{"笨"},
		},
		{
			name:    "policy lines",
			e:       store.AuditEntry{User: "hr2", Action: "rules.update", Target: "policy.yaml", Before: raw(t, "a: 1\nb: 2\n"), After: raw(t, "a: 1\nb: 3\nc: 4\n")},
			summary: "hr2 修改规则（policy.yaml），新增 2 行，删除 1 行",
			added:   []string{"b: 3", "c: 4"},
			remove:  []string{"b: 2"},
		},
		{
			name:    "appeal filed from the employee's page",
			e:       store.AuditEntry{User: "zhangsan", Role: RoleEmployee, Action: "appeal.file", Target: store.AppealIDFor("msg:a3"), After: raw(t, map[string]any{"violation": "msg:a3"})},
			summary: "zhangsan 提交申诉",
			changes: []auditChange{{Field: "违规记录", Before: "（无）", After: "记录 " + bot.Ref("msg:a3")}},
		},
		{
			name: "appeal accepted",
			e: store.AuditEntry{User: "hr1", Action: "appeal.accept", Target: store.AppealIDFor("msg:a3"),
				After: raw(t, map[string]any{"status": "accepted", "reason": "已核实", "violation": "msg:a3"})},
			summary: "hr1 通过申诉",
			changes: []auditChange{{Field: "原因", Before: "（无）", After: "已核实"}, {Field: "状态", Before: "（无）", After: "已通过"},
				{Field: "违规记录", Before: "（无）", After: "记录 " + bot.Ref("msg:a3")}},
		},
		{
			name:    "chat kind",
			e:       store.AuditEntry{User: "hr1", Action: "chat.set", Target: "wr1", Before: raw(t, store.ChatInfo{ChatID: "wr1", Kind: "work"}), After: raw(t, store.ChatInfo{ChatID: "wr1", Kind: "external", Name: "销售群"})},
			summary: "hr1 设置群聊 wr1",
			changes: []auditChange{{Field: "群类型", Before: "工作群", After: "外部群"}, {Field: "群名称", Before: "（无）", After: "销售群"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := describeAudit(tc.e, names, loc)
			if v.Summary != tc.summary {
				t.Errorf("summary %q, want %q", v.Summary, tc.summary)
			}
			if !slices.Equal(v.Changes, tc.changes) {
				t.Errorf("changes %+v, want %+v", v.Changes, tc.changes)
			}
			if !slices.Equal(v.Added, tc.added) || !slices.Equal(v.Removed, tc.remove) {
				t.Errorf("added %q removed %q, want %q %q", v.Added, v.Removed, tc.added, tc.remove)
			}
			text := v.Summary
			for _, c := range v.Changes {
				text += c.Field + c.Before + c.After
			}
			if strings.ContainsAny(text, "{}\"") || strings.Contains(text, tc.e.Action) {
				t.Errorf("%q reads as JSON or holds the action code", text)
			}
			for _, code := range []string{"msg:", "accepted", store.AppealIDFor("msg:a3")} {
				if strings.Contains(text, code) {
					t.Errorf("%q shows the code %q", text, code)
				}
			}
		})
	}
}

// TestI18nMatchesConsole checks that the console's names (web/i18n.js)
// and the server's agree, so a code reads the same on every page and in
// every export.
func TestI18nMatchesConsole(t *testing.T) {
	js, err := webFiles.ReadFile("web/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]map[string]string{
		"kinds": kindZH, "severities": severityZH, "actions": actionZH, "chat kinds": chatKindZH, "audit actions": auditZH,
		"roles": {RoleHR: roleZH(RoleHR), RoleOwner: roleZH(RoleOwner), RoleAuditor: roleZH(RoleAuditor), RoleEmployee: roleZH(RoleEmployee), "system": roleZH("system")},
	} {
		for code, zhName := range m {
			if !strings.Contains(string(js), `"`+zhName+`"`) {
				t.Errorf("%s: %s is %q on the server but not in web/i18n.js", name, code, zhName)
			}
		}
	}
}
