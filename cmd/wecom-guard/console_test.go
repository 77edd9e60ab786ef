package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/handlers"
)

// In sandbox mode 企业微信登录 works out of the box: the fake WeCom's QR
// page signs the sandbox's HR member in, and the console knows them.
func TestSandboxSignInWithWeCom(t *testing.T) {
	addr, stop := startSandbox(t, t.TempDir(), io.Discard)
	defer stop()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get("http://" + addr + "/ui/login/wecom?to=/ui/%23cases")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "登录成功") || !strings.Contains(string(body), "url=/ui/#cases") {
		t.Fatalf("sign-in: %d\n%s", resp.StatusCode, body)
	}
	resp, err = browser.Get("http://" + addr + "/ui/session")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct{ User, Role string }
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.User != sandboxHR || info.Role != "hr" {
		t.Errorf("session %+v, %v; want %s as hr", info, err, sandboxHR)
	}
}

func TestConsoleConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    ConsoleConfig
		want string // "" valid
	}{
		{"unset", ConsoleConfig{}, ""},
		{"https host", ConsoleConfig{PublicURL: "https://guard.example.com", Auditors: []string{"shenji"}}, ""},
		{"trailing slash", ConsoleConfig{PublicURL: "https://guard.example.com/"}, ""},
		{"no scheme", ConsoleConfig{PublicURL: "guard.example.com"}, "CONSOLE_PUBLIC_URL"},
		{"a path", ConsoleConfig{PublicURL: "https://guard.example.com/console"}, "only scheme and host"},
		{"a query", ConsoleConfig{PublicURL: "https://guard.example.com/?a=1"}, "only scheme and host"},
		{"empty auditor", ConsoleConfig{Auditors: []string{"a", " "}}, "CONSOLE_AUDITORS"},
		{"sign-in limit", ConsoleConfig{SignInPerMinute: 120}, ""},
		{"negative sign-in limit", ConsoleConfig{SignInPerMinute: -1}, "CONSOLE_SIGNIN_PER_MINUTE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.c.validate()
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Errorf("valid config refused: %v", errs)
			case tc.want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tc.want)):
				t.Errorf("errors %v, want one naming %q", errs, tc.want)
			}
		})
	}
	cfg, err := loadConfig("", envMap(map[string]string{"CONSOLE_PUBLIC_URL": "https://guard.example.com", "CONSOLE_AUDITORS": "shenji, liuyi", "CONSOLE_SIGNIN_PER_MINUTE": "120"}))
	if err != nil || cfg.Console.PublicURL != "https://guard.example.com" || len(cfg.Console.Auditors) != 2 || cfg.Console.Auditors[1] != "liuyi" || cfg.Console.SignInPerMinute != 120 {
		t.Errorf("from the environment: %+v, %v", cfg.Console, err)
	}
	if r := consoleSignInRate(cfg.Console); r.PerMinute != 120 || r.Burst != 120 || r.Clients != handlers.DefaultSignInRate.Clients {
		t.Errorf("sign-in rate %+v, want 120 a minute", r)
	}
	if r := consoleSignInRate(ConsoleConfig{}); r != (handlers.SignInRate{}) {
		t.Errorf("sign-in rate without the key %+v, want the handlers' default", r)
	}
}

func TestSandboxPublicURL(t *testing.T) {
	for in, want := range map[string]string{"[::]:8080": "http://127.0.0.1:8080", "0.0.0.0:80": "http://127.0.0.1:80", "127.0.0.1:9": "http://127.0.0.1:9", "[::1]:8080": "http://[::1]:8080"} {
		if got := sandboxPublicURL(in); got != want {
			t.Errorf("sandboxPublicURL(%q) = %q, want %q", in, got, want)
		}
	}
}
