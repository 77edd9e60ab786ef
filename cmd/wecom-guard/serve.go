package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wecom-guard serve [--config FILE]\n\n"+
			"Runs the service. Without a configured WeCom app it runs in sandbox mode:\n"+
			"generated credentials and an in-process fake WeCom API. Without REDIS_URL it\n"+
			"uses an embedded Redis that keeps nothing across restarts.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, "serve", args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve", "serve: unexpected arguments %q", fs.Args())
	}
	cfg, err := loadConfig(*configPath, osGetenv)
	if err != nil {
		return err
	}
	if err := checkServeConfig(cfg); err != nil {
		return err
	}
	logOut := stderr
	if cfg.LogFormat != "console" { // a terminal's reader wants each line at once
		bw := newBatchWriter(stderr)
		defer bw.Close()
		logOut = bw
	}
	log, err := newLogger(cfg, logOut)
	if err != nil {
		return err
	}
	if err := serve(ctx, cfg, log, stdout, nil); err != nil {
		// Once the logger exists, stderr carries JSON lines only.
		log.Error().Err(err).Msg("wecom-guard stopped")
		return loggedError{err}
	}
	return nil
}

// loggedError is an error the command has logged already; main exits 1
// without printing it again.
type loggedError struct{ err error }

func (e loggedError) Error() string { return e.err.Error() }
func (e loggedError) Unwrap() error { return e.err }

// serve runs the service until ctx ends. ready, when not nil, receives the
// bound address once the server listens (tests use it).
func serve(ctx context.Context, cfg Config, log zerolog.Logger, stdout io.Writer, ready chan<- string) error {
	gin.SetMode(gin.ReleaseMode) // no debug route dump on stdout; we log requests ourselves
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Embedded() {
		log.Warn().Msg("REDIS_URL is not set: using an embedded in-process Redis; NOTHING IS PERSISTED (dedup marks, counters, cases and queued alerts are lost on exit)")
	}

	id := cfg.identity(nil)
	banner := func(addr string) {} // the sandbox's, printed once the address is bound
	var sandbox *wecomtest.Server
	if err := sandboxRefusal(cfg, st.Embedded()); err != nil {
		return err
	}
	if cfg.WeCom.Sandbox() {
		ss, created, err := loadOrCreateSandbox(cfg.StateDir)
		if err != nil {
			return err
		}
		id = cfg.identity(&ss)
		sandbox = newSandboxAPI(wecomtest.Config{
			CorpID:  id.CorpID,
			Secret:  id.Secret,
			AgentID: id.AgentID,
			RoomOf:  sandboxLoadRoom, // the groups of `load --groups`
			Logf: func(format string, args ...any) {
				log.Info().Str("component", "sandbox-wecom").Msg(fmt.Sprintf(format, args...))
			},
		})
		defer sandbox.Close()
		cfg.WeCom.APIBase = sandbox.URL()
		// Valid for a day: on an embedded Redis it dies with the process
		// anyway, on a real one (WG_SANDBOX=1) it must not outlive the test.
		_, adminToken, err := st.CreateExpiringToken(ctx, sandboxHR, handlers.RoleHR, time.Now(), 24*time.Hour)
		if err != nil {
			return err
		}
		banner = func(addr string) { printSandbox(stdout, cfg, ss, created, adminToken, addr) }
		log.Warn().Str("corp_id", id.CorpID).Str("fake_api", sandbox.URL()).Bool("new_credentials", created).
			Msg("sandbox mode: no WeCom app configured; using generated credentials and an in-process fake WeCom API")
	}

	crypto, err := wecom.NewCrypto(id.Token, id.AESKey, id.CorpID)
	if err != nil {
		return fmt.Errorf("set up callback crypto: %w", err)
	}
	seed, err := readRuleFiles(cfg.RulesDir)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	metrics, err := newServiceMetrics(reg, st)
	if err != nil {
		return err
	}
	policy, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: seed, Logger: log.With().Str("component", "policy").Logger(),
		Compiled: metrics.ruleSetCompiled})
	if err != nil {
		return fmt.Errorf("load the rule set from Redis (seeded from %s): %w", rulesSource(cfg.RulesDir), err)
	}
	log.Info().Int("words", policy.Engine().Words()).Int64("version", policy.Version()).
		Str("seed", rulesSource(cfg.RulesDir)).Msg("rule set loaded from Redis")
	data, err := startData(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	// Background work outlives requests: the sender, the policy watcher, the
	// digest and archive pulls stop after the HTTP server has drained.
	bgCtx, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	var notify func(ctx context.Context) error
	var trigger *notifyTrigger
	if len(cfg.Archive.NotifyCommand) > 0 {
		trigger, err = newCommandTrigger(cfg.Archive.NotifyCommand, stdout, stdout, func(err error) {
			log.Error().Err(err).Str("component", "archive").Msg("archive pull after msgaudit_notify failed")
		})
		if err != nil {
			return err
		}
		defer trigger.Wait()
	}
	notify = func(ctx context.Context) error {
		n, err := st.CountNotify(ctx)
		if err != nil {
			return err
		}
		log.Info().Int64("notifications", n).Bool("pull", trigger != nil).Msg("msgaudit_notify: new chat-archive data")
		if trigger != nil {
			trigger.Notify(bgCtx)
		}
		return nil
	}
	tokens, err := st.AccessTokens(id.Secret) // sealed in Redis with a key derived from the secret
	if err != nil {
		return fmt.Errorf("set up WeCom API client: %w", err)
	}
	client, err := wecom.NewClient(wecom.ClientConfig{
		BaseURL: cfg.WeCom.APIBase, CorpID: id.CorpID, Secret: id.Secret, AgentID: id.AgentID, Tokens: tokens, Pacer: st.Pacer(),
	})
	if err != nil {
		return fmt.Errorf("set up WeCom API client: %w", err)
	}
	ocrReader, err := cfg.Images.textReader(log)
	if err != nil {
		return err
	}
	pipeline, err := bot.New(bot.Config{
		Store:         observedStore{Store: st, m: metrics},
		ArchiveNotify: notify,
		Checker:       policy.Checker,
		Data:          dataMatcher(data),
		Retention:     cfg.Enforcement.Retention,
		KeepRaw:       cfg.Enforcement.KeepRaw,
		GroupNotices:  chatSet(cfg.Enforcement.GroupNotices),
		// Image messages to the app: their QR codes are checked (media/get).
		Images: bot.ImageConfig{Media: client, OCR: ocrReader},
		// Warnings answered as passive replies link to the employee's record.
		Links: bot.ConsoleLinks{Base: cfg.Console.PublicURL},
	})
	if err != nil {
		return err
	}
	hr := cfg.Enforcement.HR
	if sandbox != nil && hr.Empty() {
		hr = bot.Recipients{Users: []string{sandboxHR}}
	}
	calls := map[string]outcall.Handler{} // filled by newCustomerServices before the sender runs
	sender, err := bot.NewSender(bot.SenderConfig{
		Store: st, API: observedAPI{WeComAPI: client, m: metrics}, Consumer: consumerName(), HR: hr, Owners: cfg.Enforcement.Owners,
		Calls:  calls,
		Robots: revealAll(cfg.Enforcement.GroupNotices),
		Links:  bot.ConsoleLinks{Base: cfg.Console.PublicURL},
		Logger: log.With().Str("component", "sender").Logger(),
	})
	if err != nil {
		return err
	}
	var digester *bot.Digester
	if at, off, _ := cfg.Enforcement.digestTime(); !off {
		digester, err = bot.NewDigester(bot.DigestConfig{Store: st, Holder: consumerName(), At: at,
			Labels: func() *rules.RuleSet { return policy.Engine().RuleSet() },
			Every:  cfg.Enforcement.DigestEvery, Logger: log.With().Str("component", "digest").Logger()})
		if err != nil {
			return err
		}
	}
	kinds := bot.ChatKinds{Store: st}
	kindOf := func(chatID string) rules.ChatKind {
		k, err := kinds.KindOf(bgCtx, chatID)
		if err != nil {
			return 0 // unknown: the callers treat it as a work group
		}
		return k
	}
	// HR's review: false alarms, appeals, decisions that reach people. A
	// member's 申诉 to the app is an appeal (bot.AppChat).
	reviewer, err := bot.NewReviewer(bot.ReviewConfig{
		Store: st, Policy: func() *rules.RuleSet { return policy.Engine().RuleSet() }, Retention: cfg.Enforcement.Retention,
		GroupNotices: chatSet(cfg.Enforcement.GroupNotices), AnnounceChat: cfg.Enforcement.AnnounceChat, Accounts: client,
		Links: bot.ConsoleLinks{Base: cfg.Console.PublicURL},
	})
	if err != nil {
		return err
	}
	hcfg := handlers.Config{
		Crypto:         crypto,
		CorpID:         id.CorpID,
		TrustedProxies: cfg.TrustedProxies,
		Pipeline:       bot.AppChat{Pipeline: pipeline, Review: reviewer},
		Review:         reviewer,
		Reviews:        st,
		Ready:          st.Ping,
		Logger:         log,
		Admin:          st,
		Checker:        policy.Checker,
		Rules:          st,
		IngestToken:    id.IngestToken,
		Archive:        observedArchive{ArchiveIngester: &bot.ArchiveIngest{Pipeline: pipeline, Seqs: st, KindOf: kindOf}, m: metrics},
		Registry:       reg,
		SignIn:         consoleSignIn(cfg, id, hr, client, sandbox),
		SignInRate:     consoleSignInRate(cfg.Console),
	}
	if data != nil {
		hcfg.DLP = handlers.DLPConfig{Store: st, Key: data.Key(), Options: cfg.DLP.options(), Data: data.Matcher}
	}
	if id.AIBotToken != "" {
		if hcfg.AIBotCrypto, err = wecom.NewCrypto(id.AIBotToken, id.AIBotAESKey, ""); err != nil {
			return fmt.Errorf("set up intelligent bot crypto: %w", err)
		}
		if hcfg.AIBot, err = bot.NewAIBot(bot.AIBotConfig{Pipeline: pipeline, Store: st, KindOf: kindOf, Review: reviewer,
			Policy: func() *rules.RuleSet { return policy.Engine().RuleSet() }}); err != nil {
			return err
		}
	}
	if sandbox != nil {
		hcfg.Sandbox = sandboxOutbox{sandbox}
	}
	customers, err := newCustomerServices(cfg.Customers, client, st, consumerName(), log, &hcfg, calls)
	if err != nil {
		return err
	}
	h, err := handlers.New(hcfg)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (%s): %w", cfg.ListenAddr, keyRef("listen_addr"), err)
	}
	if hcfg.SignIn != nil && hcfg.SignIn.PublicURL == "" {
		// Sandbox mode: sign-in returns to the listener (before it serves).
		hcfg.SignIn.PublicURL = sandboxPublicURL(ln.Addr().String())
	}
	handler := h.Handler()
	var metricsSrv *http.Server
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		handler = withoutMetrics(handler)
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", keyRef("metrics_addr"), err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler(reg))
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 15 * time.Second}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	var bg sync.WaitGroup
	bg.Go(func() { _ = sender.Run(bgCtx) })
	bg.Go(func() { policy.Run(bgCtx) })
	if data != nil {
		bg.Go(func() { data.Run(bgCtx) })
	}
	if digester != nil {
		bg.Go(func() { digester.Run(bgCtx) })
	}
	customers.goAll(bgCtx, bg.Go)
	defer func() {
		stopBackground()
		bg.Wait()
	}()
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if metricsSrv != nil {
		go func() {
			if err := metricsSrv.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics server: %w", err)
			}
		}()
		defer metricsSrv.Close()
		log.Info().Str("addr", metricsLn.Addr().String()).Msg("serving /metrics on its own address (METRICS_ADDR)")
	}
	banner(ln.Addr().String())
	log.Info().Str("addr", ln.Addr().String()).Bool("sandbox", sandbox != nil).
		Bool("embedded_redis", st.Embedded()).Msg("wecom-guard listening")
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info().Str("timeout", cfg.ShutdownTimeout.String()).Msg("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	// The groups seen are batched in memory (bot/groupseen.go): write the
	// last few seconds' counts before the store closes.
	if err := pipeline.FlushGroupsSeen(sctx); err != nil {
		log.Warn().Err(err).Msg("shutting down: the groups seen since the last write were not saved")
	}
	log.Info().Msg("stopped")
	return nil
}

// sandboxOutbox adapts the fake WeCom API to the handlers' outbox view.
type sandboxOutbox struct{ s *wecomtest.Server }

func (o sandboxOutbox) SentJSON() any {
	sent := o.s.Sent()
	if sent == nil {
		return []wecomtest.Sent{} // [] rather than null for an empty outbox
	}
	return sent
}

// printSandbox prints the sandbox's credentials and how to try it; addr is
// the bound listen address, so the commands shown reach this server
// whatever LISTEN_ADDR the shell that runs them has.
func printSandbox(w io.Writer, cfg Config, st sandboxState, created bool, adminToken, addr string) {
	state := "reusing"
	if created {
		state = "generated new"
	}
	callback := defaultCallbackURL(addr)
	base := strings.TrimSuffix(callback, "/wecom/callback")
	send, sendChat := "go run ./cmd/wecom-guard send", "go run ./cmd/wecom-guard send"
	if callback != defaultCallbackURL(":8080") {
		send += " --url " + callback
		sendChat += " --url " + base + "/api/v1/archive/messages"
	}
	fmt.Fprintf(w, `
== wecom-guard sandbox ==  (%s credentials in %s/%s)
  CorpID          %s
  AgentId         %d
  Token           %s
  EncodingAESKey  %s
  Fake WeCom API  in-process; what the bot sends is listed at GET /sandbox/outbox
  Admin API token %s (role hr; new on every start, valid 24 h)
  Intelligent bot /wecom/aibot  token %s  EncodingAESKey %s
  Archive ingest  POST /api/v1/archive/messages with "Authorization: Bearer %s"
Try it:  %s "你好"
         %s --chat wrsandbox "加我v信 abc12345"   (a group message)
Console: %s/ui/  (sign in with the admin token)
`, state, cfg.StateDir, sandboxFile, st.CorpID, st.AgentID, st.Token, st.AESKey, adminToken,
		st.AIBotToken, st.AIBotAESKey, st.IngestToken, send, sendChat, base)
}

func newLogger(cfg Config, w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.LogLevel)
	if err != nil {
		return zerolog.Logger{}, fmt.Errorf("log level: %w", err)
	}
	if cfg.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Str("service", "wecom-guard").Logger(), nil
}

// sandboxHR and sandboxUser are the members of the sandbox directory: the
// default sender of `send`, its direct leader (who gets owner alerts for
// messages outside groups) and HR.
const (
	sandboxUser   = "sandbox-user"
	sandboxLeader = "sandbox-leader"
	sandboxHR     = "sandbox-hr"
	sandboxOwner  = "sandbox-owner"
	// sandboxRoom is a work group of the sandbox, owned by sandbox-owner:
	// `send --chat wrsandbox …` posts there.
	sandboxRoom = "wrsandbox"
)

// newSandboxAPI starts the fake WeCom API with a small directory.
func newSandboxAPI(cfg wecomtest.Config) *wecomtest.Server {
	s := wecomtest.New(cfg)
	s.SetUser(wecomtest.User{UserID: sandboxUser, Name: "沙箱用户", Department: []int64{2}, DirectLeader: []string{sandboxLeader}})
	s.SetUser(wecomtest.User{UserID: sandboxLeader, Name: "沙箱主管", Department: []int64{2}})
	s.SetUser(wecomtest.User{UserID: sandboxHR, Name: "沙箱HR", Department: []int64{1}})
	s.SetUser(wecomtest.User{UserID: sandboxOwner, Name: "沙箱群主", Department: []int64{2}})
	s.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: sandboxRoom, Name: "沙箱工作群", Creator: sandboxOwner})
	return s
}

// readRuleFiles reads a rule set as files (path → content), the rules
// directory when given, else the embedded default, and loads it so every
// problem is reported with its file and line before anything is stored.
// Compiling is left to whoever needs the engine (bot.Policy compiles what
// Redis holds, which is this set only when Redis had none).
func readRuleFiles(dir string) (map[string][]byte, error) {
	fsys := rules.DefaultFS()
	if dir != "" {
		if err := checkDir(dir); err != nil {
			return nil, fmt.Errorf("read rules: %w", err)
		}
		fsys = os.DirFS(dir)
	}
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if p != "policy.yaml" && !strings.HasPrefix(p, "lists/") {
			return nil // README.md and the like are not part of the rule set
		}
		files[p], err = fs.ReadFile(fsys, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read rules from %s: %w", rulesSource(dir), err)
	}
	if _, err := rules.LoadFiles(files); err != nil {
		return nil, fmt.Errorf("rules in %s: %w", rulesSource(dir), err)
	}
	return files, nil
}

func rulesSource(dir string) string {
	if dir == "" {
		return "the embedded default policy"
	}
	return dir
}

// chatSet lists the chats of m.
func chatSet(m map[string]Secret) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func revealAll(m map[string]Secret) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v.Reveal()
	}
	return out
}

// consumerName names this replica in the outbox's consumer group.
func consumerName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "wecom-guard"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// checkDir says, naming dir, why it cannot be read as a directory.
func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("directory %s: %w", dir, err)
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}
