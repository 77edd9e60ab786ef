package bot

import (
	"strings"
	"testing"
)

// TestActionForPeople checks what a failed delivery shows HR: who it was
// for, what kind of message, and the message as its recipient reads it,
// with no severity or kind code in it.
func TestActionForPeople(t *testing.T) {
	base := Action{Key: "m1:k", From: "zhangsan", FromName: "张三", ChatID: "wrwork", Categories: []string{"abuse"},
		Labels: []string{"辱骂人身攻击"}, Severity: "high", Evidence: []string{"傻*"}, InShort: 1, InLong: 2, CaseID: "C1", Sanction: SanctionWarning}
	for _, tc := range []struct {
		kind      ActionKind
		recipient string
		label     string
		text      []string
	}{
		{ActWarnSender, "成员 张三(zhangsan)", "违规提醒（发给本人）", []string{"【企业微信使用规范提醒】", "辱骂人身攻击"}},
		{ActAlertOwner, "群聊「wrwork」的群主", "违规提醒（发给群主）", []string{"**违规提醒**", "24小时内第 1 次违规"}},
		{ActEscalateHR, "人力资源部", "违规上报（发给 HR）", []string{"案件 C1", "辱骂人身攻击（高）", "建议处理：警告"}},
		{ActGroupNotice, "群聊「wrwork」（群机器人）", "群内通报", []string{"**通报**"}},
		{ActionKind("future_kind"), "人力资源部", "future_kind", nil},
	} {
		a := base
		a.Kind = tc.kind
		if got := ActionRecipient(a); got != tc.recipient {
			t.Errorf("%s: recipient %q, want %q", tc.kind, got, tc.recipient)
		}
		if got := ActionKindLabel(tc.kind); got != tc.label {
			t.Errorf("%s: label %q, want %q", tc.kind, got, tc.label)
		}
		text := ActionText(a)
		for _, w := range tc.text {
			if !strings.Contains(text, w) {
				t.Errorf("%s: text %q lacks %q", tc.kind, text, w)
			}
		}
		if strings.Contains(text, "high") || strings.Contains(text, "abuse") {
			t.Errorf("%s: text %q shows a code", tc.kind, text)
		}
	}
}
