package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// startSandbox runs `serve` in sandbox mode on a free port with its state in
// dir, and returns its address and a stop function that waits for a clean exit.
func startSandbox(t *testing.T, dir string, logs io.Writer) (addr string, stop func()) {
	t.Helper()
	return startSandboxWith(t, dir, logs, nil)
}

// startSandboxWith is startSandbox with more environment variables.
func startSandboxWith(t *testing.T, dir string, logs io.Writer, extra map[string]string) (addr string, stop func()) {
	t.Helper()
	env := map[string]string{
		"LISTEN_ADDR":  "127.0.0.1:0",
		"WG_STATE_DIR": dir,
		"REDIS_URL":    os.Getenv("REDIS_URL"),
		"WG_SANDBOX":   "1", // a sandbox on the test Redis, on purpose
		// A fresh prefix, removed when the test ends (storetest cleans it).
		"REDIS_PREFIX": storetest.New(t).Prefix(),
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := loadConfig("", envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, zerolog.New(logs), io.Discard, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited early: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start in 10 s")
	}
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

func TestSandboxSendRoundTrip(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	addr, stop := startSandbox(t, dir, &logs)
	defer stop()

	var out, errOut bytes.Buffer
	t.Setenv("WG_STATE_DIR", dir)
	err := run(context.Background(), []string{"send", "--url", "http://" + addr + "/wecom/callback", "--from", "lisi", "你好"}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("send: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "acknowledged (HTTP 200)") {
		t.Fatalf("send printed %q, want an acknowledgement", out.String())
	}

	resp, err := http.Get("http://" + addr + "/sandbox/outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var box struct {
		Sent json.RawMessage `json:"sent"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /sandbox/outbox: %d %v", resp.StatusCode, err)
	}
	if !strings.Contains(logs.String(), `"outcome":"ok"`) {
		t.Errorf("no request log line with outcome ok:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "你好") {
		t.Errorf("message content in the info log:\n%s", logs.String())
	}
}

func TestSandboxCredentialsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	_, stop := startSandbox(t, dir, io.Discard)
	stop()
	first, err := readSandbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, stop = startSandbox(t, dir, io.Discard)
	stop()
	second, err := readSandbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Fatalf("restart generated new credentials: %+v then %+v", first, second)
	}
	if len(first.AESKey) != 43 || first.Token == "" || first.CorpID == "" {
		t.Fatalf("incomplete sandbox credentials %+v", first)
	}
	info, err := os.Stat(dir + "/" + sandboxFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode = %v, %v; want 0600", info.Mode(), err)
	}
}

func TestSendWithoutSandboxStateExplains(t *testing.T) {
	t.Setenv("WG_STATE_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"send", "--url", "http://127.0.0.1:1/wecom/callback", "hi"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "wecom-guard serve") {
		t.Fatalf("send without sandbox state: %v, want a hint to start serve", err)
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"serve", "send"} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{cmd, "--help"}, nil, &out, &errOut)
		if err == nil || !strings.Contains(out.String(), "Usage: wecom-guard "+cmd) || errOut.Len() > 0 {
			t.Errorf("%s --help: err=%v, stdout %q, stderr %q", cmd, err, out.String(), errOut.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bogus"}, nil, &out, &out); err == nil {
		t.Error("unknown command: no error")
	}
}

// TestSandboxLadder is the README's walk-through: three offending messages
// from one user get three warnings as passive replies, and the third also
// an owner alert (the sender's direct leader) in the sandbox outbox.
func TestSandboxLadder(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startSandbox(t, dir, io.Discard)
	defer stop()
	t.Setenv("WG_STATE_DIR", dir)
	for i := 1; i <= 3; i++ {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"send", "--url", "http://" + addr + "/wecom/callback", "你真是个傻逼"}, nil, &out, &errOut); err != nil {
			t.Fatalf("send %d: %v\n%s", i, err, errOut.String())
		}
		if !strings.Contains(out.String(), "passive reply") || !strings.Contains(out.String(), "辱骂") || strings.Contains(out.String(), "傻逼") {
			t.Fatalf("send %d printed %q, want a masked warning as passive reply", i, out.String())
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		box := sandboxSent(t, addr)
		// The outbox may also hold HR's daily digest; the owner gets one alert.
		var toOwner []string
		for _, m := range box {
			if len(m.ToUser) == 1 && m.ToUser[0] == sandboxLeader {
				toOwner = append(toOwner, m.Content)
			}
		}
		if len(toOwner) == 1 {
			if !strings.Contains(toOwner[0], "第 3 次") || strings.Contains(toOwner[0], "傻逼") {
				t.Fatalf("owner alert %q, want the 3rd violation, masked", toOwner[0])
			}
			return
		}
		if len(toOwner) > 1 || time.Now().After(deadline) {
			t.Fatalf("%s got %d messages, want exactly the one owner alert", sandboxLeader, len(toOwner))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSandboxGroupMessages: `send --chat` posts archive records of a work
// group; the third insult from one member alerts the group's owner.
func TestSandboxGroupMessages(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startSandbox(t, dir, io.Discard)
	defer stop()
	t.Setenv("WG_STATE_DIR", dir)
	url := "http://" + addr + "/api/v1/archive/messages"
	for i := 1; i <= 3; i++ {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"send", "--url", url, "--chat", sandboxRoom, "--from", "zhaoliu", "你真是个傻逼"}, nil, &out, &errOut); err != nil {
			t.Fatalf("send --chat %d: %v\n%s", i, err, errOut.String())
		}
		if !strings.Contains(out.String(), "processed") {
			t.Fatalf("send --chat %d printed %q", i, out.String())
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		box := sandboxSent(t, addr)
		var warnings, ownerAlerts int
		for _, m := range box {
			if len(m.ToUser) == 1 && m.ToUser[0] == "zhaoliu" {
				warnings += strings.Count(m.Content, "【企业微信使用规范提醒】")
			}
			if len(m.ToUser) == 1 && m.ToUser[0] == sandboxOwner && strings.Contains(m.Content, sandboxRoom) {
				ownerAlerts++
			}
		}
		if warnings == 3 && ownerAlerts == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d warnings to zhaoliu (want 3), %d alerts to %s (want 1): %+v", warnings, ownerAlerts, sandboxOwner, box)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sentMessage is what the sandbox outbox shows of a sent message.
type sentMessage struct {
	ToUser  []string
	Content string
}

// sandboxSent reads GET /sandbox/outbox of the service at addr.
func sandboxSent(t *testing.T, addr string) []sentMessage {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/sandbox/outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var box struct {
		Sent []sentMessage `json:"sent"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil {
		t.Fatal(err)
	}
	return box.Sent
}

func TestSandboxRefusedOnARealRedisByAccident(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("needs a real Redis: set REDIS_URL")
	}
	cfg, err := loadConfig("", envMap(map[string]string{
		"LISTEN_ADDR": "127.0.0.1:0", "WG_STATE_DIR": t.TempDir(), "REDIS_URL": os.Getenv("REDIS_URL"),
		"REDIS_PREFIX": storetest.New(t).Prefix(),
	}))
	if err != nil {
		t.Fatal(err)
	}
	err = serve(context.Background(), cfg, zerolog.Nop(), io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "WG_SANDBOX=1") {
		t.Fatalf("serve without WeCom settings on a real Redis: %v, want a refusal naming WG_SANDBOX=1", err)
	}
}
