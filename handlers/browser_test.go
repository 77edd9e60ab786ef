package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// An HR user signs in, adds a word to a list, tries a message that now
// matches, and resolves the case the bot opened for it.
func TestBrowserHRFlow(t *testing.T) {
	e := newConsoleEnv(t)
	ctx := newBrowser(t)
	dir := artifactDir(t)
	const (
		word = "星辰计划"
		msg  = "把星辰计划的图纸发到我私人邮箱"
	)
	css := func(format string, args ...any) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(format, args...)) }

	// A wrong token is refused on the page.
	run(t, ctx, "wrong token",
		chromedp.Navigate(e.srv.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.ID("login-token")),
		chromedp.SendKeys(chromedp.ID("login-token"), "wgt_forged"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-error")),
	)
	if msg := get(t, ctx, "login error", chromedp.Text(chromedp.ID("login-error"))); !strings.Contains(msg, "无效") {
		t.Fatalf("wrong token message %q", msg)
	}

	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleHR])
	run(t, ctx, "dashboard",
		chromedp.WaitVisible(chromedp.CSS("#dash-trend svg")),
		chromedp.WaitVisible(chromedp.CSS("#dash-tiles .tile")),
	)
	who := get(t, ctx, "who", chromedp.Text(chromedp.ID("who-name")))
	role := get(t, ctx, "role", chromedp.Text(chromedp.ID("who-role")))
	if who != "hr-user" || role != "HR" {
		t.Fatalf("signed in as %q %q", who, role)
	}
	noErrorShown(t, ctx)

	// After a reload the console is still signed in and fetches its CSRF
	// secret again: the word added below is a POST that needs it.
	run(t, ctx, "reload",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#dash-trend svg")),
	)

	before := e.policy.Version()
	run(t, ctx, "add a word",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="lists"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lists-index li[data-list="secrets/leak"]`)),
		chromedp.Click(chromedp.CSS(`#lists-index li[data-list="secrets/leak"]`)),
		chromedp.WaitVisible(chromedp.ID("list-detail")),
		chromedp.SendKeys(chromedp.ID("list-add-words"), word+",high,新项目代号"),
		chromedp.Click(chromedp.ID("list-add-submit")),
		chromedp.WaitVisible(css(`#list-entries tr[data-word=%q]`, word)),
		chromedp.SendKeys(chromedp.ID("list-search"), "星辰"),
		chromedp.WaitNotPresent(chromedp.CSS(`#list-entries tr[data-word="机密文件"]`)),
	)
	if count := get(t, ctx, "count", chromedp.Text(chromedp.ID("list-count"))); !strings.HasPrefix(count, "1 /") {
		t.Fatalf("search count %q, want one match", count)
	}
	if sev := get(t, ctx, "severity", chromedp.Value(css(`#list-entries tr[data-word=%q] select`, word))); sev != "high" {
		t.Fatalf("severity of the new word %q, want high", sev)
	}
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "lists")
	screenshot(t, ctx, dir, "lists.png")

	// The rule set reloads from Redis (pub/sub, or the 50 ms version check).
	deadline := time.Now().Add(5 * time.Second)
	for e.policy.Version() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.policy.Version() == before {
		t.Fatal("the rule set did not reload after the word was added")
	}

	run(t, ctx, "try a message",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="try"]`)),
		chromedp.WaitVisible(chromedp.ID("try-text")),
		chromedp.SendKeys(chromedp.ID("try-text"), msg),
		chromedp.Click(chromedp.ID("try-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#try-highlight mark[data-category="secrets"]`)),
	)
	marked := get(t, ctx, "marked", chromedp.Text(chromedp.CSS(`#try-highlight mark[data-category="secrets"]`)))
	action := get(t, ctx, "action", chromedp.Text(chromedp.ID("try-action")))
	if marked != word || action != "上报 HR" {
		t.Fatalf("try: marked %q, action %q; want %q and 上报 HR", marked, action, word)
	}
	if note := get(t, ctx, "match note", chromedp.Text(chromedp.CSS(`#try-hits tbody tr td:last-child`))); !strings.Contains(note, "匹配方式：原文，可信度 100%") {
		t.Errorf("try: hit note %q does not say how it matched in Chinese", note)
	}
	if explain := get(t, ctx, "explanation", chromedp.Text(chromedp.CSS(`#try-hits tbody tr td:last-child`))); !strings.Contains(explain, "规则「") || !strings.Contains(explain, "来自词库「") {
		t.Errorf("try: explanation %q is not a Chinese sentence with the rule's and list's labels", explain)
	}
	// msg starts 把星辰计划: HR counts the word's characters from 1.
	if place := get(t, ctx, "place", chromedp.Text(chromedp.CSS(`#try-hits tbody tr td:nth-child(4)`))); place != "第 2–5 字" {
		t.Errorf("try: place %q; want 第 2–5 字 (characters counted from 1)", place)
	}
	noBareCodes(t, ctx, "try")
	screenshot(t, ctx, dir, "try.png")

	// The running bot sees the message in a work group.
	res, err := e.pipeline.Process(context.Background(), bot.Message{
		ID: "msg:e2e1", Source: bot.SourceArchive, From: "zhangsan", ChatID: "wrwork", ChatKind: rules.ChatWork, Text: msg, Time: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	vs, _, err := e.st.SearchViolations(context.Background(), store.ViolationQuery{User: "zhangsan", Limit: 10})
	if err != nil || len(vs) != 1 || vs[0].CaseID == "" {
		t.Fatalf("violations %+v (%v), result %+v; want one with a case", vs, err, res)
	}
	caseID := vs[0].CaseID

	run(t, ctx, "violations",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="violations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#viol-table tr[data-id="msg:e2e1"]`)),
	)
	rowText := get(t, ctx, "violation row", chromedp.Text(chromedp.CSS(`#viol-table tr[data-id="msg:e2e1"]`)))
	if strings.Contains(rowText, word) || !strings.Contains(rowText, caseID) {
		t.Fatalf("violation row %q: want masked evidence and case %s", rowText, caseID)
	}
	noBareCodes(t, ctx, "violations")
	// 查看原文 is offered only when the raw text was kept.
	hasButton := get(t, ctx, "raw button", chromedp.Evaluate[bool](
		`!!document.querySelector('#viol-table tr[data-id="msg:e2e1"] button:not([data-review])')`))
	if hasButton != (vs[0].Raw != "") {
		t.Errorf("查看原文 offered: %v; raw text kept: %v", hasButton, vs[0].Raw != "")
	}

	run(t, ctx, "resolve the case",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="cases"]`)),
		chromedp.WaitVisible(css(`#cases-table tr[data-case=%q]`, caseID)),
		chromedp.Click(css(`#cases-table tr[data-case=%q]`, caseID)),
		chromedp.WaitVisible(chromedp.ID("case-decide")),
		chromedp.WaitVisible(chromedp.CSS(`#case-violations li[data-id="msg:e2e1"]`)),
	)
	if ev := get(t, ctx, "case evidence", chromedp.Text(chromedp.CSS(`#case-violations li[data-id="msg:e2e1"]`))); !strings.Contains(ev, "商业机密") || strings.Contains(ev, word) {
		t.Fatalf("case evidence %q: want the category and masked evidence", ev)
	}
	noBareCodes(t, ctx, "case")
	screenshot(t, ctx, dir, "case.png")
	run(t, ctx, "decide",
		chromedp.Click(chromedp.CSS(`#case-decisions button[data-decision="警告"]`)),
		chromedp.SendKeys(chromedp.ID("case-note"), "首次违规，谈话提醒"),
		chromedp.Click(chromedp.ID("case-resolve")),
		chromedp.WaitNotVisible(chromedp.ID("case-decide")),
	)
	if flash := get(t, ctx, "flash", chromedp.Text(chromedp.ID("flash"))); !strings.Contains(flash, "已结案") {
		t.Fatalf("flash after resolving: %q", flash)
	}
	cs, ok, err := e.st.Case(context.Background(), caseID)
	if err != nil || !ok || cs.Status != store.CaseResolved || cs.Decision != bot.SanctionWarning ||
		cs.DecisionNote != "首次违规，谈话提醒" || cs.DecidedBy != "hr-user" {
		t.Fatalf("case after the decision: %+v, %v, %v", cs, ok, err)
	}

	run(t, ctx, "audit log",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#audit-table tr[data-action="case.resolve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#audit-table tr[data-action="list.edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#audit-table tr[data-action="ui.login"]`)),
	)
	if diff := get(t, ctx, "audit diff", chromedp.Text(chromedp.CSS(`#audit-table tr[data-action="list.edit"]`))); !strings.Contains(diff, "编辑词库「") || !strings.Contains(diff, "+ "+word) {
		t.Errorf("audit row of the word added %q: want a sentence and the word added", diff)
	}
	if diff := get(t, ctx, "audit case", chromedp.Text(chromedp.CSS(`#audit-table tr[data-action="case.resolve"]`))); !strings.Contains(diff, "处理案件") || !strings.Contains(diff, "状态：") {
		t.Errorf("audit row of the decision %q: want a sentence and the fields changed", diff)
	}
	noBareCodes(t, ctx, "audit")
	screenshot(t, ctx, dir, "audit.png")
	run(t, ctx, "dead letters",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="dead"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#outbox-tiles .tile`)),
		chromedp.WaitVisible(chromedp.CSS(`#dead-table tbody tr`)),
	)
	noBareCodes(t, ctx, "dead letters")
	noErrorShown(t, ctx)

	// The dashboard now counts the violation; its screenshot is an artifact.
	run(t, ctx, "dashboard with data",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="dashboard"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dash-trend svg rect.bar-rect`)),
		chromedp.WaitVisible(chromedp.CSS(`#dash-categories tbody td.barcell`)),
	)
	if cats := get(t, ctx, "categories", chromedp.Text(chromedp.ID("dash-categories"))); !strings.Contains(cats, "商业机密") {
		t.Fatalf("dashboard categories %q, want 商业机密", cats)
	}
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "dashboard")
	screenshot(t, ctx, dir, "dashboard.png")

	run(t, ctx, "sign out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-token")),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("login-token")),
	)
}

// HR sets a chat's kind, then edits policy.yaml on the 策略 page: a
// harmless edit is saved with a new version, a broken one is refused with
// its line, and an unsaved draft can be tried on the 试一试 page.
func TestBrowserChatsAndPolicy(t *testing.T) {
	e := newConsoleEnv(t)
	ctx := newBrowser(t)
	dir := artifactDir(t)
	// Deleting asks first: the test accepts the browser's confirm dialog.
	// The listener runs in the tab's read loop, so the answer goes from
	// another goroutine; should it fail, the dialog stays open and the
	// delete step fails on its timeout with its name.
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
	// A group messages came from, never set by HR, named by WeCom.
	if err := e.st.NoteGroupsSeen(context.Background(), []store.GroupSeen{{ChatID: "wrseenb", Kind: "work", LastSeen: time.Now(), Messages: 7}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.st.NoteGroupName(context.Background(), "wrseenb", "work", "华南客户群", time.Now()); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleHR])

	run(t, ctx, "set a chat private",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="chats"]`)),
		chromedp.WaitVisible(chromedp.ID("chat-form")),
		chromedp.SendKeys(chromedp.ID("chat-id"), "wrfamily"),
		chromedp.SendKeys(chromedp.ID("chat-name"), "家人群"),
		chromedp.SetValue(chromedp.ID("chat-kind"), "private"),
		chromedp.SendKeys(chromedp.ID("chat-owner"), "lisi"),
		chromedp.Click(chromedp.ID("chat-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#chats-table tr[data-chat="wrfamily"][data-kind="private"]`)),
	)
	seenRow := get(t, ctx, "seen chat row", chromedp.Text(chromedp.CSS(`#chats-table tr[data-chat="wrseenb"]`)))
	for _, want := range []string{"华南客户群", "wrseenb", "未分类", "7"} {
		if !strings.Contains(seenRow, want) {
			t.Errorf("seen chat row %q lacks %q", seenRow, want)
		}
	}
	row := get(t, ctx, "chat row", chromedp.Text(chromedp.CSS(`#chats-table tr[data-chat="wrfamily"]`)))
	for _, want := range []string{"家人群", "私人群", "lisi", "hr-user"} {
		if !strings.Contains(row, want) {
			t.Errorf("chat row %q lacks %q", row, want)
		}
	}
	if explain := get(t, ctx, "explanation", chromedp.Text(chromedp.ID("chats-explain"))); !strings.Contains(explain, "工作群") {
		t.Errorf("chat page explanation %q does not say the kind decides the rules", explain)
	}
	info, ok, err := e.st.Chat(context.Background(), "wrfamily")
	if err != nil || !ok || info.Kind != "private" || info.Owner != "lisi" || info.Name != "家人群" || info.SetBy != "hr-user" {
		t.Fatalf("stored chat %+v, %v, %v", info, ok, err)
	}
	noErrorShown(t, ctx)
	screenshot(t, ctx, dir, "chats.png")

	// A second chat is set through the form and deleted from the table.
	run(t, ctx, "set and delete a chat",
		chromedp.Click(chromedp.ID("chat-clear")),
		chromedp.SendKeys(chromedp.ID("chat-id"), "wrtemp"),
		chromedp.SetValue(chromedp.ID("chat-kind"), "external"),
		chromedp.Click(chromedp.ID("chat-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#chats-table tr[data-chat="wrtemp"][data-kind="external"]`)),
		chromedp.Click(chromedp.CSS(`#chats-table tr[data-chat="wrtemp"] button.danger`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#chats-table tr[data-chat="wrtemp"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chats-table tr[data-chat="wrfamily"]`)),
	)
	if _, ok, err := e.st.Chat(context.Background(), "wrtemp"); err != nil || ok {
		t.Fatalf("deleted chat still stored (%v, %v)", ok, err)
	}
	noErrorShown(t, ctx)

	version := func() int {
		t.Helper()
		s := get(t, ctx, "policy version", chromedp.Text(chromedp.ID("policy-version")))
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("policy version %q: %v", s, err)
		}
		return n
	}
	run(t, ctx, "open the policy",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="policy"]`)),
		chromedp.WaitVisible(chromedp.ID("policy-text")),
		chromedp.Poll[chromedp.Void](`document.getElementById("policy-text").value.includes("rules:")`),
	)
	v1 := version()
	text := get(t, ctx, "policy text", chromedp.Value(chromedp.ID("policy-text")))
	const comment = "# 浏览器测试：无害的注释行"
	edited := text + "\n" + comment + "\n"
	run(t, ctx, "save a harmless edit",
		chromedp.SetValue(chromedp.ID("policy-text"), edited),
		chromedp.Click(chromedp.ID("policy-save")),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.getElementById("policy-version").textContent !== %q`, strconv.Itoa(v1))),
	)
	if v2 := version(); v2 <= v1 {
		t.Fatalf("version after saving %d, before %d", v2, v1)
	}
	files, _, err := e.st.Rules(context.Background())
	if err != nil || !strings.Contains(string(files["policy.yaml"]), comment) {
		t.Fatalf("stored policy lacks the comment (%v)", err)
	}
	noErrorShown(t, ctx)

	// A broken edit is refused and the page names its line.
	broken := strings.Replace(edited, "severity: medium", "severity: extreme", 1)
	if broken == edited {
		t.Fatal("the default policy has no \"severity: medium\" to break")
	}
	wantLine := strings.Count(broken[:strings.Index(broken, "severity: extreme")], "\n") + 1
	v2 := version()
	run(t, ctx, "save a broken edit",
		chromedp.SetValue(chromedp.ID("policy-text"), broken),
		chromedp.Click(chromedp.ID("policy-save")),
		chromedp.WaitVisible(chromedp.CSS(`#policy-problem-list li`)),
	)
	problems := get(t, ctx, "problems", chromedp.Text(chromedp.ID("policy-problem-list")))
	if !strings.Contains(problems, fmt.Sprintf("policy.yaml:%d", wantLine)) || !strings.Contains(problems, "extreme") {
		t.Fatalf("problems %q, want policy.yaml:%d and the bad severity", problems, wantLine)
	}
	if v := version(); v != v2 {
		t.Fatalf("a refused edit changed the version from %d to %d", v2, v)
	}
	if dirty := get(t, ctx, "dirty", chromedp.Evaluate[bool](`!document.getElementById("policy-dirty").hidden`)); !dirty {
		t.Error("the refused edit is not marked unsaved")
	}
	screenshot(t, ctx, dir, "policy.png")

	// An unsaved draft that turns secrets-leak into a shadow rule is tried
	// on the 试一试 page without saving it.
	draft := strings.Replace(edited, "    action: escalate_hr\n", "    action: escalate_hr\n    shadow: true\n", 1)
	if draft == edited {
		t.Fatal("the default policy has no escalate_hr rule to draft on")
	}
	const msg = "这份机密文件别外传"
	run(t, ctx, "try with the draft",
		chromedp.SetValue(chromedp.ID("policy-text"), draft),
		chromedp.Click(chromedp.CSS(`#nav a[data-view="try"]`)),
		chromedp.WaitVisible(chromedp.ID("try-text")),
		chromedp.SendKeys(chromedp.ID("try-text"), msg),
		chromedp.Click(chromedp.ID("try-draft")),
		chromedp.Click(chromedp.ID("try-submit")),
		chromedp.WaitVisible(chromedp.ID("try-draft-used")),
		chromedp.WaitVisible(chromedp.CSS(`#try-hits tr[data-category="secrets"]`)),
	)
	if hit := get(t, ctx, "draft hit", chromedp.Text(chromedp.CSS(`#try-hits tr[data-category="secrets"]`))); !strings.Contains(hit, "泄露商业机密（试运行）") {
		t.Fatalf("hit with the draft %q, want the rule 泄露商业机密 in shadow mode", hit)
	}
	run(t, ctx, "try without the draft",
		chromedp.Click(chromedp.ID("try-draft")),
		chromedp.Click(chromedp.ID("try-submit")),
		chromedp.WaitNotVisible(chromedp.ID("try-draft-used")),
		chromedp.WaitVisible(chromedp.CSS(`#try-hits tr[data-category="secrets"]`)),
	)
	if hit := get(t, ctx, "saved hit", chromedp.Text(chromedp.CSS(`#try-hits tr[data-category="secrets"]`))); strings.Contains(hit, "试运行") || !strings.Contains(hit, "泄露商业机密") {
		t.Fatalf("hit with the saved policy %q, want the rule 泄露商业机密 in force", hit)
	}
	noErrorShown(t, ctx)

	// Coming back to the page keeps the unsaved draft.
	run(t, ctx, "back to the policy",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="policy"]`)),
		chromedp.WaitVisible(chromedp.ID("policy-text")),
	)
	if got := get(t, ctx, "kept draft", chromedp.Value(chromedp.ID("policy-text"))); got != draft {
		t.Fatal("the unsaved draft was lost on returning to the policy page")
	}

	// Someone else changes the rule set meanwhile: saving the draft is a
	// conflict, and reloading shows their version.
	files, v, err := e.st.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const other = "# 另一位 HR 的修改"
	files["policy.yaml"] = append(files["policy.yaml"], other+"\n"...)
	nv, err := e.st.SaveRules(context.Background(), files, v)
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "conflicting save",
		chromedp.Click(chromedp.ID("policy-save")),
		chromedp.WaitVisible(chromedp.ID("policy-conflict")),
	)
	if got := get(t, ctx, "draft after conflict", chromedp.Value(chromedp.ID("policy-text"))); got != draft {
		t.Fatal("a refused save changed the text in the editor")
	}
	run(t, ctx, "reload after the conflict",
		chromedp.Click(chromedp.ID("policy-conflict-reload")),
		chromedp.WaitNotVisible(chromedp.ID("policy-conflict")),
	)
	if got := get(t, ctx, "reloaded policy", chromedp.Value(chromedp.ID("policy-text"))); !strings.Contains(got, other) {
		t.Fatal("the reloaded policy lacks the other change")
	}
	if v := version(); int64(v) != nv {
		t.Fatalf("version after reloading %d, want %d", v, nv)
	}
}

// An auditor reads everything but sees no control that changes anything,
// and an owner sees only the pages of their role.
func TestBrowserReadOnlyRoles(t *testing.T) {
	e := newConsoleEnv(t)
	ctx := newBrowser(t)

	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleAuditor])
	run(t, ctx, "auditor lists",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="lists"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#lists-index li[data-list="secrets/leak"]`)),
		chromedp.Click(chromedp.CSS(`#lists-index li[data-list="secrets/leak"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#list-entries tr[data-word]`)),
	)
	for _, sel := range []string{"#list-add", "#list-delete", "#list-entries tr[data-word] td.hr-only", "#case-decide", "#list-create"} {
		display := get(t, ctx, "display of "+sel, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+strconv.Quote(sel)+`)).display`))
		if display != "none" {
			t.Errorf("auditor sees %s (display %q)", sel, display)
		}
	}
	noErrorShown(t, ctx)
	if !get(t, ctx, "severity", chromedp.Evaluate[bool](`document.querySelector("#list-entries tr[data-word] select").disabled`)) {
		t.Error("auditor can change a word's severity")
	}

	// The auditor reads the chat settings and the policy, read-only.
	run(t, ctx, "auditor chats and policy",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="chats"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chats-table tbody tr`)),
		chromedp.Click(chromedp.CSS(`#nav a[data-view="policy"]`)),
		chromedp.WaitVisible(chromedp.ID("policy-text")),
		chromedp.Poll[chromedp.Void](`document.getElementById("policy-text").value.includes("rules:")`),
	)
	for _, sel := range []string{"#chat-form", "#policy-save", "#try-form .row.hr-only"} {
		display := get(t, ctx, "display of "+sel, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(`+strconv.Quote(sel)+`)).display`))
		if display != "none" {
			t.Errorf("auditor sees %s (display %q)", sel, display)
		}
	}
	if !get(t, ctx, "policy read-only", chromedp.Evaluate[bool](`document.getElementById("policy-text").readOnly`)) {
		t.Error("auditor can edit the policy text")
	}
	noErrorShown(t, ctx)
	run(t, ctx, "auditor signs out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-token")),
	)

	signIn(t, ctx, e.srv.URL, e.tokens[handlers.RoleOwner])
	run(t, ctx, "owner dashboard", chromedp.WaitVisible(chromedp.CSS("#dash-tiles .tile")))
	visible := get(t, ctx, "owner nav", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#nav a")].filter(a => !a.hidden).map(a => a.dataset.view)`))
	if strings.Join(visible, ",") != "dashboard,violations,cases" {
		t.Fatalf("owner sees pages %v, want dashboard, violations, cases", visible)
	}
	run(t, ctx, "owner cases",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="cases"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cases-table tbody tr`)),
	)
	noErrorShown(t, ctx)
}
