// Package handlers is wecom-guard's HTTP surface (gin): the WeCom callback
// endpoints, health, metrics and the sandbox outbox. Routes are registered in
// one function; handlers return errors and one adapter writes them.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// MaxCallbackBody is the largest callback body accepted. WeCom's own
// callbacks are a few KiB; anything near this is not from WeCom.
const MaxCallbackBody = 64 << 10

// DefaultProcessTimeout bounds the synchronous part of a callback, well
// inside WeCom's 5 s (it drops the connection and retries after 5 s).
const DefaultProcessTimeout = 4 * time.Second

// DefaultMaxCallbackAge is well inside the dedup marks' 48 h and far beyond
// WeCom's retries, which come within seconds.
const DefaultMaxCallbackAge = 24 * time.Hour

// Pipeline is what the callback endpoint needs of package bot.
type Pipeline interface {
	HandleCallback(ctx context.Context, m *wecom.Message) (bot.Result, error)
}

// SandboxOutbox lists what the bot sent to the in-process fake WeCom API.
type SandboxOutbox interface {
	// SentJSON returns the sent messages, ready for JSON encoding.
	SentJSON() any
}

// Config holds the server's dependencies.
type Config struct {
	// Crypto verifies and opens the self-built app's callbacks.
	Crypto *wecom.Crypto
	// CorpID is the FromUserName of passive replies.
	CorpID   string
	Pipeline Pipeline
	// Ready reports whether the service can do its work (Redis answers).
	Ready  func(ctx context.Context) error
	Logger zerolog.Logger
	// Registry receives the service's metrics; a new one when nil.
	Registry *prometheus.Registry
	// Sandbox, when set, is served at GET /sandbox/outbox.
	Sandbox SandboxOutbox
	// Admin, when set, serves the admin API under /api/v1.
	Admin AdminStore
	// Checker returns the policy in force, for POST /api/v1/test.
	Checker func() bot.Checker
	// Rules, when set, serves the keyword list and policy editing API.
	Rules RulesStore
	// AIBotCrypto verifies and opens the intelligent bot's callbacks (its
	// own token and key, receiveid ""); with AIBot it enables /wecom/aibot.
	AIBotCrypto *wecom.Crypto
	AIBot       AIBot
	// ProcessTimeout bounds the pipeline per callback; DefaultProcessTimeout when zero.
	ProcessTimeout time.Duration
	// TrustedProxies are the reverse proxies (addresses or CIDRs) whose
	// X-Forwarded-For is believed for the logged client address.
	TrustedProxies []string
	// MaxCallbackAge refuses callbacks whose signed timestamp is further
	// from now than this (DefaultMaxCallbackAge when zero): a captured
	// callback cannot be replayed after its dedup mark has expired.
	MaxCallbackAge time.Duration
	Now            func() time.Time
	// IngestToken authorizes POST /api/v1/archive/messages (Bearer); the
	// endpoint answers 404 when it is empty or Archive is nil.
	IngestToken string
	// Archive ingests chat-archive records (bot.ArchiveIngest).
	Archive ArchiveIngester
	// SignIn, when set, enables 企业微信登录 on the console (oauth.go).
	SignIn *WeComSignIn
	// SignInRate limits the sign-in's pages per client address
	// (ratelimit.go); DefaultSignInRate when zero.
	SignInRate SignInRate
	// Review and Reviews serve false alarms, appeals and decisions that
	// reach people (review.go); both or neither.
	Review  Review
	Reviews ReviewStore
	// Intercept, when set, serves the intercept-rule sync's state and
	// Handover the leavers' handovers (extcontact.go).
	Intercept InterceptStatus
	Handover  Handovers
	// DLP, when its Store and Key are set, serves the customer record sets
	// and protected documents under /api/v1/dlp.
	DLP DLPConfig
}

// Server is the HTTP surface.
type Server struct {
	cfg     Config
	engine  *gin.Engine
	metrics *metrics
	// hrCache keeps WeCom's answers on who is hr (oauth.go).
	hrCache *lru.Cache[string, cachedHR]
	// signInLimits are the sign-in's rate limiters by client (ratelimit.go).
	signInLimits *signInLimiter
	// logKey is zerolog's context key (zerologKey, middleware.go).
	logKey any
	// deadlines are the callbacks' processing contexts (deadline.go).
	deadlines *deadlines
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Crypto == nil || cfg.Pipeline == nil {
		return nil, errors.New("new handlers: Crypto and Pipeline are required")
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ProcessTimeout == 0 {
		cfg.ProcessTimeout = DefaultProcessTimeout
	}
	if cfg.MaxCallbackAge == 0 {
		cfg.MaxCallbackAge = DefaultMaxCallbackAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Ready == nil {
		cfg.Ready = func(context.Context) error { return nil }
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	hrCache, err := lru.New[string, cachedHR](roleCacheSize)
	if err != nil {
		return nil, fmt.Errorf("new handlers: %w", err)
	}
	limits, err := newSignInLimiter(cfg.SignInRate)
	if err != nil {
		return nil, fmt.Errorf("new handlers: %w", err)
	}
	s := &Server{cfg: cfg, engine: gin.New(), metrics: m, hrCache: hrCache, signInLimits: limits, logKey: zerologKey(),
		deadlines: &deadlines{timeout: cfg.ProcessTimeout}}
	// Client addresses in the logs come from X-Forwarded-For only through
	// the proxies named here; by default from the connection itself.
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("new handlers: trusted proxies: %w", err)
	}
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// routes registers every route of the service, one method and path a line.
func (s *Server) routes() {
	r := s.engine
	r.Use(s.recoverer(), s.requestLog())

	r.GET("/wecom/callback", s.adapt(s.verifyURL))
	r.POST("/wecom/callback", s.adapt(s.callback))
	r.POST("/api/v1/archive/messages", s.adapt(s.ingestArchive))
	if s.cfg.AIBotCrypto != nil && s.cfg.AIBot != nil {
		r.GET("/wecom/aibot", s.adapt(s.aibotVerifyURL))
		r.POST("/wecom/aibot", s.adapt(s.aibotCallback))
	}

	r.GET("/healthz", s.adapt(s.healthz))
	r.GET("/readyz", s.adapt(s.readyz))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})))
	if s.cfg.Sandbox != nil {
		r.GET("/sandbox/outbox", s.adapt(s.sandboxOutbox))
	}
	s.adminRoutes(r)
	s.uiRoutes(r)
	r.NoRoute(s.adapt(func(*gin.Context) error { return bot.ErrNotFound }))
}

func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}

func (s *Server) sandboxOutbox(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"sent": s.cfg.Sandbox.SentJSON()})
	return nil
}
