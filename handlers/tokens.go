package handlers

// API tokens for automation (CI, scripts, the archive puller's operators):
// HR lists them with their last use, creates one — its secret is answered
// once, never stored — and revokes them. The same tokens as
// `wecom-guard admin token …` on the command line.

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// TokenAdmin is what the token API changes (part of AdminStore).
type TokenAdmin interface {
	Tokens(ctx context.Context) ([]store.APIToken, error)
	CreateExpiringToken(ctx context.Context, user, role string, now time.Time, ttl time.Duration) (store.APIToken, string, error)
	RevokeToken(ctx context.Context, id string) (bool, error)
	TouchToken(ctx context.Context, id string, t time.Time) error
}

// maxTokenDays bounds an expiring token's life (ten years).
const maxTokenDays = 3650

// tokenRoutes registers the token API; only HR manages tokens.
func (s *Server) tokenRoutes(api *gin.RouterGroup, hr gin.HandlerFunc) {
	api.GET("/tokens", hr, s.adapt(s.listTokens))
	api.POST("/tokens", hr, s.adapt(s.createToken))
	api.DELETE("/tokens/:id", hr, s.adapt(s.revokeToken))
}

func (s *Server) listTokens(c *gin.Context) error {
	toks, err := s.cfg.Admin.Tokens(c.Request.Context())
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	slices.SortFunc(toks, func(a, b store.APIToken) int {
		return cmp.Or(b.Created.Compare(a.Created), strings.Compare(a.ID, b.ID))
	})
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"tokens": toks})
	return nil
}

// createTokenRequest names who the token is for and what it may do.
type createTokenRequest struct {
	// User names the token's holder, e.g. "ci-export" (shown in the audit log).
	User string `json:"user"`
	Role string `json:"role"`
	// Days, when positive, makes the token stop working after so many days.
	Days int `json:"days"`
}

// createTokenAnswer carries the secret: the only time it is shown.
type createTokenAnswer struct {
	Token  store.APIToken `json:"token"`
	Secret string         `json:"secret"`
}

func (s *Server) createToken(c *gin.Context) error {
	var req createTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.User = strings.TrimSpace(req.User)
	switch {
	case req.User == "" || utf8.RuneCountInString(req.User) > 64 || strings.IndexFunc(req.User, unicode.IsControl) >= 0:
		return fmt.Errorf("user must be 1–64 characters without control characters (请填写令牌使用者，1–64 个字符): %w", bot.ErrInvalid)
	case !ValidRole(req.Role):
		return fmt.Errorf("role %q: use hr, owner or auditor (角色须为 人力资源、群主 或 审计): %w", req.Role, bot.ErrInvalid)
	case req.Days < 0 || req.Days > maxTokenDays:
		return fmt.Errorf("days %d: use 0 (never expires) to %d (有效天数须在 0 到 %d 之间): %w", req.Days, maxTokenDays, maxTokenDays, bot.ErrInvalid)
	}
	tok, secret, err := s.cfg.Admin.CreateExpiringToken(c.Request.Context(), req.User, req.Role, s.cfg.Now(), time.Duration(req.Days)*24*time.Hour)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if err := s.audit(c, "token.create", tok.ID, nil, tok); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createTokenAnswer{Token: tok, Secret: secret})
	return nil
}

func (s *Server) revokeToken(c *gin.Context) error {
	id := c.Param("id")
	if id == "" || len(id) > 64 {
		return fmt.Errorf("token id %q: %w", id, bot.ErrInvalid)
	}
	ctx := c.Request.Context()
	toks, err := s.cfg.Admin.Tokens(ctx)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	i := slices.IndexFunc(toks, func(t store.APIToken) bool { return t.ID == id })
	if i < 0 {
		return fmt.Errorf("token %s: no such token (已吊销或不存在): %w", id, bot.ErrNotFound)
	}
	ok, err := s.cfg.Admin.RevokeToken(ctx, id)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return fmt.Errorf("token %s: no such token (已吊销或不存在): %w", id, bot.ErrNotFound)
	}
	if err := s.audit(c, "token.revoke", id, toks[i], nil); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// touchToken records a token's use. A failure costs only the 最近使用
// figure, never the request: it is logged, not returned.
func (s *Server) touchToken(c *gin.Context, id string) {
	if err := s.cfg.Admin.TouchToken(c.Request.Context(), id, s.cfg.Now()); err != nil {
		zerolog.Ctx(c.Request.Context()).Warn().Err(err).Str("token", id).Msg("record token use")
	}
}
