package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Review is what the console asks of HR's review (bot.Reviewer): false
// alarms, appeals, decisions that reach people.
type Review interface {
	Withdraw(ctx context.Context, id string, w store.Withdrawal) (bot.Withdrawn, error)
	RequestFalseAlarm(ctx context.Context, id, owner, reason string) (store.FalseAlarmRequest, error)
	DecideFalseAlarmRequest(ctx context.Context, id string, confirm bool, by, note string) (store.FalseAlarmRequest, error)
	DecideAppeal(ctx context.Context, id string, accept bool, by, answer string) (store.Appeal, error)
	AnnounceDecision(ctx context.Context, id, reason string) (bot.Announced, error)
	PlanSuspension(ctx context.Context, id string) (bot.SuspendPlan, error)
	Suspend(ctx context.Context, id, token, by string) (store.Case, error)
}

// ReviewStore is what the review's pages read (bot/store).
type ReviewStore interface {
	Appeals(ctx context.Context, all bool, limit int) ([]store.Appeal, error)
	Appeal(ctx context.Context, id string) (store.Appeal, bool, error)
	FalseAlarmRequests(ctx context.Context, all bool, limit int) ([]store.FalseAlarmRequest, error)
	FalseAlarmStats(ctx context.Context, now time.Time, days int) (store.FalseAlarmCounts, error)
}

// reviewRoutes registers the review's endpoints (when a Review is
// configured); adminRoutes calls it.
func (s *Server) reviewRoutes(api *gin.RouterGroup, all, readers, hr gin.HandlerFunc) {
	if s.cfg.Review == nil || s.cfg.Reviews == nil {
		return
	}
	api.POST("/violations/:id/false-alarm", all, s.adapt(s.falseAlarm))
	api.POST("/violations/:id/allow-phrase", hr, s.adapt(s.allowPhraseFromViolation))
	api.POST("/allow-phrases/preview", hr, s.adapt(s.previewAllowPhrase))
	api.GET("/false-alarms/requests", readers, s.adapt(s.listFalseAlarmRequests))
	api.POST("/false-alarms/requests/:id/confirm", hr, s.adapt(s.decideFalseAlarmRequest(true)))
	api.POST("/false-alarms/requests/:id/decline", hr, s.adapt(s.decideFalseAlarmRequest(false)))
	api.GET("/stats/false-alarms", readers, s.adapt(s.falseAlarmStats))
	api.GET("/appeals", readers, s.adapt(s.listAppeals))
	api.GET("/appeals/:id", readers, s.adapt(s.getAppeal))
	api.POST("/appeals/:id/accept", hr, s.adapt(s.decideAppeal(true)))
	api.POST("/appeals/:id/reject", hr, s.adapt(s.decideAppeal(false)))
	api.POST("/cases/:id/announce", hr, s.adapt(s.announceCase))
	api.POST("/cases/:id/suspend", hr, s.adapt(s.suspendCase))
}

// reasonRequest carries the words of a review step: why (a false alarm,
// a request), HR's answer to an appeal, or a note.
type reasonRequest struct {
	Reason string `json:"reason"`
}

// falseAlarm marks a violation 误报. HR withdraws it at once; a group
// owner, for a violation in one of their chats, files a request HR
// confirms (202).
func (s *Server) falseAlarm(c *gin.Context) error {
	var req reasonRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, p := c.Param("id"), principalOf(c)
	ctx := c.Request.Context()
	switch p.Role {
	case RoleHR:
		out, err := s.cfg.Review.Withdraw(ctx, id, store.Withdrawal{At: s.cfg.Now(), By: p.User, Reason: req.Reason, Via: bot.ViaHR})
		if err != nil {
			return err
		}
		if !out.Already {
			if err := s.audit(c, "violation.false_alarm", id, nil, gin.H{"reason": req.Reason, "cases": caseIDs(out.Cases)}); err != nil {
				return err
			}
		}
		c.JSON(http.StatusOK, out)
		return nil
	case RoleOwner:
		if err := s.ownsViolation(c, id); err != nil {
			return err
		}
		r, err := s.cfg.Review.RequestFalseAlarm(ctx, id, p.User, req.Reason)
		if err != nil {
			return err
		}
		if err := s.audit(c, "violation.false_alarm_request", id, nil, gin.H{"reason": r.Reason}); err != nil {
			return err
		}
		c.JSON(http.StatusAccepted, r)
		return nil
	}
	return fmt.Errorf("role %q may not mark false alarms: %w", p.Role, bot.ErrForbidden)
}

// ownsViolation refuses (as not found) a violation outside the owner's chats.
func (s *Server) ownsViolation(c *gin.Context, id string) error {
	chats, err := s.ownerScope(c)
	if err != nil {
		return err
	}
	v, ok, err := s.cfg.Admin.Violation(c.Request.Context(), id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok || v.ChatID == "" || !slices.Contains(chats, v.ChatID) {
		return fmt.Errorf("violation %q: %w", id, bot.ErrNotFound)
	}
	return nil
}

func caseIDs(cs []store.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func (s *Server) listFalseAlarmRequests(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	rs, err := s.cfg.Reviews.FalseAlarmRequests(c.Request.Context(), c.Query("status") == "all", n)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"requests": rs})
	return nil
}

func (s *Server) decideFalseAlarmRequest(confirm bool) func(*gin.Context) error {
	action := map[bool]string{true: "false_alarm_request.confirm", false: "false_alarm_request.decline"}[confirm]
	return func(c *gin.Context) error {
		var req reasonRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		r, err := s.cfg.Review.DecideFalseAlarmRequest(c.Request.Context(), c.Param("id"), confirm, principalOf(c).User, req.Reason)
		if err != nil {
			return err
		}
		if err := s.audit(c, action, c.Param("id"), nil, gin.H{"status": r.Status, "note": r.Note}); err != nil {
			return err
		}
		c.JSON(http.StatusOK, r)
		return nil
	}
}

// ruleCount is one rule's false alarms, named for people.
type ruleCount struct {
	Rule  string `json:"rule"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// falseAlarmStats answers the false alarms among the violations of the
// last `days` days (default 30) by rule and category.
func (s *Server) falseAlarmStats(c *gin.Context) error {
	days, err := windowParam(c)
	if err != nil {
		return err
	}
	fa, err := s.cfg.Reviews.FalseAlarmStats(c.Request.Context(), s.cfg.Now(), days)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	names := labelsOf(s.ruleSet())
	byRule := make([]ruleCount, 0, len(fa.ByRule))
	for _, it := range topN(fa.ByRule, len(fa.ByRule)) {
		byRule = append(byRule, ruleCount{Rule: it.Name, Label: names.rule(it.Name), Count: it.Count})
	}
	c.JSON(http.StatusOK, gin.H{"days": days, "total": fa.Total, "by_rule": byRule, "by_category": fa.ByCategory})
	return nil
}

func (s *Server) listAppeals(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	as, err := s.cfg.Reviews.Appeals(c.Request.Context(), c.Query("status") == "all", n)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"appeals": as})
	return nil
}

func (s *Server) getAppeal(c *gin.Context) error {
	a, ok, err := s.cfg.Reviews.Appeal(c.Request.Context(), c.Param("id"))
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("appeal %q: %w", c.Param("id"), bot.ErrNotFound)
	}
	c.JSON(http.StatusOK, a)
	return nil
}

func (s *Server) decideAppeal(accept bool) func(*gin.Context) error {
	action := map[bool]string{true: "appeal.accept", false: "appeal.reject"}[accept]
	return func(c *gin.Context) error {
		var req reasonRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		a, err := s.cfg.Review.DecideAppeal(c.Request.Context(), c.Param("id"), accept, principalOf(c).User, req.Reason)
		if err != nil {
			return err
		}
		if err := s.audit(c, action, a.ID, nil, gin.H{"status": a.Status, "reason": a.Answer, "violation": a.Violation}); err != nil {
			return err
		}
		c.JSON(http.StatusOK, a)
		return nil
	}
}

// announceDecision is called by resolveCase once HR decided: the decision
// reaches the employee (and the group, for 通报批评). The case is decided
// whatever happens here; a failure is answered so the console can announce
// again (POST /cases/:id/announce), which sends nothing twice.
func (s *Server) announceDecision(c *gin.Context, caseID, reason string) (*bot.Announced, error) {
	if s.cfg.Review == nil {
		return nil, nil
	}
	out, err := s.cfg.Review.AnnounceDecision(c.Request.Context(), caseID, reason)
	if err != nil {
		return nil, err
	}
	if err := s.audit(c, "case.announce", caseID, nil, gin.H{"notices": out.Notices}); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Server) announceCase(c *gin.Context) error {
	var req reasonRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	out, err := s.announceDecision(c, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// suspendRequest is the second step of 停用账号: the token of the plan.
type suspendRequest struct {
	Confirm string `json:"confirm"`
}

// suspendCase carries out 停用账号 of a case decided so, in two steps:
// without a token it answers the plan (what will happen, and the token,
// valid for a few minutes); with the token it calls WeCom. Both steps are
// audited.
func (s *Server) suspendCase(c *gin.Context) error {
	var req suspendRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, ctx := c.Param("id"), c.Request.Context()
	if req.Confirm == "" {
		plan, err := s.cfg.Review.PlanSuspension(ctx, id)
		if err != nil {
			return err
		}
		if err := s.audit(c, "case.suspend_plan", id, nil, gin.H{"user": plan.User}); err != nil {
			return err
		}
		c.JSON(http.StatusOK, plan)
		return nil
	}
	after, err := s.cfg.Review.Suspend(ctx, id, req.Confirm, principalOf(c).User)
	if err != nil {
		if apiErr, ok := errors.AsType[*wecom.APIError](err); ok && wecom.Permanent(err) {
			// WeCom's refusal is HR's to fix (permissions), not an outage.
			return bot.WithKind(fmt.Errorf("WeCom refused user/update (errcode %d): the app's secret needs write access to the directory (通讯录): %w", apiErr.Code, err), bot.ErrConflict)
		}
		return err
	}
	if err := s.audit(c, "case.suspend", id, nil, gin.H{"user": after.User}); err != nil {
		return err
	}
	c.JSON(http.StatusOK, after)
	return nil
}

// decidedView is a case HR just decided, with where the decision went.
type decidedView struct {
	store.Case
	Announced *bot.Announced `json:"announced,omitempty"`
	// AnnounceError says the decision stands but did not reach people yet:
	// POST /cases/:id/announce sends it (nothing twice).
	AnnounceError string `json:"announce_error,omitempty"`
}

// decided announces the decision on c and answers the case with it.
func (s *Server) decided(c *gin.Context, cs store.Case, reason string) decidedView {
	out := decidedView{Case: cs}
	ann, err := s.announceDecision(c, cs.ID, reason)
	if err != nil {
		_ = c.Error(err) // logged with the request
		out.AnnounceError = "处理决定已保存，但通知尚未发出，请稍后在案件页点击「重新通知」。"
		return out
	}
	if ann != nil {
		out.Announced, out.Case = ann, ann.Case
	}
	return out
}
