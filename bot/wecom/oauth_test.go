package wecom_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// follow opens link the way a browser does, but stops at the first
// redirect to redirectHost and returns where it pointed.
func follow(t *testing.T, link, redirectHost string) (*url.URL, int) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == redirectHost {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, resp.StatusCode
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	return u, resp.StatusCode
}

func TestSignInLinks(t *testing.T) {
	l := wecom.SignInLinks{CorpID: corpID, AgentID: agentID}
	a, err := l.Authorize("https://guard.example.com/ui/oauth/callback", "abc123")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(a)
	q := u.Query()
	if u.Host != "open.weixin.qq.com" || u.Path != "/connect/oauth2/authorize" || u.Fragment != "wechat_redirect" {
		t.Errorf("authorize link %s: wrong host, path or fragment", a)
	}
	for k, want := range map[string]string{"appid": corpID, "scope": "snsapi_base", "response_type": "code", "agentid": "1000002",
		"state": "abc123", "redirect_uri": "https://guard.example.com/ui/oauth/callback"} {
		if q.Get(k) != want {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), want)
		}
	}
	s, err := l.QRLogin("https://guard.example.com/ui/oauth/callback", "abc123")
	if err != nil {
		t.Fatal(err)
	}
	u, _ = url.Parse(s)
	if u.Host != "login.work.weixin.qq.com" || u.Path != "/wwlogin/sso/login" || u.Query().Get("login_type") != "CorpApp" || u.Query().Get("agentid") != "1000002" {
		t.Errorf("QR link %s: wrong host, path, login_type or agentid", s)
	}
	for _, tc := range []struct{ name, redirect, state string }{
		{"relative redirect", "/ui/oauth/callback", "abc"},
		{"javascript redirect", "javascript:alert(1)", "abc"},
		{"empty state", "https://x.example/cb", ""},
		{"state with symbols", "https://x.example/cb", "a+b/c"},
		{"state too long", "https://x.example/cb", strings.Repeat("a", 129)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := l.Authorize(tc.redirect, tc.state); err == nil {
				t.Errorf("Authorize(%q, %q) = nil error, want refusal", tc.redirect, tc.state)
			}
		})
	}
}

func TestSignInThroughFake(t *testing.T) {
	fake := newFake(t, nil)
	fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang"})
	c := newClient(t, fake.URL(), nil, nil)
	links := wecom.SignInLinks{CorpID: corpID, AgentID: agentID, AuthorizeBase: fake.URL(), SSOBase: fake.URL()}
	ctx := context.Background()
	for _, mk := range []func(string, string) (string, error){links.Authorize, links.QRLogin} {
		link, err := mk("https://guard.example.com/ui/oauth/callback?x=1", "st4te")
		if err != nil {
			t.Fatal(err)
		}
		back, code := follow(t, link, "guard.example.com")
		if back == nil {
			t.Fatalf("sign-in page answered %d, want a redirect", code)
		}
		if back.Query().Get("state") != "st4te" || back.Query().Get("x") != "1" || back.Path != "/ui/oauth/callback" {
			t.Errorf("redirect %s lost the state, the path or redirect_uri's own query", back)
		}
		v, err := c.Visitor(ctx, back.Query().Get("code"))
		if err != nil {
			t.Fatalf("Visitor: %v", err)
		}
		if v.UserID != "wangfang" {
			t.Errorf("visitor %+v, want wangfang", v)
		}
		// A code works once.
		if _, err := c.Visitor(ctx, back.Query().Get("code")); !wecom.OAuthCodeInvalid(err) {
			t.Errorf("second use of a code: %v, want 40029", err)
		}
	}
}

func TestSignInRefusals(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	fake := newFake(t, func(c *wecomtest.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()

	t.Run("expired code", func(t *testing.T) {
		code := fake.IssueCode(wecomtest.Visitor{UserID: "lisi"})
		mu.Lock()
		now = now.Add(wecomtest.CodeTTL)
		mu.Unlock()
		if _, err := c.Visitor(ctx, code); !wecom.OAuthCodeInvalid(err) {
			t.Errorf("code after 5 min: %v, want 40029", err)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		if _, err := c.Visitor(ctx, "made-up"); !wecom.OAuthCodeInvalid(err) || !wecom.Permanent(err) {
			t.Errorf("unknown code: %v, want a permanent 40029", err)
		}
	})
	t.Run("outsider", func(t *testing.T) {
		v, err := c.Visitor(ctx, fake.IssueCode(wecomtest.Visitor{OpenID: "oAbc", ExternalUserID: "wmX"}))
		if err != nil || v.UserID != "" || v.OpenID != "oAbc" || v.ExternalUserID != "wmX" {
			t.Errorf("outsider: %+v, %v", v, err)
		}
	})
	t.Run("untrusted redirect", func(t *testing.T) {
		fake.SetTrustedDomain("guard.example.com")
		defer fake.SetTrustedDomain("")
		fake.SetVisitor(wecomtest.Visitor{UserID: "lisi"})
		links := wecom.SignInLinks{CorpID: corpID, AgentID: agentID, AuthorizeBase: fake.URL()}
		link, _ := links.Authorize("https://evil.example/cb", "s")
		if back, code := follow(t, link, "evil.example"); back != nil || code != http.StatusBadRequest {
			t.Errorf("untrusted redirect_uri: redirect %v, status %d; want an error page", back, code)
		}
	})
	t.Run("member refuses", func(t *testing.T) {
		fake.SetVisitor(wecomtest.Visitor{UserID: "lisi", Refuse: true})
		links := wecom.SignInLinks{CorpID: corpID, AgentID: agentID, SSOBase: fake.URL()}
		link, _ := links.QRLogin("https://guard.example.com/cb", "s")
		back, _ := follow(t, link, "guard.example.com")
		if back == nil || back.Query().Has("code") || back.Query().Get("state") != "s" {
			t.Errorf("refusal redirect %v: want state and no code", back)
		}
	})
	t.Run("wrong app", func(t *testing.T) {
		links := wecom.SignInLinks{CorpID: "wwother", AgentID: agentID, AuthorizeBase: fake.URL()}
		link, _ := links.Authorize("https://guard.example.com/cb", "s")
		if back, code := follow(t, link, "guard.example.com"); back != nil || code != http.StatusBadRequest {
			t.Errorf("wrong corp id: redirect %v, status %d", back, code)
		}
	})
}

func TestTagsAndDepartments(t *testing.T) {
	fake := newFake(t, nil)
	fake.SetTag(wecomtest.Tag{ID: 7, Name: "人事", Users: []string{"wangfang"}, Parties: []int64{5}})
	fake.SetDepartment(5, 1)
	fake.SetDepartment(6, 5)
	fake.SetDepartment(9, 1)
	c := newClient(t, fake.URL(), nil, nil)
	ctx := context.Background()
	tag, err := c.TagMembers(ctx, 7)
	if err != nil || tag.Name != "人事" || !slices.Equal(tag.Users, []string{"wangfang"}) || !slices.Equal(tag.Parties, []int64{5}) {
		t.Errorf("TagMembers(7) = %+v, %v", tag, err)
	}
	if _, err := c.TagMembers(ctx, 8); err == nil {
		t.Error("unknown tag: no error")
	}
	subs, err := c.SubDepartments(ctx, 5)
	if err != nil || !slices.Equal(subs, []int64{5, 6}) {
		t.Errorf("SubDepartments(5) = %v, %v; want [5 6]", subs, err)
	}
}
