package handlers_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wecom-guard/wecom-guard/rules"
)

// stepTimeout bounds one step, leaving time in the test's budget to read
// what the console showed when a step fails.
const stepTimeout = 10 * time.Second

var (
	isoTime   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}`)
	jsonText  = regexp.MustCompile(`[{\[]\s*"|"\s*:\s*["{\[\d]`)
	codeToken = regexp.MustCompile(`[A-Za-z0-9_./-]+`)
)

// browserTimeout bounds one browser test, start of Chromium included: far
// above what a test takes alone, because under -race on a busy CI machine
// the same steps take several times longer.
const browserTimeout = 60 * time.Second

// findChromium returns the browser to drive, or skips the test when there
// is none, except under CI (env CI set), where a missing browser fails it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium binary found; CI must install Debian's chromium for the browser tests")
	}
	t.Skip("no chromium binary found (apt-get install chromium); skipping the browser tests")
	return ""
}

// artifactDir is where screenshots go: $WG_ARTIFACTS (CI sets it) or a
// temporary directory of the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("WG_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact dir: %v", err)
	}
	return dir
}

// consoleEnv is the real service as the console meets it (adminEnv), with
// the console's routes checked.
type consoleEnv struct{ *adminEnv }

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	e := &consoleEnv{newAdminEnv(t)}
	resp, err := http.Get(e.srv.URL + "/ui/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/: %d; the console's routes are not registered (routes() must call s.uiRoutes(r))", resp.StatusCode)
	}
	return e
}

// newBrowser starts a headless Chromium for t and returns its context,
// bounded by browserTimeout.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserWithin(t, browserTimeout)
}

// newBrowserWithin is newBrowser bounded by d, for tests that walk many
// pages.
func newBrowserWithin(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	execPath := findChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// This machine has no network: without these Chromium stalls on
		// its own background requests.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", execPath, err)
	}
	return ctx
}

// run runs browser actions, failing the test with step's name and the
// message the console shows, if any.
func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v (the console shows %q)", step, err, consoleMessage(ctx))
	}
}

// consoleMessage returns the console's last flash message, for failures.
func consoleMessage(ctx context.Context) string {
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	msg, err := chromedp.Run(dctx, chromedp.Evaluate[string](`document.getElementById("flash").textContent`))
	if err != nil {
		return "unknown: " + err.Error()
	}
	return msg
}

// get runs one browser action and returns its value.
func get[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// screenshot saves the whole page as a PNG artifact.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", p, len(png))
	}
	t.Logf("screenshot %s (%d bytes)", p, len(png))
}

// noErrorShown fails the test when the console shows an error message.
func noErrorShown(t *testing.T, ctx context.Context) {
	t.Helper()
	if msg := get(t, ctx, "error message", chromedp.Evaluate[string](
		`(f => f.hidden || !f.classList.contains("bad") ? "" : f.textContent)(document.getElementById("flash"))`)); msg != "" {
		t.Fatalf("the console shows an error: %s", msg)
	}
}

// machineCodes are the codes the API answers in and people must not read:
// the default policy's rule ids, list ids and list names, and the kinds of
// findings.
func machineCodes(t *testing.T) map[string]bool {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, r := range rs.Rules {
		codes[r.ID] = true
	}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			codes[c.Name+"/"+l.Name] = true
			codes[l.Name] = true
		}
	}
	for _, k := range []string{"keyword", "phone", "id_card", "bank_card", "email", "url", "wechat_id", "regex", "address",
		"warn", "alert_owner", "escalate_hr", "case.resolve", "case.ack", "list.edit", "ui.login", "rules.update"} {
		codes[k] = true
	}
	return codes
}

// noBareCodes fails the test when the visible text of the page shown is,
// anywhere, a bare rule id, list id, kind code, ISO timestamp or JSON: all
// the text the page shows (document.body.innerText: header, menu, the page,
// any message), not only the page's own section.
func noBareCodes(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	text := get(t, ctx, page+" text", chromedp.Evaluate[string](`document.body.innerText`))
	codes := machineCodes(t)
	for _, tok := range codeToken.FindAllString(text, -1) {
		if codes[tok] {
			t.Errorf("%s shows the code %q: %s", page, tok, text)
		}
	}
	if m := isoTime.FindString(text); m != "" {
		t.Errorf("%s shows the ISO time %q", page, m)
	}
	if m := jsonText.FindString(text); m != "" {
		t.Errorf("%s shows JSON (%q)", page, m)
	}
}

// signIn opens the console and signs in with a token.
func signIn(t *testing.T, ctx context.Context, baseURL, token string) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(baseURL+"/"),
		chromedp.WaitVisible(chromedp.ID("login-token")),
		chromedp.SendKeys(chromedp.ID("login-token"), token),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("view-dashboard")),
	)
}
