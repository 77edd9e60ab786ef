package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// defaultConfigFile is read when --config is not given and the file exists.
const defaultConfigFile = "wecom-guard.yaml"

// Secret is a configuration value that never prints: fmt, zerolog and JSON
// all see "***". Use Reveal where the real value is needed.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// MarshalJSON hides the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }

// Reveal returns the real value.
func (s Secret) Reveal() string { return string(s) }

// Config is the whole configuration of wecom-guard: a YAML file with
// environment overrides. The zero value of each field means its default.
type Config struct {
	// ListenAddr is the HTTP listen address (LISTEN_ADDR). Default ":8080".
	ListenAddr string `yaml:"listen_addr"`
	// RedisURL selects the Redis server (REDIS_URL). Empty: an embedded,
	// non-persistent Redis.
	RedisURL string `yaml:"redis_url"`
	// TrustedProxies are the reverse proxies (addresses or CIDRs, comma
	// separated in TRUSTED_PROXIES) whose X-Forwarded-For is believed for
	// logged client addresses. Default none.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// RedisPrefix starts every Redis key (REDIS_PREFIX). Default "wg:".
	RedisPrefix string `yaml:"redis_prefix"`
	// StateDir keeps the sandbox credentials (WG_STATE_DIR). Default ".wecom-guard".
	StateDir string `yaml:"state_dir"`
	// LogLevel is debug, info, warn or error (LOG_LEVEL). Default info.
	LogLevel string `yaml:"log_level"`
	// LogFormat is json or console (LOG_FORMAT). Default json.
	LogFormat string `yaml:"log_format"`
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown. Default 10s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// WeCom is the self-built app. All empty: sandbox mode.
	WeCom WeComConfig `yaml:"wecom"`
	// SandboxOnRedis allows sandbox mode on a real Redis (WG_SANDBOX=1);
	// without it, no WeCom app plus a REDIS_URL is refused as a likely
	// misconfiguration.
	SandboxOnRedis bool `yaml:"sandbox_on_redis"`
	// RulesDir is a rule-set directory (policy.yaml, lists/) used instead of
	// the embedded default policy (RULES_DIR).
	RulesDir string `yaml:"rules_dir"`
	// Enforcement says who is told what.
	Enforcement EnforcementConfig `yaml:"enforcement"`
	// Archive is the chat archive (会话内容存档): the ingest endpoint's
	// token and the puller's settings.
	Archive ArchiveConfig `yaml:"archive"`
}

// EnforcementConfig is who receives alerts and escalations, and how long
// records are kept.
type EnforcementConfig struct {
	// HR receives escalations and cases (members, departments or tags).
	HR bot.Recipients `yaml:"hr"`
	// Owners overrides the owner of a chat: chat id → owner userid.
	Owners map[string]string `yaml:"owners"`
	// GroupNotices turns on public criticism (masked) in a group through
	// its robot: chat id → robot webhook key. Keys are secrets.
	GroupNotices map[string]Secret `yaml:"group_notices"`
	// Retention of violation records; default 180 days (4320h).
	Retention time.Duration `yaml:"retention"`
	// KeepRaw keeps the message text in violation records (for the same
	// retention). Off by default: evidence is stored masked.
	KeepRaw bool `yaml:"keep_raw"`
	// DigestAt is the time of day (China Standard Time, "HH:MM") of the
	// markdown digest to HR; "off" turns it off. Default "09:00".
	DigestAt string `yaml:"digest_at"`
	// DigestEvery is 24h (daily, the default) or 168h (weekly).
	DigestEvery time.Duration `yaml:"digest_every"`
}

// digestTime parses DigestAt into a time of day; off is true for "off".
func (e EnforcementConfig) digestTime() (at time.Duration, off bool, err error) {
	if e.DigestAt == "off" {
		return 0, true, nil
	}
	t, err := time.Parse("15:04", e.DigestAt)
	if err != nil {
		return 0, false, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, false, nil
}

// WeComConfig identifies the self-built app (自建应用) whose callbacks the
// service receives and through which it sends.
type WeComConfig struct {
	CorpID  string `yaml:"corp_id"`  // WECOM_CORP_ID: 企业ID
	AgentID int64  `yaml:"agent_id"` // WECOM_AGENT_ID: the app's AgentId
	Secret  Secret `yaml:"secret"`   // WECOM_SECRET: the app's Secret
	Token   Secret `yaml:"token"`    // WECOM_TOKEN: callback Token
	AESKey  Secret `yaml:"aes_key"`  // WECOM_AES_KEY: callback EncodingAESKey
	// APIBase replaces https://qyapi.weixin.qq.com (WECOM_API_BASE): private
	// deployments and tests.
	APIBase string `yaml:"api_base"`
	// AIBotToken and AIBotAESKey are the intelligent bot's (智能机器人, API
	// mode) callback Token and EncodingAESKey (WECOM_AIBOT_TOKEN,
	// WECOM_AIBOT_AES_KEY); both or neither. They enable /wecom/aibot.
	AIBotToken  Secret `yaml:"aibot_token"`
	AIBotAESKey Secret `yaml:"aibot_aes_key"`
}

// DefaultAPIBase is WeCom's public API.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// Sandbox reports whether no WeCom app is configured at all.
func (w WeComConfig) Sandbox() bool {
	return w.CorpID == "" && w.AgentID == 0 && w.Secret == "" && w.Token == "" && w.AESKey == ""
}

// loadConfig reads path (or defaultConfigFile when path is empty and that
// file exists), applies environment overrides through getenv and fills in
// defaults. It does not validate.
func loadConfig(path string, getenv func(string) string) (Config, error) {
	var cfg Config
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		// io.EOF: an empty file means "all defaults".
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// No file: defaults and environment only.
	default:
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return Config{}, err
	}
	cfg.applyDefaults()
	return cfg, nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	setSecret := func(dst *Secret, name string) {
		if v := getenv(name); v != "" {
			*dst = Secret(v)
		}
	}
	set(&c.ListenAddr, "LISTEN_ADDR")
	set(&c.RedisURL, "REDIS_URL")
	set(&c.RedisPrefix, "REDIS_PREFIX")
	set(&c.StateDir, "WG_STATE_DIR")
	set(&c.LogLevel, "LOG_LEVEL")
	set(&c.LogFormat, "LOG_FORMAT")
	set(&c.WeCom.CorpID, "WECOM_CORP_ID")
	setSecret(&c.WeCom.Secret, "WECOM_SECRET")
	setSecret(&c.WeCom.Token, "WECOM_TOKEN")
	setSecret(&c.WeCom.AESKey, "WECOM_AES_KEY")
	set(&c.WeCom.APIBase, "WECOM_API_BASE")
	set(&c.RulesDir, "RULES_DIR")
	if v := getenv("TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	setSecret(&c.WeCom.AIBotToken, "WECOM_AIBOT_TOKEN")
	setSecret(&c.WeCom.AIBotAESKey, "WECOM_AIBOT_AES_KEY")
	if err := c.Archive.applyEnv(getenv); err != nil {
		return err
	}
	if v := getenv("WG_SANDBOX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("WG_SANDBOX=%q: use 1 or 0", v)
		}
		c.SandboxOnRedis = b
	}
	if v := getenv("WECOM_AGENT_ID"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("WECOM_AGENT_ID=%q is not a number: set it to the app's AgentId, e.g. 1000002", v)
		}
		c.WeCom.AgentID = id
	}
	return nil
}

func (c *Config) applyDefaults() {
	if c.ListenAddr == "" {
		c.ListenAddr = ":8080"
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = store.DefaultPrefix
	}
	if c.StateDir == "" {
		c.StateDir = ".wecom-guard"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogFormat == "" {
		c.LogFormat = "json"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.WeCom.APIBase == "" {
		c.WeCom.APIBase = DefaultAPIBase
	}
	if c.Enforcement.Retention == 0 {
		c.Enforcement.Retention = bot.DefaultRetention
	}
	c.Archive.applyDefaults()
	if c.Enforcement.DigestAt == "" {
		c.Enforcement.DigestAt = "09:00"
	}
	if c.Enforcement.DigestEvery == 0 {
		c.Enforcement.DigestEvery = 24 * time.Hour
	}
}

// Validate reports every problem of c at once, each naming the field (and
// its environment variable) and how to fix it.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, port, err := net.SplitHostPort(c.ListenAddr); err != nil || port == "" {
		bad("listen_addr (LISTEN_ADDR) %q is not host:port: use e.g. \":8080\" or \"127.0.0.1:8080\"", c.ListenAddr)
	}
	if c.RedisURL != "" {
		if err := store.ValidateURL(c.RedisURL); err != nil {
			bad("redis_url (REDIS_URL): %v", err)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level (LOG_LEVEL) %q: use debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		bad("log_format (LOG_FORMAT) %q: use json or console", c.LogFormat)
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout %s is negative: use e.g. 10s", c.ShutdownTimeout)
	}
	if u, err := url.Parse(c.WeCom.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("wecom.api_base (WECOM_API_BASE) %q is not an http(s) URL: use e.g. %s", c.WeCom.APIBase, DefaultAPIBase)
	}
	errs = append(errs, c.WeCom.validateAIBot()...)
	if !c.WeCom.Sandbox() {
		errs = append(errs, c.WeCom.validate()...)
		if c.Enforcement.HR.Empty() {
			bad("enforcement.hr is empty: name the HR members (users), departments or tags that receive escalations")
		}
	}
	if _, _, err := c.Enforcement.digestTime(); err != nil {
		bad("enforcement.digest_at %q: use a time of day like \"09:00\" (China Standard Time) or \"off\"", c.Enforcement.DigestAt)
	}
	if d := c.Enforcement.DigestEvery; d != 24*time.Hour && d != 7*24*time.Hour {
		bad("enforcement.digest_every %s: use 24h (daily) or 168h (weekly)", d)
	}
	if c.Enforcement.Retention < 24*time.Hour {
		bad("enforcement.retention %s is shorter than a day: use e.g. 4320h (180 days)", c.Enforcement.Retention)
	}
	if c.RulesDir != "" {
		if st, err := os.Stat(c.RulesDir); err != nil || !st.IsDir() {
			bad("rules_dir (RULES_DIR) %q is not a directory: point it at a folder with policy.yaml and lists/", c.RulesDir)
		}
	}
	return errors.Join(errs...)
}

func (w WeComConfig) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	const partial = " (a WeCom app is partly configured; set all of corp_id, agent_id, secret, token, aes_key, or none for sandbox mode)"
	if w.CorpID == "" {
		bad("wecom.corp_id (WECOM_CORP_ID) is empty: copy 企业ID from 管理后台 → 我的企业 → 企业信息" + partial)
	} else if strings.ContainsAny(w.CorpID, " \t\r\n") {
		bad("wecom.corp_id (WECOM_CORP_ID) contains white space: copy it again without spaces")
	}
	if w.AgentID <= 0 {
		bad("wecom.agent_id (WECOM_AGENT_ID) must be the app's positive AgentId, e.g. 1000002" + partial)
	}
	if w.Secret == "" {
		bad("wecom.secret (WECOM_SECRET) is empty: copy the app's Secret from 应用管理 → your app" + partial)
	}
	if w.Token == "" {
		bad("wecom.token (WECOM_TOKEN) is empty: copy Token from the app's 接收消息 → 设置API接收" + partial)
	}
	if w.AESKey == "" {
		bad("wecom.aes_key (WECOM_AES_KEY) is empty: copy EncodingAESKey from the app's 接收消息 → 设置API接收" + partial)
	}
	errs = append(errs, checkCallbackCredentials("wecom.token (WECOM_TOKEN)", "wecom.aes_key (WECOM_AES_KEY)", w.Token, w.AESKey)...)
	return errs
}

// validateAIBot checks the intelligent bot's credentials: both or neither.
func (w WeComConfig) validateAIBot() []error {
	if (w.AIBotToken == "") != (w.AIBotAESKey == "") {
		return []error{errors.New("wecom.aibot_token (WECOM_AIBOT_TOKEN) and wecom.aibot_aes_key (WECOM_AIBOT_AES_KEY) go together: set both from the intelligent bot's API settings, or neither")}
	}
	return checkCallbackCredentials("wecom.aibot_token (WECOM_AIBOT_TOKEN)", "wecom.aibot_aes_key (WECOM_AIBOT_AES_KEY)", w.AIBotToken, w.AIBotAESKey)
}

// checkCallbackCredentials checks a callback Token and EncodingAESKey that
// are set, naming the fields as given.
func checkCallbackCredentials(tokenField, keyField string, token, aesKey Secret) []error {
	var errs []error
	if tok := token.Reveal(); tok != "" && (len(tok) > 32 || !isAlnum(tok)) {
		errs = append(errs, fmt.Errorf("%s must be 1-32 letters or digits, as WeCom generates it (got %d characters)", tokenField, len(tok)))
	}
	key := aesKey.Reveal()
	switch {
	case key == "":
	case len(key) != 43:
		errs = append(errs, fmt.Errorf("%s must be exactly 43 characters (got %d): copy EncodingAESKey again, whole", keyField, len(key)))
	default:
		if raw, err := base64.StdEncoding.DecodeString(key + "="); err != nil || len(raw) != 32 {
			errs = append(errs, fmt.Errorf("%s is not a valid EncodingAESKey (43 characters of A-Z a-z 0-9 + /): copy it again or generate a new one", keyField))
		}
	}
	return errs
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
