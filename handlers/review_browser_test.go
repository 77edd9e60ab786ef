package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestBrowserReview: HR marks a violation 误报 on the violations page (it
// shows 已撤销), rejects an employee's appeal on the 申诉与误报 page, and
// decides a case 通报批评 with a reason for the employee — the console
// says where the decision went. Screenshots of each step are artifacts.
func TestBrowserReview(t *testing.T) {
	e := newConsoleEnv(t)
	ctx := newBrowser(t)
	dir := artifactDir(t)
	// Every prompt gets a reason; every confirm is accepted.
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true, PromptText: "核实为引用客户原话"})
		}
	}); err != nil {
		t.Fatal(err)
	}
	p := keepRaw(t, e.adminEnv)
	process(t, p, "msg:b1", "zhangsan", "wrg", "你就是个脑残")
	process(t, p, "msg:b2", "lisi", "wrg", "客户身份证 11010519491231002X")
	rev, err := bot.NewReviewer(bot.ReviewConfig{Store: e.st, Policy: func() *rules.RuleSet { return e.policy.Engine().RuleSet() }})
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := rev.FileAppeal(context.Background(), bot.AppealRequest{User: "lisi", Reason: "这是客户让我转给财务的", Source: bot.AppealFromApp, MsgID: "msg:b9"}); err != nil || !strings.Contains(reply, "已收到") {
		t.Fatalf("appeal: %q, %v", reply, err)
	}
	v2, _, _ := e.st.Violation(context.Background(), "msg:b2")
	caseRow := chromedp.CSS(`#cases-table tr[data-case="` + v2.CaseID + `"]`)
	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleHR])

	run(t, ctx, "mark a false alarm",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="violations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#viol-table tr[data-id="msg:b1"] button[data-review="false-alarm"]`)),
		chromedp.Click(chromedp.CSS(`#viol-table tr[data-id="msg:b1"] button[data-review="false-alarm"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#viol-table tr[data-id="msg:b1"] .badge.withdrawn`)),
	)
	if row := get(t, ctx, "withdrawn row", chromedp.Text(chromedp.CSS(`#viol-table tr[data-id="msg:b1"]`))); !strings.Contains(row, "已撤销") {
		t.Errorf("withdrawn row %q", row)
	}
	if v, _, _ := e.st.Violation(context.Background(), "msg:b1"); v.Withdrawn == nil || v.Withdrawn.Reason != "核实为引用客户原话" {
		t.Errorf("violation after 误报: %+v", v.Withdrawn)
	}
	noBareCodes(t, ctx, "violations after 误报")
	screenshot(t, ctx, dir, "review-false-alarm.png")

	run(t, ctx, "reject the appeal",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="appeals"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#appeals-table tr[data-appeal] button[data-act="reject"]`)),
	)
	noBareCodes(t, ctx, "appeals")
	screenshot(t, ctx, dir, "review-appeals.png")
	run(t, ctx, "reject",
		chromedp.Click(chromedp.CSS(`#appeals-table tr[data-appeal] button[data-act="reject"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#appeals-table tr[data-appeal]`)),
	)
	if a, _, _ := e.st.Appeal(context.Background(), store.AppealIDFor("msg:b2")); a.Status != store.ReviewRejected || a.Answer != "核实为引用客户原话" {
		t.Errorf("appeal after 驳回: %+v", a)
	}
	if fa := get(t, ctx, "false alarms per rule", chromedp.Text(chromedp.ID("fa-rules"))); !strings.Contains(fa, "1") {
		t.Errorf("false alarms per rule %q", fa)
	}

	run(t, ctx, "decide 通报批评",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="cases"]`)),
		chromedp.WaitVisible(caseRow),
		chromedp.Click(caseRow),
		chromedp.WaitVisible(chromedp.CSS(`#case-appeals li[data-appeal]`)),
		chromedp.Click(chromedp.CSS(`#case-decisions button[data-decision="通报批评"]`)),
		chromedp.SendKeys(chromedp.ID("case-reason"), "向外部转发客户身份证号"),
		chromedp.Click(chromedp.ID("case-resolve")),
		chromedp.WaitVisible(chromedp.ID("case-after")),
	)
	if flash := get(t, ctx, "flash", chromedp.Text(chromedp.ID("flash"))); !strings.Contains(flash, "已私信告知员工") || !strings.Contains(flash, "通报批评未发送") {
		t.Errorf("flash after the decision %q: want where it went and what was not sent", flash)
	}
	noBareCodes(t, ctx, "case decided")
	screenshot(t, ctx, dir, "review-decision.png")
}
