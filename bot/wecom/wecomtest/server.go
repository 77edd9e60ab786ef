// Package wecomtest is a faithful fake of the WeCom (企业微信) server API,
// served over real HTTP on loopback, for tests and sandbox mode.
//
// It reproduces what the client depends on: gettoken and access_token expiry
// (40014 / 41001 / 42001), message/send with agentid checks, duplicate check
// and the silent per-member frequency drop, appchat, group-owner and user
// lookups, the group robot webhook with its 20 messages/min limit, the
// customer-chat intercept rules with their limits (intercept.go), the
// handover of leavers' customers and customer groups with the customers'
// 24 h acceptance window (handover.go), web sign-in (the 网页授权 and
// 扫码登录 pages, auth/getuserinfo, tag/get; see oauth.go), and
// injectable faults (-1, 45009, 45033, HTTP 500, lost replies, latency)
// that are deterministic for a given seed.
package wecomtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Error codes the fake answers with; the numbers are WeCom's own.
const (
	CodeBusy              = -1
	CodeOK                = 0
	CodeInvalidSecret     = 40001
	CodeInvalidMsgType    = 40008
	CodeInvalidCorpID     = 40013
	CodeInvalidToken      = 40014
	CodeChatNotFound      = 40050
	CodeInvalidParameter  = 40058
	CodeMissingToken      = 41001
	CodeMissingCorpID     = 41002
	CodeMissingSecret     = 41004
	CodeMissingUserID     = 41009
	CodeMissingURL        = 41010
	CodeMissingAgentID    = 41011
	CodeMissingTitle      = 41016
	CodeMissingDesc       = 41033
	CodeTokenExpired      = 42001
	CodeEmptyContent      = 44004
	CodeContentTooLong    = 45002
	CodeFrequencyLimit    = 45009
	CodeConcurrencyLimit  = 45033
	CodeUserNotFound      = 60111
	CodeAllInvalid        = 81013
	CodeAppChatNotFound   = 86003
	CodeInvalidWebhookKey = 93000
	CodeOtherAgent        = 301002
)

var errText = map[int]string{
	CodeBusy:              "system busy",
	CodeInvalidSecret:     "invalid credential",
	CodeInvalidMsgType:    "invalid message type",
	CodeInvalidCorpID:     "invalid corpid",
	CodeInvalidToken:      "invalid access_token",
	CodeChatNotFound:      "invalid chatid",
	CodeInvalidParameter:  "invalid Request Parameter",
	CodeMissingToken:      "access_token missing",
	CodeMissingCorpID:     "corpid missing",
	CodeMissingSecret:     "corpsecret missing",
	CodeMissingUserID:     "userid missing",
	CodeMissingURL:        "url missing",
	CodeMissingAgentID:    "agentid missing",
	CodeMissingTitle:      "title missing",
	CodeMissingDesc:       "description missing",
	CodeTokenExpired:      "access_token expired",
	CodeEmptyContent:      "empty content",
	CodeContentTooLong:    "content size out of limit",
	CodeFrequencyLimit:    "api freq out of limit",
	CodeConcurrencyLimit:  "api concurrent out of limit",
	CodeUserNotFound:      "userid not found",
	CodeAllInvalid:        "user & party & tag all invalid",
	CodeAppChatNotFound:   "chatid not exist",
	CodeInvalidWebhookKey: "invalid webhook url",
	CodeOtherAgent:        "not allow operate another agent with this accesstoken",
}

// API names used in Sent records and Calls.
const (
	APIGetToken       = "gettoken"
	APIMessageSend    = "message/send"
	APIAppChatSend    = "appchat/send"
	APIAppChatGet     = "appchat/get"
	APIGroupChatGet   = "externalcontact/groupchat/get"
	APIArchiveRoomGet = "msgaudit/groupchat/get"
	APIUserGet        = "user/get"
	APIWebhookSend    = "webhook/send"
)

// Config describes the one corp and self-built app the fake serves.
type Config struct {
	CorpID  string
	Secret  string
	AgentID int64
	// TokenTTL is how long an access_token lives, answered as expires_in
	// (default 7200 s, as WeCom).
	TokenTTL time.Duration
	// Now is the clock for token expiry and frequency windows (default time.Now).
	Now func() time.Time
	// Logf, when set, is called once for each delivered message (sandbox mode
	// prints them). It runs under the server's lock: it must not call back
	// into the Server.
	Logf func(format string, args ...any)
	// StrictDirectory makes message/send treat every touser that was not
	// seeded with SetUser as invalid (invaliduser, or 81013 when none is
	// valid). Without it every userid is taken to be a member of the corp.
	StrictDirectory bool
	// RoomOf, when set, answers msgaudit/groupchat/get for a room that was
	// not seeded with SetArchiveRoom (the sandbox describes the groups of
	// `wecom-guard load --groups` with it). It must not call back into
	// the Server.
	RoomOf func(roomID string) (ArchiveRoom, bool)
}

// Server is the fake WeCom API. All methods are safe for concurrent use.
type Server struct {
	cfg     Config
	seq     atomic.Int64
	ts      *httptest.Server
	handler http.Handler
	stop    chan struct{} // closed by Close: ends injected latency
	once    sync.Once

	mu       sync.Mutex
	tokens   map[string]time.Time // token → expiry
	current  string               // token gettoken hands out while it is valid
	calls    map[string]int
	sent     []Sent
	dropped  []Dropped
	dups     []Sent
	dupSeen  map[string]dupEntry
	member   map[string]*window // per-member delivery history (message/send)
	hooks    map[string]*window // per-webhook-key history
	webhooks map[string]bool
	chats    map[string]Chat
	groups   map[string]GroupChat
	rooms    map[string]ArchiveRoom
	users    map[string]User
	faults   faultState
	media    mediaFiles      // media/get files (media.go)
	contacts contactsState   // user/update (userupdate.go)
	rules    interceptRules  // intercept rules (intercept.go)
	handover handoverState   // leavers' customers and transfers (handover.go)
	oauth    oauthState      // web sign-in (oauth.go)
	depts    departmentNames // department/get (department.go)
}

// New starts a fake WeCom API on a loopback port. Close it when done.
func New(cfg Config) *Server {
	s := NewHandler(cfg)
	s.ts = httptest.NewServer(s.handler)
	return s
}

// NewHandler builds the fake without starting a listener, for mounting
// Handler in-process (URL is empty and Close does nothing then).
func NewHandler(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 7200 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg:      cfg,
		stop:     make(chan struct{}),
		tokens:   make(map[string]time.Time),
		calls:    make(map[string]int),
		dupSeen:  make(map[string]dupEntry),
		member:   make(map[string]*window),
		hooks:    make(map[string]*window),
		webhooks: make(map[string]bool),
		chats:    make(map[string]Chat),
		groups:   make(map[string]GroupChat),
		rooms:    make(map[string]ArchiveRoom),
		users:    make(map[string]User),
	}
	s.handler = s.routes()
	return s
}

// URL is the base URL to use instead of https://qyapi.weixin.qq.com.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close shuts the listener down and waits for requests in flight.
func (s *Server) Close() {
	s.once.Do(func() { close(s.stop) })
	if s.ts != nil {
		s.ts.Close()
	}
}

// Handler serves the API under /cgi-bin/ and the sign-in pages under
// /connect/oauth2/ and /wwlogin/; mount it with http.StripPrefix to serve it
// under another prefix.
func (s *Server) Handler() http.Handler { return s.handler }

// Calls reports how many requests reached api (one of the API… names),
// whatever their outcome.
func (s *Server) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[api]
}

// ExpireTokens invalidates every token issued so far: the next call with one
// of them is answered 42001 and gettoken hands out a new token.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = time.Time{}
	}
	s.current = ""
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", s.api(APIGetToken, s.getToken, false))
	mux.HandleFunc("POST /cgi-bin/message/send", s.api(APIMessageSend, s.messageSend, true))
	mux.HandleFunc("POST /cgi-bin/appchat/send", s.api(APIAppChatSend, s.appChatSend, true))
	mux.HandleFunc("GET /cgi-bin/appchat/get", s.api(APIAppChatGet, s.appChatGet, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/groupchat/get", s.api(APIGroupChatGet, s.groupChatGet, true))
	mux.HandleFunc("POST /cgi-bin/msgaudit/groupchat/get", s.api(APIArchiveRoomGet, s.archiveRoomGet, true))
	mux.HandleFunc("GET /cgi-bin/user/get", s.api(APIUserGet, s.userGet, true))
	mux.HandleFunc("POST /cgi-bin/user/update", s.api(APIUserUpdate, s.userUpdate, true))
	mux.HandleFunc("POST /cgi-bin/webhook/send", s.api(APIWebhookSend, s.webhookSend, false))
	mux.HandleFunc("GET /cgi-bin/media/get", s.mediaGet)
	mux.HandleFunc("GET /connect/oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /wwlogin/sso/login", s.ssoLogin)
	mux.HandleFunc("GET /cgi-bin/auth/getuserinfo", s.api(APIGetUserInfo, s.getUserInfo, true))
	mux.HandleFunc("GET /cgi-bin/tag/get", s.api(APITagGet, s.tagGet, true))
	mux.HandleFunc("GET /cgi-bin/department/simplelist", s.api(APIDepartmentList, s.departmentList, true))
	mux.HandleFunc("GET /cgi-bin/department/get", s.api(APIDepartmentGet, s.departmentGet, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/add_intercept_rule", s.api(APIAddInterceptRule, s.addInterceptRule, true))
	mux.HandleFunc("GET /cgi-bin/externalcontact/get_intercept_rule_list", s.api(APIInterceptRuleList, s.interceptRuleList, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/get_intercept_rule", s.api(APIGetInterceptRule, s.getInterceptRule, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/update_intercept_rule", s.api(APIUpdateInterceptRule, s.updateInterceptRule, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/del_intercept_rule", s.api(APIDelInterceptRule, s.delInterceptRule, true))
	mux.HandleFunc("GET /cgi-bin/externalcontact/get", s.api(APICustomerGet, s.customerGet, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/get_unassigned_list", s.api(APIUnassignedList, s.unassignedList, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/resigned/transfer_customer", s.api(APIResignedTransfer, s.resignedTransfer, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/resigned/transfer_result", s.api(APIResignedResult, s.resignedResult, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/groupchat/list", s.api(APIGroupChatList, s.groupChatList, true))
	mux.HandleFunc("POST /cgi-bin/externalcontact/groupchat/transfer", s.api(APIGroupChatTransfer, s.groupChatTransfer, true))
	return mux
}

// reply is what an endpoint answers: WeCom always answers HTTP 200 with a
// JSON object carrying errcode and errmsg, plus the endpoint's own fields.
type reply map[string]any

func (s *Server) fail(code int) reply {
	return reply{"errcode": code, "errmsg": s.errmsg(code)}
}

func (s *Server) ok(fields reply) reply {
	if fields == nil {
		fields = reply{}
	}
	fields["errcode"] = CodeOK
	fields["errmsg"] = "ok"
	return fields
}

// errmsg mimics WeCom's errmsg, which carries a hint and a pointer to the
// error-code lookup tool; callers must rely on errcode only.
func (s *Server) errmsg(code int) string {
	seq := s.seq.Add(1)
	text, ok := errText[code]
	if !ok {
		text, ok = signInErrText[code]
	}
	if !ok {
		text = "error"
	}
	return fmt.Sprintf("%s, hint: [%d_%d_fake], more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		text, s.cfg.Now().Unix(), seq, code)
}

type endpoint func(r *http.Request, body []byte) reply

// api wraps an endpoint with the call counter, injected faults, the
// access_token check and the JSON answer.
func (s *Server) api(name string, h endpoint, needToken bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[name]++
		s.mu.Unlock()
		// The body is read first: only then does net/http notice a caller
		// that hangs up during the injected latency.
		body, err := readBody(r)
		f := s.drawFaultFor(name)
		if f.latency > 0 {
			t := time.NewTimer(f.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-s.stop:
				t.Stop()
				return
			}
		}
		switch f.kind {
		case faultHTTP500:
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		case faultBusy:
			writeJSON(w, s.fail(CodeBusy))
			return
		case faultRefused:
			writeJSON(w, s.fail(s.refusedCode()))
			return
		case faultRateLimit:
			writeJSON(w, s.fail(CodeFrequencyLimit))
			return
		case faultConcurrency:
			writeJSON(w, s.fail(CodeConcurrencyLimit))
			return
		}
		if err != nil {
			writeJSON(w, s.fail(CodeInvalidParameter))
			return
		}
		var out reply
		if needToken {
			if code := s.checkToken(r.URL.Query()); code != CodeOK {
				out = s.fail(code)
			}
		}
		if out == nil {
			out = h(r, body)
		}
		if f.kind == faultLostReply {
			// The request took effect but the answer never reaches the
			// caller: what makes duplicate_check necessary on resends.
			http.Error(w, "Bad Gateway", http.StatusBadGateway)
			return
		}
		writeJSON(w, out)
	}
}

func writeJSON(w http.ResponseWriter, v reply) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	// Encoding a map of plain values cannot fail; a write error means the
	// client went away, which the fake has no one to tell.
	_ = json.NewEncoder(w).Encode(v)
}

const maxBody = 2 << 20

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("read body: over %d bytes", maxBody)
	}
	return b, nil
}

func (s *Server) getToken(r *http.Request, _ []byte) reply {
	q := r.URL.Query()
	corpID, secret := q.Get("corpid"), q.Get("corpsecret")
	switch {
	case corpID == "":
		return s.fail(CodeMissingCorpID)
	case corpID != s.cfg.CorpID:
		return s.fail(CodeInvalidCorpID)
	case secret == "":
		return s.fail(CodeMissingSecret)
	case secret != s.cfg.Secret:
		return s.fail(CodeInvalidSecret)
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Within its lifetime gettoken answers the same token again, as WeCom
	// does, and renews it for a full TokenTTL.
	if exp, ok := s.tokens[s.current]; ok && s.current != "" && now.Before(exp) {
		s.tokens[s.current] = now.Add(s.cfg.TokenTTL)
		return s.ok(reply{"access_token": s.current, "expires_in": int64(s.cfg.TokenTTL / time.Second)})
	}
	tok := newToken()
	s.tokens[tok] = now.Add(s.cfg.TokenTTL)
	s.current = tok
	return s.ok(reply{"access_token": tok, "expires_in": int64(s.cfg.TokenTTL / time.Second)})
}

func newToken() string {
	b := make([]byte, 48)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func (s *Server) checkToken(q map[string][]string) int {
	toks := q["access_token"]
	if len(toks) == 0 || toks[0] == "" {
		return CodeMissingToken
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[toks[0]]
	switch {
	case !ok:
		return CodeInvalidToken
	case !now.Before(exp):
		return CodeTokenExpired
	}
	return CodeOK
}
