package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

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
	// MetricsAddr, when set, serves /metrics on its own listen address
	// (METRICS_ADDR), e.g. "127.0.0.1:9090", so it need not face the
	// internet; /metrics then leaves the main listener.
	MetricsAddr string `yaml:"metrics_addr"`
	// RedisURL selects the Redis server (REDIS_URL). Empty (and no cluster
	// or Sentinel): an embedded, non-persistent Redis.
	RedisURL string `yaml:"redis_url"`
	// RedisClusterAddrs are seed nodes of a Redis Cluster, host:port
	// (REDIS_CLUSTER_ADDRS, comma separated). Instead of RedisURL.
	RedisClusterAddrs []string `yaml:"redis_cluster_addrs"`
	// RedisSentinelMaster and RedisSentinelAddrs select a Sentinel-managed
	// master by name through its sentinels, host:port
	// (REDIS_SENTINEL_MASTER, REDIS_SENTINEL_ADDRS). Instead of RedisURL.
	RedisSentinelMaster string   `yaml:"redis_sentinel_master"`
	RedisSentinelAddrs  []string `yaml:"redis_sentinel_addrs"`
	// RedisUsername and RedisPassword authenticate to the cluster, the
	// Sentinel-managed master, or a REDIS_URL without credentials of its own
	// (REDIS_USERNAME, REDIS_PASSWORD or REDIS_PASSWORD_FILE).
	RedisUsername string `yaml:"redis_username"`
	RedisPassword Secret `yaml:"redis_password"`
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
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown
	// (SHUTDOWN_TIMEOUT). Default 10s.
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
	// Customers turns on the customer-contact features (customers.go).
	Customers CustomersConfig `yaml:"customers"`
	// Images turns on OCR of the text in images (images.go).
	Images ImagesConfig `yaml:"images"`
	// DLP configures exact data matching of customer records and
	// fingerprints of confidential documents (docs/dlp.md).
	DLP DLPConfig `yaml:"dlp"`
	// Console is the web console's sign-in with WeCom and its links.
	Console ConsoleConfig `yaml:"console"`
}

// ConsoleConfig is where browsers reach the console and who signs in as
// auditor. With PublicURL set, the console offers 企业微信登录 and alerts
// carry links that open their record in it.
type ConsoleConfig struct {
	// PublicURL is the console's address as browsers reach it
	// (CONSOLE_PUBLIC_URL), e.g. https://guard.example.com: its host must be
	// the app's 可信域名 and 企业微信授权登录 callback domain. Empty: no
	// WeCom sign-in and no links in alerts.
	PublicURL string `yaml:"public_url"`
	// Auditors are the userids who sign in as auditor (CONSOLE_AUDITORS):
	// read-only, evidence masked.
	Auditors []string `yaml:"auditors"`
	// SignInPerMinute limits the WeCom sign-in's pages per client address
	// (CONSOLE_SIGNIN_PER_MINUTE; a sign-in is two requests); 0: the
	// default of 60.
	SignInPerMinute int `yaml:"signin_per_minute"`
}

// validate checks the console's keys.
func (c ConsoleConfig) validate() []error {
	var errs []error
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("%s %q is not an http(s) URL: use the console's address, e.g. https://guard.example.com", keyRef("console.public_url"), c.PublicURL))
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			errs = append(errs, fmt.Errorf("%s %q: give only scheme and host (the console lives at /ui/ of that host), e.g. https://guard.example.com", keyRef("console.public_url"), c.PublicURL))
		}
	}
	if c.SignInPerMinute < 0 {
		errs = append(errs, fmt.Errorf("%s is %d: give requests a minute per client address, or 0 for the default of 60", keyRef("console.signin_per_minute"), c.SignInPerMinute))
	}
	for _, a := range c.Auditors {
		if strings.TrimSpace(a) == "" {
			errs = append(errs, fmt.Errorf("%s has an empty userid: list members' userids, comma separated", keyRef("console.auditors")))
			break
		}
	}
	return errs
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
	// AnnounceChat is an app group chat (appchat, created by the app)
	// where HR's 通报批评 is posted for a group without a robot. Empty:
	// only groups with a robot get it.
	AnnounceChat string `yaml:"announce_chat"`
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
		if err := decodeYAML(data, &cfg); err != nil {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// No file: defaults and environment only.
	default:
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "", getenv); err != nil {
		return Config{}, fmt.Errorf("environment:\n%w", err)
	}
	cfg.applyDefaults()
	return cfg, nil
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
	c.Images.applyDefaults()
	c.DLP.applyDefaults()
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
		bad("%s %q is not host:port: use e.g. \":8080\" or \"127.0.0.1:8080\"", keyRef("listen_addr"), c.ListenAddr)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			bad("%s %q is not host:port: use e.g. \"127.0.0.1:9090\", or leave it empty to serve /metrics on listen_addr", keyRef("metrics_addr"), c.MetricsAddr)
		} else if c.MetricsAddr == c.ListenAddr && port != "0" {
			bad("%s is the same as listen_addr: give /metrics its own port, or leave it empty", keyRef("metrics_addr"))
		}
	}
	errs = append(errs, c.validateRedis()...)
	errs = append(errs, c.Customers.validate()...)
	errs = append(errs, c.Images.validate()...)
	errs = append(errs, c.DLP.validate()...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("%s %q: use debug, info, warn or error", keyRef("log_level"), c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		bad("%s %q: use json or console", keyRef("log_format"), c.LogFormat)
	}
	if c.ShutdownTimeout < 0 {
		bad("%s %s is negative: use e.g. 10s", keyRef("shutdown_timeout"), c.ShutdownTimeout)
	}
	if u, err := url.Parse(c.WeCom.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("%s %q is not an http(s) URL: use e.g. %s", keyRef("wecom.api_base"), c.WeCom.APIBase, DefaultAPIBase)
	}
	errs = append(errs, c.WeCom.validateAIBot()...)
	if !c.WeCom.Sandbox() {
		errs = append(errs, c.WeCom.validate()...)
		if c.Enforcement.HR.Empty() {
			bad("%s is empty: name the HR members (users), departments or tags that receive escalations", keyRef("enforcement.hr"))
		}
	}
	for chat, owner := range c.Enforcement.Owners {
		if strings.TrimSpace(chat) == "" || strings.TrimSpace(owner) == "" {
			bad("%s: chat id and owner userid must both be given (chat=userid)", keyRef("enforcement.owners"))
			break
		}
	}
	if _, _, err := c.Enforcement.digestTime(); err != nil {
		bad("%s %q: use a time of day like \"09:00\" (China Standard Time) or \"off\"", keyRef("enforcement.digest_at"), c.Enforcement.DigestAt)
	}
	if d := c.Enforcement.DigestEvery; d != 24*time.Hour && d != 7*24*time.Hour {
		bad("%s %s: use 24h (daily) or 168h (weekly)", keyRef("enforcement.digest_every"), d)
	}
	if c.Enforcement.Retention < 24*time.Hour {
		bad("%s %s is shorter than a day: use e.g. 4320h (180 days)", keyRef("enforcement.retention"), c.Enforcement.Retention)
	}
	errs = append(errs, c.Console.validate()...)
	if c.RulesDir != "" {
		if st, err := os.Stat(c.RulesDir); err != nil || !st.IsDir() {
			bad("%s %q is not a directory: point it at a folder with policy.yaml and lists/", keyRef("rules_dir"), c.RulesDir)
		}
	}
	return errors.Join(errs...)
}

// validateRedis checks the choice of Redis: one server, a cluster or a
// Sentinel-managed master, at most one of them.
func (c Config) validateRedis() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	modes := 0
	for _, set := range []bool{c.RedisURL != "", len(c.RedisClusterAddrs) > 0, c.RedisSentinelMaster != "" || len(c.RedisSentinelAddrs) > 0} {
		if set {
			modes++
		}
	}
	if modes > 1 {
		bad("%s, %s and %s are alternatives: set one of them", keyRef("redis_url"), keyRef("redis_cluster_addrs"), keyRef("redis_sentinel_master"))
	}
	if c.RedisURL != "" {
		if err := store.ValidateURL(c.RedisURL); err != nil {
			bad("%s: %v", keyRef("redis_url"), err)
		}
	}
	checkAddrs := func(path string, addrs []string) {
		for _, a := range addrs {
			if host, port, err := net.SplitHostPort(a); err != nil || host == "" || port == "" {
				bad("%s: %q is not host:port: list the nodes comma separated, e.g. redis-1:6379,redis-2:6379", keyRef(path), a)
			} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				bad("%s: %q has no valid port (1-65535)", keyRef(path), a)
			}
		}
	}
	checkAddrs("redis_cluster_addrs", c.RedisClusterAddrs)
	checkAddrs("redis_sentinel_addrs", c.RedisSentinelAddrs)
	if (c.RedisSentinelMaster == "") != (len(c.RedisSentinelAddrs) == 0) {
		bad("%s and %s go together: the master's name as the sentinels know it, and the sentinels' addresses", keyRef("redis_sentinel_master"), keyRef("redis_sentinel_addrs"))
	}
	if (c.RedisUsername != "" || c.RedisPassword != "") && modes == 0 {
		bad("%s and %s are set but no Redis is named: set %s, %s or %s", keyRef("redis_username"), keyRef("redis_password"), keyRef("redis_url"), keyRef("redis_cluster_addrs"), keyRef("redis_sentinel_master"))
	}
	return errs
}

// redisConfigured reports whether a real Redis (server, cluster or
// Sentinel) is configured rather than the embedded one.
func (c Config) redisConfigured() bool {
	return c.RedisURL != "" || len(c.RedisClusterAddrs) > 0 || c.RedisSentinelMaster != ""
}

// storeOptions is how every command opens the store.
func (c Config) storeOptions() store.Options {
	return store.Options{
		URL:    c.redisURL(),
		Prefix: c.RedisPrefix,
		// Validate checked these already; at most one deployment is set.
		ClusterAddrs:   c.RedisClusterAddrs,
		SentinelMaster: c.RedisSentinelMaster,
		SentinelAddrs:  c.RedisSentinelAddrs,
		Username:       c.RedisUsername,
		Password:       c.RedisPassword.Reveal(),
	}
}

// redisURL is RedisURL with RedisUsername and RedisPassword filled in when
// the URL carries no credentials of its own (a password from a secret file).
func (c Config) redisURL() string {
	if c.RedisURL == "" || (c.RedisUsername == "" && c.RedisPassword == "") {
		return c.RedisURL
	}
	u, err := url.Parse(c.RedisURL)
	if err != nil || u.User != nil {
		return c.RedisURL
	}
	if c.RedisPassword != "" {
		u.User = url.UserPassword(c.RedisUsername, c.RedisPassword.Reveal())
	} else {
		u.User = url.User(c.RedisUsername)
	}
	return u.String()
}

// openStore opens the configured Redis (or the embedded one).
// redisCommandConfig loads and validates the configuration of command
// name (admin, rules, records, planmarks), which works on the Redis the
// service uses: an error says so, with why, when none is configured.
func redisCommandConfig(configPath, name, why string) (Config, error) {
	cfg, err := loadConfig(configPath, osGetenv)
	if err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	if !cfg.redisConfigured() {
		return Config{}, fmt.Errorf("%s: REDIS_URL (or REDIS_CLUSTER_ADDRS, REDIS_SENTINEL_MASTER) is not set: %s", name, why)
	}
	return cfg, nil
}

func openStore(ctx context.Context, c Config) (*store.Store, error) {
	st, err := store.Open(ctx, c.storeOptions())
	if err != nil {
		return nil, fmt.Errorf("cannot use Redis (%s): %w; check that it runs and that the address and credentials are right", redisSource(c), err)
	}
	return st, nil
}

// redisSource names where the Redis address came from, for errors.
func redisSource(c Config) string {
	switch {
	case len(c.RedisClusterAddrs) > 0:
		return "REDIS_CLUSTER_ADDRS " + strings.Join(c.RedisClusterAddrs, ",")
	case c.RedisSentinelMaster != "":
		return "REDIS_SENTINEL_MASTER " + c.RedisSentinelMaster
	case c.RedisURL != "":
		return "REDIS_URL"
	}
	return "embedded"
}

func (w WeComConfig) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	const partial = " (a WeCom app is partly configured; set all of corp_id, agent_id, secret, token, aes_key, or none for sandbox mode)"
	if w.CorpID == "" {
		bad("%s is empty: copy 企业ID from 管理后台 → 我的企业 → 企业信息%s", keyRef("wecom.corp_id"), partial)
	} else if strings.ContainsAny(w.CorpID, " \t\r\n") {
		bad("%s contains white space: copy it again without spaces", keyRef("wecom.corp_id"))
	}
	if w.AgentID <= 0 {
		bad("%s must be the app's positive AgentId, e.g. 1000002%s", keyRef("wecom.agent_id"), partial)
	}
	if w.Secret == "" {
		bad("%s is empty: copy the app's Secret from 应用管理 → your app%s", keyRef("wecom.secret"), partial)
	}
	if w.Token == "" {
		bad("%s is empty: copy Token from the app's 接收消息 → 设置API接收%s", keyRef("wecom.token"), partial)
	}
	if w.AESKey == "" {
		bad("%s is empty: copy EncodingAESKey from the app's 接收消息 → 设置API接收%s", keyRef("wecom.aes_key"), partial)
	}
	errs = append(errs, checkCallbackCredentials(keyRef("wecom.token"), keyRef("wecom.aes_key"), w.Token, w.AESKey)...)
	return errs
}

// validateAIBot checks the intelligent bot's credentials: both or neither.
func (w WeComConfig) validateAIBot() []error {
	if (w.AIBotToken == "") != (w.AIBotAESKey == "") {
		return []error{errors.New(keyRef("wecom.aibot_token") + " and " + keyRef("wecom.aibot_aes_key") + " go together: set both from the intelligent bot's API settings, or neither")}
	}
	return checkCallbackCredentials(keyRef("wecom.aibot_token"), keyRef("wecom.aibot_aes_key"), w.AIBotToken, w.AIBotAESKey)
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
