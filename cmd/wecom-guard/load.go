package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// Bounds of `load`, so that a typo cannot start an endless run.
const (
	loadMaxCount = 1_000_000
	loadMaxConns = 4096
	// loadMaxGroups bounds --groups (four digits in the group ids).
	loadMaxGroups = 9999
)

// loadDefaultMessages are ordinary work-chat lines, used when --messages is
// not given.
var loadDefaultMessages = []string{
	"好的收到", "明天上午十点开会，请准时参加", "我在路上了，十分钟到", "这个方案再改一下，下午给你",
	"辛苦了，谢谢大家", "周报已经发到群里了", "下午三点在二楼会议室", "客户那边还没回复，我再跟进一下",
	"这个需求排到下周吧", "文档链接在共享盘里", "测试环境又挂了，麻烦看一下", "已经提交审批了",
	"报销单子交给财务了", "这周五团建，记得报名", "新版本上线了请大家验证", "会议纪要我整理好了",
	"接口文档更新了", "发布窗口改到晚上八点", "请确认一下排期", "上线前要做回归测试",
}

// loadDefaultViolations are lines the default policy rates high (illegal
// content): a first offence already opens an HR case, so each one is
// expected to reach the fake WeCom API as an alert.
var loadDefaultViolations = []string{
	"有冰毒出售，量大从优", "代开发票 增值税专用发票", "网上赌博百家乐稳赚", "裸聊 一对一 私聊",
}

// loadPlan is what one `load` run does; the flags fill it.
type loadPlan struct {
	URL        string
	Token      string
	AESKey     string
	CorpID     string
	AgentID    int64
	Messages   []string
	Violations []string
	Violating  float64 // percent
	Count      int
	Conns      int
	Rate       float64 // callbacks/s; 0: flat out
	Duration   time.Duration
	Timeout    time.Duration
	Alerts     string // outbox URL; "" : not measured
	AlertsWait time.Duration
	JSON       bool
	// Groups, when positive, makes the offending messages group messages:
	// chat-archive records of Groups groups, each with its own owner,
	// posted one a request to IngestURL with IngestToken (loadgroups.go).
	Groups      int
	IngestURL   string
	IngestToken string
}

// alertsFlag is --alerts: alone it means the target's /sandbox/outbox,
// with a value the URL of a fake's record of what it delivered.
type alertsFlag struct {
	set bool
	url string
}

func (a *alertsFlag) String() string   { return a.url }
func (a *alertsFlag) IsBoolFlag() bool { return true }
func (a *alertsFlag) Set(v string) error {
	switch v {
	case "true":
		a.set, a.url = true, ""
	case "false":
		a.set, a.url = false, ""
	default:
		a.set, a.url = true, v
	}
	return nil
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML config file for the default URL and credentials (default: "+defaultConfigFile+" if it exists)")
	target := fs.String("url", "", "callback URL (default: http://127.0.0.1:PORT/wecom/callback from LISTEN_ADDR)")
	token := fs.String("token", "", "callback Token (default: the configured app's, else the sandbox's)")
	aesKey := fs.String("aes-key", "", "EncodingAESKey, 43 characters (default: as --token)")
	corpID := fs.String("corp-id", "", "CorpID the callbacks are sealed for (default: as --token)")
	messages := fs.String("messages", "", "text file of clean messages, one a line (default: a built-in set of work-chat lines)")
	violations := fs.String("violations", "", "text file of offending messages, one a line (default: a built-in set the default policy sends to HR)")
	violating := fs.Float64("violating", 5, "percentage of callbacks carrying an offending message, 0–100")
	count := fs.Int("n", 20000, fmt.Sprintf("number of distinct callbacks to build and post, at most %d", loadMaxCount))
	conns := fs.Int("c", 32, fmt.Sprintf("keep-alive connections (concurrent requests), at most %d", loadMaxConns))
	rate := fs.Float64("rate", 0, "callbacks per second in total, spread evenly; 0 posts flat out")
	duration := fs.Duration("duration", 10*time.Minute, "stop posting after this long even if callbacks remain")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one request")
	var alerts alertsFlag
	fs.Var(&alerts, "alerts", "measure violation → alert latency: poll the fake WeCom API's record of sent messages\n"+
		"(alone: the target's /sandbox/outbox; --alerts=URL: any URL answering that JSON)")
	alertsWait := fs.Duration("alerts-wait", 60*time.Second, "with --alerts, how long to wait after the run for the last alerts")
	jsonOut := fs.Bool("json", false, "print the report as one JSON object")
	groups := fs.Int("groups", 0, fmt.Sprintf("spread the offending messages over this many groups, each with its own owner, as\n"+
		"group messages: chat-archive records (each from its own sender) posted one a request to\n"+
		"the ingest endpoint, the clean ones staying app callbacks; 0 keeps every message an app\n"+
		"callback. The sandbox's directory knows these groups and owners. At most %d", loadMaxGroups))
	ingestURL := fs.String("ingest-url", "", "with --groups, the archive ingest endpoint (default: /api/v1/archive/messages on the host of --url)")
	ingestToken := fs.String("ingest-token", "", "with --groups, the ingest endpoint's bearer token (default: the configured archive.ingest_token, else the sandbox's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wecom-guard load [flags]\n\n"+
			"Builds N distinct, validly encrypted text-message callbacks (WeCom's crypto, the\n"+
			"sandbox's or the given Token/EncodingAESKey/CorpID), --violating percent of them\n"+
			"offending, then posts them over C keep-alive connections, at --rate or flat out,\n"+
			"and prints callbacks/s, latency percentiles (all, clean, violating) and the\n"+
			"answers by status. With --alerts it also measures, for every offending callback,\n"+
			"the time until the fake WeCom API delivered an alert naming it: each offending\n"+
			"callback comes from its own sender (wgload-RUN-vNNNNNN), which every alert and\n"+
			"digest line names, and the fake records when it delivered it (same host clock).\n"+
			"With --rate, latency counts from each callback's scheduled time, so a server that\n"+
			"falls behind shows it. Any URL can be loaded, e.g. the naive baseline server\n"+
			"(go run ./internal/naive/naived).\n\n"+
			"With --groups N the offending messages are group messages of N groups instead\n"+
			"(wrwgloadRUNgNNNN, owned by wgload-RUN-ownerNNNN in the sandbox's directory), as a\n"+
			"deployment sees them: many senders in many groups, so no single recipient's pacing\n"+
			"(WeCom's per-member limits) is what --alerts measures. --alerts then also reports\n"+
			"the owner alert (the message to the group's owner naming the offender: the figure\n"+
			"of \"violation → alert delivered\") and the warning to the sender, each on its own.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("load: unexpected arguments %q", fs.Args())
	}
	lc := loadPlan{
		URL: *target, Token: *token, AESKey: *aesKey, CorpID: *corpID, AgentID: sandboxAgentID,
		Violating: *violating, Count: *count, Conns: *conns, Rate: *rate, Duration: *duration, Timeout: *timeout,
		AlertsWait: *alertsWait, JSON: *jsonOut, Groups: *groups, IngestURL: *ingestURL, IngestToken: *ingestToken,
		Messages: loadDefaultMessages, Violations: loadDefaultViolations,
	}
	var err error
	if *messages != "" {
		if lc.Messages, err = readLines(*messages); err != nil {
			return fmt.Errorf("load: --messages: %w", err)
		}
	}
	if *violations != "" {
		if lc.Violations, err = readLines(*violations); err != nil {
			return fmt.Errorf("load: --violations: %w", err)
		}
	}
	if lc.URL == "" || lc.Token == "" || lc.AESKey == "" || lc.CorpID == "" || (lc.Groups > 0 && lc.IngestToken == "") {
		if err := lc.fillFromConfig(*configPath); err != nil {
			return err
		}
	}
	if lc.Groups > 0 && lc.IngestURL == "" {
		lc.IngestURL = ingestURLOf(lc.URL)
	}
	if alerts.set {
		lc.Alerts = alerts.url
		if lc.Alerts == "" {
			lc.Alerts = sandboxOutboxURL(lc.URL)
		}
	}
	if err := lc.validate(); err != nil {
		return err
	}
	rep, err := runLoadWith(ctx, lc, stderr)
	if err != nil {
		return err
	}
	if lc.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.print(stdout)
	return nil
}

// fillFromConfig takes what the flags left out from the configuration: the
// listen address and the configured app, or the sandbox's credentials.
func (lc *loadPlan) fillFromConfig(configPath string) error {
	cfg, err := loadConfig(configPath, osGetenv)
	if err != nil {
		return err
	}
	if lc.URL == "" {
		lc.URL = defaultCallbackURL(cfg.ListenAddr)
	}
	if lc.Token != "" && lc.AESKey != "" && lc.CorpID != "" && (lc.Groups == 0 || lc.IngestToken != "") {
		return nil
	}
	id := cfg.identity(nil)
	if cfg.WeCom.Sandbox() {
		st, err := readSandbox(cfg.StateDir)
		if err != nil {
			return fmt.Errorf("%w\n(no WeCom app is configured and no --token/--aes-key/--corp-id given, so load uses the sandbox credentials that `wecom-guard serve` creates on its first start: start it first, from this directory)", err)
		}
		id = cfg.identity(&st)
	}
	if lc.Token == "" {
		lc.Token = id.Token
	}
	if lc.AESKey == "" {
		lc.AESKey = id.AESKey
	}
	if lc.CorpID == "" {
		lc.CorpID = id.CorpID
	}
	if lc.IngestToken == "" {
		lc.IngestToken = id.IngestToken
	}
	if id.AgentID != 0 {
		lc.AgentID = id.AgentID
	}
	return nil
}

func (lc loadPlan) validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if u, err := url.Parse(lc.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("--url %q is not an http(s) URL", lc.URL)
	}
	if lc.Alerts != "" {
		if u, err := url.Parse(lc.Alerts); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--alerts %q is not an http(s) URL", lc.Alerts)
		}
	}
	if lc.Count < 1 || lc.Count > loadMaxCount {
		bad("-n %d is out of range 1..%d", lc.Count, loadMaxCount)
	}
	if lc.Conns < 1 || lc.Conns > loadMaxConns {
		bad("-c %d is out of range 1..%d", lc.Conns, loadMaxConns)
	}
	if lc.Groups < 0 || lc.Groups > loadMaxGroups {
		bad("--groups %d is out of range 0..%d", lc.Groups, loadMaxGroups)
	}
	if lc.Groups > 0 {
		if u, err := url.Parse(lc.IngestURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--ingest-url %q is not an http(s) URL", lc.IngestURL)
		}
		if lc.IngestToken == "" {
			bad("--groups needs the ingest token: give --ingest-token or set ARCHIVE_INGEST_TOKEN (the service's archive.ingest_token)")
		}
	}
	if lc.Violating < 0 || lc.Violating > 100 {
		bad("--violating %g is not a percentage (0–100)", lc.Violating)
	}
	if lc.Rate < 0 {
		bad("--rate %g is negative (0 posts flat out)", lc.Rate)
	}
	if lc.Duration <= 0 || lc.Timeout <= 0 || lc.AlertsWait < 0 {
		bad("--duration and --timeout must be positive, --alerts-wait not negative")
	}
	if len(lc.Messages) == 0 && lc.Violating < 100 {
		bad("--messages holds no message")
	}
	if len(lc.Violations) == 0 && lc.Violating > 0 {
		bad("--violations holds no message")
	}
	if _, err := wecom.NewCrypto(lc.Token, lc.AESKey, lc.CorpID); err != nil {
		bad("credentials: %v", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("load: %s", strings.Join(problems, "; "))
	}
	return nil
}

// sandboxOutboxURL is the sandbox's record of sent messages on the host of
// the callback URL.
func sandboxOutboxURL(callback string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/sandbox/outbox"}).String()
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// loadCall is one pre-built callback, or with --groups an archive record
// for the ingest endpoint (ingest set).
type loadCall struct {
	url       string
	body      []byte
	violating bool
	sender    string
	group     string // the record's group (--groups)
	ingest    bool
	auth      string // the ingest's Authorization header
}

// buildCalls seals lc.Count distinct callbacks: MsgIds from a random base,
// clean ones from one sender, every offending one from its own. Which
// callbacks offend is spread evenly (every 1/P-th), so a run cut short by
// --duration still carries the share asked for.
func buildCalls(lc loadPlan, run string, now time.Time) ([]loadCall, error) {
	c, err := wecom.NewCrypto(lc.Token, lc.AESKey, lc.CorpID)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	base, err := rand.Int(rand.Reader, big.NewInt(1<<52))
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	sep := "?"
	if strings.Contains(lc.URL, "?") {
		sep = "&"
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	agent := strconv.FormatInt(lc.AgentID, 10)
	calls := make([]loadCall, lc.Count)
	nv := 0
	for i := range calls {
		// Offending when the running share would otherwise fall below P.
		violating := float64(nv+1)*100 <= lc.Violating*float64(i+1)
		var text, from string
		msgID := strconv.FormatInt(base.Int64()+int64(i), 10)
		switch {
		case violating && lc.Groups > 0:
			c, err := groupCall(lc, run, nv, msgID, now)
			if err != nil {
				return nil, err
			}
			calls[i] = c
			nv++
			continue
		case violating:
			text, from = lc.Violations[nv%len(lc.Violations)], violationSender(run, nv)
			nv++
		case len(lc.Messages) == 0:
			return nil, errors.New("load: no clean messages")
		default:
			text, from = lc.Messages[i%len(lc.Messages)], "wgload-"+run
		}
		plain, err := textMessageXML(lc.CorpID, from, text, msgID, lc.AgentID, now)
		if err != nil {
			return nil, err
		}
		nonce := strconv.Itoa(i)
		body, sig, err := c.SealCallback(plain, lc.CorpID, agent, ts, nonce)
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
		calls[i] = loadCall{url: lc.URL + sep + q.Encode(), body: body, violating: violating, sender: from}
	}
	return calls, nil
}

// violationSender names the sender of the n-th offending callback of a run.
func violationSender(run string, n int) string {
	return fmt.Sprintf("wgload-%s-v%06d", run, n)
}

// loadResult is what happened to one callback.
type loadResult struct {
	done    bool
	status  int // 0: transport error
	latency time.Duration
	sentAt  time.Time
	replied bool // a passive reply in the body
	// ingestErr: the ingest endpoint answered 200 with the record refused.
	ingestErr bool
}

// runLoadWith builds the callbacks, posts them and, with lc.Alerts, waits
// for the alerts; progress goes to stderr.
func runLoadWith(ctx context.Context, lc loadPlan, stderr io.Writer) (*loadReport, error) {
	var rb [3]byte
	_, _ = rand.Read(rb[:])
	run := hex.EncodeToString(rb[:])
	buildStart := time.Now()
	calls, err := buildCalls(lc, run, buildStart)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "load: built %d callbacks in %s (run %s); posting to %s\n", len(calls), time.Since(buildStart).Round(time.Millisecond), run, lc.URL)

	tr := &http.Transport{
		MaxIdleConns: lc.Conns, MaxIdleConnsPerHost: lc.Conns, MaxConnsPerHost: lc.Conns,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: lc.Timeout}

	results := make([]loadResult, len(calls))
	type job struct {
		i       int
		planned time.Time
	}
	jobs := make(chan job, lc.Conns)
	runCtx, cancel := context.WithTimeout(ctx, lc.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for range lc.Conns {
		wg.Go(func() {
			for j := range jobs {
				results[j.i] = post(runCtx, client, calls[j.i], j.planned)
			}
		})
	}
	start := time.Now()
	func() {
		defer close(jobs)
		for i := range calls {
			planned := time.Time{}
			if lc.Rate > 0 {
				planned = start.Add(time.Duration(float64(i) / lc.Rate * float64(time.Second)))
				if d := time.Until(planned); d > 0 {
					t := time.NewTimer(d)
					select {
					case <-runCtx.Done():
						t.Stop()
						return
					case <-t.C:
					}
				}
			}
			select {
			case <-runCtx.Done():
				return
			case jobs <- job{i, planned}:
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	rep := newLoadReport(lc, run, calls, results, elapsed)
	if lc.Alerts != "" && rep.Violating.Sent > 0 {
		fmt.Fprintf(stderr, "load: waiting up to %s for the alerts at %s\n", lc.AlertsWait, lc.Alerts)
		a, err := collectAlerts(ctx, lc, run, calls, results)
		if err != nil {
			return nil, err
		}
		rep.Alerts = a
	}
	return rep, nil
}

// post sends one callback and reads the whole answer (so the connection
// is kept alive). Latency counts from planned when set (--rate).
func post(ctx context.Context, client *http.Client, c loadCall, planned time.Time) loadResult {
	sent := time.Now()
	from := sent
	if !planned.IsZero() {
		from = planned
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(c.body))
	if err != nil {
		return loadResult{done: true, sentAt: sent, latency: time.Since(from)}
	}
	req.Header.Set("Content-Type", "text/xml")
	if c.ingest {
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return loadResult{} // cut off by --duration or an interrupt: not counted
		}
		return loadResult{done: true, sentAt: sent, latency: time.Since(from)}
	}
	if c.ingest {
		// Every record's result is in a 200 answer: a refused one counts
		// under its own status.
		ans, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := loadResult{done: true, status: resp.StatusCode, sentAt: sent, latency: time.Since(from)}
		r.ingestErr = resp.StatusCode == http.StatusOK && bytes.Contains(ans, []byte(`"status":"error"`))
		return r
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return loadResult{done: true, status: resp.StatusCode, sentAt: sent, latency: time.Since(from), replied: n > 0}
}

// latencies summarises durations: count and percentiles.
type latencies struct {
	Sent int     `json:"sent"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

func summarize(ds []time.Duration) latencies {
	l := latencies{Sent: len(ds)}
	if len(ds) == 0 {
		return l
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.5) - 1
		return ms(ds[min(max(i, 0), len(ds)-1)])
	}
	l.P50, l.P99, l.P999, l.Max = at(0.50), at(0.99), at(0.999), ms(ds[len(ds)-1])
	return l
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
