package bot

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// decisionLabels say HR's decisions to the employee.
var decisionLabels = map[string]string{
	SanctionWarning: "警告", SanctionCriticism: "通报批评", SanctionSuspend: "停用账号",
	SanctionDismiss: "解除劳动合同", "no_action": "不予处分", DecisionFalseAlarm: "误报，已撤销",
}

// Notices name where a decision went (store.CaseReview.Notices).
const (
	NoticeMember       = "member"
	NoticeGroup        = "group"
	NoticeAnnouncement = "announcement"
)

// Announced is where HR's decision on a case went.
type Announced struct {
	Case store.Case `json:"case"`
	// Notices are NoticeMember, NoticeGroup, NoticeAnnouncement.
	Notices []string `json:"notices"`
	// Missing says, for people, what could not be sent and why ("" when
	// everything went).
	Missing string `json:"missing,omitempty"`
}

// AnnounceDecision tells the employee of case id HR's decision and the
// reason (reason, or the case's own when empty) in a private message, and
// for 通报批评 posts a masked notice — name, category, no message text —
// through the group's robot, or in HR's announcement chat when the group
// has none. 解除劳动合同 stays a record: HR tells the employee in person.
// The messages are queued once: announcing again sends nothing twice.
func (r *Reviewer) AnnounceDecision(ctx context.Context, id, reason string) (Announced, error) {
	if utf8.RuneCountInString(reason) > maxReviewText {
		return Announced{}, fmt.Errorf("reason over %d characters: %w", maxReviewText, ErrInvalid)
	}
	c, ok, err := r.cfg.Store.Case(ctx, id)
	if err != nil {
		return Announced{}, storeErr(err)
	}
	if !ok {
		return Announced{}, fmt.Errorf("case %q: %w", id, ErrNotFound)
	}
	if c.Status != store.CaseResolved || c.Decision == "" {
		return Announced{}, fmt.Errorf("case %s has no decision yet: %w", id, ErrConflict)
	}
	out := Announced{Case: c}
	if c.Decision == SanctionDismiss {
		out.Missing = "解除劳动合同仅作记录，不向成员发送消息，请由人力资源部当面告知。"
		return out, nil
	}
	why := strings.TrimSpace(reason)
	if why == "" {
		why = c.Reason
	}
	what := r.label(c.Category)
	text := fmt.Sprintf("【违规处理结果】您的违规案件 %s（%s）已由人力资源部处理。处理决定：%s。", c.ID, what, decisionLabel(c.Decision))
	if why != "" {
		text += "原因：" + strings.TrimSuffix(why, "。") + "。"
	}
	switch c.Decision {
	case "no_action", DecisionFalseAlarm:
		text += "感谢您的配合。"
	default:
		text += "请遵守公司企业微信使用规范；如有异议，可回复「申诉 理由」或联系人力资源部。"
	}
	if len(c.Violations) > 0 {
		text += r.recordLink(c.Violations[0])
	}
	if err := r.tell(ctx, "case/"+c.ID+"/decision/"+c.Decision, c.User, text); err != nil {
		return out, err
	}
	out.Notices = append(out.Notices, NoticeMember)
	if c.Decision == SanctionCriticism {
		notice, missing, err := r.criticise(ctx, c)
		if err != nil {
			return out, err
		}
		if notice != "" {
			out.Notices = append(out.Notices, notice)
		}
		out.Missing = missing
	}
	_, after, err := r.cfg.Store.UpdateCase(ctx, c.ID, func(c *store.Case) error {
		for _, n := range out.Notices {
			if !slices.Contains(c.Notices, n) {
				c.Notices = append(c.Notices, n)
			}
		}
		return nil
	})
	if err != nil {
		return out, storeErr(err)
	}
	out.Case = after
	return out, nil
}

func decisionLabel(d string) string {
	if l, ok := decisionLabels[d]; ok {
		return l
	}
	return d
}

// criticise queues the 通报批评 of case c: in the group of its first
// violation that has a robot, else in the announcement chat.
func (r *Reviewer) criticise(ctx context.Context, c store.Case) (notice, missing string, err error) {
	a := Action{Kind: ActCriticism, Key: "case/" + c.ID + "/criticism", MsgID: c.ID, From: c.User, CaseID: c.ID,
		Categories: []string{c.Category}, Labels: []string{r.label(c.Category)}, Severity: c.Severity}
	for _, vid := range c.Violations {
		if slices.Contains(c.Withdrawn, vid) {
			continue
		}
		v, ok, err := r.cfg.Store.Violation(ctx, vid)
		if err != nil {
			return "", "", storeErr(err)
		}
		if !ok || v.ChatID == "" {
			continue
		}
		if a.ChatID == "" {
			a.ChatID, a.ChatKind = v.ChatID, v.ChatKind
		}
		if r.cfg.GroupNotices[v.ChatID] {
			a.ChatID, a.ChatKind = v.ChatID, v.ChatKind
			return NoticeGroup, "", r.enqueue(ctx, a)
		}
	}
	if r.cfg.AnnounceChat != "" {
		a.Announce = r.cfg.AnnounceChat
		return NoticeAnnouncement, "", r.enqueue(ctx, a)
	}
	return "", "该群未配置群机器人（enforcement.group_notices），也未配置公告群（enforcement.announce_chat），通报批评未发送。", nil
}

// renderReview builds the message of the review's kinds; render() calls
// it. A criticism names the member (their name, looked up at delivery) and
// the category only: never the message or its evidence.
func renderReview(kind ActionKind, acts []Action) string {
	if kind != ActCriticism {
		texts := make([]string, len(acts))
		for i, a := range acts {
			texts[i] = a.Content
		}
		return strings.Join(texts, "\n\n")
	}
	var b strings.Builder
	for i, a := range acts {
		if i > 0 {
			b.WriteString("\n\n")
		}
		where := ""
		if a.ChatID != "" {
			where = "在" + a.where()
		}
		fmt.Fprintf(&b, "**通报批评**\n成员 %s %s发送的消息涉及「%s」，违反公司企业微信使用规范，经人力资源部决定给予通报批评。请大家引以为戒，共同遵守。（案件 %s）",
			a.who(), where, a.categories(), a.CaseID)
	}
	return b.String()
}

// reviewRecipient resolves who gets the review's kinds; recipient() calls
// it: the member, HR, or the group's robot / the announcement chat.
func (s *Sender) reviewRecipient(a Action) (string, error) {
	switch a.Kind {
	case ActMemberNotice:
		return "user:" + a.From, nil
	case ActHRNotice:
		if s.cfg.HR.Empty() {
			return "", fmt.Errorf("no HR recipients configured (hr.users, hr.departments or hr.tags): %w", errNoRecipient)
		}
		return "hr", nil
	}
	if a.Announce == "" {
		if s.cfg.Robots[a.ChatID] == "" {
			return "", fmt.Errorf("no group robot configured for chat %q (enforcement.group_notices): %w", a.ChatID, errNoRecipient)
		}
		return "webhook:" + s.cfg.Robots[a.ChatID], nil
	}
	return "appchat:" + a.Announce, nil
}

// Second confirmation of a suspension.
const (
	confirmSuspend = "suspend"
	// SuspendConfirmTTL is how long HR has to confirm a suspension.
	SuspendConfirmTTL = 5 * time.Minute
)

// SuspendPlan is what a suspension will do, shown to HR before they
// confirm it with Token.
type SuspendPlan struct {
	Case    string    `json:"case"`
	User    string    `json:"user"`
	Token   string    `json:"confirm"`
	Expires time.Time `json:"expires"`
	// Text says it for people.
	Text string `json:"text"`
}

// PlanSuspension is the first step of carrying out 停用账号 from the
// console: the case must be decided 停用账号 and not carried out yet. It
// arms a one-time confirmation and says what will happen.
func (r *Reviewer) PlanSuspension(ctx context.Context, id string) (SuspendPlan, error) {
	c, err := r.suspendable(ctx, id)
	if err != nil {
		return SuspendPlan{}, err
	}
	tok := rand.Text()
	if err := r.cfg.Store.ArmConfirmation(ctx, confirmSuspend, c.ID, tok, SuspendConfirmTTL); err != nil {
		return SuspendPlan{}, storeErr(err)
	}
	exp := r.cfg.Now().Add(SuspendConfirmTTL)
	return SuspendPlan{Case: c.ID, User: c.User, Token: tok, Expires: exp,
		Text: fmt.Sprintf("将通过企业微信停用成员 %s 的账号（案件 %s，处理决定：停用账号）。停用后该成员无法登录企业微信，需管理员在通讯录中重新启用。请在 %s 前再次确认。",
			c.User, c.ID, exp.In(shanghai).Format("15:04"))}, nil
}

// Suspend carries out 停用账号 of case id once HR confirmed the plan with
// its token: WeCom's user/update with enable 0, then the case records who
// did it and when. A wrong or expired token is refused; the right one
// confirms once.
func (r *Reviewer) Suspend(ctx context.Context, id, token, by string) (store.Case, error) {
	c, err := r.suspendable(ctx, id)
	if err != nil {
		return store.Case{}, err
	}
	ok, err := r.cfg.Store.TakeConfirmation(ctx, confirmSuspend, c.ID, token)
	if err != nil {
		return store.Case{}, storeErr(err)
	}
	if !ok {
		return store.Case{}, fmt.Errorf("the confirmation of suspending %s is wrong or expired; start again: %w", c.User, ErrInvalid)
	}
	if err := r.cfg.Accounts.DisableUser(ctx, c.User); err != nil {
		return store.Case{}, fmt.Errorf("suspend %s: %w", c.User, err)
	}
	now := r.cfg.Now()
	_, after, err := r.cfg.Store.UpdateCase(ctx, c.ID, func(c *store.Case) error {
		if c.Suspended == nil {
			c.Suspended = &store.Suspension{At: now, By: by}
		}
		return nil
	})
	return after, storeErr(err)
}

// suspendable returns case id if a suspension may be carried out on it.
func (r *Reviewer) suspendable(ctx context.Context, id string) (store.Case, error) {
	if r.cfg.Accounts == nil {
		return store.Case{}, fmt.Errorf("suspending accounts is not available in this deployment: %w", ErrUnavailable)
	}
	c, ok, err := r.cfg.Store.Case(ctx, id)
	if err != nil {
		return c, storeErr(err)
	}
	switch {
	case !ok:
		return c, fmt.Errorf("case %q: %w", id, ErrNotFound)
	case c.Status != store.CaseResolved || c.Decision != SanctionSuspend:
		return c, fmt.Errorf("case %s is not decided 停用账号: decide it first: %w", id, ErrConflict)
	case c.Suspended != nil:
		return c, fmt.Errorf("the account of %s was suspended already (%s by %s): %w", c.User, when(c.Suspended.At), c.Suspended.By, ErrConflict)
	}
	return c, nil
}
