package wecomtest

// The fake's web sign-in: WeCom's two sign-in pages (网页授权 and 扫码登录)
// as a browser meets them, and the API behind them. The pages play the
// member's part: they consent at once as the Visitor set for the test (or
// refuse, as a member can) and redirect to redirect_uri with a code, the
// way WeCom does after a silent snsapi_base authorization or a scan.
// auth/getuserinfo accepts each code once and for five minutes (40029
// otherwise); tag/get and department/simplelist serve the directory the
// sign-in's role mapping reads.

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Sign-in error codes; the numbers are WeCom's own.
const (
	CodeInvalidOAuthCode       = 40029
	CodeMissingOAuthCode       = 41008
	CodeInvalidTagID           = 40068
	CodeRedirectNotTrusted     = 50001
	CodeInvalidDepartment      = 60123
	CodeInvalidAgentIDForLogin = 40056
)

// signInErrText is errText for the sign-in codes (errmsg reads both).
var signInErrText = map[int]string{
	CodeInvalidOAuthCode:       "invalid code",
	CodeMissingOAuthCode:       "missing code",
	CodeInvalidTagID:           "invalid tagid",
	CodeRedirectNotTrusted:     "redirect uri not authorized",
	CodeInvalidDepartment:      "invalid party id",
	CodeInvalidAgentIDForLogin: "invalid agentid",
}

// API names of the sign-in, for Calls.
const (
	APIAuthorize      = "connect/oauth2/authorize"
	APISSOLogin       = "wwlogin/sso/login"
	APIGetUserInfo    = "auth/getuserinfo"
	APITagGet         = "tag/get"
	APIDepartmentList = "department/simplelist"
)

// CodeTTL is how long a sign-in code is accepted, as WeCom.
const CodeTTL = 5 * time.Minute

// Visitor is who the fake's sign-in pages sign in as: a member (UserID),
// someone outside the corp (OpenID), or a member who refuses (Refuse).
type Visitor struct {
	UserID         string
	OpenID         string
	ExternalUserID string
	Refuse         bool
}

// Tag is a tag of the directory (标签), as tag/get describes it.
type Tag struct {
	ID      int64
	Name    string
	Users   []string
	Parties []int64
}

type issuedCode struct {
	v       Visitor
	expires time.Time
}

// oauthState is the sign-in part of the Server, under Server.mu.
type oauthState struct {
	visitor Visitor
	trusted string // 可信域名: the host redirect_uri must have ("" any)
	codes   map[string]issuedCode
	tags    map[int64]Tag
	depts   map[int64]int64 // department → parent
}

func (o *oauthState) init() {
	if o.codes == nil {
		o.codes = make(map[string]issuedCode)
		o.tags = make(map[int64]Tag)
		o.depts = map[int64]int64{1: 0}
	}
}

// SetVisitor sets who the sign-in pages sign in as from now on.
func (s *Server) SetVisitor(v Visitor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.init()
	s.oauth.visitor = v
}

// SetTrustedDomain sets the app's 可信域名 (host[:port]): the sign-in pages
// refuse any other redirect_uri host (errcode 50001), as WeCom does. The
// default, "", accepts every host.
func (s *Server) SetTrustedDomain(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.trusted = host
}

// SetTag adds or replaces a tag.
func (s *Server) SetTag(t Tag) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.init()
	t.Users, t.Parties = slices.Clone(t.Users), slices.Clone(t.Parties)
	s.oauth.tags[t.ID] = t
}

// SetDepartment adds department id under parent (the root, 1, exists).
func (s *Server) SetDepartment(id, parent int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.init()
	s.oauth.depts[id] = parent
}

// IssueCode hands out a sign-in code for v as the sign-in pages would.
func (s *Server) IssueCode(v Visitor) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueCodeLocked(v)
}

func (s *Server) issueCodeLocked(v Visitor) string {
	s.oauth.init()
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	code := base64.RawURLEncoding.EncodeToString(b)
	s.oauth.codes[code] = issuedCode{v: v, expires: s.cfg.Now().Add(CodeTTL)}
	return code
}

var fakeState = regexp.MustCompile(`^[A-Za-z0-9]{0,128}$`)

// signInPage is the shared part of the two sign-in pages: check the app
// and the redirect, then consent (or refuse) and redirect.
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, name string, q url.Values, extra url.Values) {
	s.mu.Lock()
	s.calls[name]++
	s.mu.Unlock()
	refuse := func(code int) {
		// WeCom shows a page (not JSON) naming the error code.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<!doctype html><title>企业微信</title><p>无法访问（错误码 %d：%s）</p>", code, s.errmsg(code))
	}
	if q.Get("appid") != s.cfg.CorpID {
		refuse(CodeInvalidCorpID)
		return
	}
	if a := q.Get("agentid"); a != "" && a != strconv.FormatInt(s.cfg.AgentID, 10) {
		refuse(CodeInvalidAgentIDForLogin)
		return
	}
	state := q.Get("state")
	if !fakeState.MatchString(state) {
		refuse(CodeInvalidParameter)
		return
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		refuse(CodeInvalidParameter)
		return
	}
	s.mu.Lock()
	s.oauth.init()
	trusted, v := s.oauth.trusted, s.oauth.visitor
	var code string
	if trusted == "" || ru.Host == trusted {
		if !v.Refuse && (v.UserID != "" || v.OpenID != "") {
			code = s.issueCodeLocked(v)
		}
	}
	s.mu.Unlock()
	if trusted != "" && ru.Host != trusted {
		refuse(CodeRedirectNotTrusted)
		return
	}
	back := ru.Query()
	if code != "" {
		back.Set("code", code)
	}
	back.Set("state", state)
	for k, vs := range extra {
		back[k] = vs
	}
	ru.RawQuery = back.Encode()
	ru.Fragment = ""
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

// authorize is 网页授权: open.weixin.qq.com/connect/oauth2/authorize.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" {
		s.signInRefused(w, APIAuthorize)
		return
	}
	switch q.Get("scope") {
	case "snsapi_base":
	case "snsapi_privateinfo":
		if q.Get("agentid") == "" {
			s.signInRefused(w, APIAuthorize)
			return
		}
	default:
		s.signInRefused(w, APIAuthorize)
		return
	}
	s.signInPage(w, r, APIAuthorize, q, nil)
}

// ssoLogin is 扫码登录: login.work.weixin.qq.com/wwlogin/sso/login. The
// redirect carries appid as well, as WeCom's does.
func (s *Server) ssoLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("login_type") != "CorpApp" || q.Get("agentid") == "" {
		s.signInRefused(w, APISSOLogin)
		return
	}
	s.signInPage(w, r, APISSOLogin, q, url.Values{"appid": {s.cfg.CorpID}})
}

func (s *Server) signInRefused(w http.ResponseWriter, name string) {
	s.mu.Lock()
	s.calls[name]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>企业微信</title><p>无法访问（错误码 %d：%s）</p>", CodeInvalidParameter, s.errmsg(CodeInvalidParameter))
}

// getUserInfo is auth/getuserinfo: a code once, within CodeTTL.
func (s *Server) getUserInfo(r *http.Request, _ []byte) reply {
	code := r.URL.Query().Get("code")
	if code == "" {
		return s.fail(CodeMissingOAuthCode)
	}
	now := s.cfg.Now()
	s.mu.Lock()
	s.oauth.init()
	ic, ok := s.oauth.codes[code]
	delete(s.oauth.codes, code)
	s.mu.Unlock()
	if !ok || !now.Before(ic.expires) {
		return s.fail(CodeInvalidOAuthCode)
	}
	if ic.v.UserID != "" {
		return s.ok(reply{"userid": ic.v.UserID})
	}
	out := reply{"openid": ic.v.OpenID}
	if ic.v.ExternalUserID != "" {
		out["external_userid"] = ic.v.ExternalUserID
	}
	return s.ok(out)
}

// tagGet is tag/get.
func (s *Server) tagGet(r *http.Request, _ []byte) reply {
	id, err := strconv.ParseInt(r.URL.Query().Get("tagid"), 10, 64)
	if err != nil {
		return s.fail(CodeInvalidTagID)
	}
	s.mu.Lock()
	s.oauth.init()
	t, ok := s.oauth.tags[id]
	var users []reply
	for _, u := range t.Users {
		users = append(users, reply{"userid": u, "name": s.users[u].Name})
	}
	s.mu.Unlock()
	if !ok {
		return s.fail(CodeInvalidTagID)
	}
	return s.ok(reply{"tagname": t.Name, "userlist": nonNil(users), "partylist": nonNil(t.Parties)})
}

// departmentList is department/simplelist: the department and all below it.
func (s *Server) departmentList(r *http.Request, _ []byte) reply {
	root := int64(1)
	if v := r.URL.Query().Get("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.fail(CodeInvalidDepartment)
		}
		root = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.init()
	if _, ok := s.oauth.depts[root]; !ok {
		return s.fail(CodeInvalidDepartment)
	}
	var out []reply
	for id, parent := range s.oauth.depts {
		// Walk up to the root (bounded: a cycle set by a test ends too).
		for p, n := id, 0; p != 0 && n < 64; p, n = s.oauth.depts[p], n+1 {
			if p == root {
				out = append(out, reply{"id": id, "parentid": parent, "order": 0})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b reply) int { return int(a["id"].(int64) - b["id"].(int64)) })
	return s.ok(reply{"department_id": nonNil(out)})
}
