package handlers

import (
	"context"
	"crypto/subtle"
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// webFiles is the HR console: plain HTML, CSS and JavaScript served from the
// binary, so it works without a build step and without any external CDN.
//
//go:embed web
var webFiles embed.FS

// SessionStore keeps the web console's sign-in sessions (part of AdminStore).
type SessionStore interface {
	CreateSession(ctx context.Context, tok store.APIToken, ttl time.Duration) (id, csrf string, err error)
	Session(ctx context.Context, id string) (tok store.APIToken, csrf string, ok bool, err error)
	// SetSessionRole records a WeCom session's role as it is now.
	SetSessionRole(ctx context.Context, id, role string) (bool, error)
	DeleteSession(ctx context.Context, id string) error
}

const (
	// SessionCookie names the web console's session cookie.
	SessionCookie = "wg_session"
	// SessionTTL is how long a web sign-in lasts.
	SessionTTL = 8 * time.Hour
	// CSRFHeader carries the session's CSRF secret on unsafe requests.
	CSRFHeader = "X-CSRF-Token"
)

// contentSecurityPolicy allows only the console's own files: no inline
// script, no other origin, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// uiRoutes registers the web console and its sign-in (with the admin API).
func (s *Server) uiRoutes(r *gin.Engine) {
	if s.cfg.Admin == nil {
		return
	}
	r.GET("/", s.uiHeaders(), s.uiRedirect)
	ui := r.Group("/ui", s.uiHeaders())
	ui.GET("/", s.adapt(s.uiIndex))
	ui.GET("/assets/*file", s.adapt(s.uiAsset))
	ui.POST("/login", s.adapt(s.uiLogin))
	ui.POST("/logout", s.adapt(s.uiLogout))
	ui.GET("/session", s.adapt(s.uiSession))
	s.signInRoutes(ui)
	ui.GET("/r/:ref", s.adapt(s.uiRef))
}

// uiHeaders sets the security headers of every console response.
func (s *Server) uiHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		c.Next()
	}
}

func (s *Server) uiRedirect(c *gin.Context) {
	c.Redirect(http.StatusFound, "/ui/")
}

func (s *Server) uiIndex(c *gin.Context) error {
	return serveWebFile(c, "index.html", "no-store")
}

func (s *Server) uiAsset(c *gin.Context) error {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if !fs.ValidPath(name) || name == "." || name == "index.html" {
		return fmt.Errorf("asset %q: %w", name, bot.ErrNotFound)
	}
	return serveWebFile(c, name, "no-cache")
}

// serveWebFile writes one embedded file with its content type.
func serveWebFile(c *gin.Context, name, cacheControl string) error {
	data, err := fs.ReadFile(webFiles, "web/"+name)
	if err != nil {
		return fmt.Errorf("asset %q: %w", name, bot.ErrNotFound)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Header("Cache-Control", cacheControl)
	c.Data(http.StatusOK, ctype, data)
	return nil
}

// loginRequest is the console's sign-in: an API token pasted by the user.
type loginRequest struct {
	Token string `json:"token"`
}

// sessionInfo is what the console learns at sign-in and after a reload.
type sessionInfo struct {
	User string `json:"user"`
	Role string `json:"role"`
	CSRF string `json:"csrf"`
	// Timezone is the company's time zone (policy company.timezone), in
	// which the console shows times.
	Timezone string `json:"timezone"`
}

func (s *Server) uiLogin(c *gin.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Token == "" || len(req.Token) > 256 {
		return fmt.Errorf("token is empty or too long (paste the wgt_… token from `wecom-guard admin token create`): %w", bot.ErrInvalid)
	}
	ctx := c.Request.Context()
	tok, found, err := s.cfg.Admin.LookupToken(ctx, req.Token)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	if !found {
		return fmt.Errorf("unknown or revoked token: %w", bot.ErrUnauthorized)
	}
	s.touchToken(c, tok.ID)
	id, csrf, err := s.cfg.Admin.CreateSession(ctx, tok, SessionTTL)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.Set(principalKey, principal{User: tok.User, Role: tok.Role})
	if err := s.audit(c, "ui.login", tok.ID, nil, nil); err != nil {
		return err
	}
	http.SetCookie(c.Writer, newSessionCookie(c, id, int(SessionTTL/time.Second)))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sessionInfo{User: tok.User, Role: tok.Role, CSRF: csrf, Timezone: s.companyLocation().String()})
	return nil
}

func (s *Server) uiLogout(c *gin.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	_, _, ok, err := s.session(c)
	if err != nil {
		return err
	}
	if ok {
		id, _ := c.Cookie(SessionCookie)
		if err := s.cfg.Admin.DeleteSession(c.Request.Context(), id); err != nil {
			return bot.WithKind(err, bot.ErrUnavailable)
		}
	}
	http.SetCookie(c.Writer, newSessionCookie(c, "", -1))
	c.Status(http.StatusNoContent)
	return nil
}

// uiSession tells a reloaded console who is signed in and the CSRF secret
// its JavaScript keeps in memory.
func (s *Server) uiSession(c *gin.Context) error {
	tok, csrf, ok, err := s.session(c)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("not signed in: %w", bot.ErrUnauthorized)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sessionInfo{User: tok.User, Role: tok.Role, CSRF: csrf, Timezone: s.companyLocation().String()})
	return nil
}

// newSessionCookie builds the session cookie: HttpOnly so scripts cannot read
// it, SameSite=Strict so other sites cannot send it, Secure over TLS (or
// behind a proxy that says it terminated TLS).
func newSessionCookie(c *gin.Context, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https",
	}
}

// session resolves the request's session cookie; ok is false without a
// cookie or for an unknown, expired or revoked session. For unsafe methods
// the X-CSRF-Token header must carry the session's CSRF secret.
func (s *Server) session(c *gin.Context) (tok store.APIToken, csrf string, ok bool, err error) {
	ss := s.cfg.Admin
	id, cerr := c.Cookie(SessionCookie)
	if ss == nil || cerr != nil || id == "" || len(id) > 128 {
		return store.APIToken{}, "", false, nil
	}
	tok, csrf, ok, err = ss.Session(c.Request.Context(), id)
	if err != nil {
		return store.APIToken{}, "", false, bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return store.APIToken{}, "", false, nil
	}
	if tok.ID == "" {
		// Signed in with WeCom (no token): the member's role now, not
		// the one they signed in with, so a role taken away (the HR list,
		// the auditors, a chat's owner) is gone at the next request.
		ctx := c.Request.Context()
		role, live, err := s.wecomSessionRole(ctx, tok.User, tok.Role)
		if err != nil {
			return store.APIToken{}, "", false, bot.WithKind(err, bot.ErrUnavailable)
		}
		if !live {
			return store.APIToken{}, "", false, nil
		}
		if role != tok.Role {
			// Kept, so the change is logged once; a failure only logs again.
			if _, err := ss.SetSessionRole(ctx, id, role); err != nil {
				zerolog.Ctx(ctx).Warn().Err(err).Msg("console: could not record the member's new role in their session")
			}
			tok.Role = role
		}
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		sent := c.GetHeader(CSRFHeader)
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(csrf)) != 1 {
			return store.APIToken{}, "", false, fmt.Errorf("missing or wrong %s header (reload the console): %w", CSRFHeader, bot.ErrForbidden)
		}
	}
	return tok, csrf, true, nil
}

// sessionPrincipal resolves the web console's session cookie to the signed-in
// user, for authenticate when a request carries no bearer token. ok is false
// without a valid session; err wraps bot.ErrForbidden when an unsafe
// request lacks the session's CSRF token, and bot.ErrUnavailable when
// Redis fails.
func (s *Server) sessionPrincipal(c *gin.Context) (user, role string, ok bool, err error) {
	tok, _, ok, err := s.session(c)
	if err != nil || !ok {
		return "", "", false, err
	}
	return tok.User, tok.Role, true, nil
}

// sameOrigin refuses a sign-in or sign-out posted from another site (a
// browser names the page's origin in Origin); SameSite cookies do not
// protect the sign-in itself.
func sameOrigin(c *gin.Context) error {
	o := c.GetHeader("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || u.Host != c.Request.Host {
		return fmt.Errorf("request from another origin %q: %w", o, bot.ErrForbidden)
	}
	return nil
}
