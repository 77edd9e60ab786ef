package handlers

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Roles of admin API users.
const (
	RoleHR      = "hr"      // everything, including unmasked evidence
	RoleOwner   = "owner"   // the violations and cases of their own chats, masked
	RoleAuditor = "auditor" // read-only, masked
	// RoleEmployee is a member who signed in with WeCom without a console
	// role: they see their own violations and appeal them (mine.go), and
	// nothing else. No API token carries it (ValidRole is false).
	RoleEmployee = "employee"
)

// ValidRole reports whether r is a role.
func ValidRole(r string) bool { return r == RoleHR || r == RoleOwner || r == RoleAuditor }

// AdminStore is what the admin API reads and changes in Redis.
type AdminStore interface {
	SessionStore
	SignInStore
	TokenAdmin
	LookupToken(ctx context.Context, secret string) (store.APIToken, bool, error)
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, count int, before string) ([]store.AuditEntry, error)
	DeadLetters(ctx context.Context, count int) ([]store.DeadLetter, error)
	RetryDeadLetter(ctx context.Context, id string) (bool, error)
	OutboxStats(ctx context.Context) (store.OutboxStats, error)
	SearchViolations(ctx context.Context, q store.ViolationQuery) ([]store.Violation, store.Cursor, error)
	Violation(ctx context.Context, id string) (store.Violation, bool, error)
	Cases(ctx context.Context, all bool, limit int) ([]store.Case, error)
	Case(ctx context.Context, id string) (store.Case, bool, error)
	UpdateCase(ctx context.Context, id string, change func(c *store.Case) error) (store.Case, store.Case, error)
	OwnedChats(ctx context.Context, owner string) ([]string, error)
	NoteOwnedChat(ctx context.Context, owner, chat string) error
	Stats(ctx context.Context, now time.Time, days int) ([]store.DayStats, error)
	CachedDepartment(ctx context.Context, userID string) (string, bool, error)
	ArchiveSeq(ctx context.Context, corpID string) (uint64, error)
	NotifyCount(ctx context.Context) (int64, error)
	Chats(ctx context.Context) ([]store.ChatInfo, error)
	Chat(ctx context.Context, chatID string) (store.ChatInfo, bool, error)
	SetChat(ctx context.Context, c store.ChatInfo) error
	DeleteChat(ctx context.Context, chatID string) (bool, error)
}

// streamID is the form of a Redis stream entry id (audit log paging).
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// principalKey holds the authenticated admin user on the gin context.
const principalKey = "wg.principal"

// maxAdminBody bounds admin API request bodies.
const maxAdminBody = 1 << 20

// adminRoutes registers the admin API (when an AdminStore is configured).
func (s *Server) adminRoutes(r *gin.Engine) {
	if s.cfg.Admin == nil {
		return
	}
	api := r.Group("/api/v1", s.authenticate())
	all := s.allow(RoleHR, RoleOwner, RoleAuditor)
	readers := s.allow(RoleHR, RoleAuditor)
	hr := s.allow(RoleHR)

	api.GET("/me", all, s.adapt(s.me))
	api.POST("/test", readers, s.adapt(s.testMessage))
	api.GET("/violations", all, s.adapt(s.listViolations))
	api.GET("/violations/:id/raw", hr, s.adapt(s.rawViolation))
	api.GET("/cases", all, s.adapt(s.listCases))
	api.GET("/cases/:id", all, s.adapt(s.getCase))
	api.POST("/cases/:id/ack", hr, s.adapt(s.ackCase))
	api.POST("/cases/:id/resolve", hr, s.adapt(s.resolveCase))
	api.GET("/outbox", readers, s.adapt(s.outboxStats))
	api.GET("/outbox/dead", readers, s.adapt(s.deadLetters))
	api.POST("/outbox/dead/:id/retry", hr, s.adapt(s.retryDeadLetter))
	api.GET("/audit", readers, s.adapt(s.auditLog))
	api.GET("/stats", readers, s.adapt(s.stats))
	api.GET("/archive", readers, s.adapt(s.archiveStatus))
	s.rulesRoutes(api, readers, hr)
	s.dlpRoutes(api, readers, hr)
	api.GET("/chats", readers, s.adapt(s.listChats))
	api.PUT("/chats/:id", hr, s.adapt(s.putChat))
	api.DELETE("/chats/:id", hr, s.adapt(s.deleteChat))
	s.tokenRoutes(api, hr)
	s.reviewRoutes(api, all, readers, hr)
	s.customerRoutes(api, readers, hr)
	s.consoleRoutes(api, all, readers, hr)
	s.mineRoutes(api)
}

// principal is the admin user of a request.
type principal struct {
	User string `json:"user"`
	Role string `json:"role"`
}

// authenticate resolves the bearer token to a principal, or refuses with
// 401. The token's secret is compared through its hash in Redis.
func (s *Server) authenticate() gin.HandlerFunc {
	return s.adapt(func(c *gin.Context) error {
		secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || secret == "" {
			// The web console signs in once and then sends its session
			// cookie (with the CSRF header on changes) instead.
			user, role, found, err := s.sessionPrincipal(c)
			if err != nil {
				return err // ErrForbidden on a CSRF mismatch
			}
			if found {
				c.Set(principalKey, principal{User: user, Role: role})
				c.Next()
				return nil
			}
			return fmt.Errorf("missing bearer token (create one with `wecom-guard admin token create`): %w", bot.ErrUnauthorized)
		}
		tok, found, err := s.cfg.Admin.LookupToken(c.Request.Context(), secret)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		// The secret is looked up by its SHA-256, so no comparison of the
		// secret itself happens here to leak timing.
		if !found {
			return fmt.Errorf("unknown or revoked token: %w", bot.ErrUnauthorized)
		}
		s.touchToken(c, tok.ID)
		c.Set(principalKey, principal{User: tok.User, Role: tok.Role})
		c.Next()
		return nil
	})
}

// allow admits only the given roles.
func (s *Server) allow(roles ...string) gin.HandlerFunc {
	return s.adapt(func(c *gin.Context) error {
		p := principalOf(c)
		for _, r := range roles {
			if p.Role == r {
				c.Next()
				return nil
			}
		}
		return fmt.Errorf("role %q may not do this: %w", p.Role, bot.ErrForbidden)
	})
}

func principalOf(c *gin.Context) principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(principal)
	return pr
}

// audit appends an entry for the request's principal.
func (s *Server) audit(c *gin.Context, action, target string, before, after any) error {
	p := principalOf(c)
	e := store.AuditEntry{Time: s.cfg.Now(), User: p.User, Role: p.Role, Action: action, Target: target}
	var err error
	if before != nil {
		if e.Before, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if after != nil {
		if e.After, err = json.Marshal(after); err != nil {
			return err
		}
	}
	if err := s.cfg.Admin.Audit(c.Request.Context(), e); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	return nil
}

func (s *Server) me(c *gin.Context) error {
	c.JSON(http.StatusOK, principalOf(c))
	return nil
}

// limitParam reads ?limit= within [1, max], default def.
func limitParam(c *gin.Context, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("limit must be a number from 1 to %d: %w", max, bot.ErrInvalid)
	}
	return n, nil
}

// testRequest is a message to try against the policy in force.
type testRequest struct {
	Text     string `json:"text"`
	ChatKind string `json:"chat_kind"`
	Time     string `json:"time"`
	// Draft, when given, replaces files of the rule set in force (path →
	// content, e.g. "policy.yaml" or "lists/ads/new.txt"; an empty content
	// removes a file) for this test only.
	Draft map[string]string `json:"draft"`
}

// testHit is one hit with its explanation.
type testHit struct {
	Category    string `json:"category"`
	Rule        string `json:"rule"`
	Kind        string `json:"kind"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Masked      string `json:"masked"`
	Severity    string `json:"severity"`
	Shadow      bool   `json:"shadow"`
	Explanation string `json:"explanation"`
	Form        string `json:"form"`
	Confidence  int    `json:"confidence"`
	Context     string `json:"context,omitempty"`
	Held        bool   `json:"held,omitempty"`
	// List is "category/name" of a keyword hit's list.
	List string `json:"list,omitempty"`
	// RuleLabel, ListLabel and CategoryLabel are the policy's names for
	// people (the code when the policy gives none).
	RuleLabel     string `json:"rule_label"`
	ListLabel     string `json:"list_label,omitempty"`
	CategoryLabel string `json:"category_label,omitempty"`
	// Data says, in Chinese, which customer record set and column or
	// which protected document a customer_record or document hit matched
	// (names and counts, never a value).
	Data string `json:"data,omitempty"`
}

func (s *Server) testMessage(c *gin.Context) error {
	if s.cfg.Checker == nil {
		return fmt.Errorf("no policy loaded: %w", bot.ErrUnavailable)
	}
	var req testRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Text == "" {
		return fmt.Errorf("text is empty: %w", bot.ErrInvalid)
	}
	if len(req.Text) > 64<<10 {
		return fmt.Errorf("text is over 64 KiB: %w", bot.ErrTooLarge)
	}
	// The customer records and protected documents in force, as the
	// pipeline consults them — for HR only: for an auditor 试一试 would
	// answer, unrecorded and in bulk (64 KiB a request), whether a number
	// is one of the customers' or a text a protected document's.
	mc := rules.Context{ChatKind: rules.ChatWork}
	withheld := false
	if data := s.dataMatcher(); data != nil {
		if principalOf(c).Role == RoleHR {
			mc.Data = data
		} else {
			withheld = true
		}
	}
	if req.ChatKind != "" {
		k, ok := rules.ParseChatKind(req.ChatKind)
		if !ok {
			return fmt.Errorf("chat_kind %q: use work, private, external, direct or profile: %w", req.ChatKind, bot.ErrInvalid)
		}
		mc.ChatKind = k
	}
	if req.Time != "" {
		t, err := time.Parse(time.RFC3339, req.Time)
		if err != nil {
			return fmt.Errorf("time %q is not RFC 3339 (e.g. 2026-11-27T10:00:00+08:00): %w", req.Time, bot.ErrInvalid)
		}
		mc.Time = t
	}
	checker := s.cfg.Checker()
	if len(req.Draft) > 0 {
		if s.cfg.Rules == nil {
			return fmt.Errorf("draft rule sets need the rule store: %w", bot.ErrUnavailable)
		}
		files, _, err := s.cfg.Rules.Rules(c.Request.Context())
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		for p, data := range req.Draft {
			if data == "" {
				delete(files, p)
			} else {
				files[p] = []byte(data)
			}
		}
		rs, err := rules.LoadFiles(files)
		if err != nil {
			return validationError(err)
		}
		engine, err := rules.Compile(rs)
		if err != nil {
			return bot.WithKind(fmt.Errorf("compile draft: %w", err), bot.ErrInvalid)
		}
		checker = engine
	}
	v := checker.Evaluate(req.Text, mc)
	names := labelsOf(checker.RuleSet())
	hits := make([]testHit, len(v.Hits))
	for i, h := range v.Hits {
		hits[i] = testHit{Category: h.Category, Rule: h.Rule, Kind: h.Kind.String(), Start: h.Start, End: h.End,
			Masked: h.Masked, Severity: h.Severity.String(), Shadow: h.Shadow, Explanation: explainZH(h, mc.ChatKind, names),
			Form: h.Form.String(), Confidence: int(h.Confidence), Context: h.Context, Held: h.Held,
			List: h.List, RuleLabel: names.rule(h.Rule), CategoryLabel: names.category(h.Category), Data: dataZH(h.Data)}
		if h.List != "" {
			hits[i].ListLabel = names.list(h.List)
		}
	}
	out := gin.H{"action": v.Action.String(), "severity": v.Severity.String(), "hits": hits}
	if withheld {
		out["data_withheld"] = true // customer records and documents not consulted for this role
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// decodeJSON reads a bounded JSON body strictly.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return fmt.Errorf("request body over %d bytes: %w", maxAdminBody, bot.ErrTooLarge)
		}
		return fmt.Errorf("request body is not the expected JSON: %v: %w", err, bot.ErrInvalid)
	}
	return nil
}

// ownerScope returns the chats an owner may see, or nil (everything) for
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

func (s *Server) outboxStats(c *gin.Context) error {
	st, err := s.cfg.Admin.OutboxStats(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, st)
	return nil
}

func (s *Server) deadLetters(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	dl, err := s.cfg.Admin.DeadLetters(c.Request.Context(), n)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	loc := s.companyLocation()
	hr := principalOf(c).Role == RoleHR
	views := make([]deadLetterView, len(dl))
	for i, d := range dl {
		views[i] = deadLetterView{DeadLetter: d, DiedAt: formatTime(d.Died, loc)}
		var a bot.Action
		if err := json.Unmarshal(d.Entry.Payload, &a); err != nil || a.Kind == "" {
			views[i].Text = "（消息内容无法读取）"
			continue
		}
		if a.Kind == bot.ActWeComCall && !hr {
			// A call's arguments name customers by their external_userid
			// (a transfer's), which only HR sees unmasked (离职继承);
			// kind, recipient and text say what it was.
			views[i].Entry.Payload = nil
		}
		views[i].KindLabel, views[i].Recipient, views[i].Text = bot.ActionKindLabel(a.Kind), bot.ActionRecipient(a), bot.ActionText(a)
	}
	c.JSON(http.StatusOK, gin.H{"dead_letters": views})
	return nil
}

// deadLetterView is a failed delivery as people read it: the message as
// its recipient would have seen it, besides the stored entry.
type deadLetterView struct {
	store.DeadLetter
	KindLabel string `json:"kind_label,omitempty"`
	Recipient string `json:"recipient,omitempty"`
	Text      string `json:"text"`
	DiedAt    string `json:"died_at"`
}

func (s *Server) retryDeadLetter(c *gin.Context) error {
	id := c.Param("id")
	ok, err := s.cfg.Admin.RetryDeadLetter(c.Request.Context(), id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("dead letter %q: %w", id, bot.ErrNotFound)
	}
	if err := s.audit(c, "outbox.retry", id, nil, nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"retried": id})
	return nil
}

func (s *Server) auditLog(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	before := c.Query("before")
	if err := checkAuditCursor(before); err != nil {
		return err
	}
	entries, err := s.cfg.Admin.AuditLog(c.Request.Context(), n, before)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	names, loc := labelsOf(s.ruleSet()), s.companyLocation()
	views := make([]auditView, len(entries))
	for i, e := range entries {
		views[i] = describeAudit(e, names, loc)
	}
	c.JSON(http.StatusOK, gin.H{"entries": views})
	return nil
}

// checkAuditCursor refuses a before= that is not the id of an entry that
// may have older ones: the form of a stream id, both parts within uint64
// (a 20-digit part may not be), and not 0-0, before which nothing can be.
// Redis would refuse either, and a client's typo is not an outage.
func checkAuditCursor(before string) error {
	if before == "" {
		return nil
	}
	const form = "like 1764216000000-0, as next_before or an entry's id gives it"
	if !streamID.MatchString(before) {
		return fmt.Errorf("before %.40q is not an audit entry id (%s): %w", before, form, bot.ErrInvalid)
	}
	ms, seq, _ := strings.Cut(before, "-")
	msN, errMs := strconv.ParseUint(ms, 10, 64)
	seqN, errSeq := strconv.ParseUint(seq, 10, 64)
	if errMs != nil || errSeq != nil {
		return fmt.Errorf("before %q is out of range: both parts of an audit entry id are at most %d (%s): %w", before, uint64(math.MaxUint64), form, bot.ErrInvalid)
	}
	if msN == 0 && seqN == 0 {
		return fmt.Errorf("before %q: no audit entry comes before 0-0; leave before out for the newest entries: %w", before, bot.ErrInvalid)
	}
	return nil
}

func (s *Server) listChats(c *gin.Context) error {
	chats, err := s.cfg.Admin.Chats(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"chats": chats})
	return nil
}

// chatRequest is what HR sets about a chat.
type chatRequest struct {
	Kind  string `json:"kind"`
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

func (s *Server) putChat(c *gin.Context) error {
	id := c.Param("id")
	if len(id) > 128 {
		return fmt.Errorf("chat id over 128 characters: %w", bot.ErrInvalid)
	}
	var req chatRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if k, ok := rules.ParseChatKind(req.Kind); !ok || k == rules.ChatProfile {
		return fmt.Errorf("kind %q: use work, private, external or direct: %w", req.Kind, bot.ErrInvalid)
	}
	if len(req.Owner) > 64 || len(req.Name) > 128 {
		return fmt.Errorf("owner (64) or name (128 characters) too long: %w", bot.ErrInvalid)
	}
	ctx := c.Request.Context()
	before, had, err := s.cfg.Admin.Chat(ctx, id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	after := store.ChatInfo{ChatID: id, Kind: req.Kind, Owner: req.Owner, Name: req.Name, SetBy: principalOf(c).User, Updated: s.cfg.Now()}
	if err := s.cfg.Admin.SetChat(ctx, after); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	// An owner HR sets replaces whoever was noted before; removing HR's
	// owner forgets it (the next alert learns WeCom's); editing only the
	// kind or name leaves the owner learned from WeCom alone.
	if after.Owner != "" || (had && before.Owner != "") {
		if err := s.cfg.Admin.NoteOwnedChat(ctx, after.Owner, id); err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
	}
	var prev any
	if had {
		prev = before
	}
	if err := s.audit(c, "chat.set", id, prev, after); err != nil {
		return err
	}
	c.JSON(http.StatusOK, after)
	return nil
}

func (s *Server) deleteChat(c *gin.Context) error {
	id := c.Param("id")
	ctx := c.Request.Context()
	before, had, err := s.cfg.Admin.Chat(ctx, id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !had {
		return fmt.Errorf("chat %q has no settings: %w", id, bot.ErrNotFound)
	}
	if _, err := s.cfg.Admin.DeleteChat(ctx, id); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	// The owner HR had set loses the chat; the next alert learns WeCom's.
	if err := s.cfg.Admin.NoteOwnedChat(ctx, "", id); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if err := s.audit(c, "chat.delete", id, before, nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// statsTop bounds the per-chat and per-user lists of the statistics.
const statsTop = 20

type countItem struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

func topN(m map[string]int64, n int) []countItem {
	out := make([]countItem, 0, len(m))
	for k, v := range m {
		out = append(out, countItem{k, v})
	}
	slices.SortFunc(out, func(a, b countItem) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// stats answers counts by day, category, severity, chat, department and
// user for the last `days` days (default 30, at most 366).
func (s *Server) stats(c *gin.Context) error {
	days, err := windowParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	perDay, err := s.cfg.Admin.Stats(ctx, s.cfg.Now(), days)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	type day struct {
		Date       string           `json:"date"`
		Total      int64            `json:"total"`
		ByCategory map[string]int64 `json:"by_category"`
	}
	out := make([]day, len(perDay))
	var total int64
	cats, sevs, chats, users, depts := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	add := func(dst, src map[string]int64) {
		for k, v := range src {
			dst[k] += v
		}
	}
	for i, d := range perDay {
		out[i] = day{Date: d.Date, Total: d.Total, ByCategory: d.ByCategory}
		total += d.Total
		add(cats, d.ByCategory)
		add(sevs, d.BySeverity)
		add(chats, d.ByChat)
		add(users, d.ByUser)
	}
	members := map[string][]string{} // department → its members counted
	for u, n := range users {
		dept, ok, err := s.cfg.Admin.CachedDepartment(ctx, u)
		if err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
		if !ok {
			dept = unknownDepartment
		}
		depts[dept] += n
		members[dept] = append(members[dept], u)
	}
	deptNames, byDeptName, err := s.departmentNames(ctx, members, users)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{
		"days": out, "total": total, "by_category": cats, "by_severity": sevs, "by_department": depts,
		"department_names": deptNames, "by_department_name": byDeptName,
		"top_chats": topN(chats, statsTop), "repeat_offenders": topN(users, statsTop),
	})
	return nil
}

// archiveStatus shows how far the chat archive has been ingested and how
// many msgaudit_notify events WeCom has sent.
func (s *Server) archiveStatus(c *gin.Context) error {
	corp := c.DefaultQuery("corp", DefaultArchiveCorp)
	seq, err := s.cfg.Admin.ArchiveSeq(c.Request.Context(), corp)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	n, err := s.cfg.Admin.NotifyCount(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"corp": corp, "seq": seq, "notifications": n})
	return nil
}
