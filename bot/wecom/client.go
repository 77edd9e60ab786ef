package wecom

// The API client is written on net/http rather than on
// github.com/silenceper/wechat/v2 (work/message, util.PostJSON …), because
// what this project needs from a WeCom client is exactly where that library
// falls short:
//   - util.SetURIModifier is package-level mutable state: two clients
//     pointed at two fakes (parallel tests, sandbox next to a real corp)
//     would rewrite each other's URLs, and the house style forbids it;
//   - its token handle never drops a token WeCom refused (40014 / 42001), and
//     its Redis cache is go-redis v8 while we share tokens through go-redis v9;
//   - work/message has no markdown or textcard requests and sends agentid as
//     a string; robot.RobotBroadcast returns errcode != 0 with a nil error;
//   - its errors carry no classification (retryable / token / permanent),
//     which the outbox's retry policy is built on.
// Each call here is one JSON request and one JSON answer, so the hand-written
// part is small: build the URL, marshal, check the HTTP status, decode,
// classify errcode. Request and response shapes follow WeCom's documentation;
// the library's structs are not reused because their agentid type is wrong
// for message/send and the lookups need only a few fields.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is WeCom's public API host.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// defaultHTTPTimeout bounds one request when the caller's context does not.
const defaultHTTPTimeout = 10 * time.Second

// idleConnsPerHost is how many idle connections to WeCom the default
// client keeps. net/http keeps 2 a host by default, so with more calls in
// flight than that (the sender delivers to many recipients at once) every
// other call opened a new connection — a TLS handshake towards
// qyapi.weixin.qq.com — and closed it after.
const idleConnsPerHost = 64

// newHTTPClient is the default client: http.DefaultTransport's settings
// (proxy from the environment, dial and TLS timeouts) with idle
// connections kept for the calls in flight.
func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(tr.MaxIdleConns, idleConnsPerHost)
	tr.MaxIdleConnsPerHost = idleConnsPerHost
	return &http.Client{Timeout: defaultHTTPTimeout, Transport: tr}
}

// maxAnswer bounds how much of an answer is read; WeCom's are a few KiB.
const maxAnswer = 4 << 20

// ClientConfig configures a Client for one self-built app.
type ClientConfig struct {
	// BaseURL replaces DefaultBaseURL (a private deployment, the fake API);
	// the config layer fills it from WECOM_API_BASE.
	BaseURL string
	CorpID  string
	Secret  string
	AgentID int64
	// Tokens caches the access token; replicas share it (required).
	Tokens TokenStore
	// Pacer keeps message/send within WeCom's per-member limits (default: a
	// MemoryPacer, right for one replica; replicas should share one).
	Pacer Pacer
	// HTTP is the client for every call (default: a new http.Client with a
	// 10 s timeout that keeps up to 64 idle connections to WeCom;
	// http.DefaultClient is never used or changed).
	HTTP *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Client calls the WeCom server API for one app. It is safe for concurrent
// use; every method honours its context.
type Client struct {
	base       string
	corpID     string
	secret     string
	agentID    int64
	tokens     TokenStore
	tokenKey   string
	pacer      Pacer
	http       *http.Client
	now        func() time.Time
	refreshing chan struct{}
	// local is the token last read or fetched (token.go), reused for
	// tokenLocalTTL without a store round trip.
	local atomic.Pointer[localToken]
}

// NewClient checks cfg and builds a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	var problems []string
	if cfg.CorpID == "" {
		problems = append(problems, "corp id is empty: set the CorpID of your WeCom corp (WECOM_CORP_ID)")
	}
	if cfg.Secret == "" {
		problems = append(problems, "secret is empty: set the app's Secret (WECOM_SECRET)")
	}
	if cfg.AgentID <= 0 {
		problems = append(problems, "agent id must be a positive number: set the app's AgentId (WECOM_AGENT_ID)")
	}
	if cfg.Tokens == nil {
		problems = append(problems, "no token store: give a TokenStore (MemoryTokenStore for one replica)")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("base url %q is not an http(s) URL: use e.g. %s (WECOM_API_BASE)", base, DefaultBaseURL))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("new wecom client: %s: %w", strings.Join(problems, "; "), ErrInvalidRequest)
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = newHTTPClient()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	pacer := cfg.Pacer
	if pacer == nil {
		pacer = &MemoryPacer{}
	}
	return &Client{
		base:       base,
		corpID:     cfg.CorpID,
		secret:     cfg.Secret,
		agentID:    cfg.AgentID,
		tokens:     cfg.Tokens,
		tokenKey:   cfg.CorpID + ":" + strconv.FormatInt(cfg.AgentID, 10),
		pacer:      pacer,
		http:       hc,
		now:        now,
		refreshing: make(chan struct{}, 1),
	}, nil
}

// TokenKey is the key under which the client keeps its token in the
// TokenStore (corp id and agent id: one token per app).
func (c *Client) TokenKey() string { return c.tokenKey }

// call sends one request that needs an access token. When WeCom refuses the
// token (40014 / 41001 / 42001) it drops it, fetches a new one and tries
// once more — never more: other retries belong to the caller.
func (c *Client) call(ctx context.Context, api, method string, q url.Values, body any, out answer) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = jsonBody(body); err != nil {
			return fmt.Errorf("encode %s request: %w", api, err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		withTok := url.Values{}
		for k, v := range q {
			withTok[k] = v
		}
		withTok.Set("access_token", tok)
		err = c.roundTrip(ctx, api, method, withTok, payload, out)
		if attempt == 0 && TokenInvalid(err) {
			if derr := c.dropToken(ctx, tok); derr != nil {
				return errors.Join(err, derr)
			}
			*out.status() = apiStatus{}
			continue
		}
		return err
	}
}

// roundTrip sends one request and decodes the answer into out; errcode != 0
// becomes *APIError. Secrets in the URL never reach the returned error.
func (c *Client) roundTrip(ctx context.Context, api, method string, q url.Values, payload []byte, out answer) error {
	u := c.base + "/cgi-bin/" + api
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("build %s request: %w", api, redact(err))
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("call %s: %w", api, redact(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read %s answer: %w", api, redact(err))
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{API: api, Status: resp.StatusCode}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s answer: %w: %v", api, ErrBadAnswer, err)
	}
	if st := out.status(); st.ErrCode != 0 {
		return &APIError{Code: st.ErrCode, Msg: st.ErrMsg, API: api}
	}
	return nil
}

// jsonBody encodes a request body. WeCom reads the content as UTF-8 text, so
// <, > and & stay as they are rather than becoming \u003c escapes (WeCom
// refuses \u-escaped characters in some fields with 40033).
func jsonBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
