package handlers

// The employee's own page: a member who opens the link in a warning
// (/ui/login/wecom?to=/ui/r/<ref>) signs in with WeCom and, without a
// console role, is an employee (RoleEmployee). An employee reaches only
// the endpoints here, each of which answers about the signed-in member's
// own violations — one is found by its reference and refused as not
// found when it is someone else's — and files an appeal through the same
// code as 「申诉 …」 in the app chat (bot.Reviewer.FileAppeal). Members
// with a console role reach them too, for their own records.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// MyStore lists a member's own violations (bot/store.Store is one); like
// RefStore it is found on the admin store.
type MyStore interface {
	UserViolations(ctx context.Context, user string, limit int) ([]store.Violation, error)
}

// Appealer files an employee's appeal (bot.Reviewer is one); the console's
// Review is asked for it.
type Appealer interface {
	FileAppeal(ctx context.Context, req bot.AppealRequest) (string, error)
}

// myLimit is how many of their latest violations an employee sees.
const myLimit = 50

// mineRoutes registers the employee's endpoints; adminRoutes calls it.
func (s *Server) mineRoutes(api *gin.RouterGroup) {
	anyone := s.allow(RoleEmployee, RoleHR, RoleOwner, RoleAuditor)
	api.GET("/my/violations", anyone, s.adapt(s.myViolations))
	api.GET("/my/violations/:ref", anyone, s.adapt(s.myViolation))
	api.POST("/my/violations/:ref/appeal", anyone, s.adapt(s.myAppeal))
}

// myViolationJSON is one of the member's violations as their page shows
// it: what the warning said (where, the categories and rules by their
// Chinese names, the masked evidence), whether it was withdrawn and the
// state of their appeal. It carries no raw text, no case, no other member.
type myViolationJSON struct {
	Ref  string    `json:"ref"`
	Time time.Time `json:"time"`
	// Where is where it was sent, in Chinese (群聊「销售一部」, 单聊).
	Where      string   `json:"where"`
	Categories []string `json:"categories"`
	Rules      []string `json:"rules"`
	Evidence   string   `json:"evidence"`
	// Action is what the bot did (warn, alert_owner, escalate_hr, log).
	Action    string         `json:"action"`
	Withdrawn *myWithdrawal  `json:"withdrawn,omitempty"`
	Appeal    *myAppealState `json:"appeal,omitempty"`
	// CanAppeal is true while an appeal can be filed: not withdrawn, none filed.
	CanAppeal bool `json:"can_appeal"`
}

type myWithdrawal struct {
	At  time.Time `json:"at"`
	Via string    `json:"via"` // hr, owner, appeal
}

type myAppealState struct {
	Status    string    `json:"status"` // open, accepted, rejected
	Filed     time.Time `json:"filed"`
	Reason    string    `json:"reason"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Answer    string    `json:"answer,omitempty"`
}

func (s *Server) myStore() (MyStore, RefStore, error) {
	ms, ok1 := s.cfg.Admin.(MyStore)
	rs, ok2 := s.cfg.Admin.(RefStore)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("this admin store does not list a member's violations: %w", bot.ErrUnavailable)
	}
	return ms, rs, nil
}

// myViolations lists the member's latest violations.
func (s *Server) myViolations(c *gin.Context) error {
	ms, _, err := s.myStore()
	if err != nil {
		return err
	}
	ctx, user := c.Request.Context(), principalOf(c).User
	vs, err := ms.UserViolations(ctx, user, myLimit)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	out := make([]myViolationJSON, 0, len(vs))
	for _, v := range vs {
		if v.From != user {
			continue
		}
		mv, err := s.myView(ctx, v)
		if err != nil {
			return err
		}
		out = append(out, mv)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"violations": out})
	return nil
}

// ownViolation finds the member's violation by the reference of one of
// its messages; another member's is not found.
func (s *Server) ownViolation(c *gin.Context) (store.Violation, error) {
	_, rs, err := s.myStore()
	if err != nil {
		return store.Violation{}, err
	}
	ref, ok := store.NormalizeRef(c.Param("ref"))
	if !ok {
		return store.Violation{}, fmt.Errorf("%q is not a reference (eight hex digits, as in “记录 1d991024”): %w", c.Param("ref"), bot.ErrInvalid)
	}
	ctx, user := c.Request.Context(), principalOf(c).User
	found, err := rs.ResolveRef(ctx, ref)
	if err != nil {
		return store.Violation{}, bot.WithKind(err, bot.ErrUnavailable)
	}
	for _, m := range found {
		v, ok, err := s.cfg.Admin.Violation(ctx, m.Violation)
		if err != nil {
			return store.Violation{}, bot.WithKind(err, bot.ErrUnavailable)
		}
		if ok && v.From == user {
			return v, nil
		}
	}
	return store.Violation{}, fmt.Errorf("reference %s among the member's own violations: %w", ref, bot.ErrNotFound)
}

func (s *Server) myViolation(c *gin.Context) error {
	v, err := s.ownViolation(c)
	if err != nil {
		return err
	}
	mv, err := s.myView(c.Request.Context(), v)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, mv)
	return nil
}

// myAppealAnswer is the answer to an appeal from the page: the sentence the
// app chat would have replied, and the violation as it is now.
type myAppealAnswer struct {
	Reply     string          `json:"reply"`
	Violation myViolationJSON `json:"violation"`
}

// myAppeal files the member's appeal against their violation, as
// 「申诉 <记录编号> <理由>」 in the app chat does: it joins the
// violation's case (or opens one), HR is told, and the member is told
// HR's decision. One appeal a violation; a second answers the first's state.
func (s *Server) myAppeal(c *gin.Context) error {
	ap, ok := s.cfg.Review.(Appealer)
	if s.cfg.Review == nil || !ok {
		return fmt.Errorf("appeals are not configured: %w", bot.ErrNotFound)
	}
	var req reasonRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		return fmt.Errorf("reason is empty (请写明申诉理由): %w", bot.ErrInvalid)
	}
	v, err := s.ownViolation(c)
	if err != nil {
		return err
	}
	ctx, user := c.Request.Context(), principalOf(c).User
	before, err := s.myView(ctx, v)
	if err != nil {
		return err
	}
	// The message id makes a retried submission (a double click, a
	// reload) file nothing twice.
	reply, err := ap.FileAppeal(ctx, bot.AppealRequest{User: user, Violation: v.ID, Reason: reason,
		Source: bot.AppealFromConsole, MsgID: "console/" + v.ID})
	if err != nil {
		return err
	}
	if v, ok, err = s.cfg.Admin.Violation(ctx, v.ID); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	} else if !ok {
		return fmt.Errorf("violation %s expired: %w", v.ID, bot.ErrNotFound)
	}
	mv, err := s.myView(ctx, v)
	if err != nil {
		return err
	}
	// The reply says why when nothing was filed (too long, withdrawn);
	// a second submission (a double click) files nothing and is not
	// audited again.
	if mv.Appeal != nil && before.Appeal == nil {
		if err := s.audit(c, "appeal.file", store.AppealIDFor(v.ID), nil, gin.H{"violation": v.ID}); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, myAppealAnswer{Reply: reply, Violation: mv})
	return nil
}

// myView is v as its member's page shows it.
func (s *Server) myView(ctx context.Context, v store.Violation) (myViolationJSON, error) {
	l := labelsOf(s.ruleSet())
	out := myViolationJSON{Ref: bot.Ref(v.ID), Time: v.Time, Action: v.Action, Evidence: bot.WarningEvidence(v),
		Categories: []string{}, Rules: []string{}}
	for _, h := range v.Hits {
		if c := l.category(h.Category); !slices.Contains(out.Categories, c) {
			out.Categories = append(out.Categories, c)
		}
		if r := l.rule(h.Rule); !slices.Contains(out.Rules, r) {
			out.Rules = append(out.Rules, r)
		}
	}
	where, err := s.whereZH(ctx, v)
	if err != nil {
		return out, err
	}
	out.Where = where
	if w := v.Withdrawn; w != nil {
		out.Withdrawn = &myWithdrawal{At: w.At, Via: w.Via}
	}
	if s.cfg.Reviews != nil {
		a, ok, err := s.cfg.Reviews.Appeal(ctx, store.AppealIDFor(v.ID))
		if err != nil {
			return out, bot.WithKind(err, bot.ErrUnavailable)
		}
		if ok {
			out.Appeal = &myAppealState{Status: a.Status, Filed: a.Filed, Reason: a.Reason, DecidedAt: a.DecidedAt, Answer: a.Answer}
		}
	}
	out.CanAppeal = s.cfg.Review != nil && out.Withdrawn == nil && out.Appeal == nil
	return out, nil
}

// whereZH says where v was sent, for the member: the group's name as HR
// or WeCom gave it (never its id), 单聊, or 企业微信.
func (s *Server) whereZH(ctx context.Context, v store.Violation) (string, error) {
	if v.ChatID == "" {
		if v.ChatKind == rules.ChatDirect.String() {
			return "单聊", nil
		}
		return "企业微信", nil
	}
	ci, ok, err := s.cfg.Admin.Chat(ctx, v.ChatID)
	if err != nil {
		return "", bot.WithKind(err, bot.ErrUnavailable)
	}
	if ok && ci.Name != "" {
		return "群聊「" + ci.Name + "」", nil
	}
	if gd, ok := s.cfg.Admin.(GroupDirectory); ok {
		names, err := gd.GroupNames(ctx, []string{v.ChatID})
		if err != nil {
			return "", bot.WithKind(err, bot.ErrUnavailable)
		}
		if n := names[v.ChatID]; n != "" {
			return "群聊「" + n + "」", nil
		}
	}
	return "群聊", nil
}
