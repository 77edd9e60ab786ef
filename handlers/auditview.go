package handlers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// auditView is an audit entry as the API lists it: the stored entry (codes
// and the before/after JSON, for machines) with what a person reads — a
// sentence and a diff (fields changed, words or lines added and removed).
type auditView struct {
	store.AuditEntry
	Summary string        `json:"summary"`
	Changes []auditChange `json:"changes,omitempty"`
	Added   []string      `json:"added,omitempty"`
	Removed []string      `json:"removed,omitempty"`
}

// auditChange is one field that changed, both sides written for people.
type auditChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// auditFieldZH names the fields of audited objects (cases, chats, lists).
var auditFieldZH = map[string]string{
	"status":             "状态",
	"decision":           "处理决定",
	"decided_by":         "处理人",
	"decision_at":        "处理时间",
	"note":               "备注",
	"suggested_sanction": "建议处分",
	"severity":           "严重程度",
	"category":           "类别",
	"reason":             "原因",
	"kind":               "群类型",
	"owner":              "群主",
	"name":               "群名称",
	"entries":            "词条数",
	"mode":               "导入方式",
	"format":             "文件格式",
	"header":             "说明",
	"role":               "角色",
	"created":            "创建时间",
	"expires":            "到期时间",
	// Appeals (mine.go, review.go): the violation by its 记录 reference.
	"violation": "违规记录",
	// 离职继承 (extcontact.go, bot/handover).
	"takeover": "接替成员",
	"queued":   "排队数",
	"items":    "转接数",
	"waiting":  "等待接替",
	"taken":    "已接替",
	"failed":   "失败",
	"errcode":  "企业微信错误码",
}

// auditSkip are fields that change with every write and say nothing.
var auditSkip = map[string]bool{"call": true, "set_by": true, "updated": true, "violations": true, "opened": true, "id": true, "user": true, "chat_id": true, "added": true, "removed": true}

// statusZH names the statuses of cases and appeals.
var statusZH = map[string]string{"open": "待处理", "acknowledged": "已受理", "resolved": "已处理", "accepted": "已通过", "rejected": "未通过"}

// describeAudit writes e for people: who did what to what, and the diff.
func describeAudit(e store.AuditEntry, l labels, loc *time.Location) auditView {
	v := auditView{AuditEntry: e}
	who := e.User
	if who == "" {
		who = "系统"
	}
	v.Summary = who + " " + zh(auditZH, e.Action) + targetZH(e.Action, e.Target, l)
	before, after := decodeAudit(e.Before), decodeAudit(e.After)
	if s, ok := dlpAuditSummary(e, after); ok {
		v.Summary = who + " " + s
		return v
	}
	switch e.Action {
	case "list.edit":
		v.Added = wordsOf(after["added"])
		v.Removed = wordsOf(after["removed"])
		v.Summary += countsZH(len(v.Added), len(v.Removed), "个词")
	case "rules.update", "list.delete":
		v.Added, v.Removed = lineDiff(textOf(e.Before), textOf(e.After))
		v.Summary += countsZH(len(v.Added), len(v.Removed), "行")
	}
	if e.Action == "case.resolve" {
		if d, ok := after["decision"].(string); ok && d != "" {
			v.Summary += "，决定：" + d
		}
	}
	v.Changes = fieldChanges(before, after, loc)
	return v
}

// targetZH names what an action was done to.
func targetZH(action, target string, l labels) string {
	if target == "" {
		return ""
	}
	switch {
	case strings.HasPrefix(action, "violation."):
		return "（记录 " + target + "）"
	case strings.HasPrefix(action, "list."):
		id := strings.TrimSuffix(strings.TrimPrefix(target, "lists/"), ".txt")
		return "「" + l.list(id) + "」"
	case action == "rules.update":
		return "（policy.yaml）"
	case action == "ui.login":
		return "" // the target is a token id, of no use to a reader
	case strings.HasPrefix(action, "appeal."):
		return "" // an appeal id; the record is among the changes
	}
	return " " + target
}

// countsZH writes "，新增 2 个词，删除 1 个词"; nothing when both are 0.
func countsZH(added, removed int, unit string) string {
	var s string
	if added > 0 {
		s += fmt.Sprintf("，新增 %d %s", added, unit)
	}
	if removed > 0 {
		s += fmt.Sprintf("，删除 %d %s", removed, unit)
	}
	return s
}

// decodeAudit reads a before/after object; anything else is no fields.
func decodeAudit(raw json.RawMessage) map[string]any {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// textOf reads a before/after that is a JSON string (a file's content).
func textOf(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// wordsOf reads the added or removed words of a list edit: strings, or
// entries with a "word".
func wordsOf(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		switch it := it.(type) {
		case string:
			out = append(out, it)
		case map[string]any:
			if w, ok := it["word"].(string); ok {
				out = append(out, w)
			}
		}
	}
	return out
}

// lineDiff returns the lines of after not in before and those of before
// not in after, in file order. A set difference, not an LCS: a reader wants
// what came and went, and policies and lists are short and unordered.
func lineDiff(before, after string) (added, removed []string) {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for line := range strings.SplitSeq(s, "\n") {
			if line = strings.TrimRight(line, " \t\r"); line != "" {
				m[line]++
			}
		}
		return m
	}
	b, a := count(before), count(after)
	seen := map[string]int{}
	for line := range strings.SplitSeq(after, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			continue
		}
		seen[line]++
		if seen[line] > b[line] {
			added = append(added, line)
		}
	}
	seen = map[string]int{}
	for line := range strings.SplitSeq(before, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			continue
		}
		seen[line]++
		if seen[line] > a[line] {
			removed = append(removed, line)
		}
	}
	return added, removed
}

// fieldChanges lists the named fields whose value differs, in a stable
// order.
func fieldChanges(before, after map[string]any, loc *time.Location) []auditChange {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []auditChange
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if auditSkip[k] {
			continue
		}
		b, a := valueZH(k, before[k], loc), valueZH(k, after[k], loc)
		if b == a {
			continue
		}
		out = append(out, auditChange{Field: zh(auditFieldZH, k), Before: b, After: a})
	}
	return out
}

// valueZH writes one field's value for people: names for codes, times in
// loc, lists joined; "（无）" for nothing.
func valueZH(field string, v any, loc *time.Location) string {
	switch v := v.(type) {
	case nil:
		return "（无）"
	case string:
		if v == "" {
			return "（无）"
		}
		switch field {
		case "status":
			return zh(statusZH, v)
		case "severity":
			return zh(severityZH, v)
		case "kind":
			return zh(chatKindZH, v)
		case "role":
			return roleZH(v)
		case "violation":
			return "记录 " + bot.Ref(v)
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return formatTime(t, loc)
		}
		return v
	case float64:
		return fmt.Sprintf("%g", v)
	case bool:
		if v {
			return "是"
		}
		return "否"
	case []any:
		parts := make([]string, 0, len(v))
		for _, it := range v {
			parts = append(parts, valueZH(field, it, loc))
		}
		return strings.Join(parts, "、")
	case map[string]any:
		if w, ok := v["word"].(string); ok {
			return w
		}
	}
	return "（已更改）"
}
