package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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
)

// ValidRole reports whether r is a role.
func ValidRole(r string) bool { return r == RoleHR || r == RoleOwner || r == RoleAuditor }

// AdminStore is what the admin API reads and changes in Redis.
type AdminStore interface {
	LookupToken(ctx context.Context, secret string) (store.APIToken, bool, error)
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, count int, before string) ([]store.AuditEntry, error)
	DeadLetters(ctx context.Context, count int) ([]store.DeadLetter, error)
	RetryDeadLetter(ctx context.Context, id string) (bool, error)
	OutboxStats(ctx context.Context) (store.OutboxStats, error)
	RecentViolations(ctx context.Context, limit int) ([]store.Violation, error)
	OpenCases(ctx context.Context) ([]string, error)
	Case(ctx context.Context, id string) (store.Case, bool, error)
	Chats(ctx context.Context) ([]store.ChatInfo, error)
	Chat(ctx context.Context, chatID string) (store.ChatInfo, bool, error)
	SetChat(ctx context.Context, c store.ChatInfo) error
	DeleteChat(ctx context.Context, chatID string) (bool, error)
}

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
	api.GET("/violations", readers, s.adapt(s.listViolations))
	api.GET("/cases", readers, s.adapt(s.listCases))
	api.GET("/cases/:id", readers, s.adapt(s.getCase))
	api.GET("/outbox", readers, s.adapt(s.outboxStats))
	api.GET("/outbox/dead", readers, s.adapt(s.deadLetters))
	api.POST("/outbox/dead/:id/retry", hr, s.adapt(s.retryDeadLetter))
	api.GET("/audit", readers, s.adapt(s.auditLog))
	api.GET("/chats", readers, s.adapt(s.listChats))
	api.PUT("/chats/:id", hr, s.adapt(s.putChat))
	api.DELETE("/chats/:id", hr, s.adapt(s.deleteChat))
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
			return fmt.Errorf("missing bearer token (create one with `wecom-guard admin token create`): %w", bot.ErrUnauthorized)
		}
		tok, found, err := s.cfg.Admin.LookupToken(c.Request.Context(), secret)
		if err != nil {
			return errors.Join(bot.ErrUnavailable, err)
		}
		// The secret is looked up by its SHA-256, so no comparison of the
		// secret itself happens here to leak timing.
		if !found {
			return fmt.Errorf("unknown or revoked token: %w", bot.ErrUnauthorized)
		}
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
		return errors.Join(bot.ErrUnavailable, err)
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
	mc := rules.Context{ChatKind: rules.ChatWork}
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
	v := s.cfg.Checker().Evaluate(req.Text, mc)
	hits := make([]testHit, len(v.Hits))
	for i, h := range v.Hits {
		hits[i] = testHit{Category: h.Category, Rule: h.Rule, Kind: h.Kind.String(), Start: h.Start, End: h.End,
			Masked: h.Masked, Severity: h.Severity.String(), Shadow: h.Shadow, Explanation: h.Explanation}
	}
	c.JSON(http.StatusOK, gin.H{"action": v.Action.String(), "severity": v.Severity.String(), "hits": hits})
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

func (s *Server) listViolations(c *gin.Context) error {
	n, err := limitParam(c, 100, 1000)
	if err != nil {
		return err
	}
	vs, err := s.cfg.Admin.RecentViolations(c.Request.Context(), n)
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
	}
	for i := range vs {
		vs[i].Raw = "" // unmasked text has its own audited view
	}
	c.JSON(http.StatusOK, gin.H{"violations": vs})
	return nil
}

func (s *Server) listCases(c *gin.Context) error {
	ids, err := s.cfg.Admin.OpenCases(c.Request.Context())
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
	}
	cases := make([]store.Case, 0, len(ids))
	for _, id := range ids {
		cs, ok, err := s.cfg.Admin.Case(c.Request.Context(), id)
		if err != nil {
			return errors.Join(bot.ErrUnavailable, err)
		}
		if ok {
			cases = append(cases, cs)
		}
	}
	c.JSON(http.StatusOK, gin.H{"cases": cases})
	return nil
}

func (s *Server) getCase(c *gin.Context) error {
	cs, ok, err := s.cfg.Admin.Case(c.Request.Context(), c.Param("id"))
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
	}
	if !ok {
		return fmt.Errorf("case %q: %w", c.Param("id"), bot.ErrNotFound)
	}
	c.JSON(http.StatusOK, cs)
	return nil
}

func (s *Server) outboxStats(c *gin.Context) error {
	st, err := s.cfg.Admin.OutboxStats(c.Request.Context())
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
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
		return errors.Join(bot.ErrUnavailable, err)
	}
	c.JSON(http.StatusOK, gin.H{"dead_letters": dl})
	return nil
}

func (s *Server) retryDeadLetter(c *gin.Context) error {
	id := c.Param("id")
	ok, err := s.cfg.Admin.RetryDeadLetter(c.Request.Context(), id)
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
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
	entries, err := s.cfg.Admin.AuditLog(c.Request.Context(), n, c.Query("before"))
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries})
	return nil
}

func (s *Server) listChats(c *gin.Context) error {
	chats, err := s.cfg.Admin.Chats(c.Request.Context())
	if err != nil {
		return errors.Join(bot.ErrUnavailable, err)
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
		return errors.Join(bot.ErrUnavailable, err)
	}
	after := store.ChatInfo{ChatID: id, Kind: req.Kind, Owner: req.Owner, Name: req.Name, SetBy: principalOf(c).User, Updated: s.cfg.Now()}
	if err := s.cfg.Admin.SetChat(ctx, after); err != nil {
		return errors.Join(bot.ErrUnavailable, err)
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
		return errors.Join(bot.ErrUnavailable, err)
	}
	if !had {
		return fmt.Errorf("chat %q has no settings: %w", id, bot.ErrNotFound)
	}
	if _, err := s.cfg.Admin.DeleteChat(ctx, id); err != nil {
		return errors.Join(bot.ErrUnavailable, err)
	}
	if err := s.audit(c, "chat.delete", id, before, nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
