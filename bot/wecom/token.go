package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// TokenStore keeps the access token where every replica sees it, so the
// whole deployment calls gettoken once per token lifetime (bot/store
// implements it on Redis; MemoryTokenStore serves one process and tests).
type TokenStore interface {
	// GetToken returns the cached token; ok is false when there is none.
	GetToken(ctx context.Context, key string) (token string, ok bool, err error)
	// SetToken caches token for ttl.
	SetToken(ctx context.Context, key, token string, ttl time.Duration) error
	// DeleteToken drops the cached token only if it is still token, so a
	// replica never deletes a fresher token another one just stored.
	DeleteToken(ctx context.Context, key, token string) error
	// Lock serializes refreshes across replicas. It does not wait: ok is
	// false when somebody else holds the lock. The lock expires after ttl
	// even if unlock is never called (a crashed holder).
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// MemoryTokenStore is an in-process TokenStore: for tests and a single
// replica. Its zero value is ready; it is safe for concurrent use.
type MemoryTokenStore struct {
	// Now is the clock for expiry (default time.Now).
	Now func() time.Time

	mu     sync.Mutex
	tokens map[string]memToken
	locks  map[string]memLock
	seq    uint64
}

type memToken struct {
	token string
	exp   time.Time
}

type memLock struct {
	id  uint64
	exp time.Time
}

var _ TokenStore = (*MemoryTokenStore)(nil)

func (m *MemoryTokenStore) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// GetToken returns the token under key unless it has expired.
func (m *MemoryTokenStore) GetToken(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[key]
	if !ok || !m.now().Before(t.exp) {
		return "", false, nil
	}
	return t.token, true, nil
}

// SetToken stores token under key for ttl.
func (m *MemoryTokenStore) SetToken(_ context.Context, key, token string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tokens == nil {
		m.tokens = make(map[string]memToken)
	}
	m.tokens[key] = memToken{token: token, exp: m.now().Add(ttl)}
	return nil
}

// DeleteToken removes the token under key if it is still token.
func (m *MemoryTokenStore) DeleteToken(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[key]; ok && t.token == token {
		delete(m.tokens, key)
	}
	return nil
}

// Lock takes the refresh lock for key unless another holder's lock is still
// live. The returned unlock releases only this holder's lock.
func (m *MemoryTokenStore) Lock(_ context.Context, key string, ttl time.Duration) (func(), bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.locks[key]; ok && now.Before(l.exp) {
		return nil, false, nil
	}
	if m.locks == nil {
		m.locks = make(map[string]memLock)
	}
	m.seq++
	id := m.seq
	m.locks[key] = memLock{id: id, exp: now.Add(ttl)}
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if l, ok := m.locks[key]; ok && l.id == id {
			delete(m.locks, key)
		}
	}, true, nil
}

const (
	// tokenLockTTL bounds how long a crashed refresher can block the others.
	tokenLockTTL = 15 * time.Second
	// tokenWait is how long a caller waits for another replica's refresh
	// before giving up with ErrTokenBusy.
	tokenWait = tokenLockTTL + 5*time.Second
	// tokenPollMax caps the interval between looks at the store while
	// another replica refreshes.
	tokenPollMax = 200 * time.Millisecond
	// tokenMarginMax is how long before WeCom's expiry the cached token is
	// dropped, so a call never carries a token that expires on the way.
	tokenMarginMax = 5 * time.Minute
	// tokenLocalTTL is how long a process reuses the token it last read
	// from the shared store without reading it again: a call then costs no
	// store round trip of its own (one Redis GET a call was an eighth of
	// the sender's CPU under load). It is far below tokenMarginMax, so a
	// token remembered here never outlives the store's copy by more than
	// a call can take; a token WeCom refuses is forgotten here at once.
	tokenLocalTTL = 30 * time.Second
)

// localToken is the token a Client last read or fetched, and until when it
// reuses it without asking the store.
type localToken struct {
	token string
	until time.Time
}

// remember keeps tok for reuse until at most ttl from now.
func (c *Client) remember(tok string, ttl time.Duration) {
	c.local.Store(&localToken{token: tok, until: c.now().Add(min(ttl, tokenLocalTTL))})
}

// Token returns a valid access token: the cached one, or a new one from
// gettoken. One refresh runs at a time across every replica sharing the
// TokenStore; the others wait briefly and read what it stored.
func (c *Client) Token(ctx context.Context) (string, error) {
	if l := c.local.Load(); l != nil && c.now().Before(l.until) {
		return l.token, nil
	}
	tok, ok, err := c.tokens.GetToken(ctx, c.tokenKey)
	if err != nil {
		return "", fmt.Errorf("read cached token: %w", err)
	}
	if ok {
		c.remember(tok, tokenLocalTTL)
		return tok, nil
	}
	return c.refreshToken(ctx)
}

func (c *Client) refreshToken(ctx context.Context) (string, error) {
	// Goroutines of this process queue here rather than all polling the
	// shared store; the channel (unlike a mutex) lets a waiter give up.
	select {
	case c.refreshing <- struct{}{}:
		defer func() { <-c.refreshing }()
	case <-ctx.Done():
		return "", fmt.Errorf("wait for token refresh: %w", ctx.Err())
	}
	start := time.Now()
	delay := 10 * time.Millisecond
	for {
		tok, ok, err := c.tokens.GetToken(ctx, c.tokenKey)
		if err != nil {
			return "", fmt.Errorf("read cached token: %w", err)
		}
		if ok {
			c.remember(tok, tokenLocalTTL)
			return tok, nil
		}
		unlock, locked, err := c.tokens.Lock(ctx, c.tokenKey, tokenLockTTL)
		if err != nil {
			return "", fmt.Errorf("lock token refresh: %w", err)
		}
		if locked {
			tok, err := c.fetchToken(ctx)
			unlock()
			return tok, err
		}
		if time.Since(start) > tokenWait {
			return "", fmt.Errorf("refresh token: %w", ErrTokenBusy)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("wait for token refresh: %w", ctx.Err())
		}
		delay = min(delay*2, tokenPollMax)
	}
}

type tokenAnswer struct {
	apiStatus
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetchToken calls gettoken and stores the token. The caller holds the lock.
func (c *Client) fetchToken(ctx context.Context) (string, error) {
	// Another replica may have stored a token between our read and our lock.
	if tok, ok, err := c.tokens.GetToken(ctx, c.tokenKey); err != nil {
		return "", fmt.Errorf("read cached token: %w", err)
	} else if ok {
		return tok, nil
	}
	q := url.Values{"corpid": {c.corpID}, "corpsecret": {c.secret}}
	var ans tokenAnswer
	if err := c.roundTrip(ctx, "gettoken", http.MethodGet, q, nil, &ans); err != nil {
		return "", fmt.Errorf("get token: %w", err)
	}
	if ans.AccessToken == "" || ans.ExpiresIn <= 0 {
		return "", fmt.Errorf("get token: no token in answer: %w", ErrBadAnswer)
	}
	life := time.Duration(ans.ExpiresIn) * time.Second
	ttl := life - min(life/10, tokenMarginMax)
	if ttl <= 0 {
		ttl = life
	}
	if err := c.tokens.SetToken(ctx, c.tokenKey, ans.AccessToken, ttl); err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	c.remember(ans.AccessToken, ttl)
	return ans.AccessToken, nil
}

// dropToken forgets token after WeCom refused it.
func (c *Client) dropToken(ctx context.Context, token string) error {
	if l := c.local.Load(); l != nil && l.token == token {
		c.local.CompareAndSwap(l, nil)
	}
	if err := c.tokens.DeleteToken(ctx, c.tokenKey, token); err != nil {
		return fmt.Errorf("drop refused token: %w", err)
	}
	return nil
}

// apiStatus is the errcode/errmsg pair every WeCom answer carries.
type apiStatus struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (s *apiStatus) status() *apiStatus { return s }

type answer interface{ status() *apiStatus }
