package handlers_test

// Every page at a desktop's and a phone's width, names instead of ids, and
// the references of warnings resolving in the console. The browser helpers
// are in browser_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// widths are the screens every page is checked at: a desktop, and a phone
// (WeCom's in-app browser at 390 px).
var widths = []struct {
	name   string
	w, h   int64
	mobile bool
}{{"desktop", 1400, 1000, false}, {"phone", 390, 844, true}}

// showPage opens page by its address and waits until it has loaded.
func showPage(t *testing.T, ctx context.Context, baseURL, page, arg string) {
	t.Helper()
	hash := page
	if arg != "" {
		hash += "/" + url.PathEscape(arg)
	}
	run(t, ctx, "open "+hash,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, hash)),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.body.dataset.ready === %q`, page)),
		chromedp.WaitVisible(chromedp.ID("view-"+page)),
	)
}

// fitsWidth fails the test when the page scrolls sideways or a visible
// button lies (partly) off the screen.
func fitsWidth(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	over := get(t, ctx, what+" width", chromedp.Evaluate[string](`(() => {
		const w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > w + 1) return "the page is " + document.documentElement.scrollWidth + " px wide on a " + w + " px screen";
		for (const b of document.querySelectorAll("button, a.button, input, select, textarea")) {
			const r = b.getBoundingClientRect();
			if (!r.width || !r.height) continue;
			let scroller = b.parentElement;
			while (scroller && getComputedStyle(scroller).overflowX === "visible") scroller = scroller.parentElement;
			if (scroller && scroller !== document.body && scroller !== document.documentElement) continue; // scrolls inside its box
			if (r.left < -1 || r.right > w + 1) return "control " + (b.id || b.textContent.trim() || b.tagName) + " lies at " + Math.round(r.left) + "–" + Math.round(r.right) + " px";
		}
		return "";
	})()`))
	if over != "" {
		t.Errorf("%s: %s", what, over)
	}
}

// Every page, as HR, at the desktop's and the phone's width: it loads
// without an error, does not scroll sideways, keeps its controls on the
// screen, shows no bare codes, ISO times or JSON, and leaves a screenshot.
// Then the references in the warning and the HR notice are typed into the
// search box and open the violation and the case.
func TestBrowserEveryPageAtEveryWidth(t *testing.T) {
	e := newConsoleEnv(t)
	// 2 widths × 10 pages, each loaded, checked and photographed.
	ctx := newBrowserWithin(t, 150*time.Second)
	dir := artifactDir(t)
	refs := sentRefs(t, e.adminEnv, bot.Message{ID: "msg:pages1", Source: bot.SourceArchive, From: "zhangsan", ChatID: "wrwork",
		ChatKind: rules.ChatWork, Text: "把机密文件发到我私人邮箱，电话 13812345678", Time: time.Now()})
	if err := e.st.SetChat(context.Background(), store.ChatInfo{ChatID: "wrwork", Name: "产品研发群", Kind: "work", Owner: "lisi", SetBy: "hr-user", Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	v, ok, err := e.st.Violation(context.Background(), "msg:pages1")
	if err != nil || !ok || v.CaseID == "" {
		t.Fatalf("violation %+v %v %v, want one with a case", v, ok, err)
	}
	// A second group, unclassified, and HR's directory naming the sender.
	sentRefs(t, e.adminEnv, bot.Message{ID: "msg:pages2", Source: bot.SourceArchive, From: "zhangsan", ChatID: "wrsales",
		ChatKind: rules.ChatWork, Text: "你这个傻逼", Time: time.Now()})
	if code, body := e.call("PUT", "/api/v1/directory", e.tokens[handlers.RoleHR], "账号,姓名,部门\nzhangsan,张三,销售部\nlisi,李四,研发部\n"); code != http.StatusOK {
		t.Fatalf("import the directory: %d %s", code, body)
	}
	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleHR])
	pages := get(t, ctx, "pages", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#nav a")].filter(a => !a.hidden).map(a => a.dataset.view)`))
	if len(pages) < 9 {
		t.Fatalf("HR sees pages %v", pages)
	}
	for _, w := range widths {
		var opts []chromedp.EmulateViewportOption
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		run(t, ctx, w.name+" screen", chromedp.EmulateViewport(w.w, w.h, opts...))
		for _, p := range pages {
			what := p + " at " + w.name + " width"
			showPage(t, ctx, e.srv.URL, p, "")
			noErrorShown(t, ctx)
			fitsWidth(t, ctx, what)
			noBareCodes(t, ctx, what)
			screenshot(t, ctx, dir, fmt.Sprintf("page-%s-%d.png", p, w.w))
		}

		// Names, not ids: people and groups by name, the id after it.
		showPage(t, ctx, e.srv.URL, "violations", "")
		row := get(t, ctx, "violation row", chromedp.Text(chromedp.CSS(`#viol-table tr[data-id="msg:pages1"]`)))
		for _, want := range []string{"张三", "zhangsan", "产品研发群", "wrwork"} {
			if !strings.Contains(row, want) {
				t.Errorf("violation row at %s width %q lacks %q", w.name, row, want)
			}
		}
		if w.mobile {
			// The unclassified group comes first on 群聊; HR classifies it there.
			showPage(t, ctx, e.srv.URL, "chats", "")
			if first := get(t, ctx, "first group", chromedp.Evaluate[string](`document.querySelector("#chats-table tbody tr").dataset.chat`)); first != "wrsales" {
				t.Errorf("first group on 群聊 %q, want the unclassified wrsales", first)
			}
			run(t, ctx, "classify a group",
				chromedp.Evaluate[chromedp.Void](`(s => { s.value = "external"; s.dispatchEvent(new Event("change")); })(document.querySelector('#chats-table tr[data-chat="wrsales"] select.classify'))`),
				chromedp.WaitVisible(chromedp.CSS(`#chats-table tr[data-chat="wrsales"][data-kind="external"]`)),
			)
			if info, ok, err := e.st.Chat(context.Background(), "wrsales"); err != nil || !ok || info.Kind != "external" || info.SetBy != "hr-user" {
				t.Fatalf("classified group stored as %+v, %v, %v", info, ok, err)
			}
			noErrorShown(t, ctx)
			screenshot(t, ctx, dir, "chats-classified-390.png")
		}

		// The warning's reference, typed as the employee reads it out.
		run(t, ctx, "search the warning's reference at "+w.name+" width",
			chromedp.SetValue(chromedp.ID("search-q"), "记录 "+refs[bot.ActWarnSender]),
			chromedp.SendKeys(chromedp.ID("search-q"), kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(`#viol-detail[data-id="msg:pages1"]`)),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "violations"`),
		)
		detail := get(t, ctx, "violation detail", chromedp.Text(chromedp.ID("viol-detail")))
		if !strings.Contains(detail, "商业机密") || !strings.Contains(detail, v.CaseID) || strings.Contains(detail, "13812345678") {
			t.Errorf("violation opened by its reference shows %q: want the category, the case and masked evidence", detail)
		}
		fitsWidth(t, ctx, "violation detail at "+w.name+" width")
		noBareCodes(t, ctx, "violation detail at "+w.name+" width")
		screenshot(t, ctx, dir, fmt.Sprintf("reference-violation-%d.png", w.w))

		// The HR notice's reference opens the case.
		run(t, ctx, "search the escalation's reference at "+w.name+" width",
			chromedp.SetValue(chromedp.ID("search-q"), refs[bot.ActEscalateHR]),
			chromedp.SendKeys(chromedp.ID("search-q"), kb.Enter),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("case-title").textContent === %q`, "案件 "+v.CaseID)),
			chromedp.WaitVisible(chromedp.ID("case-detail")),
		)
		fitsWidth(t, ctx, "case at "+w.name+" width")
		noBareCodes(t, ctx, "case at "+w.name+" width")
		screenshot(t, ctx, dir, fmt.Sprintf("reference-case-%d.png", w.w))

		// A reference of nothing says so.
		run(t, ctx, "search nothing at "+w.name+" width",
			chromedp.SetValue(chromedp.ID("search-q"), "00000000"),
			chromedp.SendKeys(chromedp.ID("search-q"), kb.Enter),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "search"`),
		)
		if got := get(t, ctx, "search result", chromedp.Text(chromedp.ID("search-what"))); !strings.Contains(got, "没有找到") {
			t.Errorf("search of nothing says %q", got)
		}
	}

	// A /ui/r/ link from an alert, opened in a signed-in browser.
	run(t, ctx, "reference link",
		chromedp.Navigate(e.srv.URL+"/ui/r/"+refs[bot.ActWarnSender]),
		chromedp.WaitVisible(chromedp.CSS(`#viol-detail[data-id="msg:pages1"]`)),
	)

	// Signed out, the same link asks to sign in first (still at phone
	// width), then opens the violation.
	run(t, ctx, "sign out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-token")),
		chromedp.Navigate(e.srv.URL+"/ui/r/"+refs[bot.ActWarnSender]),
		chromedp.WaitVisible(chromedp.ID("login-token")),
	)
	fitsWidth(t, ctx, "sign-in at phone width")
	noBareCodes(t, ctx, "sign-in")
	screenshot(t, ctx, dir, "login-390.png")
	run(t, ctx, "sign in from the link",
		chromedp.SendKeys(chromedp.ID("login-token"), e.tokens[handlers.RoleHR]),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#viol-detail[data-id="msg:pages1"]`)),
	)

	employeePage(t, e.adminEnv, refs[bot.ActWarnSender], dir)
}

// employeePage: zhangsan, who has no console role, opens the link in his
// warning, signs in with WeCom and sees his own record — no menu, no
// search, no other page — at both widths; on the phone he appeals.
func employeePage(t *testing.T, e *adminEnv, warnRef, dir string) {
	srv, fake, _ := employeeConsole(t, e)
	fake.SetVisitor(wecomtest.Visitor{UserID: "zhangsan"})
	ctx := newBrowserWithin(t, 90*time.Second) // cookies of its own
	one := fmt.Sprintf(`#mine-one[data-ref=%q]`, warnRef)
	for i, w := range widths {
		var opts []chromedp.EmulateViewportOption
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		run(t, ctx, "employee at "+w.name+" width", chromedp.EmulateViewport(w.w, w.h, opts...))
		link := srv.URL + "/ui/r/" + warnRef // signed in already
		if i == 0 {
			link = bot.ConsoleLinks{Base: srv.URL}.Record(warnRef) // the warning's link: signs in first
		}
		run(t, ctx, "open the warning's link at "+w.name+" width",
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS(one)),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "mine"`),
		)
		what := "employee page at " + w.name + " width"
		text := get(t, ctx, "employee page", chromedp.Evaluate[string](`document.body.innerText`))
		for _, want := range []string{"我的违规记录", "产品研发群", "商业机密", "提交申诉"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", what, want, text)
			}
		}
		for _, leak := range []string{"13812345678", "wrwork", "仪表盘", "违规记录编号 / 案件编号", "案件"} {
			if strings.Contains(text, leak) {
				t.Errorf("%s shows %q:\n%s", what, leak, text)
			}
		}
		if shown := get(t, ctx, "menu and search", chromedp.Evaluate[bool](`!!(document.getElementById("nav").offsetParent || document.getElementById("search-form").offsetParent)`)); shown {
			t.Errorf("%s shows the console's menu or search box", what)
		}
		noErrorShown(t, ctx)
		fitsWidth(t, ctx, what)
		noBareCodes(t, ctx, what)
		screenshot(t, ctx, dir, fmt.Sprintf("page-mine-%d.png", w.w))

		// Any other page of the console opens his own page instead.
		run(t, ctx, "another page at "+w.name+" width",
			chromedp.Evaluate[chromedp.Void](`location.hash = "#cases"`),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "mine" && !document.getElementById("mine-list").hidden`),
		)
		if n := get(t, ctx, "own records", chromedp.Evaluate[int](`document.querySelectorAll("#mine-items li[data-ref]").length`)); n != 2 {
			t.Errorf("%s lists %d records, want zhangsan's 2", what, n)
		}
		fitsWidth(t, ctx, "employee's list at "+w.name+" width")
		noBareCodes(t, ctx, "employee's list at "+w.name+" width")
		screenshot(t, ctx, dir, fmt.Sprintf("page-mine-list-%d.png", w.w))
	}
	// On the phone, he appeals; the page shows it under way.
	run(t, ctx, "appeal",
		chromedp.Navigate(srv.URL+"/ui/r/"+warnRef),
		chromedp.WaitVisible(chromedp.ID("mine-reason")),
		chromedp.SendKeys(chromedp.ID("mine-reason"), "这是转给客户的产品资料，并非机密文件"),
		chromedp.Click(chromedp.ID("mine-submit")),
		chromedp.WaitNotVisible(chromedp.ID("mine-form")),
	)
	appeal := get(t, ctx, "appeal state", chromedp.Text(chromedp.ID("mine-appeal")))
	if !strings.Contains(appeal, "处理中") || !strings.Contains(appeal, "并非机密文件") || strings.Contains(appeal, "null") || strings.Contains(appeal, "undefined") {
		t.Errorf("after the appeal the page shows %q", appeal)
	}
	fitsWidth(t, ctx, "employee's appeal at phone width")
	noBareCodes(t, ctx, "employee's appeal")
	screenshot(t, ctx, dir, "mine-appealed-390.png")
	as, err := e.st.Appeals(context.Background(), false, 10)
	if err != nil || len(as) != 1 || as[0].User != "zhangsan" || as[0].Source != bot.AppealFromConsole {
		t.Fatalf("appeals %+v, %v: want zhangsan's from the console", as, err)
	}
	// HR accepts it; his page shows the record withdrawn and HR's answer.
	if code, body := e.call("POST", "/api/v1/appeals/"+as[0].ID+"/accept", e.tokens[handlers.RoleHR], `{"reason":"已核实为产品资料"}`); code != http.StatusOK {
		t.Fatalf("HR accepts: %d %s", code, body)
	}
	run(t, ctx, "the decided appeal",
		chromedp.Navigate(srv.URL+"/ui/r/"+warnRef),
		chromedp.WaitVisible(chromedp.CSS(one)),
		chromedp.Poll[chromedp.Void](`document.body.dataset.ready === "mine"`),
	)
	decided := get(t, ctx, "decided", chromedp.Text(chromedp.ID("mine-one")))
	for _, want := range []string{"已撤销", "您的申诉已通过", "已通过", "已核实为产品资料"} {
		if !strings.Contains(decided, want) {
			t.Errorf("after HR accepted, the page lacks %q: %s", want, decided)
		}
	}
	noBareCodes(t, ctx, "employee's decided appeal")
	screenshot(t, ctx, dir, "mine-accepted-390.png")
	// Signed out, a /ui/r/ link asks to sign in, then opens his record.
	run(t, ctx, "sign out and open the record's link",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-wecom-link")),
		chromedp.Navigate(srv.URL+"/ui/r/"+warnRef),
		chromedp.WaitVisible(chromedp.ID("login-wecom-link")),
		chromedp.Click(chromedp.ID("login-wecom-link")),
		chromedp.WaitVisible(chromedp.CSS(one)),
	)
	noErrorShown(t, ctx)
}
