package wecom

// Web sign-in with WeCom (企业微信): the two ways a browser gets a one-time
// code for the signed-in member, and the API call that turns the code into
// the member's userid.
//   - 网页授权 (OAuth2 inside WeCom's in-app browser): a silent redirect
//     through open.weixin.qq.com/connect/oauth2/authorize with scope
//     snsapi_base; the member sees nothing.
//   - 扫码登录 (a QR code on a desktop browser): login.work.weixin.qq.com's
//     /wwlogin/sso/login page with login_type CorpApp; the member scans it
//     with the WeCom app (or confirms in WeCom for desktop).
// Both redirect to redirect_uri?code=CODE&state=STATE (no code when the
// member refused); redirect_uri's host must be the app's 可信域名 (网页授权)
// or its 企业微信授权登录 callback domain (扫码登录), or WeCom refuses to
// redirect. auth/getuserinfo answers userid for a member of the corp, or
// openid (and external_userid) for anyone else; a code works once and for
// five minutes (errcode 40029 otherwise).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Public hosts of WeCom's sign-in pages.
const (
	DefaultAuthorizeBase = "https://open.weixin.qq.com"
	DefaultSSOBase       = "https://login.work.weixin.qq.com"
)

// codeInvalidOAuthCode is auth/getuserinfo's answer for a code that is
// unknown, already used or older than five minutes.
const codeInvalidOAuthCode = 40029

// OAuthCodeInvalid reports whether WeCom refused a sign-in code (40029):
// used already, expired, or from another app. The member signs in again.
func OAuthCodeInvalid(err error) bool {
	apiErr, ok := errors.AsType[*APIError](err)
	return ok && apiErr.Code == codeInvalidOAuthCode
}

// stateForm is what WeCom accepts as state: a-zA-Z0-9, at most 128 bytes.
var stateForm = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)

// ValidState reports whether s can travel as an OAuth state.
func ValidState(s string) bool { return stateForm.MatchString(s) }

// SignInLinks builds the URLs that send a browser to WeCom's sign-in pages
// for one self-built app.
type SignInLinks struct {
	CorpID  string
	AgentID int64
	// AuthorizeBase replaces DefaultAuthorizeBase, SSOBase DefaultSSOBase
	// (private deployments, the fake API in tests and sandbox mode).
	AuthorizeBase string
	SSOBase       string
}

func (l SignInLinks) base(b, def string) string {
	if b == "" {
		return def
	}
	return strings.TrimRight(b, "/")
}

// check refuses links WeCom would answer with an error page.
func (l SignInLinks) check(redirectURI, state string) error {
	if l.CorpID == "" || l.AgentID <= 0 {
		return fmt.Errorf("sign-in link: corp id and agent id are required: %w", ErrInvalidRequest)
	}
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("sign-in link: redirect_uri %q is not an absolute http(s) URL: %w", redirectURI, ErrInvalidRequest)
	}
	if !ValidState(state) {
		return fmt.Errorf("sign-in link: state must be 1–128 letters and digits: %w", ErrInvalidRequest)
	}
	return nil
}

// Authorize is the 网页授权 link for WeCom's in-app browser: silent
// (snsapi_base), naming the app (agentid) so WeCom checks the redirect
// against the app's 可信域名.
func (l SignInLinks) Authorize(redirectURI, state string) (string, error) {
	if err := l.check(redirectURI, state); err != nil {
		return "", err
	}
	q := url.Values{
		"appid":         {l.CorpID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {"snsapi_base"},
		"state":         {state},
		"agentid":       {strconv.FormatInt(l.AgentID, 10)},
	}
	// #wechat_redirect tells the WeCom client to attach the member's
	// identity; it is part of the documented link.
	return l.base(l.AuthorizeBase, DefaultAuthorizeBase) + "/connect/oauth2/authorize?" + q.Encode() + "#wechat_redirect", nil
}

// QRLogin is the 扫码登录 link for a desktop browser: WeCom's own page with
// the QR code (login_type CorpApp for a self-built app).
func (l SignInLinks) QRLogin(redirectURI, state string) (string, error) {
	if err := l.check(redirectURI, state); err != nil {
		return "", err
	}
	q := url.Values{
		"login_type":   {"CorpApp"},
		"appid":        {l.CorpID},
		"agentid":      {strconv.FormatInt(l.AgentID, 10)},
		"redirect_uri": {redirectURI},
		"state":        {state},
		"lang":         {"zh"},
	}
	return l.base(l.SSOBase, DefaultSSOBase) + "/wwlogin/sso/login?" + q.Encode(), nil
}

// Visitor is who auth/getuserinfo says opened the page: a member of the
// corp (UserID) or someone else (OpenID, and ExternalUserID for a customer
// of the corp).
type Visitor struct {
	UserID         string
	OpenID         string
	ExternalUserID string
}

type visitorAnswer struct {
	apiStatus
	UserID         string `json:"userid"`
	OpenID         string `json:"openid"`
	ExternalUserID string `json:"external_userid"`
	// The older user/getuserinfo spelled them UserId and OpenId; accepted
	// too, so a private deployment on the old API still works.
	LegacyUserID string `json:"UserId"`
	LegacyOpenID string `json:"OpenId"`
}

// Visitor exchanges a sign-in code for the visitor's identity
// (auth/getuserinfo). A refused code is an *APIError for which
// OAuthCodeInvalid is true.
func (c *Client) Visitor(ctx context.Context, code string) (Visitor, error) {
	if code == "" || len(code) > 512 {
		return Visitor{}, fmt.Errorf("get visitor: code is empty or over 512 bytes: %w", ErrInvalidRequest)
	}
	var ans visitorAnswer
	if err := c.call(ctx, "auth/getuserinfo", http.MethodGet, url.Values{"code": {code}}, nil, &ans); err != nil {
		return Visitor{}, fmt.Errorf("get visitor: %w", err)
	}
	v := Visitor{UserID: ans.UserID, OpenID: ans.OpenID, ExternalUserID: ans.ExternalUserID}
	if v.UserID == "" {
		v.UserID = ans.LegacyUserID
	}
	if v.OpenID == "" {
		v.OpenID = ans.LegacyOpenID
	}
	if v.UserID == "" && v.OpenID == "" {
		return Visitor{}, fmt.Errorf("get visitor: neither userid nor openid in answer: %w", ErrBadAnswer)
	}
	return v, nil
}

// TagMembers is who carries a tag (tag/get): members, and departments whose
// members all carry it.
type TagMembers struct {
	Name    string
	Users   []string
	Parties []int64
}

type tagAnswer struct {
	apiStatus
	TagName  string `json:"tagname"`
	UserList []struct {
		UserID string `json:"userid"`
	} `json:"userlist"`
	PartyList []int64 `json:"partylist"`
}

// TagMembers lists the members and departments of tag id (tag/get). The
// app sees only those within its visible range.
func (c *Client) TagMembers(ctx context.Context, tagID int64) (TagMembers, error) {
	var ans tagAnswer
	if err := c.call(ctx, "tag/get", http.MethodGet, url.Values{"tagid": {strconv.FormatInt(tagID, 10)}}, nil, &ans); err != nil {
		return TagMembers{}, fmt.Errorf("get tag %d: %w", tagID, err)
	}
	t := TagMembers{Name: ans.TagName, Parties: ans.PartyList}
	for _, u := range ans.UserList {
		t.Users = append(t.Users, u.UserID)
	}
	return t, nil
}

type subDepartmentsAnswer struct {
	apiStatus
	Departments []struct {
		ID int64 `json:"id"`
	} `json:"department_id"`
}

// SubDepartments lists department id and every department below it
// (department/simplelist), as message/send's toparty reaches them.
func (c *Client) SubDepartments(ctx context.Context, id int64) ([]int64, error) {
	var ans subDepartmentsAnswer
	if err := c.call(ctx, "department/simplelist", http.MethodGet, url.Values{"id": {strconv.FormatInt(id, 10)}}, nil, &ans); err != nil {
		return nil, fmt.Errorf("list departments under %d: %w", id, err)
	}
	out := make([]int64, 0, len(ans.Departments))
	for _, d := range ans.Departments {
		out = append(out, d.ID)
	}
	return out, nil
}
