package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// TestRealAppFromEnvironmentAlone is issue 10's first finding: a real app
// configured by environment variables alone (HR included) starts, answers
// /readyz, and an owner alert reaches the WeCom API.
func TestRealAppFromEnvironmentAlone(t *testing.T) {
	api := wecomtest.New(wecomtest.Config{CorpID: "wwenvonly", Secret: "env-secret", AgentID: 1000002})
	defer api.Close()
	api.SetUser(wecomtest.User{UserID: "zhangsan", Name: "张三", Department: []int64{2}, DirectLeader: []string{"lisi"}})
	api.SetUser(wecomtest.User{UserID: "lisi", Name: "李四", Department: []int64{2}})
	api.SetUser(wecomtest.User{UserID: "wangfang", Name: "王芳", Department: []int64{1}})
	env := map[string]string{
		"LISTEN_ADDR":    "127.0.0.1:0",
		"REDIS_URL":      os.Getenv("REDIS_URL"),
		"REDIS_PREFIX":   storetest.New(t).Prefix(),
		"WECOM_CORP_ID":  "wwenvonly",
		"WECOM_AGENT_ID": "1000002",
		"WECOM_SECRET":   "env-secret",
		"WECOM_TOKEN":    "QDG6eK",
		"WECOM_AES_KEY":  testAESKey,
		"WECOM_API_BASE": api.URL(),
		// What could only be set in YAML before:
		"ENFORCEMENT_HR_USERS":  "wangfang",
		"ENFORCEMENT_DIGEST_AT": "off",
		"ENFORCEMENT_RETENTION": "720h",
	}
	for k, v := range env { // send reads the process environment
		t.Setenv(k, v)
	}
	cfg, err := loadConfig("", envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkServeConfig(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, zerolog.Nop(), io.Discard, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}
	for range 3 {
		if err := run(context.Background(), []string{"send", "--url", "http://" + addr + "/wecom/callback", "--from", "zhangsan", "你真是个傻逼"}, nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		for _, m := range api.Sent() {
			if len(m.ToUser) == 1 && m.ToUser[0] == "lisi" && strings.Contains(m.Content, "第 3 次") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no owner alert reached the WeCom API; sent: %+v", api.Sent())
		}
	}
}
