package handlers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An HR user imports customer records and protects a document in the
// console; the page shows names, counts and versions in Chinese, never a
// value, a code or JSON; 试一试 then reports a customer's number, masked,
// naming the set and column; deleting removes the rows.
func TestBrowserDLP(t *testing.T) {
	e := newDLPEnv(t)
	ctx := newBrowser(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "customers.csv")
	os.WriteFile(csv, []byte("手机,证件号\n13912345678,11010519491231002X\n15800001111,\n"), 0o644)
	doc := filepath.Join(dir, "2027年报价策略.txt")
	os.WriteFile(doc, []byte("封面\n"+secretParagraph+"\n"), 0o644)

	signIn(t, ctx, e.srv.URL, e.tokens["hr"])
	run(t, ctx, "import customers",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="dlp"]`)),
		chromedp.WaitVisible(chromedp.ID("dlp-set-form")),
		chromedp.SendKeys(chromedp.ID("dlp-set-name"), "重点客户"),
		chromedp.SendKeys(chromedp.ID("dlp-set-columns"), "手机=phone,证件号=id_card"),
		chromedp.SetUploadFiles(chromedp.CSS("#dlp-set-file"), []string{csv}),
		chromedp.Click(chromedp.ID("dlp-set-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#dlp-sets tr[data-set="重点客户"]`)),
	)
	run(t, ctx, "protect a document",
		chromedp.SendKeys(chromedp.ID("dlp-doc-category"), "报价"),
		chromedp.SetUploadFiles(chromedp.CSS("#dlp-doc-file"), []string{doc}),
		chromedp.Click(chromedp.ID("dlp-doc-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#dlp-docs tr[data-doc]`)),
	)
	noErrorShown(t, ctx)
	noBareCodes(t, ctx, "dlp")
	text := get(t, ctx, "page text", chromedp.Evaluate[string](`document.querySelector("main .view:not([hidden])").innerText`))
	for _, want := range []string{"重点客户", "第 1 版", "手机（手机号，2 个）", "证件号（身份证号，1 个）", "《2027年报价策略》", "报价"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q:\n%s", want, text)
		}
	}
	for _, raw := range []string{"13912345678", "1101051949", "四千二百元"} {
		if strings.Contains(text, raw) {
			t.Errorf("the page shows %q", raw)
		}
	}
	// 试一试 consults the data just imported, as the service does.
	waitFor(t, func() bool { return len(e.data.Index().Sets()) == 1 && len(e.data.Index().Docs()) == 1 })
	run(t, ctx, "try a customer's number",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="try"]`)),
		chromedp.WaitVisible(chromedp.ID("try-text")),
		chromedp.SendKeys(chromedp.ID("try-text"), "客户电话 139 1234 5678，麻烦回个电话"),
		chromedp.Click(chromedp.ID("try-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#try-hits tbody tr[data-category]`)),
	)
	hits := get(t, ctx, "try hits", chromedp.Text(chromedp.CSS(`#try-hits tbody`)))
	for _, want := range []string{"真实客户信息", "139****5678", "与客户数据「重点客户」的“手机”列中的一条记录相同"} {
		if !strings.Contains(hits, want) {
			t.Errorf("try: the hits lack %q:\n%s", want, hits)
		}
	}
	if strings.Contains(hits, "13912345678") {
		t.Errorf("try: the hits show the number:\n%s", hits)
	}
	noBareCodes(t, ctx, "try")
	run(t, ctx, "back to the data page",
		chromedp.Click(chromedp.CSS(`#nav a[data-view="dlp"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#dlp-sets tr[data-set="重点客户"]`)),
	)
	run(t, ctx, "delete the set",
		chromedp.Poll[chromedp.Void](`(window.confirm = () => true) && true`),
		chromedp.Click(chromedp.CSS(`#dlp-sets tr[data-set="重点客户"] button.danger`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#dlp-sets tr[data-set="重点客户"]`)),
	)
	noErrorShown(t, ctx)
}
