package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Ways a violation is withdrawn (store.Withdrawal.Via).
const (
	ViaHR     = "hr"     // HR marked it
	ViaOwner  = "owner"  // HR confirmed a group owner's request
	ViaAppeal = "appeal" // HR accepted the employee's appeal
)

// maxReviewText bounds a reason, an answer or a note (runes).
const maxReviewText = 500

// Withdrawn is what withdrawing a violation did.
type Withdrawn struct {
	Violation store.Violation `json:"violation"`
	// Already is true when it had been withdrawn before (the request was
	// repeated: only steps left undone were done).
	Already bool `json:"already"`
	// Uncounted is how many ladder counters held it.
	Uncounted int `json:"uncounted"`
	// Cases are the cases whose suggestion was recomputed, as they are now.
	Cases []store.Case `json:"cases"`
}

// Withdraw withdraws violation id as a false alarm: it no longer counts
// on the ladder (its counter members go), the suggested sanctions of its
// case and of the sender's open cases it counted in are recomputed (a case
// left with no violation is closed as a false alarm), it is counted in the
// false-alarm statistics of its rules, and the employee, if they were
// warned, is told it was withdrawn. Each step is harmless to repeat, and a
// repeated call completes the steps a failure left undone.
func (r *Reviewer) Withdraw(ctx context.Context, id string, w store.Withdrawal) (Withdrawn, error) {
	if utf8.RuneCountInString(w.Reason) > maxReviewText {
		return Withdrawn{}, fmt.Errorf("reason over %d characters: %w", maxReviewText, ErrInvalid)
	}
	if w.At.IsZero() {
		w.At = r.cfg.Now()
	}
	var out Withdrawn
	_, v, err := r.cfg.Store.UpdateViolation(ctx, id, func(v *store.Violation) error {
		if v.Withdrawn != nil {
			out.Already = true
			return nil
		}
		v.Withdrawn = &w
		return nil
	})
	if err != nil {
		return Withdrawn{}, storeErr(err)
	}
	out.Violation = v
	if out.Uncounted, err = r.cfg.Store.UncountViolation(ctx, v.From, v.ID, categoriesOf(v)); err != nil {
		return Withdrawn{}, storeErr(err)
	}
	if _, err := r.cfg.Store.CountFalseAlarm(ctx, v, r.cfg.Retention-r.cfg.Now().Sub(v.Time)); err != nil {
		return Withdrawn{}, storeErr(err)
	}
	cases, err := r.affectedCases(ctx, v)
	if err != nil {
		return Withdrawn{}, err
	}
	for _, cid := range cases {
		c, err := r.recompute(ctx, cid, v)
		if err != nil {
			return Withdrawn{}, err
		}
		out.Cases = append(out.Cases, c)
	}
	// An accepted appeal tells the employee itself, in its answer.
	if v.Withdrawn.Via != ViaAppeal && v.Action != "log" && v.Action != "" {
		text := fmt.Sprintf("【违规记录撤销】您于 %s 在%s的违规记录（%s，记录 %s）经人力资源部核实为误报，已撤销，不计入违规次数。给您带来不便，敬请谅解。",
			when(v.Time), whereOf(v), r.labels(v), Ref(v.ID))
		if err := r.tell(ctx, "withdrawn/"+v.ID, v.From, text+r.recordLink(v.ID)); err != nil {
			return Withdrawn{}, err
		}
	}
	return out, nil
}

// affectedCases are the cases a withdrawn violation counted in: its own,
// and the sender's open cases in one of its categories opened within the
// ladder's long window after it.
func (r *Reviewer) affectedCases(ctx context.Context, v store.Violation) ([]string, error) {
	var ids []string
	if v.CaseID != "" {
		ids = append(ids, v.CaseID)
	}
	open, err := r.cfg.Store.Cases(ctx, false, 1000)
	if err != nil {
		return nil, storeErr(err)
	}
	long := r.ladder().LongWindow
	cats := categoriesOf(v)
	for _, c := range open {
		if c.User == v.From && slices.Contains(cats, c.Category) && !c.Opened.Before(v.Time) &&
			c.Opened.Sub(v.Time) <= long && !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// recompute notes withdrawn v on case id and, unless HR decided it
// already, recomputes its suggestion from the sender's violations that
// still count: those of its category within the ladder's windows ending
// when it was opened.
func (r *Reviewer) recompute(ctx context.Context, id string, v store.Violation) (store.Case, error) {
	c, ok, err := r.cfg.Store.Case(ctx, id)
	if err != nil || !ok {
		return store.Case{}, storeErr(err)
	}
	l := r.ladder()
	var inShort, inLong int64
	if c.Status != store.CaseResolved {
		vs, err := r.cfg.Store.UserViolationsBetween(ctx, c.User, c.Opened.Add(-l.LongWindow), c.Opened, 10000)
		if err != nil {
			return store.Case{}, storeErr(err)
		}
		for _, x := range vs {
			if x.Withdrawn != nil || x.ID == v.ID || !slices.Contains(categoriesOf(x), c.Category) {
				continue
			}
			inLong++
			if c.Opened.Sub(x.Time) < l.ShortWindow {
				inShort++
			}
		}
	}
	now := r.cfg.Now()
	_, after, err := r.cfg.Store.UpdateCase(ctx, id, func(c *store.Case) error {
		if slices.Contains(c.Violations, v.ID) && !slices.Contains(c.Withdrawn, v.ID) {
			c.Withdrawn = append(c.Withdrawn, v.ID)
		}
		if c.Status == store.CaseResolved {
			return nil // HR decided: the record stays as HR left it
		}
		left := slices.DeleteFunc(slices.Clone(c.Violations), func(x string) bool { return slices.Contains(c.Withdrawn, x) })
		if len(left) == 0 {
			c.Status, c.Decision, c.DecidedBy, c.DecisionAt = store.CaseResolved, DecisionFalseAlarm, v.Withdrawn.By, now
			c.DecisionNote = "案件的违规记录均已撤销（误报），案件自动关闭。"
			return nil
		}
		sev, _ := rules.ParseSeverity(c.Severity)
		step := Decide(l, sev, rules.ActionWarn, inShort, inLong)
		c.Suggested = step.Sanction
		c.Reason = fmt.Sprintf("撤销误报后：%s", step.Reason)
		if inLong == 0 {
			c.Reason = "撤销误报后：窗口内已无计入的违规"
		}
		return nil
	})
	return after, storeErr(err)
}

// RequestFalseAlarm files a group owner's request that HR withdraw
// violation id (in a chat of theirs — the caller checks) as a false alarm,
// and tells HR. A second request about the same violation is refused as a
// conflict.
func (r *Reviewer) RequestFalseAlarm(ctx context.Context, id, owner, reason string) (store.FalseAlarmRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxReviewText {
		return store.FalseAlarmRequest{}, fmt.Errorf("reason must be 1 to %d characters: %w", maxReviewText, ErrInvalid)
	}
	v, ok, err := r.cfg.Store.Violation(ctx, id)
	if err != nil {
		return store.FalseAlarmRequest{}, storeErr(err)
	}
	if !ok {
		return store.FalseAlarmRequest{}, fmt.Errorf("violation %q: %w", id, ErrNotFound)
	}
	if v.Withdrawn != nil {
		return store.FalseAlarmRequest{}, fmt.Errorf("violation %s is withdrawn already: %w", id, ErrConflict)
	}
	req, created, err := r.cfg.Store.RequestFalseAlarm(ctx, store.FalseAlarmRequest{
		Violation: id, Chat: v.ChatID, User: v.From, By: owner, Reason: scrub(reason), Filed: r.cfg.Now(),
	})
	if err != nil {
		return store.FalseAlarmRequest{}, storeErr(err)
	}
	if !created && req.By != owner {
		return req, fmt.Errorf("violation %s has a false-alarm request already: %w", id, ErrConflict)
	}
	text := fmt.Sprintf("**误报申请**\n>群主：%s\n>记录：%s（%s，%s）\n>理由：%s\n\n请在管理后台「误报申请」中确认或驳回。",
		owner, Ref(id), whereOf(v), r.labels(v), req.Reason)
	return req, r.tellHR(ctx, "fareq/"+id, text)
}

// DecideFalseAlarmRequest confirms (withdrawing the violation) or declines
// the request about violation id, and tells the owner who asked. Deciding
// again the same way completes what a failure left undone; the other way
// is a conflict.
func (r *Reviewer) DecideFalseAlarmRequest(ctx context.Context, id string, confirm bool, by, note string) (store.FalseAlarmRequest, error) {
	if utf8.RuneCountInString(note) > maxReviewText {
		return store.FalseAlarmRequest{}, fmt.Errorf("note over %d characters: %w", maxReviewText, ErrInvalid)
	}
	status := store.ReviewDeclined
	if confirm {
		status = store.ReviewConfirmed
	}
	now := r.cfg.Now()
	_, req, err := r.cfg.Store.UpdateFalseAlarmRequest(ctx, id, func(q *store.FalseAlarmRequest) error {
		switch q.Status {
		case status:
			return nil
		case store.ReviewOpen:
			q.Status, q.DecidedBy, q.DecidedAt, q.Note = status, by, now, note
			return nil
		}
		return fmt.Errorf("the request about %s was %s already: %w", id, q.Status, store.ErrState)
	})
	if err != nil {
		return store.FalseAlarmRequest{}, storeErr(err)
	}
	outcome := "经核实不属于误报，维持原记录"
	if confirm {
		reason := "群主申请：" + req.Reason
		if _, err := r.Withdraw(ctx, id, store.Withdrawal{At: req.DecidedAt, By: by, Reason: reason, Via: ViaOwner}); err != nil {
			return req, err
		}
		outcome = "已确认为误报，该记录已撤销，不再计入违规次数"
	}
	text := fmt.Sprintf("【误报申请结果】您提交的误报申请（记录 %s）%s。", Ref(id), outcome)
	if req.Note != "" {
		text += "说明：" + req.Note
	}
	return req, r.tell(ctx, "fareq/"+id+"/"+status, req.By, text)
}
