package bot

import "strings"

// defaultLabels name the default policy's categories for code that has no
// rule set at hand; the policy's own labels (Category.Label) win wherever
// the rule set is known.
var defaultLabels = map[string]string{
	"secrets":       "商业机密",
	"customer_data": "客户信息/个人隐私",
	"illegal":       "违法违规内容",
	"ads":           "广告推销",
	"abuse":         "辱骂人身攻击",
	"off_topic":     "与工作无关内容",
	"profile_name":  "不当昵称",
}

func categoryLabel(c string) string {
	if n, ok := defaultLabels[c]; ok {
		return n
	}
	return c
}

func categoryLabels(cs []string) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = categoryLabel(c)
	}
	return strings.Join(out, "、")
}

// severityLabels name the severities for readers of alerts.
var severityLabels = map[string]string{"low": "低", "medium": "中", "high": "高", "critical": "严重"}

// severityLabel names severity s (its code when unknown).
func severityLabel(s string) string {
	if n, ok := severityLabels[s]; ok {
		return n
	}
	return s
}

// actionKindLabels name the outbox's action kinds for HR.
var actionKindLabels = map[ActionKind]string{
	ActWarnSender:     "违规提醒（发给本人）",
	ActAlertOwner:     "违规提醒（发给群主）",
	ActEscalateHR:     "违规上报（发给 HR）",
	ActGroupNotice:    "群内通报",
	ActReport:         "成员举报",
	ActDigest:         "HR 汇总",
	ActProfileName:    "不当昵称提醒",
	ActHandoverHR:     "离职交接（发给 HR）",
	ActHandoverLeader: "离职交接（发给直属上级）",
	ActMemberNotice:   "处理结果通知（发给本人）",
	ActHRNotice:       "待处理通知（发给 HR）",
	ActCriticism:      "通报批评",
	ActWeComCall:      "企业微信接口调用（客户联系）",
}

// ActionKindLabel names kind for people ("违规提醒（发给群主）"); the code
// itself for a kind without a name.
func ActionKindLabel(kind ActionKind) string {
	if n, ok := actionKindLabels[kind]; ok {
		return n
	}
	return string(kind)
}

// ActionRecipient says who an action is delivered to, for people reading
// a failed delivery: the member, the group's owner, HR, the group.
func ActionRecipient(a Action) string {
	switch a.Kind {
	case ActWarnSender:
		return "成员 " + a.who()
	case ActAlertOwner, ActReport:
		return a.where() + "的群主"
	case ActMemberNotice:
		return "成员 " + a.who()
	case ActCriticism:
		if a.Announce != "" {
			return "公告群「" + a.Announce + "」"
		}
		return a.where() + "（群机器人）"
	case ActGroupNotice:
		return a.where() + "（群机器人）"
	case ActHandoverLeader:
		return a.who() + " 的直属上级"
	case ActWeComCall:
		return "企业微信"
	default:
		return "人力资源部"
	}
}

// ActionText is the message an action delivers, as its recipient reads it.
func ActionText(a Action) string {
	if a.Kind == ActWeComCall {
		return a.Content // what the call does (outcall.Envelope.Text)
	}
	return render(a.Kind, []Action{a})
}
