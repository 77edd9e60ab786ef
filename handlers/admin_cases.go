package handlers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// The admin API's violations and cases: lists in the caller's scope, the
// CSV export, the raw evidence for the roles allowed it, and HR's decisions.

// the other roles.
func (s *Server) ownerScope(c *gin.Context) ([]string, error) {
	p := principalOf(c)
	if p.Role == RoleEmployee {
		return []string{}, nil // sees no chat's records (defence in depth: allow refuses them first)
	}
	if p.Role != RoleOwner {
		return nil, nil
	}
	chats, err := s.cfg.Admin.OwnedChats(c.Request.Context(), p.User)
	if err != nil {
		return nil, bot.WithKind(err, bot.ErrUnavailable)
	}
	if chats == nil {
		chats = []string{} // owns nothing: sees nothing
	}
	return chats, nil
}

func (s *Server) listViolations(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	q := store.ViolationQuery{User: c.Query("user"), Chat: c.Query("chat"), Category: c.Query("category"),
		Severity: c.Query("severity"), Limit: n}
	// before is a time, or the next_before of a previous page: "time|id".
	before, beforeID, _ := strings.Cut(c.Query("before"), "|")
	q.BeforeID = beforeID
	for name, v := range map[string]string{"from": c.Query("from"), "to": c.Query("to"), "before": before} {
		dst := map[string]*time.Time{"from": &q.From, "to": &q.To, "before": &q.Before}[name]
		if v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return fmt.Errorf("%s %q is not RFC 3339 (e.g. 2026-11-01T00:00:00+08:00): %w", name, v, bot.ErrInvalid)
			}
			*dst = t
		}
	}
	if q.Chats, err = s.ownerScope(c); err != nil {
		return err
	}
	vs, next, err := s.cfg.Admin.SearchViolations(c.Request.Context(), q)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	out := make([]violationJSON, len(vs))
	for i := range vs {
		out[i].HasRaw = vs[i].Raw != ""
		vs[i].Raw = "" // the raw text has its own, audited, view
		out[i].Violation = vs[i]
	}
	var cursor string
	if !next.Time.IsZero() {
		cursor = next.Time.Format(time.RFC3339Nano) + "|" + next.ID
	}
	if c.Query("format") == "csv" {
		if cursor != "" {
			// The export stopped early (limit or scan bound): where to go on.
			c.Header("X-Next-Before", cursor)
		}
		return writeViolationsCSV(c, vs, labelsOf(s.ruleSet()), s.companyLocation())
	}
	resp := gin.H{"violations": out}
	if cursor != "" {
		resp["next_before"] = cursor
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// violationJSON is a violation as the API lists it: without its raw text,
// saying whether there is one (the console offers 查看原文 only then).
type violationJSON struct {
	store.Violation
	HasRaw bool `json:"has_raw"`
}

// violationsCSVHeader is the header row of the violations export.
var violationsCSVHeader = []string{"记录编号", "时间", "发送人", "群聊", "聊天类型", "严重程度", "处理方式", "类别", "规则", "类型", "证据（已脱敏）", "案件编号", "建议处分", "已撤回", "已撤销", "撤销原因", "撤销时间"}

// withdrawnZH names how a violation was withdrawn (store.Withdrawal.Via).
var withdrawnZH = map[string]string{
	bot.ViaHR:     "误报",
	bot.ViaOwner:  "误报（群主申请）",
	bot.ViaAppeal: "申诉通过",
}

// withdrawnCells are the 已撤销, 撤销原因 and 撤销时间 cells of v.
func withdrawnCells(v store.Violation, loc *time.Location) []string {
	w := v.Withdrawn
	if w == nil {
		return []string{"否", "", ""}
	}
	via := withdrawnZH[w.Via]
	if via == "" {
		via = "误报"
	}
	return []string{"是", via, formatTime(w.At, loc)}
}

// writeViolationsCSV writes one row per hit, evidence masked, for people
// opening it in Excel: a BOM so Excel reads UTF-8, Chinese headers and
// names (labels from l), times in loc. 已撤回 is the sender's recall of the
// message; 已撤销 a withdrawal by HR (误报, or an appeal HR accepted).
func writeViolationsCSV(c *gin.Context, vs []store.Violation, l labels, loc *time.Location) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="violations.csv"`)
	c.Status(http.StatusOK)
	if _, err := c.Writer.WriteString("\uFEFF"); err != nil {
		return err
	}
	w := csv.NewWriter(c.Writer)
	_ = w.Write(violationsCSVHeader)
	for _, v := range vs {
		recalled := "否"
		if v.Recalled {
			recalled = "是"
		}
		for _, h := range v.Hits {
			row := []string{v.ID, formatTime(v.Time, loc), v.From, v.ChatID, zh(chatKindZH, v.ChatKind), zh(severityZH, v.Severity), zh(actionZH, v.Action),
				l.category(h.Category), l.rule(h.Rule), zh(kindZH, h.Kind), h.Masked, v.CaseID, v.Sanction, recalled}
			row = append(row, withdrawnCells(v, loc)...)
			for i, cell := range row {
				// A cell a spreadsheet would run as a formula is written as text.
				row[i] = rules.CSVCell(cell)
			}
			_ = w.Write(row)
		}
	}
	w.Flush()
	return w.Error()
}

// rawViolation shows HR the message text of a violation, when the policy
// kept it; every view is written to the audit log.
func (s *Server) rawViolation(c *gin.Context) error {
	id := c.Param("id")
	v, ok, err := s.cfg.Admin.Violation(c.Request.Context(), id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("violation %q: %w", id, bot.ErrNotFound)
	}
	if v.Raw == "" {
		return fmt.Errorf("violation %q has no raw text (enforcement.keep_raw is off, or it expired): %w", id, bot.ErrNotFound)
	}
	if err := s.audit(c, "violation.view_raw", id, nil, nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "raw": v.Raw})
	return nil
}

func (s *Server) listCases(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	cases, err := s.cfg.Admin.Cases(c.Request.Context(), c.Query("status") == "all", n)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	scope, err := s.ownerScope(c)
	if err != nil {
		return err
	}
	if scope != nil {
		kept := cases[:0]
		for _, cs := range cases {
			if ok, err := s.caseInScope(c.Request.Context(), cs, scope); err != nil {
				return err
			} else if ok {
				kept = append(kept, ownerView(cs))
			}
		}
		cases = kept
	}
	c.JSON(http.StatusOK, gin.H{"cases": cases})
	return nil
}

// ownerView is a case as a group owner sees it: HR's own note and who
// decided stay with HR.
func ownerView(cs store.Case) store.Case {
	cs.DecisionNote, cs.DecidedBy = "", ""
	return cs
}

// caseInScope reports whether one of the case's violations is in an
// owner's chats.
func (s *Server) caseInScope(ctx context.Context, cs store.Case, chats []string) (bool, error) {
	for _, id := range cs.Violations {
		v, ok, err := s.cfg.Admin.Violation(ctx, id)
		if err != nil {
			return false, bot.WithKind(err, bot.ErrUnavailable)
		}
		if ok && v.ChatID != "" && slices.Contains(chats, v.ChatID) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) getCase(c *gin.Context) error {
	cs, ok, err := s.cfg.Admin.Case(c.Request.Context(), c.Param("id"))
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("case %q: %w", c.Param("id"), bot.ErrNotFound)
	}
	scope, err := s.ownerScope(c)
	if err != nil {
		return err
	}
	if scope != nil {
		if in, err := s.caseInScope(c.Request.Context(), cs, scope); err != nil {
			return err
		} else if !in {
			// Not found rather than forbidden: an owner does not learn that
			// cases of other chats exist.
			return fmt.Errorf("case %q: %w", c.Param("id"), bot.ErrNotFound)
		}
		cs = ownerView(cs)
	}
	c.JSON(http.StatusOK, cs)
	return nil
}

func (s *Server) ackCase(c *gin.Context) error {
	who := principalOf(c).User
	before, after, err := s.cfg.Admin.UpdateCase(c.Request.Context(), c.Param("id"), func(cs *store.Case) error {
		if cs.Status == store.CaseResolved {
			return fmt.Errorf("case %s is resolved already: %w", cs.ID, store.ErrState)
		}
		cs.Status = store.CaseAcknowledged
		cs.DecidedBy = who
		return nil
	})
	if err != nil {
		return caseError(err)
	}
	if err := s.audit(c, "case.ack", after.ID, before, after); err != nil {
		return err
	}
	c.JSON(http.StatusOK, after)
	return nil
}

// Decisions HR may take on a case: a sanction of the ladder, or none.
var decisions = []string{bot.SanctionWarning, bot.SanctionCriticism, bot.SanctionSuspend, bot.SanctionDismiss, "no_action"}

type resolveRequest struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
	// Reason is told to the employee with the decision (review.go).
	Reason string `json:"reason"`
}

func (s *Server) resolveCase(c *gin.Context) error {
	var req resolveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !slices.Contains(decisions, req.Decision) {
		return fmt.Errorf("decision %q: use one of %s: %w", req.Decision, strings.Join(decisions, ", "), bot.ErrInvalid)
	}
	if utf8.RuneCountInString(req.Note) > 2000 {
		return fmt.Errorf("note over 2000 characters: %w", bot.ErrInvalid)
	}
	who, now := principalOf(c).User, s.cfg.Now()
	before, after, err := s.cfg.Admin.UpdateCase(c.Request.Context(), c.Param("id"), func(cs *store.Case) error {
		if cs.Status == store.CaseResolved {
			return fmt.Errorf("case %s is resolved already (%s): %w", cs.ID, cs.Decision, store.ErrState)
		}
		cs.Status, cs.Decision, cs.DecisionNote, cs.DecidedBy, cs.DecisionAt = store.CaseResolved, req.Decision, req.Note, who, now
		return nil
	})
	if err != nil {
		return caseError(err)
	}
	if err := s.audit(c, "case.resolve", after.ID, before, after); err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.decided(c, after, req.Reason))
	return nil
}

// caseError maps the store's case errors to the service's kinds.
func caseError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return bot.WithKind(err, bot.ErrNotFound)
	case errors.Is(err, store.ErrState):
		return bot.WithKind(err, bot.ErrConflict)
	default:
		return bot.WithKind(err, bot.ErrUnavailable)
	}
}
