package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Where appeals come from (store.Appeal.Source).
const (
	AppealFromApp     = "app"
	AppealFromAIBot   = "aibot"
	AppealFromConsole = "console"
)

// The answers to an appeal, for the employee.
const (
	replyAppealFiled    = "已收到您对记录 %s 的申诉，人力资源部将尽快核实，处理结果会通过企业微信通知您。"
	replyAppealAgain    = "您已就记录 %s 提交过申诉（%s），请勿重复提交。"
	replyAppealNoReason = "请在「申诉」后写明理由，例如：申诉 %s 这是客户要求我转发的订单号。"
	replyAppealNone     = "未找到您近期可申诉的违规记录。如需申诉某条记录，请发送「申诉 记录编号 理由」（记录编号见提醒消息末尾）。"
	replyAppealUnknown  = "未找到记录 %s，请核对提醒消息末尾的记录编号；或发送「申诉 理由」申诉最近一条记录。"
	replyAppealDone     = "记录 %s 已撤销，无需申诉。"
	replyAppealLong     = "申诉理由请控制在 %d 字以内。"
)

// appealStatusLabels name an appeal's status for the employee.
var appealStatusLabels = map[string]string{
	store.ReviewOpen: "处理中", store.ReviewAccepted: "已通过", store.ReviewRejected: "未通过",
}

// refPattern finds a violation reference: the 8 hex digits of（记录 1d991024）.
var refPattern = regexp.MustCompile(`(?i)(?:^|[^0-9a-f])([0-9a-f]{8})(?:$|[^0-9a-f])`)

// parseAppeal reads "申诉 [记录编号] 理由" (also 申诉：…, 我要申诉 …); ok is
// false when text is not an appeal. ref is "" when no reference leads the
// reason.
func parseAppeal(text string) (ref, reason string, ok bool) {
	s := strings.TrimSpace(text)
	s, ok = strings.CutPrefix(s, "我要申诉")
	if !ok {
		if s, ok = strings.CutPrefix(s, "申诉"); !ok {
			return "", "", false
		}
	}
	sep := func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(":：,，、", r) }
	s = strings.TrimLeftFunc(s, sep)
	s = strings.TrimLeftFunc(strings.TrimPrefix(s, "记录"), sep)
	if len(s) >= 8 && allHex(s[:8]) && (len(s) == 8 || !isHex(rune(s[8]))) {
		ref, s = strings.ToLower(s[:8]), s[8:]
		s = strings.TrimLeftFunc(s, sep)
	}
	return ref, strings.TrimSpace(s), true
}

func isHex(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

func allDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func allHex(s string) bool {
	for _, r := range s {
		if !isHex(r) {
			return false
		}
	}
	return true
}

// refIn finds the reference a quoted warning carries.
func refIn(quote string) string {
	i := strings.LastIndex(quote, "记录")
	if i < 0 {
		return ""
	}
	m := refPattern.FindStringSubmatch(quote[i+len("记录"):])
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// AppealRequest is an employee's appeal as it arrived.
type AppealRequest struct {
	User   string
	Ref    string // the violation's reference; "" for the latest
	Reason string
	Source string
	// MsgID is the message that carried it: a retry of the same message
	// is answered as the first time.
	MsgID string
	// Violation names the violation directly (the console), instead of Ref.
	Violation string
}

// appealLookback is how many of the member's latest violations an appeal
// by reference searches.
const appealLookback = 50

// FileAppeal files an appeal and returns the answer for the employee. The
// appeal joins the violation's case, or opens one for HR, and HR is told.
// One appeal a violation: a second is answered with the first's status.
// The error is for Redis failures only (wrapping ErrUnavailable).
func (r *Reviewer) FileAppeal(ctx context.Context, req AppealRequest) (string, error) {
	v, reply, err := r.appealTarget(ctx, req)
	if err == nil && reply != "" && req.Ref != "" && allDigits(req.Ref) {
		// "申诉 20261201 那天…": eight digits that name no record are the
		// start of the reason, about the latest record.
		req.Reason, req.Ref = req.Ref+" "+req.Reason, ""
		v, reply, err = r.appealTarget(ctx, req)
	}
	if err != nil || reply != "" {
		return reply, err
	}
	ref := Ref(v.ID)
	reason := strings.TrimSpace(req.Reason)
	switch {
	case v.Withdrawn != nil:
		return fmt.Sprintf(replyAppealDone, ref), nil
	case reason == "":
		return fmt.Sprintf(replyAppealNoReason, ref), nil
	case utf8.RuneCountInString(reason) > maxReviewText:
		return fmt.Sprintf(replyAppealLong, maxReviewText), nil
	}
	id := store.AppealIDFor(v.ID)
	if a, ok, err := r.cfg.Store.Appeal(ctx, id); err != nil {
		return "", storeErr(err)
	} else if ok && a.MsgID != req.MsgID {
		return fmt.Sprintf(replyAppealAgain, ref, appealStatusLabels[a.Status]), nil
	}
	caseID, err := r.caseFor(ctx, v)
	if err != nil {
		return "", err
	}
	now := r.cfg.Now()
	a, _, err := r.cfg.Store.FileAppeal(ctx, store.Appeal{
		ID: id, Violation: v.ID, Case: caseID, User: v.From, Reason: scrub(reason), Source: req.Source,
		MsgID: req.MsgID, Filed: now,
	})
	if err != nil {
		return "", storeErr(err)
	}
	if _, _, err := r.cfg.Store.UpdateCase(ctx, caseID, func(c *store.Case) error {
		if !slices.Contains(c.Appeals, a.ID) {
			c.Appeals = append(c.Appeals, a.ID)
			if c.Status == store.CaseResolved && a.Status == store.ReviewOpen {
				c.Status = store.CaseOpen // HR reviews the case again
			}
		}
		return nil
	}); err != nil {
		return "", storeErr(err)
	}
	text := fmt.Sprintf("**成员申诉** 案件 %s\n>成员：%s\n>记录：%s（%s %s，%s）\n>理由：%s\n\n请在管理后台「申诉」中处理。",
		caseID, v.From, ref, when(v.Time), whereOf(v), r.labels(v), a.Reason)
	if err := r.tellHR(ctx, "appeal/"+a.ID, text); err != nil {
		return "", err
	}
	return fmt.Sprintf(replyAppealFiled, ref), nil
}

// appealTarget finds the violation an appeal is about: by id (console),
// by reference among the member's latest violations, or the latest one
// the member was warned of. reply is the answer when there is none.
func (r *Reviewer) appealTarget(ctx context.Context, req AppealRequest) (store.Violation, string, error) {
	if req.Violation != "" {
		v, ok, err := r.cfg.Store.Violation(ctx, req.Violation)
		if err != nil {
			return v, "", storeErr(err)
		}
		if !ok || v.From != req.User {
			return v, "", fmt.Errorf("violation %q of %q: %w", req.Violation, req.User, ErrNotFound)
		}
		return v, "", nil
	}
	vs, err := r.cfg.Store.UserViolations(ctx, req.User, appealLookback)
	if err != nil {
		return store.Violation{}, "", storeErr(err)
	}
	for _, v := range vs {
		if req.Ref != "" {
			if slices.Contains(refsOf(v.ID), req.Ref) {
				return v, "", nil
			}
			continue
		}
		if v.Action != "log" && v.Action != "" && v.Withdrawn == nil {
			return v, "", nil
		}
	}
	if req.Ref != "" {
		return store.Violation{}, fmt.Sprintf(replyAppealUnknown, req.Ref), nil
	}
	return store.Violation{}, replyAppealNone, nil
}

// caseFor is the case of v, opened for the appeal when v escalated to
// none (with the id the pipeline would have given it, so a later
// escalation of the same message joins it).
func (r *Reviewer) caseFor(ctx context.Context, v store.Violation) (string, error) {
	if v.CaseID != "" {
		return v.CaseID, nil
	}
	cats := categoriesOf(v)
	c := store.Case{
		ID: store.CaseIDFor(v.ID, v.Time), Opened: v.Time, User: v.From, Severity: v.Severity,
		Suggested: v.Sanction, Reason: "成员对违规记录提出申诉", Violations: []string{v.ID},
	}
	if len(cats) > 0 {
		c.Category = cats[0]
	}
	if _, err := r.cfg.Store.OpenCase(ctx, c); err != nil {
		return "", storeErr(err)
	}
	if _, _, err := r.cfg.Store.UpdateViolation(ctx, v.ID, func(x *store.Violation) error {
		if x.CaseID == "" {
			x.CaseID = c.ID
		}
		return nil
	}); err != nil {
		return "", storeErr(err)
	}
	return c.ID, nil
}

// DecideAppeal accepts (the violation is withdrawn as a false alarm) or
// rejects appeal id, and tells the employee with HR's answer. Deciding
// again the same way completes what a failure left undone; the other way
// is a conflict.
func (r *Reviewer) DecideAppeal(ctx context.Context, id string, accept bool, by, answer string) (store.Appeal, error) {
	answer = strings.TrimSpace(answer)
	if utf8.RuneCountInString(answer) > maxReviewText {
		return store.Appeal{}, fmt.Errorf("answer over %d characters: %w", maxReviewText, ErrInvalid)
	}
	status := store.ReviewRejected
	if accept {
		status = store.ReviewAccepted
	}
	now := r.cfg.Now()
	_, a, err := r.cfg.Store.UpdateAppeal(ctx, id, func(a *store.Appeal) error {
		switch a.Status {
		case status:
			return nil
		case store.ReviewOpen:
			a.Status, a.DecidedBy, a.DecidedAt, a.Answer = status, by, now, answer
			return nil
		}
		return fmt.Errorf("appeal %s was %s already: %w", id, a.Status, store.ErrState)
	})
	if err != nil {
		return store.Appeal{}, storeErr(err)
	}
	v, ok, err := r.cfg.Store.Violation(ctx, a.Violation)
	if err != nil {
		return a, storeErr(err)
	}
	if !ok {
		v = store.Violation{ID: a.Violation, From: a.User} // expired since: the answer still goes out
	}
	var text string
	if accept {
		if ok {
			if _, err := r.Withdraw(ctx, a.Violation, store.Withdrawal{At: a.DecidedAt, By: by, Reason: "申诉通过：" + a.Reason, Via: ViaAppeal}); err != nil {
				return a, err
			}
		}
		text = fmt.Sprintf("【申诉结果】您对记录 %s 的申诉已通过：经人力资源部核实为误报，该记录已撤销，不计入违规次数。", Ref(a.Violation))
	} else {
		text = fmt.Sprintf("【申诉结果】您对记录 %s 的申诉未通过，维持原记录。", Ref(a.Violation))
	}
	if ok && !v.Time.IsZero() {
		text = strings.Replace(text, "记录 "+Ref(a.Violation), fmt.Sprintf("%s 的记录 %s", when(v.Time), Ref(a.Violation)), 1)
	}
	if a.Answer != "" {
		text += "说明：" + strings.TrimRight(a.Answer, "。.") + "。"
	}
	if !accept {
		text += "如仍有异议，请联系人力资源部。"
	}
	return a, r.tell(ctx, "appeal/"+a.ID+"/"+status, a.User, text+r.recordLink(a.Violation))
}

// AppChat answers the self-built app's callbacks: a member's 申诉 to the
// app (a reply to a warning) is an appeal, answered as the passive reply;
// everything else goes to the pipeline. It is what handlers.Pipeline gets
// when appeals are on.
type AppChat struct {
	Pipeline *Pipeline
	Review   *Reviewer
}

// HandleCallback handles one app callback.
func (a AppChat) HandleCallback(ctx context.Context, m *wecom.Message) (Result, error) {
	if a.Review == nil || m.IsEvent() || m.MsgType != "text" {
		return a.Pipeline.HandleCallback(ctx, m)
	}
	ref, reason, ok := parseAppeal(m.Content)
	if !ok {
		return a.Pipeline.HandleCallback(ctx, m)
	}
	// An appeal quotes or explains what was flagged: it is not itself
	// checked as a violation, only deduplicated.
	msg := Message{ID: m.DedupKey(), Source: SourceApp, From: m.FromUserName, ChatKind: rules.ChatDirect}
	if m.CreateTime > 0 {
		msg.Time = time.Unix(m.CreateTime, 0)
	}
	res, err := a.Pipeline.Process(ctx, msg)
	if err != nil {
		return Result{}, err
	}
	reply, err := a.Review.FileAppeal(ctx, AppealRequest{User: m.FromUserName, Ref: ref, Reason: reason, Source: AppealFromApp, MsgID: msg.ID})
	if err != nil {
		return Result{}, fmt.Errorf("appeal %s: %w", msg.ID, err)
	}
	res.Reply = reply
	return res, nil
}
