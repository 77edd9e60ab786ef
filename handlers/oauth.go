package handlers

// Sign-in with WeCom (企业微信登录). The console sends the browser to
// WeCom — silently inside WeCom's in-app browser (网页授权), to the QR page
// on a desktop (扫码登录) — and WeCom sends it back to /ui/oauth/callback
// with a one-time code and the state we gave it. The state is random, kept
// in Redis for ten minutes and usable once, and also set in a cookie of the
// browser that started the sign-in: a callback whose state is not that
// browser's own is refused, so nobody can sign a victim in to the
// attacker's account (login CSRF). The member's userid then maps to a
// role — hr (enforcement.hr: members, departments with the departments
// below them, tags), auditor (console.auditors), owner (a chat they own) —
// and the sign-in ends in the same HttpOnly session, with its CSRF secret,
// as a token sign-in. Links in alerts point at /ui/login/wecom?to=…, which
// is where a sign-in starts: a link built in advance cannot carry a state
// bound to the browser that will open it.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Paths of the WeCom sign-in.
const (
	// SignInPath starts a sign-in; ?to= names the console page to open.
	SignInPath = "/ui/login/wecom"
	// SignInCallbackPath is redirect_uri: its host must be the app's 可信域名.
	SignInCallbackPath = "/ui/oauth/callback"
	// signInCookie carries the state of the browser's sign-in in progress.
	signInCookie = "wg_signin"
	// signInTTL bounds a sign-in in progress (WeCom's codes last 5 minutes).
	signInTTL = 10 * time.Minute
)

// WeComSignIn configures sign-in with WeCom.
type WeComSignIn struct {
	// Links are the app's sign-in pages.
	Links wecom.SignInLinks
	// Directory resolves codes and the directory (the app's Client).
	Directory SignInDirectory
	// PublicURL is the console's address as browsers reach it
	// (console.public_url), e.g. https://guard.example.com; the callback
	// is PublicURL + SignInCallbackPath.
	PublicURL string
	// HR are the members, departments and tags whose members sign in as hr.
	HR bot.Recipients
	// Auditors sign in as auditor (console.auditors).
	Auditors []string
}

// SignInDirectory is what the sign-in asks WeCom.
type SignInDirectory interface {
	Visitor(ctx context.Context, code string) (wecom.Visitor, error)
	User(ctx context.Context, userID string) (*wecom.User, error)
	TagMembers(ctx context.Context, tagID int64) (wecom.TagMembers, error)
	SubDepartments(ctx context.Context, id int64) ([]int64, error)
}

// SignInStore keeps sign-ins in progress and their sessions (part of AdminStore).
type SignInStore interface {
	SaveSignInState(ctx context.Context, state string, st store.SignInState, ttl time.Duration) error
	TakeSignInState(ctx context.Context, state string) (store.SignInState, bool, error)
	CreateMemberSession(ctx context.Context, user, role string, now time.Time, ttl time.Duration) (id, csrf string, err error)
}

// signInRoutes registers the WeCom sign-in on the console's group.
func (s *Server) signInRoutes(ui *gin.RouterGroup) {
	ui.GET("/login/options", s.adapt(s.signInOptions))
	if s.cfg.SignIn == nil {
		return
	}
	limit := s.signInRateLimit()
	ui.GET("/login/wecom", limit, s.adapt(s.signInStart))
	ui.GET("/oauth/callback", limit, s.adapt(s.signInCallback))
}

// signInOptionsInfo tells the login page which sign-ins there are.
type signInOptionsInfo struct {
	// WeCom is true when 企业微信登录 is configured.
	WeCom bool `json:"wecom"`
	// InWeCom is true in WeCom's own browser, where sign-in is silent.
	InWeCom bool `json:"in_wecom"`
	// Path starts the sign-in (add ?to= for the page to open after it).
	Path string `json:"path,omitempty"`
}

func (s *Server) signInOptions(c *gin.Context) error {
	info := signInOptionsInfo{WeCom: s.cfg.SignIn != nil, InWeCom: inWeCom(c.Request)}
	if info.WeCom {
		info.Path = SignInPath
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, info)
	return nil
}

// inWeCom reports whether the request comes from WeCom's built-in browser
// (mobile or desktop), whose user agent names wxwork.
func inWeCom(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.UserAgent()), "wxwork")
}

// ConsoleReturn is the console path a sign-in may go on to: a path under
// /ui/ on this site, with its query and fragment; anything else — another
// site, a scheme, //host, backslashes, dot segments, control characters —
// becomes /ui/. Links in alerts and ?to= both pass through it.
func ConsoleReturn(to string) string {
	const home = "/ui/"
	if to == "" || len(to) > 1024 || !strings.HasPrefix(to, home) || strings.ContainsAny(to, "\\\x00\r\n\t") {
		return home
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	p := u.Path
	if strings.Contains(p, "//") || !strings.HasPrefix(p, home) {
		return home
	}
	if clean := path.Clean(p); clean != p && clean+"/" != p {
		return home // ".." or "." segments
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		out += "#" + u.EscapedFragment()
	}
	return out
}

// signInStart sends the browser to WeCom: 网页授权 inside WeCom, 扫码登录
// elsewhere (?via=web or ?via=qr chooses). A browser already signed in goes
// straight to its page.
func (s *Server) signInStart(c *gin.Context) error {
	to := ConsoleReturn(c.Query("to"))
	if _, _, ok, err := s.session(c); err != nil {
		return err
	} else if ok {
		c.Redirect(http.StatusFound, to)
		return nil
	}
	via := c.Query("via")
	switch via {
	case "web", "qr":
	case "":
		via = "qr"
		if inWeCom(c.Request) {
			via = "web"
		}
	default:
		return fmt.Errorf("via %q: use web (inside WeCom) or qr: %w", via, bot.ErrInvalid)
	}
	state, err := newState()
	if err != nil {
		return fmt.Errorf("sign-in state: %w", err)
	}
	si := s.cfg.SignIn
	callback := strings.TrimRight(si.PublicURL, "/") + SignInCallbackPath
	link, err := si.Links.QRLogin(callback, state)
	if via == "web" {
		link, err = si.Links.Authorize(callback, state)
	}
	if err != nil {
		return fmt.Errorf("sign-in link: %w", err)
	}
	if err := s.cfg.Admin.SaveSignInState(c.Request.Context(), state, store.SignInState{Return: to, Via: via, Created: s.cfg.Now()}, signInTTL); err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	http.SetCookie(c.Writer, signInStateCookie(c, state, int(signInTTL/time.Second)))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, link)
	return nil
}

// newState is 32 random bytes in hex: letters and digits, as WeCom allows.
func newState() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// signInStateCookie binds a sign-in to the browser that started it. It is
// SameSite=Lax, not Strict: it must come back on WeCom's redirect, a
// navigation from another site.
func signInStateCookie(c *gin.Context, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     signInCookie,
		Value:    value,
		Path:     SignInCallbackPath,
		MaxAge:   maxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https",
	}
}

// signInFailure is a sign-in that ends on a page saying why, in Chinese.
type signInFailure struct {
	status  int
	title   string
	text    string
	outcome string // for the request log
	err     error  // the reason, for the request log
}

func (f *signInFailure) Error() string { return f.outcome + ": " + f.err.Error() }

func (f *signInFailure) Unwrap() error { return f.err }

func failSignIn(status int, outcome, title, text string, err error) *signInFailure {
	return &signInFailure{status: status, title: title, text: text, outcome: outcome, err: err}
}

// signInCallback is where WeCom sends the browser back.
func (s *Server) signInCallback(c *gin.Context) error {
	http.SetCookie(c.Writer, signInStateCookie(c, "", -1))
	c.Header("Cache-Control", "no-store")
	user, role, to, err := s.completeSignIn(c)
	if err != nil {
		f, ok := errors.AsType[*signInFailure](err)
		if !ok {
			f = failSignIn(http.StatusServiceUnavailable, "signin.error", "暂时无法登录",
				"系统暂时无法完成登录，请稍后重试。", err)
		}
		_ = c.Error(f)
		setOutcome(c, f.outcome)
		return writeSignInPage(c, f.status, signInPageData{Title: f.title, Text: f.text, Link: SignInPath, LinkText: "重新登录"})
	}
	ctx := c.Request.Context()
	// The console reads the session's CSRF secret from /ui/session.
	id, _, err := s.cfg.Admin.CreateMemberSession(ctx, user, role, s.cfg.Now(), SessionTTL)
	if err != nil {
		return bot.WithKind(err, bot.ErrUnavailable)
	}
	c.Set(principalKey, principal{User: user, Role: role})
	if err := s.audit(c, "ui.login", "", nil, nil); err != nil {
		return err
	}
	setOutcome(c, "signin.ok")
	http.SetCookie(c.Writer, newSessionCookie(c, id, int(SessionTTL/time.Second)))
	// A page that moves on by itself rather than a redirect: the session
	// cookie is SameSite=Strict, and a browser leaves it off a redirect
	// that began on WeCom's site; a navigation from this page keeps it.
	text, linkText := "已通过企业微信登录（"+roleZH(role)+"），正在打开控制台…", "打开控制台"
	if role == RoleEmployee {
		text, linkText = "已通过企业微信登录，正在打开您的违规记录…", "查看我的记录"
	}
	return writeSignInPage(c, http.StatusOK, signInPageData{
		Title: "登录成功", Text: text, Link: to, LinkText: linkText, Refresh: to,
	})
}

// completeSignIn checks the callback and resolves the member and role.
func (s *Server) completeSignIn(c *gin.Context) (user, role, to string, err error) {
	ctx := c.Request.Context()
	state := c.Query("state")
	cookie, _ := c.Cookie(signInCookie)
	expired := func(reason string) error {
		return failSignIn(http.StatusBadRequest, "signin.bad_state", "登录已失效",
			"这次登录已失效或不是从本浏览器发起的，请重新登录。", fmt.Errorf("%s: %w", reason, bot.ErrInvalid))
	}
	if !wecom.ValidState(state) {
		return "", "", "", expired("state missing or malformed")
	}
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(state)) != 1 {
		return "", "", "", expired("state does not match this browser's sign-in cookie")
	}
	st, ok, err := s.cfg.Admin.TakeSignInState(ctx, state)
	if err != nil {
		return "", "", "", bot.WithKind(err, bot.ErrUnavailable)
	}
	if !ok {
		return "", "", "", expired("state unknown, used or older than " + signInTTL.String())
	}
	to = ConsoleReturn(st.Return)
	code := c.Query("code")
	if code == "" {
		return "", "", "", failSignIn(http.StatusForbidden, "signin.refused", "未登录",
			"您没有同意企业微信授权，因此没有登录。", fmt.Errorf("no code: the member refused: %w", bot.ErrForbidden))
	}
	si := s.cfg.SignIn
	v, err := si.Directory.Visitor(ctx, code)
	switch {
	case wecom.OAuthCodeInvalid(err):
		return "", "", "", failSignIn(http.StatusBadRequest, "signin.bad_code", "登录已失效",
			"企业微信的登录凭证已使用过或已超过 5 分钟，请重新登录。", fmt.Errorf("code refused: %w: %w", err, bot.ErrInvalid))
	case err != nil:
		return "", "", "", failSignIn(http.StatusServiceUnavailable, "signin.wecom_error", "暂时无法登录",
			"暂时无法连接企业微信，请稍后重试。", fmt.Errorf("resolve code: %w: %w", err, bot.ErrUnavailable))
	case v.UserID == "":
		return "", "", "", failSignIn(http.StatusForbidden, "signin.outsider", "无法登录",
			"只有本企业的成员可以登录控制台。", fmt.Errorf("visitor is not a member of the corp: %w", bot.ErrForbidden))
	}
	role, err = s.memberRole(ctx, v.UserID, true)
	if err != nil {
		return "", "", "", failSignIn(http.StatusServiceUnavailable, "signin.wecom_error", "暂时无法登录",
			"暂时无法从企业微信通讯录确认您的权限，请稍后重试。", fmt.Errorf("role of signed-in member: %w: %w", err, bot.ErrUnavailable))
	}
	return v.UserID, role, to, nil
}

// directoryRoleTTL is how long WeCom's answer on whether a member is hr
// through a department or tag stands for their session's requests; a
// change of the configuration (the HR list, the auditors) counts at the
// next request after the restart, a change of a chat's owner at the next
// request.
const directoryRoleTTL = time.Minute

// roleCacheSize bounds the members whose directory answer is kept.
const roleCacheSize = 10000

// cachedHR is a directory answer on whether a member is hr, and when.
type cachedHR struct {
	hr bool
	at time.Time
}

// memberRole maps a member to a role: hr when enforcement.hr names them,
// one of their departments (or a department above it) or a tag they carry;
// else auditor when console.auditors names them; else owner when they own
// a chat the bot knows; else employee (their own records only). It is
// asked at sign-in (fresh: WeCom is asked) and again at every request of
// the session (WeCom's answer is then reused for directoryRoleTTL), so a
// member who loses a role loses it at once, not when the session ends.
func (s *Server) memberRole(ctx context.Context, userID string, fresh bool) (string, error) {
	si := s.cfg.SignIn
	hr, err := s.isHRCached(ctx, userID, fresh)
	if err != nil {
		return "", err
	}
	if hr {
		return RoleHR, nil
	}
	if slices.Contains(si.Auditors, userID) {
		return RoleAuditor, nil
	}
	chats, err := s.cfg.Admin.OwnedChats(ctx, userID)
	if err != nil {
		return "", err
	}
	if len(chats) > 0 {
		return RoleOwner, nil
	}
	return RoleEmployee, nil
}

// isHRCached is isHR, whose answer from WeCom's directory is kept for
// directoryRoleTTL unless fresh; the HR list of the configuration is read
// every time.
func (s *Server) isHRCached(ctx context.Context, userID string, fresh bool) (bool, error) {
	si := s.cfg.SignIn
	if slices.Contains(si.HR.Users, userID) {
		return true, nil
	}
	if len(si.HR.Parties) == 0 && len(si.HR.Tags) == 0 {
		return false, nil
	}
	now := s.cfg.Now()
	if got, ok := s.hrCache.Get(userID); ok && !fresh && now.Sub(got.at) < directoryRoleTTL && !got.at.After(now) {
		return got.hr, nil
	}
	hr, err := s.isHR(ctx, userID)
	if err != nil {
		return false, err
	}
	s.hrCache.Add(userID, cachedHR{hr: hr, at: now})
	return hr, nil
}

// wecomSessionRole is the role a WeCom-signed-in session has now: the
// member's current role (memberRole), which may differ from the one they
// signed in with; ok is false when WeCom sign-in is no longer configured
// (the session then ends).
func (s *Server) wecomSessionRole(ctx context.Context, user, signedInAs string) (role string, ok bool, err error) {
	log := zerolog.Ctx(ctx)
	if s.cfg.SignIn == nil {
		log.Info().Str("signed_in_as", signedInAs).Msg("console: WeCom sign-in is no longer configured; the session is refused")
		return "", false, nil
	}
	role, err = s.memberRole(ctx, user, false)
	if err != nil {
		return "", false, fmt.Errorf("role of a signed-in member: %w", err)
	}
	if role != signedInAs {
		log.Info().Str("signed_in_as", signedInAs).Str("role_now", role).Msg("console: the member's role changed since sign-in; the session takes the new role")
	}
	return role, true, nil
}

// isHR asks the directory whether userID is one of enforcement.hr. A tag
// or department id that is not a number, or that WeCom does not know, is
// logged and skipped: the others still count.
func (s *Server) isHR(ctx context.Context, userID string) (bool, error) {
	si := s.cfg.SignIn
	if slices.Contains(si.HR.Users, userID) {
		return true, nil
	}
	if len(si.HR.Parties) == 0 && len(si.HR.Tags) == 0 {
		return false, nil
	}
	log := zerolog.Ctx(ctx)
	var parties []int64
	for _, p := range si.HR.Parties {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			log.Warn().Str("department", p).Msg("enforcement.hr.departments: not a department id; skipped for sign-in")
			continue
		}
		parties = append(parties, id)
	}
	for _, t := range si.HR.Tags {
		id, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil {
			log.Warn().Str("tag", t).Msg("enforcement.hr.tags: not a tag id; skipped for sign-in")
			continue
		}
		tag, err := si.Directory.TagMembers(ctx, id)
		if wecom.Permanent(err) {
			log.Warn().Err(err).Int64("tag", id).Msg("enforcement.hr.tags: WeCom refused the tag; skipped for sign-in")
			continue
		}
		if err != nil {
			return false, err
		}
		if slices.Contains(tag.Users, userID) {
			return true, nil
		}
		parties = append(parties, tag.Parties...)
	}
	if len(parties) == 0 {
		return false, nil
	}
	u, err := si.Directory.User(ctx, userID)
	if wecom.NotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, p := range parties {
		if slices.Contains(u.Department, p) {
			return true, nil
		}
	}
	// Departments below the named ones count as well, as they do for
	// message/send's toparty.
	for _, p := range parties {
		subs, err := si.Directory.SubDepartments(ctx, p)
		if wecom.Permanent(err) {
			log.Warn().Err(err).Int64("department", p).Msg("enforcement.hr: WeCom refused the department; skipped for sign-in")
			continue
		}
		if err != nil {
			return false, err
		}
		for _, d := range u.Department {
			if slices.Contains(subs, d) {
				return true, nil
			}
		}
	}
	return false, nil
}

// roleZH names a role for people, as the console's ROLE_LABELS do.
func roleZH(role string) string {
	switch role {
	case RoleHR:
		return "HR"
	case RoleOwner:
		return "群主"
	case RoleAuditor:
		return "审计"
	case RoleEmployee:
		return "员工"
	case "system":
		return "系统" // the service itself (the handover's transfers)
	}
	return role
}

type signInPageData struct {
	Title, Text    string
	Link, LinkText string
	// Refresh, when set, is where the page moves on to by itself.
	Refresh string
}

// signInPage is the page a sign-in ends on; the console's style sheet, no
// script (the console's Content-Security-Policy applies).
var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{if .Refresh}}<meta http-equiv="refresh" content="0;url={{.Refresh}}">{{end}}
<title>{{.Title}} · 企业微信合规守护</title>
<link rel="stylesheet" href="/ui/assets/app.css">
</head><body><main class="signin-result">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<p><a href="{{.Link}}">{{.LinkText}}</a></p>
</main></body></html>
`))

func writeSignInPage(c *gin.Context, status int, d signInPageData) error {
	var b strings.Builder
	if err := signInPage.Execute(&b, d); err != nil {
		return fmt.Errorf("sign-in page: %w", err)
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
	return nil
}
