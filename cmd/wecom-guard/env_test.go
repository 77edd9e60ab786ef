package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnvNamingRule(t *testing.T) {
	seen := map[string]string{}
	for _, k := range configKeys() {
		if want := strings.ToUpper(strings.ReplaceAll(k.Path, ".", "_")); k.Env != want {
			t.Errorf("%s: env %s, want %s by the rule", k.Path, k.Env, want)
		}
		for _, name := range k.envNames() {
			if other, dup := seen[name]; dup {
				t.Errorf("%s is the variable of both %s and %s", name, other, k.Path)
			}
			seen[name] = k.Path
		}
	}
	// The names of the contracts: every variable the service read before
	// the rule still reaches its key.
	for env, path := range map[string]string{
		"LISTEN_ADDR": "listen_addr", "REDIS_URL": "redis_url", "REDIS_PREFIX": "redis_prefix",
		"WG_STATE_DIR": "state_dir", "LOG_LEVEL": "log_level", "LOG_FORMAT": "log_format",
		"WECOM_CORP_ID": "wecom.corp_id", "WECOM_AGENT_ID": "wecom.agent_id", "WECOM_SECRET": "wecom.secret",
		"WECOM_TOKEN": "wecom.token", "WECOM_AES_KEY": "wecom.aes_key", "WECOM_API_BASE": "wecom.api_base",
		"WECOM_AIBOT_TOKEN": "wecom.aibot_token", "WECOM_AIBOT_AES_KEY": "wecom.aibot_aes_key",
		"RULES_DIR": "rules_dir", "TRUSTED_PROXIES": "trusted_proxies", "WG_SANDBOX": "sandbox_on_redis",
		"WECOM_ARCHIVE_SECRET": "archive.secret", "WECOM_ARCHIVE_PRIVATE_KEY_FILE": "archive.private_key_file",
		"ARCHIVE_INGEST_TOKEN": "archive.ingest_token", "ARCHIVE_INGEST_URL": "archive.ingest_url",
		"ARCHIVE_LIMIT": "archive.limit", "WECOM_ARCHIVE_PROXY": "archive.proxy",
		"WECOM_ARCHIVE_PROXY_PASSWORD": "archive.proxy_password", "WECOM_ARCHIVE_NOTIFY_COMMAND": "archive.notify_command",
		"METRICS_ADDR": "metrics_addr", "REDIS_CLUSTER_ADDRS": "redis_cluster_addrs",
		"REDIS_SENTINEL_MASTER": "redis_sentinel_master", "REDIS_SENTINEL_ADDRS": "redis_sentinel_addrs",
		"REDIS_USERNAME": "redis_username", "REDIS_PASSWORD": "redis_password",
		"ENFORCEMENT_HR_USERS": "enforcement.hr.users", "ENFORCEMENT_HR_DEPARTMENTS": "enforcement.hr.departments",
		"ENFORCEMENT_HR_TAGS": "enforcement.hr.tags", "ENFORCEMENT_OWNERS": "enforcement.owners",
		"ENFORCEMENT_GROUP_NOTICES": "enforcement.group_notices", "ENFORCEMENT_RETENTION": "enforcement.retention",
		"ENFORCEMENT_DIGEST_AT": "enforcement.digest_at", "ENFORCEMENT_DIGEST_EVERY": "enforcement.digest_every",
	} {
		if seen[env] != path {
			t.Errorf("%s reaches %q, want %s", env, seen[env], path)
		}
	}
}

// sampleEnv is a valid environment value for a key of type t.
func sampleEnv(t reflect.Type) string {
	switch {
	case t == durationType:
		return "48h"
	case t.Kind() == reflect.Bool:
		return "1"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "7"
	case t.Kind() == reflect.Slice:
		return "a:1, b:2"
	case t.Kind() == reflect.Map:
		return "k1=v1,k2=v2"
	}
	return "value"
}

func TestEveryKeyHasAnEnvParser(t *testing.T) {
	for _, k := range configKeys() {
		var cfg Config
		raw := sampleEnv(k.Type)
		if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "", envMap(map[string]string{k.Env: raw})); err != nil {
			t.Errorf("%s=%q: %v", k.Env, raw, err)
			continue
		}
		if reflect.ValueOf(cfg).FieldByIndex(k.index).IsZero() {
			t.Errorf("%s=%q left %s unset", k.Env, raw, k.Path)
		}
	}
}

func TestEnvOnlyRealApp(t *testing.T) {
	env := map[string]string{
		"WECOM_CORP_ID": "ww1", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s", "WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": testAESKey,
		"REDIS_URL":                  "redis://127.0.0.1:6379/0",
		"ENFORCEMENT_HR_USERS":       "hr1, hr2",
		"ENFORCEMENT_HR_DEPARTMENTS": "7",
		"ENFORCEMENT_HR_TAGS":        "3",
		"ENFORCEMENT_OWNERS":         "wrA=alice, wrB=bob",
		"ENFORCEMENT_GROUP_NOTICES":  "wrA=robot-key-a",
		"ENFORCEMENT_RETENTION":      "2160h",
		"ENFORCEMENT_KEEP_RAW":       "true",
		"ENFORCEMENT_DIGEST_AT":      "18:30",
		"ENFORCEMENT_DIGEST_EVERY":   "168h",
		"ARCHIVE_INGEST_TOKEN":       "ingest",
		"ARCHIVE_NOTIFY_COMMAND":     "wecom-guard archive pull --once",
		"TRUSTED_PROXIES":            "10.0.0.1,10.0.1.0/24",
		"SHUTDOWN_TIMEOUT":           "20s",
		"METRICS_ADDR":               "127.0.0.1:9090",
	}
	cfg, err := loadConfig("", envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	e := cfg.Enforcement
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"hr users", e.HR.Users, []string{"hr1", "hr2"}},
		{"hr departments", e.HR.Parties, []string{"7"}},
		{"hr tags", e.HR.Tags, []string{"3"}},
		{"owners", e.Owners, map[string]string{"wrA": "alice", "wrB": "bob"}},
		{"group notices", e.GroupNotices, map[string]Secret{"wrA": "robot-key-a"}},
		{"retention", e.Retention, 2160 * time.Hour},
		{"keep raw", e.KeepRaw, true},
		{"digest at", e.DigestAt, "18:30"},
		{"digest every", e.DigestEvery, 168 * time.Hour},
		{"notify command", cfg.Archive.NotifyCommand, []string{"wecom-guard", "archive", "pull", "--once"}},
		{"shutdown", cfg.ShutdownTimeout, 20 * time.Second},
		{"metrics", cfg.MetricsAddr, "127.0.0.1:9090"},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range configKeys() {
		if !k.Secret || k.Type.Kind() == reflect.Map {
			continue
		}
		n++
		for _, name := range k.envNames() {
			var cfg Config
			if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "", envMap(map[string]string{name + "_FILE": file})); err != nil {
				t.Errorf("%s_FILE: %v", name, err)
				continue
			}
			if got := reflect.ValueOf(cfg).FieldByIndex(k.index).Interface().(Secret).Reveal(); got != "from-file" {
				t.Errorf("%s_FILE: %s = %q, want the file's content without the line break", name, k.Path, got)
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d secret keys found", n)
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		wants []string
	}{
		{"both", map[string]string{"WECOM_SECRET": "x", "WECOM_SECRET_FILE": file}, []string{"WECOM_SECRET and WECOM_SECRET_FILE", "wecom.secret"}},
		{"missing file", map[string]string{"WECOM_SECRET_FILE": filepath.Join(dir, "nope")}, []string{"WECOM_SECRET_FILE", "wecom.secret", "nope"}},
		{"empty file", map[string]string{"REDIS_PASSWORD_FILE": empty}, []string{"REDIS_PASSWORD_FILE", "is empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig("", envMap(tc.env))
			if err == nil {
				t.Fatalf("no error, want one with %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEnvErrorsNameVariableAndKey(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		wants []string
		never string
	}{
		{"duration", map[string]string{"ENFORCEMENT_RETENTION": "half a year"}, []string{"ENFORCEMENT_RETENTION", "enforcement.retention", "4320h"}, ""},
		{"number", map[string]string{"WECOM_AGENT_ID": "abc"}, []string{"WECOM_AGENT_ID", "wecom.agent_id", "whole number"}, ""},
		{"bool", map[string]string{"WG_SANDBOX": "yes please"}, []string{"WG_SANDBOX", "sandbox_on_redis", "1 or 0"}, ""},
		{"map", map[string]string{"ENFORCEMENT_OWNERS": "wrA:alice"}, []string{"ENFORCEMENT_OWNERS", "enforcement.owners", "key=value"}, ""},
		{"secret map", map[string]string{"ENFORCEMENT_GROUP_NOTICES": "wrA robot-secret"}, []string{"ENFORCEMENT_GROUP_NOTICES", "(secret)"}, "robot-secret"},
		{"twice in map", map[string]string{"ENFORCEMENT_OWNERS": "wrA=a,wrA=b"}, []string{"given twice"}, ""},
		{"alias conflict", map[string]string{"WG_STATE_DIR": "/a", "STATE_DIR": "/b"}, []string{"STATE_DIR and WG_STATE_DIR", "state_dir"}, ""},
		{"two at once", map[string]string{"ARCHIVE_LIMIT": "x", "ENFORCEMENT_KEEP_RAW": "maybe"}, []string{"ARCHIVE_LIMIT", "ENFORCEMENT_KEEP_RAW"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig("", envMap(tc.env))
			if err == nil {
				t.Fatalf("no error, want one with %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.never != "" && strings.Contains(err.Error(), tc.never) {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
	// The same value under the old and the new name is not a conflict.
	cfg, err := loadConfig("", envMap(map[string]string{"WG_SANDBOX": "1", "SANDBOX_ON_REDIS": "1"}))
	if err != nil || !cfg.SandboxOnRedis {
		t.Errorf("same value twice: %v, sandbox %v", err, cfg.SandboxOnRedis)
	}
}

func TestYAMLErrorsInFileTerms(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml string
		wants      []string
	}{
		{"unknown top key", "listen_adr: \":1\"\n", []string{"line 1", `"listen_adr"`, "listen_addr"}},
		{"unknown nested key", "enforcement:\n  hr:\n    user: [a]\n", []string{"line 3", `"enforcement.hr.user"`, "users, departments, tags"}},
		{"not a number", "archive:\n  limit: many\n", []string{"line 2", "archive.limit", "ARCHIVE_LIMIT", "a whole number"}},
		{"not a duration", "enforcement:\n  retention: forever\n", []string{"line 2", "enforcement.retention", "duration"}},
		{"section as scalar", "wecom: ww1\n", []string{"line 1", "wecom is a section"}},
		{"list not mapping", "- a\n- b\n", []string{"mapping of keys"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(path, envMap(nil))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if m := regexp.MustCompile(`main\.|bot\.|int64|time\.Duration|!!`).FindString(err.Error()); m != "" {
				t.Errorf("error %q shows Go or YAML internals (%q)", err, m)
			}
		})
	}
}

// TestKeyRefsAreKeys reads the sources for keyRef("…") and checks that each
// names a key or a section, so no message names a variable that is not read.
func TestKeyRefsAreKeys(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	re := regexp.MustCompile(`keyRef\("([^"]+)"\)`)
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			found := false
			for _, k := range configKeys() {
				if k.Path == m[1] || strings.HasPrefix(k.Path, m[1]+".") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: keyRef(%q) names no configuration key", f, m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d keyRef calls found", n)
	}
}

func TestValidateRedis(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Config)
		wants []string
	}{
		{"url", func(c *Config) { c.RedisURL = "redis://r:6379/0" }, nil},
		{"cluster", func(c *Config) { c.RedisClusterAddrs = []string{"r1:7000", "r2:7001"} }, nil},
		{"sentinel", func(c *Config) { c.RedisSentinelMaster, c.RedisSentinelAddrs = "mymaster", []string{"s1:26379"} }, nil},
		{"url and cluster", func(c *Config) { c.RedisURL, c.RedisClusterAddrs = "redis://r:6379/0", []string{"r1:7000"} }, []string{"REDIS_URL", "REDIS_CLUSTER_ADDRS", "alternatives"}},
		{"bad node", func(c *Config) { c.RedisClusterAddrs = []string{"r1"} }, []string{"REDIS_CLUSTER_ADDRS", `"r1" is not host:port`}},
		{"bad port", func(c *Config) { c.RedisClusterAddrs = []string{"r1:99999"} }, []string{"valid port"}},
		{"master alone", func(c *Config) { c.RedisSentinelMaster = "m" }, []string{"REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_ADDRS", "go together"}},
		{"password without redis", func(c *Config) { c.RedisPassword = "p" }, []string{"REDIS_PASSWORD", "no Redis is named"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Config
			c.applyDefaults()
			tc.edit(&c)
			err := c.Validate()
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.wants)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want %q in it", err, w)
				}
			}
		})
	}
	c := Config{RedisURL: "redis://r:6379/0", RedisUsername: "app", RedisPassword: "p@ss"}
	if got, want := c.redisURL(), "redis://app:p%40ss@r:6379/0"; got != want {
		t.Errorf("redisURL() = %q, want %q", got, want)
	}
	c.RedisURL = "redis://own:pw@r:6379/0"
	if got := c.redisURL(); got != c.RedisURL {
		t.Errorf("redisURL() = %q: the URL's own credentials must win", got)
	}
}
