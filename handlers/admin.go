package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
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
