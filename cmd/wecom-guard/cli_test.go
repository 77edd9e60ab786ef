package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestTopLevelHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, nil, &out, &errOut); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, cmd := range []string{"serve", "send", "check", "archive", "admin", "rules", "config", "planmarks", "version", "help"} {
			if !strings.Contains(out.String(), "wecom-guard "+cmd) {
				t.Errorf("%v: help does not list %s:\n%s", args, cmd, out.String())
			}
		}
		if errOut.Len() > 0 {
			t.Errorf("%v: help wrote to stderr: %q", args, errOut.String())
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "wecom-guard ") || !strings.HasPrefix(lines[1], "commit ") || lines[2] != runtime.Version() {
			t.Errorf("%v printed %q, want version, commit and %s", args, out.String(), runtime.Version())
		}
	}
}

// TestUsageErrors: a command line that cannot run exits 2, and its error
// is printed exactly once (not by the flag package as well), with a hint.
func TestUsageErrors(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"serve", "extra"}, "unexpected arguments"},
		{[]string{"send"}, "no message text given"},
		{[]string{"check", "--color"}, "flag provided but not defined: -color"},
		{[]string{"check", "--rules", "x", "--embedded"}, "give one"},
		{[]string{"admin", "token", "create", "--user", "x", "--role", "boss"}, `unknown role "boss": the roles are hr`},
		{[]string{"admin", "token", "fly"}, `unknown verb "fly"`},
		{[]string{"admin"}, "expected `admin token"},
		{[]string{"rules"}, "expected export or import"},
		{[]string{"planmarks"}, "expected status, on or off"},
		{[]string{"planmarks", "maybe"}, "expected `planmarks status`"},
		{[]string{"planmarks", "on", "now"}, "expected `planmarks status`"},
		{[]string{"archive", "push"}, `unknown subcommand "push"`},
		{[]string{"config"}, "expected check or keys"},
		{[]string{"config", "check", "--nope"}, "flag provided but not defined"},
		{[]string{"version", "x"}, "unexpected arguments"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(""), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errOut.Len() > 0 {
				t.Errorf("the command printed to stderr itself: %q", errOut.String())
			}
			var printed bytes.Buffer
			if code := exitCode(err, &printed); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if n := strings.Count(printed.String(), tc.want); n != 1 {
				t.Errorf("error printed %d times: %q", n, printed.String())
			}
			if !strings.Contains(printed.String(), "help") {
				t.Errorf("no hint to the help: %q", printed.String())
			}
		})
	}
	var printed bytes.Buffer
	if code := exitCode(errors.New("open redis: boom"), &printed); code != 1 || printed.String() != "wecom-guard: open redis: boom\n" {
		t.Errorf("runtime error: exit %d, printed %q", code, printed.String())
	}
	if code := exitCode(flag.ErrHelp, &printed); code != 0 {
		t.Errorf("help: exit %d", code)
	}
}

func TestMissingDirectoryIsNamed(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	missing := filepath.Join(t.TempDir(), "no-such-rules")
	for _, args := range [][]string{{"rules", "import", missing}, {"check", "--rules", missing}} {
		err := run(context.Background(), args, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), missing+" does not exist") {
			t.Errorf("%v: %v, want the directory named", args[:2], err)
		}
	}
}

func TestSandboxBannerUsesListenAddress(t *testing.T) {
	cfg := Config{StateDir: ".wecom-guard"}
	for _, tc := range []struct{ addr, send, chat, console string }{
		{"127.0.0.1:9123", `send --url http://127.0.0.1:9123/wecom/callback "你好"`,
			`send --url http://127.0.0.1:9123/api/v1/archive/messages --chat wrsandbox`, "http://127.0.0.1:9123/ui/"},
		{"[::]:8080", `go run ./cmd/wecom-guard send "你好"`, `go run ./cmd/wecom-guard send --chat wrsandbox`, "http://127.0.0.1:8080/ui/"},
	} {
		var out bytes.Buffer
		printSandbox(&out, cfg, sandboxState{}, false, "tok", tc.addr)
		for _, want := range []string{tc.send, tc.chat, tc.console} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: banner lacks %q:\n%s", tc.addr, want, out.String())
			}
		}
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("enforcement:\n  hr:\n    users: [hr1]\n"), 0o600)
	for _, k := range configKeys() { // an outer environment must not leak in
		for _, name := range k.envNames() {
			t.Setenv(name, "")
			t.Setenv(name+"_FILE", "")
		}
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		wants []string // substrings of the error; none: ok
	}{
		{"sandbox", nil, nil},
		{"app from env", map[string]string{"WECOM_CORP_ID": "ww1", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s", "WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": testAESKey}, nil},
		{"half an app", map[string]string{"WECOM_CORP_ID": "ww1"}, []string{"WECOM_SECRET", "wecom.secret", "WECOM_AGENT_ID"}},
		{"sandbox on redis", map[string]string{"REDIS_URL": "redis://redis:6379/0"}, []string{"WG_SANDBOX=1"}},
		{"sandbox on redis on purpose", map[string]string{"REDIS_URL": "redis://redis:6379/0", "WG_SANDBOX": "1"}, nil},
		{"bad rules dir", map[string]string{"RULES_DIR": filepath.Join(dir, "nope")}, []string{"RULES_DIR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			err := run(context.Background(), []string{"config", "check", "--config", good}, nil, &out, &out)
			if len(tc.wants) == 0 {
				if err != nil || !strings.Contains(out.String(), "configuration ok") {
					t.Fatalf("config check: %v, %q", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("config check passed, want %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config", "keys"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, k := range configKeys() {
		if !strings.Contains(out.String(), k.Path) || !strings.Contains(out.String(), k.Env) {
			t.Errorf("config keys lacks %s (%s)", k.Path, k.Env)
		}
	}
}

// TestCheckUsesTheStoredRuleSet: with a Redis configured, check evaluates
// against the rule set in force there and says which one on stderr.
func TestCheckUsesTheStoredRuleSet(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("the stored rule set needs a Redis: set REDIS_URL")
	}
	st := storetest.New(t)
	t.Setenv("REDIS_PREFIX", st.Prefix())
	ctx := context.Background()
	src := ruleDir(t, map[string]string{"policy.yaml": checkPolicy, "lists/illegal/x.txt": "蓝鲸暗号\n"})

	// Nothing stored yet: the seed serve would store, said so.
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"check"}, strings.NewReader("蓝鲸暗号\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "holds no rule set yet") || strings.Contains(out.String(), "illegal") {
		t.Fatalf("empty Redis: stderr %q, stdout %q", errOut.String(), out.String())
	}
	if err := run(ctx, []string{"rules", "import", src}, nil, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"check"}, strings.NewReader("蓝鲸暗号\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"stored in Redis", "version 1", "imported 20", "rules.import"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr %q lacks %q", errOut.String(), want)
		}
	}
	if !strings.Contains(out.String(), `"category":"illegal"`) {
		t.Errorf("the stored rule set's word was not hit: %s", out.String())
	}
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"check", "--embedded"}, strings.NewReader("蓝鲸暗号\n"), &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "embedded default policy (--embedded)") || strings.Contains(out.String(), `"category":"illegal"`) {
		t.Errorf("--embedded: stderr %q, stdout %q", errOut.String(), out.String())
	}
	errOut.Reset()
	if err := run(ctx, []string{"check", "--rules", src}, strings.NewReader("x\n"), &bytes.Buffer{}, &errOut); err != nil || !strings.Contains(errOut.String(), src+" (--rules)") {
		t.Errorf("--rules: %v, stderr %q", err, errOut.String())
	}
}

// TestUnreachableRedisReportedOnce: serve on a Redis nobody listens on
// stops with one clear JSON log line naming the variable; go-redis's own
// lines are JSON at debug level, hidden at the default level.
func TestUnreachableRedisReportedOnce(t *testing.T) {
	for _, k := range configKeys() {
		for _, name := range k.envNames() {
			t.Setenv(name, "")
		}
	}
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
	t.Setenv("WG_SANDBOX", "1")
	t.Setenv("WG_STATE_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve"}, nil, &out, &errOut)
	if err == nil {
		t.Fatal("serve started without Redis")
	}
	var printed bytes.Buffer
	if code := exitCode(err, &printed); code != 1 || printed.Len() > 0 {
		t.Errorf("exit %d, printed %q: want 1 and nothing more (it was logged)", code, printed.String())
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("stderr has %d lines, want one:\n%s", len(lines), errOut.String())
	}
	var entry struct{ Level, Message, Error string }
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("stderr line is not JSON: %q", lines[0])
	}
	if entry.Level != "error" || !strings.Contains(entry.Error, "cannot use Redis (REDIS_URL)") || !strings.Contains(entry.Error, "127.0.0.1:1") {
		t.Errorf("log entry %+v, want an error naming REDIS_URL and the address", entry)
	}

	for _, tc := range []struct {
		level string
		shown bool
	}{{"", false}, {"debug", true}} {
		var buf bytes.Buffer
		libraryLogger(&buf, envMap(map[string]string{"LOG_LEVEL": tc.level}))(context.Background(), "redis: connection pool: failed to dial")
		if got := buf.Len() > 0; got != tc.shown {
			t.Errorf("LOG_LEVEL=%q: library line shown %v, want %v", tc.level, got, tc.shown)
		}
		if tc.shown && (!json.Valid(buf.Bytes()) || !strings.Contains(buf.String(), `"component":"redis"`)) {
			t.Errorf("library line %q is not a JSON entry of component redis", buf.String())
		}
	}
}
