package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// TestBrowserInterceptAndHandover: HR reads the intercept rules WeCom holds
// for the marked lists, then hands a leaver's customers over and sees each
// customer's status in Chinese.
func TestBrowserInterceptAndHandover(t *testing.T) {
	e := newCustomerEnv(t)
	ctx := newBrowser(t)
	eventually(t, "the first sync", func() bool { return len(e.fake.InterceptRules()) == 1 })

	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleHR])
	run(t, ctx, "intercept page",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="intercept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#intercept-table tr[data-rule="secrets/block/1"]`)),
	)
	summary := get(t, ctx, "intercept summary", chromedp.Text(chromedp.ID("intercept-summary")))
	row := get(t, ctx, "intercept row", chromedp.Text(chromedp.CSS(`#intercept-table tr[data-rule="secrets/block/1"]`)))
	if !strings.Contains(summary, "已同步") || !strings.Contains(row, "wg·商业机密") || !strings.Contains(row, "警告并拦截") || !strings.Contains(row, "全公司") {
		t.Errorf("intercept page: %q / %q", summary, row)
	}
	if left := get(t, ctx, "left out", chromedp.Text(chromedp.ID("intercept-left"))); strings.Contains(left, "null") {
		t.Errorf("the left-out card reads %q", left)
	}
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "拦截规则")
	screenshot(t, ctx, artifactDir(t), "intercept.png")

	e.fake.SetLeaver("lisi", time.Now().Add(-time.Hour), "wmCustomerA01", "wmCustomerB02")
	e.fake.SetCustomer(wecomtest.Customer{ExternalUserID: "wmCustomerA01", Name: "王小明", Type: 1})
	e.fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrGroup01", Owner: "lisi"})
	run(t, ctx, "handover list",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="handover"]`)),
		chromedp.WaitVisible(chromedp.ID("handover-refresh")),
		chromedp.Click(chromedp.ID("handover-refresh")),
		chromedp.WaitVisible(chromedp.CSS(`#handover-table tr[data-leaver="lisi"] a`)),
	)
	noBareCodes(t, ctx, "离职继承")
	run(t, ctx, "assign",
		chromedp.Click(chromedp.CSS(`#handover-table tr[data-leaver="lisi"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#handover-items tr[data-item="customer:wmCustomerA01"]`)),
		chromedp.SendKeys(chromedp.ID("handover-takeover"), "zhaoliu"),
		chromedp.Click(chromedp.ID("handover-all")),
		chromedp.WaitVisible(chromedp.CSS(`#handover-items tr[data-state="queued"]`)),
	)
	if err := e.svc.Work(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transfer made by the sender", func() bool {
		_, st, ok := e.fake.Transfer("lisi", "wmCustomerB02")
		return ok && st == wecomtest.TransferWaiting
	})
	// The sender records the transfer's outcome after WeCom answers: only
	// an item recorded as waiting is polled.
	eventually(t, "the transfer recorded", func() bool {
		h, err := e.svc.Get(context.Background(), "lisi")
		return err == nil && h.Items["customer:wmCustomerB02"] != nil && h.Items["customer:wmCustomerB02"].State == "waiting"
	})
	e.fake.DecideTransfer("lisi", "wmCustomerB02", false)
	if err := e.svc.Work(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "statuses",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#handover-items tr[data-item="customer:wmCustomerB02"][data-state="refused"]`)),
	)
	states := get(t, ctx, "states", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#handover-items td.state")].map(td => td.textContent)`))
	if strings.Join(states, ",") != "等待接替,客户拒绝,已接替" {
		t.Errorf("states %v; want 等待接替, 客户拒绝, 已接替", states)
	}
	names := get(t, ctx, "customer names", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#handover-items tr[data-item^='customer:'] td:nth-child(3)")].map(td => td.textContent)`))
	if len(names) != 2 || !strings.HasPrefix(names[0], "王小明（微信）") || !strings.HasPrefix(names[1], "客户") {
		t.Errorf("customers shown as %q; want 王小明 by name and the withheld one as 客户", names)
	}
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "离职继承详情")
	screenshot(t, ctx, artifactDir(t), "handover-detail.png")
}
