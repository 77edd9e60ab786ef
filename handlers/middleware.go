package handlers

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
)

// requestIDHeader carries the request id in and out.
const requestIDHeader = "X-Request-Id"

// requestLog gives each request an id and a logger carrying it, and writes
// one line when the request ends: status, latency and, for errors, the
// reason. Query strings are left out (they carry signatures, not content).
//
// A clean callback logs nothing but this line, so the request's logger is
// built only when something asks the context for it (requestState), and
// the line is one event of the service's logger with the id as its first
// field: the same JSON as the request logger's line, without zerolog's
// per-request With (a 500-byte buffer), the logger's copy on the heap and
// its context value on every callback (docs/performance.md).
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := s.cfg.Now()
		rs := &requestState{srv: s}
		rs.id = c.GetHeader(requestIDHeader)
		if rs.id == "" || len(rs.id) > 64 {
			rs.id = newRequestID()
		}
		// Header.Set's canonical keys, with their values in rs instead of
		// a slice allocated for each.
		rs.headers = [2]string{rs.id, "nosniff"}
		h := c.Writer.Header()
		h[requestIDHeader] = rs.headers[0:1:1]
		h["X-Content-Type-Options"] = rs.headers[1:2:2]
		rs.Context = c.Request.Context()
		var ctx context.Context = rs
		if s.logKey == nil { // zerolog's key not found: the logger in the context as zerolog puts it
			ctx = rs.logger().WithContext(ctx)
		}
		c.Request = c.Request.WithContext(ctx)

		c.Next()

		code := c.Writer.Status()
		level := zerolog.InfoLevel
		switch {
		case code >= 500:
			level = zerolog.ErrorLevel
		case code >= 400:
			level = zerolog.WarnLevel
		case c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz" || c.Request.URL.Path == "/metrics":
			level = zerolog.DebugLevel
		}
		ev := s.cfg.Logger.WithLevel(level)
		if !ev.Enabled() {
			return
		}
		ev = ev.Str("request_id", rs.id).
			Str("method", c.Request.Method).
			Str("path", c.Request.URL.Path).
			Int("status", code).
			Float64("latency_ms", float64(s.cfg.Now().Sub(start).Microseconds())/1000).
			Str("remote", s.clientIP(c))
		if rs.outcome != "" {
			ev = ev.Str("outcome", rs.outcome)
		}
		if len(c.Errors) > 0 {
			ev = ev.Str("reason", c.Errors.Last().Error())
		}
		ev.Msg("request")
	}
}

// requestState is the context requestLog gives a request: the parent's
// values, the request's id, its outcome for the access line, and its
// logger (the service's with the id), built the first time zerolog.Ctx
// asks for it, by whichever goroutine asks first.
type requestState struct {
	context.Context
	srv     *Server
	id      string
	outcome string
	headers [2]string
	log     atomic.Pointer[zerolog.Logger]
}

// requestStateKey finds the requestState under contexts derived from it.
type requestStateKey struct{}

// Value answers zerolog's key with the request's logger.
func (r *requestState) Value(key any) any {
	switch key {
	case r.srv.logKey:
		return r.logger()
	case requestStateKey{}:
		return r
	}
	return r.Context.Value(key)
}

func (r *requestState) logger() *zerolog.Logger {
	if l := r.log.Load(); l != nil {
		return l
	}
	l := r.srv.cfg.Logger.With().Str("request_id", r.id).Logger()
	if r.log.CompareAndSwap(nil, &l) {
		return &l
	}
	return r.log.Load()
}

// clientIP is c.ClientIP() without its parse and its two allocations
// when gin would answer the connection's own IPv4 address (no proxy
// trusted, not a unix socket): then the address is the host part of
// RemoteAddr as it stands (1 % of the served binary's CPU a clean
// callback). Anything else is gin's answer (FuzzClientIP).
func (s *Server) clientIP(c *gin.Context) string {
	if len(s.cfg.TrustedProxies) > 0 {
		return c.ClientIP()
	}
	if a, ok := c.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && strings.HasPrefix(a.Network(), "unix") {
		return c.ClientIP()
	}
	host, _, err := net.SplitHostPort(strings.TrimSpace(c.Request.RemoteAddr))
	if err != nil {
		return c.ClientIP()
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.Is4() {
		return c.ClientIP()
	}
	return host
}

// enabled reports whether the service's logger (and so every request's)
// writes lines of level.
func (s *Server) enabled(level zerolog.Level) bool {
	return level >= s.cfg.Logger.GetLevel() && level >= zerolog.GlobalLevel()
}

// setOutcome hands the outcome of a request to its access line.
func setOutcome(c *gin.Context, outcome string) {
	ctx := c.Request.Context()
	rs, ok := ctx.(*requestState)
	if !ok {
		rs, ok = ctx.Value(requestStateKey{}).(*requestState)
	}
	if ok {
		rs.outcome = outcome
	}
}

// zerologKey is the key zerolog.Ctx looks a context's logger up by, which
// zerolog does not export: the key a probing context is asked for. Nil if
// zerolog asks for none (then requestLog puts the logger in the context
// the way zerolog does, and TestRequestLoggerWithoutZerologKey says the
// lazy path is lost).
func zerologKey() any {
	p := &keyProbe{Context: context.Background()}
	_ = zerolog.Ctx(p)
	return p.key
}

type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

// recoverer turns a panic into a 500 and a log line with the stack: the
// service must never die of one request.
func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				zerolog.Ctx(c.Request.Context()).Error().
					Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("recovered panic")
				c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": http.StatusText(http.StatusInternalServerError)})
			}
		}()
		c.Next()
	}
}

// newRequestID is 16 hex digits from math/rand/v2's generator (ChaCha8,
// seeded by the runtime from the system's entropy): unpredictable enough
// for an id that only ties log lines together, without crypto/rand's
// FIPS DRBG and getrandom on every request (0.6 % of the served binary's
// CPU under the load tool).
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	var id [16]byte
	hex.Encode(id[:], b[:])
	return string(id[:])
}
