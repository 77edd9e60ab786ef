package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"
)

// ActionKind is what an outbox action does.
type ActionKind string

// Action kinds.
const (
	ActWarnSender  ActionKind = "warn_sender"  // private warning to the sender (message/send)
	ActAlertOwner  ActionKind = "alert_owner"  // alert to the group owner
	ActEscalateHR  ActionKind = "escalate_hr"  // case notice to HR
	ActGroupNotice ActionKind = "group_notice" // public criticism in the group (robot webhook)
)

// Action is one consequence of a violation that calls WeCom; it travels
// through the durable outbox as JSON. Evidence is always masked.
type Action struct {
	Kind  ActionKind `json:"kind"`
	Key   string     `json:"key"` // idempotency key: message id + kind
	MsgID string     `json:"msg_id"`
	From  string     `json:"from"`
	// FromName is the sender's display name, looked up at delivery.
	FromName string    `json:"from_name,omitempty"`
	ChatID   string    `json:"chat_id,omitempty"`
	ChatKind string    `json:"chat_kind"`
	Time     time.Time `json:"time"`
	// Categories are the categories the message violated, most severe
	// first; Labels their names for readers (商业机密), from the policy.
	Categories []string `json:"categories"`
	Labels     []string `json:"labels,omitempty"`
	Severity   string   `json:"severity"`
	Evidence   []string `json:"evidence"`
	InShort    int64    `json:"in_short"` // violations in the ladder's short window
	InLong     int64    `json:"in_long"`
	// ShortWindow and LongWindow name the ladder's windows ("24小时", "7天").
	ShortWindow string `json:"short_window,omitempty"`
	LongWindow  string `json:"long_window,omitempty"`
	Sanction    string `json:"sanction,omitempty"`
	CaseID      string `json:"case_id,omitempty"`
	Critical    bool   `json:"critical,omitempty"`
	// Content is a message made in advance (the HR digest).
	Content string `json:"content,omitempty"`
	// Announce is HR's announcement chat (appchat) for a criticism of a
	// group without a robot (decision.go).
	Announce string `json:"announce,omitempty"`
	// Link opens the record in the console, signed in (ConsoleLinks);
	// filled at delivery, never queued.
	Link string `json:"-"`
}

// linkMD is the markdown link of an alert to its record, or "".
func (a Action) linkMD(text string) string {
	if a.Link == "" {
		return ""
	}
	return "[" + text + "](" + a.Link + ")"
}

// categories names the action's categories for readers: the policy's
// labels, or the category names of actions queued without them.
func (a Action) categories() string {
	if len(a.Labels) == len(a.Categories) && len(a.Labels) > 0 {
		return strings.Join(a.Labels, "、")
	}
	return strings.Join(a.Categories, "、")
}

// windows names the ladder's windows, with the defaults for actions queued
// before they were recorded.
func (a Action) windows() (short, long string) {
	short, long = a.ShortWindow, a.LongWindow
	if short == "" {
		short = "24小时"
	}
	if long == "" {
		long = "7天"
	}
	return short, long
}

// who names the sender for readers of alerts: "张三(zhangsan)".
func (a Action) who() string {
	if a.FromName == "" || a.FromName == a.From {
		return a.From
	}
	return a.FromName + "(" + a.From + ")"
}

func (a Action) where() string {
	if a.ChatID == "" {
		return "企业微信"
	}
	return "群聊「" + a.ChatID + "」"
}

// WarningText is the private warning to the sender. With a Link (the
// console's public address is set) it offers to appeal online too: a text
// message may carry an <a> tag, which WeCom opens in its own browser.
func WarningText(a Action) string {
	appeal := "如有异议，请回复「申诉 理由」。"
	if a.Link != "" {
		appeal = "如有异议，请回复「申诉 理由」，或<a href=\"" + html.EscapeString(a.Link) + "\">在线查看并申诉</a>。"
	}
	return fmt.Sprintf("【企业微信使用规范提醒】您在%s发送的消息涉及「%s」（%s），违反公司企业微信使用规范，请勿再发。多次违规将通知群主并上报人力资源部。%s（记录 %s）",
		a.where(), a.categories(), a.evidence(), appeal, a.ref())
}

// maxEvidenceRunes bounds the evidence shown in one message line.
const maxEvidenceRunes = 200

// evidence is the masked evidence as one bounded text, scrubbed (every
// e-mail address and long digit run masked) as a defence in depth, before
// the cut so that no part of a number is left raw.
func (a Action) evidence() string {
	text := scrub(strings.Join(a.Evidence, "，"))
	if utf8.RuneCountInString(text) <= maxEvidenceRunes {
		return text
	}
	r := []rune(text)
	return string(r[:maxEvidenceRunes]) + "…"
}

// ref is a short reference of the action, shown in every message and in
// every line of a digest (so a reader, and the chaos suite, can tell each
// alert apart and find it in the console): WeCom's
// duplicate check drops an identical message to the same member within 30
// minutes, which makes a resend of one action harmless but would also
// swallow a second, identical warning about another message.
func (a Action) ref() string {
	sum := sha256.Sum256([]byte(a.Key))
	return hex.EncodeToString(sum[:4])
}

// line is the one-line summary of an action inside an alert or a digest.
func (a Action) line() string {
	short, _ := a.windows()
	return fmt.Sprintf("%s %s 在%s：%s（%s），%s内第%d次（记录 %s）",
		a.Time.In(shanghai).Format("01-02 15:04"), a.who(), a.where(), a.categories(),
		a.evidence(), short, a.InShort, a.ref())
}

// render builds the message for one recipient from one or more actions of
// the same kind: a single alert, or a digest when several arrive at once.
// Warnings are plain text; the others are markdown.
func render(kind ActionKind, acts []Action) string {
	var b strings.Builder
	switch kind {
	case ActReport:
		return renderReport(acts)
	case ActMemberNotice, ActHRNotice, ActCriticism:
		return renderReview(kind, acts)
	case ActProfileName, ActHandoverHR, ActHandoverLeader:
		return renderDirectory(kind, acts)
	case ActAlertOwner:
		if len(acts) == 1 {
			a := acts[0]
			short, _ := a.windows()
			fmt.Fprintf(&b, "**违规提醒**\n>成员：%s\n>位置：%s\n>类别：%s\n>证据：%s\n>%s内第 %d 次违规\n\n请提醒该成员遵守公司企业微信使用规范。（记录 %s）",
				a.who(), a.where(), a.categories(), a.evidence(), short, a.InShort, a.ref())
			if l := a.linkMD("在控制台查看"); l != "" {
				b.WriteString("\n" + l)
			}
			return b.String()
		}
		fmt.Fprintf(&b, "**违规提醒汇总（%d 条）**\n", len(acts))
	case ActEscalateHR:
		if len(acts) == 1 {
			a := acts[0]
			title := "**违规上报**"
			if a.Critical {
				title = "**<font color=\"warning\">紧急违规上报</font>**"
			}
			_, long := a.windows()
			fmt.Fprintf(&b, "%s 案件 %s\n>成员：%s\n>位置：%s\n>类别：%s（%s）\n>证据：%s\n>%s内第 %d 次违规\n>建议处理：%s（由人力资源部决定）（记录 %s）",
				title, a.CaseID, a.who(), a.where(), a.categories(), severityLabel(a.Severity),
				a.evidence(), long, a.InLong, a.Sanction, a.ref())
			if l := a.linkMD("在控制台处理"); l != "" {
				b.WriteString("\n" + l)
			}
			return b.String()
		}
		fmt.Fprintf(&b, "**违规上报汇总（%d 条）**\n", len(acts))
	case ActDigest:
		texts := make([]string, len(acts))
		for i, a := range acts {
			texts[i] = a.Content
		}
		return strings.Join(texts, "\n\n")
	case ActGroupNotice:
		if len(acts) == 1 {
			a := acts[0]
			fmt.Fprintf(&b, "**通报**：成员 %s 发送的消息涉及「%s」，违反公司企业微信使用规范，请大家共同遵守。（记录 %s）", a.From, a.categories(), a.ref())
			return b.String()
		}
		b.WriteString("**通报**：以下成员发送的消息违反公司企业微信使用规范，请大家共同遵守。\n")
		for _, a := range acts {
			fmt.Fprintf(&b, ">成员 %s：%s（记录 %s）\n", a.From, a.categories(), a.ref())
		}
		return b.String()
	default:
		// Warnings to one sender: joined, one paragraph each.
		texts := make([]string, len(acts))
		for i, a := range acts {
			texts[i] = WarningText(a)
		}
		return strings.Join(texts, "\n\n")
	}
	for _, a := range acts {
		b.WriteString(">")
		b.WriteString(a.line())
		if a.CaseID != "" {
			fmt.Fprintf(&b, "，案件 %s，建议：%s", a.CaseID, a.Sanction)
		}
		if l := a.linkMD("查看"); l != "" {
			b.WriteString(" " + l)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// shanghai is the time zone of alerts; a fixed zone needs no tzdata.
var shanghai = time.FixedZone("CST", 8*3600)
