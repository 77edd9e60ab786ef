package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// On a desktop, HR clicks 企业微信登录, WeCom's QR page (the fake, which
// scans for them) sends them back signed in; they create an API token, see
// its secret once, and revoke it.
func TestBrowserWeComSignInAndTokens(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}}, nil)
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "wangfang"})
	ctx := newBrowser(t)
	dir := artifactDir(t)
	run(t, ctx, "login page offers 企业微信登录",
		chromedp.Navigate(e.srv.URL+"/ui/#tokens"),
		chromedp.WaitVisible(chromedp.ID("login-wecom-link")),
	)
	screenshot(t, ctx, dir, "signin-login.png")
	run(t, ctx, "sign in with WeCom",
		chromedp.Click(chromedp.ID("login-wecom-link")),
		chromedp.WaitVisible(chromedp.ID("view-tokens")),
	)
	if who := get(t, ctx, "who", chromedp.Text(chromedp.ID("who-name"))); who != "wangfang" {
		t.Fatalf("signed in as %q, want wangfang", who)
	}
	if e.fake.Calls(wecomtest.APISSOLogin) != 1 {
		t.Errorf("WeCom's QR page used %d times, want 1", e.fake.Calls(wecomtest.APISSOLogin))
	}
	run(t, ctx, "create a token",
		chromedp.SendKeys(chromedp.ID("tokens-user"), "导出脚本"),
		chromedp.Click(chromedp.CSS(`#tokens-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("tokens-secret")),
		chromedp.WaitVisible(chromedp.CSS(`#tokens-table tbody tr[data-id]`)),
	)
	secret := get(t, ctx, "secret", chromedp.Text(chromedp.ID("tokens-secret-value")))
	if !strings.HasPrefix(secret, "wgt_") {
		t.Fatalf("secret shown %q", secret)
	}
	row := get(t, ctx, "row", chromedp.Text(chromedp.CSS(`#tokens-table tbody tr[data-id]`)))
	if !strings.Contains(row, "导出脚本") || !strings.Contains(row, "审计") || !strings.Contains(row, "从未使用") || strings.Contains(row, secret) {
		t.Errorf("token row %q: want user, 审计, 从未使用 and no secret", row)
	}
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "tokens")
	screenshot(t, ctx, dir, "tokens.png")
	run(t, ctx, "revoke",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`#tokens-table tbody tr[data-id] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#tokens-table tbody tr[data-id]`)),
	)
	noErrorShown(t, ctx)
}

// Inside WeCom's in-app browser (a phone, 390 px) a link from an alert
// signs the owner in by itself and opens the page it names.
func TestBrowserSignInInsideWeCom(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}}, nil)
	if err := e.st.NoteOwnedChat(context.Background(), "sunhao", "wrSales"); err != nil {
		t.Fatal(err)
	}
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "sunhao"})
	ctx := newBrowser(t)
	dir := artifactDir(t)
	run(t, ctx, "WeCom's in-app browser on a phone",
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: inWeComUA}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true})
			return err
		}),
	)
	run(t, ctx, "open the console",
		chromedp.Navigate(e.srv.URL+"/ui/#cases"),
		chromedp.WaitVisible(chromedp.ID("view-cases")),
	)
	if role := get(t, ctx, "role", chromedp.Text(chromedp.ID("who-role"))); role != "群主" {
		t.Errorf("signed in with role %q, want 群主", role)
	}
	if e.fake.Calls(wecomtest.APIAuthorize) != 1 || e.fake.Calls(wecomtest.APISSOLogin) != 0 {
		t.Errorf("authorize %d, QR %d: want the silent 网页授权 once", e.fake.Calls(wecomtest.APIAuthorize), e.fake.Calls(wecomtest.APISSOLogin))
	}
	screenshot(t, ctx, dir, "signin-inside-wecom-390.png")
	// Signed out, the console stays signed out: no silent sign-in loop.
	run(t, ctx, "sign out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-wecom-link")),
	)
	if e.fake.Calls(wecomtest.APIAuthorize) != 1 {
		t.Errorf("signing out signed in again (%d authorizations)", e.fake.Calls(wecomtest.APIAuthorize))
	}
}

// An owner signed in with WeCom whose chat goes to another owner: the next
// page they open is refused, and the console shows them as they are now —
// an employee, on their own page.
func TestBrowserRoleChangeTakesEffect(t *testing.T) {
	e := newSignInEnv(t, bot.Recipients{Users: []string{"wangfang"}}, nil)
	ctx0 := context.Background()
	if err := e.st.NoteOwnedChat(ctx0, "sunhao", "wrSales"); err != nil {
		t.Fatal(err)
	}
	e.fake.SetVisitor(wecomtest.Visitor{UserID: "sunhao"})
	ctx := newBrowser(t)
	dir := artifactDir(t)
	run(t, ctx, "sign in as the owner",
		chromedp.Navigate(e.srv.URL+"/ui/#cases"),
		chromedp.WaitVisible(chromedp.ID("login-wecom-link")),
		chromedp.Click(chromedp.ID("login-wecom-link")),
		chromedp.WaitVisible(chromedp.ID("view-cases")),
	)
	if role := get(t, ctx, "role", chromedp.Text(chromedp.ID("who-role"))); role != "群主" {
		t.Fatalf("signed in as %q, want 群主", role)
	}
	if err := e.st.NoteOwnedChat(ctx0, "zhoujie", "wrSales"); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open another page",
		chromedp.Evaluate[chromedp.Void](`location.hash = "#violations"`),
		chromedp.WaitVisible(chromedp.ID("view-mine")),
		chromedp.Poll[chromedp.Void](`document.getElementById("who-role").textContent === "员工"`),
	)
	if msg := get(t, ctx, "message", chromedp.Text(chromedp.ID("flash"))); !strings.Contains(msg, "权限已变更") {
		t.Errorf("the console says %q, want that the role changed", msg)
	}
	noBareCodes(t, ctx, "after the role change")
	screenshot(t, ctx, dir, "role-changed.png")
}
