package handlers

// A rate limit on the WeCom sign-in's two pages (/ui/login/wecom and the
// OAuth callback), per client address: each start writes a state to Redis
// and each callback asks WeCom, so a client that loops on them would cost
// Redis writes and WeCom calls (whose quota the bot needs). The client is
// c.ClientIP(): the connection's address, or X-Forwarded-For through the
// trusted proxies only. One token bucket a client (golang.org/x/time/rate),
// the buckets in an LRU of bounded size (hashicorp/golang-lru): a flood
// from many addresses evicts the oldest buckets rather than growing memory.

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/wecom-guard/wecom-guard/bot"
)

// SignInRate is the limit of the sign-in's pages per client address.
type SignInRate struct {
	// PerMinute is the steady rate of requests a client may make; Burst
	// how many at once. A sign-in is two requests (start and callback);
	// many members behind one office NAT share an address, hence the
	// generous default.
	PerMinute int
	Burst     int
	// Clients bounds the addresses remembered (the least recent go first).
	Clients int
}

// DefaultSignInRate allows 30 sign-ins a minute from one address, 60
// requests at once.
var DefaultSignInRate = SignInRate{PerMinute: 60, Burst: 60, Clients: 10000}

// signInLimiter is the per-client token buckets.
type signInLimiter struct {
	mu      sync.Mutex
	clients *lru.Cache[string, *rate.Limiter]
	every   rate.Limit
	burst   int
}

func newSignInLimiter(r SignInRate) (*signInLimiter, error) {
	if r == (SignInRate{}) {
		r = DefaultSignInRate
	}
	if r.PerMinute <= 0 || r.Burst <= 0 || r.Clients <= 0 {
		return nil, fmt.Errorf("sign-in rate %+v: per minute, burst and clients must be positive: %w", r, bot.ErrInvalid)
	}
	clients, err := lru.New[string, *rate.Limiter](r.Clients)
	if err != nil {
		return nil, err
	}
	return &signInLimiter{clients: clients, every: rate.Limit(float64(r.PerMinute) / 60), burst: r.Burst}, nil
}

// allow takes one request of client at now from its bucket.
func (l *signInLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients.Get(client)
	if !ok {
		lim = rate.NewLimiter(l.every, l.burst)
		l.clients.Add(client, lim)
	}
	return lim.AllowN(now, 1)
}

// signInRateLimit refuses a client over the limit with a Chinese page
// (429, Retry-After) and a line in the request log (outcome
// signin.rate_limited).
func (s *Server) signInRateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.signInLimits.allow(c.ClientIP(), s.cfg.Now()) {
			c.Next()
			return
		}
		_ = c.Error(fmt.Errorf("sign-in rate limit of %s exceeded: %w", c.ClientIP(), bot.ErrInvalid))
		setOutcome(c, "signin.rate_limited")
		c.Header("Retry-After", "60")
		c.Header("Cache-Control", "no-store")
		_ = writeSignInPage(c, http.StatusTooManyRequests, signInPageData{
			Title: "请稍后再试", Text: "登录请求过于频繁，请稍等一分钟后再登录。",
			Link: SignInPath, LinkText: "重新登录",
		})
		c.Abort()
	}
}
