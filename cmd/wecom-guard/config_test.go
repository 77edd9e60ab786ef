package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
)

const testAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	yml := "listen_addr: \":9000\"\nenforcement:\n  hr:\n    users: [hr1]\nwecom:\n  corp_id: wwfile\n  agent_id: 7\n  secret: s1\n  token: QDG6eK\n  aes_key: " + testAESKey + "\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, envMap(map[string]string{
		"WECOM_CORP_ID":  "wwenv",
		"WECOM_AGENT_ID": "1000002",
		"WECOM_API_BASE": "http://127.0.0.1:1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != ":9000" || cfg.WeCom.CorpID != "wwenv" || cfg.WeCom.AgentID != 1000002 ||
		cfg.WeCom.Token.Reveal() != "QDG6eK" || cfg.WeCom.APIBase != "http://127.0.0.1:1" {
		t.Fatalf("got %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if cfg.WeCom.Sandbox() {
		t.Fatal("configured app reported as sandbox")
	}
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("listen_adr: \":1\"\n"), 0o600)
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o600)

	if _, err := loadConfig(filepath.Join(dir, "missing.yaml"), envMap(nil)); err == nil {
		t.Error("explicit missing config file: no error")
	}
	if _, err := loadConfig(typo, envMap(nil)); err == nil || !strings.Contains(err.Error(), "listen_adr") {
		t.Errorf("unknown field: err = %v, want it named", err)
	}
	cfg, err := loadConfig(empty, envMap(nil))
	if err != nil || cfg.ListenAddr != ":8080" || !cfg.WeCom.Sandbox() {
		t.Errorf("empty file: %+v, %v; want defaults and sandbox", cfg, err)
	}
	if cfg, err := loadConfig("", envMap(map[string]string{"TRUSTED_PROXIES": "10.0.0.1, 10.0.1.0/24 ,"})); err != nil ||
		len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1] != "10.0.1.0/24" {
		t.Errorf("TRUSTED_PROXIES with spaces: %q, %v", cfg.TrustedProxies, err)
	}
	if _, err := loadConfig("", envMap(map[string]string{"WECOM_AGENT_ID": "abc"})); err == nil || !strings.Contains(err.Error(), "WECOM_AGENT_ID") {
		t.Errorf("bad agent id: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	good := func() Config {
		c := Config{WeCom: WeComConfig{CorpID: "ww1", AgentID: 1000002, Secret: "s", Token: "QDG6eK", AESKey: testAESKey},
			Enforcement: EnforcementConfig{HR: bot.Recipients{Users: []string{"hr1"}}}}
		c.applyDefaults()
		return c
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		wants []string // substrings of the error; none means valid
	}{
		{"valid", func(*Config) {}, nil},
		{"sandbox", func(c *Config) { c.WeCom = WeComConfig{APIBase: DefaultAPIBase} }, nil},
		{"short key", func(c *Config) { c.WeCom.AESKey = Secret(testAESKey[:42]) }, []string{"WECOM_AES_KEY", "43 characters (got 42)"}},
		{"bad key chars", func(c *Config) { c.WeCom.AESKey = Secret(strings.Repeat("!", 43)) }, []string{"not a valid EncodingAESKey"}},
		{"partial app", func(c *Config) { c.WeCom.Secret = ""; c.WeCom.AgentID = 0 }, []string{"WECOM_SECRET", "WECOM_AGENT_ID", "partly configured"}},
		{"bad token", func(c *Config) { c.WeCom.Token = "has space" }, []string{"WECOM_TOKEN"}},
		{"bad listen", func(c *Config) { c.ListenAddr = "8080" }, []string{"LISTEN_ADDR"}},
		{"bad redis", func(c *Config) { c.RedisURL = "http://x" }, []string{"REDIS_URL"}},
		{"bad api base", func(c *Config) { c.WeCom.APIBase = "qyapi" }, []string{"WECOM_API_BASE"}},
		{"bad level", func(c *Config) { c.LogLevel = "loud" }, []string{"LOG_LEVEL"}},
		{"no hr", func(c *Config) { c.Enforcement.HR = bot.Recipients{} }, []string{"enforcement.hr"}},
		{"short retention", func(c *Config) { c.Enforcement.Retention = time.Hour }, []string{"retention"}},
		{"bad digest time", func(c *Config) { c.Enforcement.DigestAt = "9am" }, []string{"digest_at"}},
		{"digest off", func(c *Config) { c.Enforcement.DigestAt = "off" }, nil},
		{"bad digest period", func(c *Config) { c.Enforcement.DigestEvery = time.Hour }, []string{"digest_every"}},
		{"aibot half set", func(c *Config) { c.WeCom.AIBotToken = "abc" }, []string{"WECOM_AIBOT_AES_KEY", "go together"}},
		{"aibot short key", func(c *Config) { c.WeCom.AIBotToken, c.WeCom.AIBotAESKey = "abc", "short" }, []string{"WECOM_AIBOT_AES_KEY", "43 characters"}},
		{"aibot set", func(c *Config) { c.WeCom.AIBotToken, c.WeCom.AIBotAESKey = "abc", Secret(testAESKey) }, nil},
		{"missing rules dir", func(c *Config) { c.RulesDir = "/nonexistent/rules" }, []string{"RULES_DIR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(&c)
			err := c.Validate()
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error with %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	c := Config{WeCom: WeComConfig{Secret: "topsecret", Token: "tok123", AESKey: testAESKey}}
	js, _ := json.Marshal(c)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), string(js)} {
		for _, s := range []string{"topsecret", "tok123", testAESKey} {
			if strings.Contains(out, s) {
				t.Errorf("secret %q printed in %s", s, out)
			}
		}
	}
}
