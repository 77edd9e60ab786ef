package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// ArchiveConfig configures the chat archive (会话内容存档): the puller that
// fetches and decrypts records with WeCom's C SDK, and the ingest endpoint
// it posts them to. It is the `archive:` section of the config file.
type ArchiveConfig struct {
	// Secret is the chat archive's own Secret (管理工具 → 会话内容存档), not
	// the app's (WECOM_ARCHIVE_SECRET).
	Secret Secret `yaml:"secret"`
	// PrivateKeyFile is the PEM RSA private key matching the public key
	// set in the admin console (消息加密公钥) (WECOM_ARCHIVE_PRIVATE_KEY_FILE).
	PrivateKeyFile string `yaml:"private_key_file"`
	// IngestToken authorizes POST /api/v1/archive/messages; empty disables
	// the endpoint (ARCHIVE_INGEST_TOKEN). serve and the puller share it.
	IngestToken Secret `yaml:"ingest_token"`
	// IngestURL is where the puller posts batches (ARCHIVE_INGEST_URL).
	// Default DefaultIngestURL.
	IngestURL string `yaml:"ingest_url"`
	// Limit is the number of records a GetChatData call asks for, 1 to
	// 1000 (WeCom's maximum). Default 500.
	Limit int `yaml:"limit"`
	// Interval is the wait between pulls once caught up, and after a
	// failure. Default 30s.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one SDK call (whole seconds). Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// Proxy and ProxyPassword, when the SDK must reach WeCom through a
	// proxy: socks5://host:port or http://host:port, and "user:password"
	// (WECOM_ARCHIVE_PROXY, WECOM_ARCHIVE_PROXY_PASSWORD).
	Proxy         string `yaml:"proxy"`
	ProxyPassword Secret `yaml:"proxy_password"`
	// NotifyCommand is run by the service when WeCom sends msgaudit_notify
	// (new archive data is ready), e.g. [wecom-guard, archive, pull, --once];
	// one run at a time, notifications during a run causing one more run
	// (WECOM_ARCHIVE_NOTIFY_COMMAND, split on white space). Empty: none.
	NotifyCommand []string `yaml:"notify_command" env:"fields"`
}

// DefaultIngestURL is the ingest endpoint of a service on the same host.
const DefaultIngestURL = "http://127.0.0.1:8080/api/v1/archive/messages"

// maxArchiveLimit is GetChatData's largest page.
const maxArchiveLimit = 1000

// applyEnv applies the environment to the archive section alone (the
// archive's keys of configKeys).
func (a *ArchiveConfig) applyEnv(getenv func(string) string) error {
	return applyEnv(reflect.ValueOf(a).Elem(), "archive.", getenv)
}

func (a *ArchiveConfig) applyDefaults() {
	if a.IngestURL == "" {
		a.IngestURL = DefaultIngestURL
	}
	if a.Limit == 0 {
		a.Limit = 500
	}
	if a.Interval == 0 {
		a.Interval = 30 * time.Second
	}
	if a.Timeout == 0 {
		a.Timeout = 10 * time.Second
	}
}

// validatePull reports what the puller lacks, each naming the field, its
// environment variable and how to fix it.
func (a ArchiveConfig) validatePull(corpID string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if corpID == "" {
		bad("%s is empty: the puller needs the corp's 企业ID", keyRef("wecom.corp_id"))
	}
	if a.Secret == "" {
		bad("%s is empty: copy the Secret from 管理工具 → 会话内容存档 (not the app's Secret)", keyRef("archive.secret"))
	}
	if a.PrivateKeyFile == "" {
		bad("%s is empty: point it at the PEM RSA private key whose public key is set as 消息加密公钥", keyRef("archive.private_key_file"))
	} else if st, err := os.Stat(a.PrivateKeyFile); err != nil || st.IsDir() {
		bad("%s %q cannot be read: point it at the PEM RSA private key file", keyRef("archive.private_key_file"), a.PrivateKeyFile)
	}
	if a.IngestToken == "" {
		bad("%s is empty: set the same token as the service's, which enables its ingest endpoint", keyRef("archive.ingest_token"))
	}
	if u, err := url.Parse(a.IngestURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("%s %q is not an http(s) URL: use e.g. %s", keyRef("archive.ingest_url"), a.IngestURL, DefaultIngestURL)
	}
	if a.Limit < 1 || a.Limit > maxArchiveLimit {
		bad("%s %d is out of range: use 1 to %d", keyRef("archive.limit"), a.Limit, maxArchiveLimit)
	}
	if a.Interval < time.Second {
		bad("%s %s is too short: use e.g. 30s", keyRef("archive.interval"), a.Interval)
	}
	if a.Timeout < time.Second {
		bad("%s %s is too short: the SDK counts whole seconds; use e.g. 10s", keyRef("archive.timeout"), a.Timeout)
	}
	return errors.Join(errs...)
}

const archiveUsage = `Usage: wecom-guard archive pull [--once] [--limit N] [--url U] [--config FILE]

Pulls the chat archive (会话内容存档) with WeCom's C SDK from the seq the
service last stored, decrypts each record with the configured private key
and posts batches to the service's ingest endpoint, which checks them like
callbacks. Without --once it keeps pulling, waiting between pulls once
caught up.

It needs a binary built with the msgaudit tag on a machine with the SDK:
  CGO_ENABLED=1 go build -tags msgaudit ./cmd/wecom-guard
and libWeWorkFinanceSdk_C.so where the loader finds it (LD_LIBRARY_PATH).

Environment: WECOM_CORP_ID, ARCHIVE_SECRET, ARCHIVE_PRIVATE_KEY_FILE,
ARCHIVE_INGEST_TOKEN (the service's), ARCHIVE_INGEST_URL, ARCHIVE_LIMIT,
ARCHIVE_INTERVAL, ARCHIVE_TIMEOUT, ARCHIVE_PROXY, ARCHIVE_PROXY_PASSWORD
(secrets also as NAME_FILE; the older WECOM_ARCHIVE_* names still work).

Flags:
`

// errNoMsgaudit is the answer of a binary that cannot pull.
var errNoMsgaudit = errors.New("this binary was built without the msgaudit tag: build with `go build -tags msgaudit` " +
	"on a machine with WeCom's C SDK (libWeWorkFinanceSdk_C.so), with cgo enabled, on Linux")

// runArchive runs `wecom-guard archive SUBCOMMAND`.
func runArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("archive", "archive: missing subcommand (pull)")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, archiveUsage)
		return flag.ErrHelp
	}
	if args[0] != "pull" {
		return usageErrorf("archive", "archive: unknown subcommand %q (want pull)", args[0])
	}
	fs := flag.NewFlagSet("archive pull", flag.ContinueOnError)
	once := fs.Bool("once", false, "pull until caught up, then exit")
	limit := fs.Int("limit", 0, "records per GetChatData call, 1-1000 (default: archive.limit, 500)")
	ingestURL := fs.String("url", "", "ingest endpoint (default: archive.ingest_url, "+DefaultIngestURL+")")
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), archiveUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, "archive", args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("archive", "archive pull: unexpected arguments %q", fs.Args())
	}
	if !msgauditBuilt {
		return fmt.Errorf("archive pull: %w", errNoMsgaudit)
	}
	cfg, err := loadConfig(*configPath, osGetenv)
	if err != nil {
		return err
	}
	// The config file's archive: section with the environment applied
	// (loadConfig did both), then the flags.
	acfg := cfg.Archive
	if *limit != 0 {
		acfg.Limit = *limit
	}
	if *ingestURL != "" {
		acfg.IngestURL = *ingestURL
	}
	acfg.applyDefaults()
	if err := acfg.validatePull(cfg.WeCom.CorpID); err != nil {
		return fmt.Errorf("invalid archive configuration:\n%w", err)
	}
	src, err := openArchiveSource(acfg, cfg.WeCom.CorpID)
	if err != nil {
		return fmt.Errorf("archive pull: %w", err)
	}
	defer src.Close()
	p := &puller{
		src:      src,
		ingest:   newIngestClient(acfg.IngestURL, acfg.IngestToken.Reveal(), cfg.WeCom.CorpID),
		limit:    acfg.Limit,
		interval: acfg.Interval,
		once:     *once,
		out:      stdout,
		errOut:   stderr,
	}
	return p.run(ctx)
}

// pulledRecord is one record of the archive, decrypted (Plain) or not (Err).
type pulledRecord struct {
	Seq   uint64
	MsgID string
	Plain []byte
	Err   error
}

// archiveSource is WeCom's chat archive as the puller sees it: the records
// after a seq, decrypted. The msgaudit build implements it with the SDK.
type archiveSource interface {
	Pull(ctx context.Context, after uint64, limit int) ([]pulledRecord, error)
	Close()
}

// puller moves records from an archiveSource to the ingest endpoint.
type puller struct {
	src      archiveSource
	ingest   *ingestClient
	limit    int
	interval time.Duration
	once     bool
	out      io.Writer
	errOut   io.Writer
}

// run pulls from the service's stored seq. With once it returns when caught
// up, or with the first failure; otherwise it reports failures on errOut
// and tries again after the interval, until ctx ends.
func (p *puller) run(ctx context.Context) error {
	var seq uint64
	for {
		ans, err := p.ingest.post(ctx, []byte("[]"), 0)
		if err == nil {
			seq = ans.Seq
			break
		}
		if p.once || ctx.Err() != nil {
			return fmt.Errorf("archive pull: read the stored seq: %w", err)
		}
		fmt.Fprintf(p.errOut, "archive pull: read the stored seq: %v (retrying in %s)\n", err, p.interval)
		if !sleep(ctx, p.interval) {
			return nil
		}
	}
	fmt.Fprintf(p.out, "archive pull: starting after seq %d\n", seq)
	for {
		next, full, err := p.batch(ctx, seq)
		seq = next
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil && p.once:
			return err
		case err != nil:
			fmt.Fprintf(p.errOut, "%v (retrying in %s)\n", err, p.interval)
		case full:
			continue
		case p.once:
			return nil
		}
		if !sleep(ctx, p.interval) {
			return nil
		}
	}
}

// batch pulls one page after seq, posts it and returns the seq the service
// stored; full is true when the page was full (more may be waiting) and
// all of it was ingested.
func (p *puller) batch(ctx context.Context, seq uint64) (next uint64, full bool, err error) {
	recs, err := p.src.Pull(ctx, seq, p.limit)
	if err != nil {
		return seq, false, fmt.Errorf("archive pull after seq %d: %w", seq, err)
	}
	if len(recs) == 0 {
		return seq, false, nil
	}
	var body bytes.Buffer
	maxSeq := seq
	for _, r := range recs {
		if r.Err != nil {
			return seq, false, fmt.Errorf("archive pull: decrypt record seq %d msgid %s: %w "+
				"(check archive.private_key_file against the public key version in the admin console)", r.Seq, r.MsgID, r.Err)
		}
		line, err := archiveLine(r.Plain, r.Seq)
		if err != nil {
			return seq, false, fmt.Errorf("archive pull: record seq %d msgid %s: %w", r.Seq, r.MsgID, err)
		}
		body.Write(line)
		body.WriteByte('\n')
		maxSeq = max(maxSeq, r.Seq)
	}
	ans, err := p.ingest.post(ctx, body.Bytes(), maxSeq)
	if err != nil {
		return seq, false, fmt.Errorf("archive pull: post %d records: %w", len(recs), err)
	}
	counts := map[bot.IngestStatus]int{}
	for _, r := range ans.Results {
		counts[r.Status]++
	}
	fmt.Fprintf(p.out, "archive pull: seq %d..%d: %d records: %d processed, %d duplicate, %d skipped, %d recalled, %d error\n",
		seq+1, maxSeq, len(recs), counts[bot.IngestProcessed], counts[bot.IngestDuplicate], counts[bot.IngestSkipped],
		counts[bot.IngestRecalled], counts[bot.IngestError])
	if ans.Seq < maxSeq {
		return ans.Seq, false, fmt.Errorf("archive pull: the service stored seq %d of %d: records after it failed and will be pulled again", ans.Seq, maxSeq)
	}
	return ans.Seq, len(recs) >= p.limit, nil
}

// archiveLine makes one JSON line of a decrypted record: raw control
// characters in strings escaped (the SDK emits them; raw newlines would
// split the line) and the seq added, which the SDK gives next to the
// ciphertext rather than in the plaintext.
func archiveLine(plain []byte, seq uint64) ([]byte, error) {
	b := bytes.TrimSpace(wecom.EscapeControlInStrings(plain))
	if len(b) < 2 || b[0] != '{' || !json.Valid(b) {
		return nil, errors.New("decrypted record is not a JSON object")
	}
	if seq == 0 {
		return b, nil
	}
	rest := bytes.TrimSpace(b[1:])
	out := make([]byte, 0, len(b)+32)
	out = append(out, `{"seq":`...)
	out = strconv.AppendUint(out, seq, 10)
	if rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...), nil
}

// ingestClient posts batches to the ingest endpoint.
type ingestClient struct {
	url, token, corp string
	http             *http.Client
}

func newIngestClient(u, token, corp string) *ingestClient {
	return &ingestClient{url: u, token: token, corp: corp, http: &http.Client{Timeout: 5 * time.Minute}}
}

// ingestAnswer is the endpoint's answer.
type ingestAnswer struct {
	Results []bot.IngestResult `json:"results"`
	Seq     uint64             `json:"seq"`
	Error   string             `json:"error"`
}

func (c *ingestClient) post(ctx context.Context, body []byte, seq uint64) (ingestAnswer, error) {
	u, err := url.Parse(c.url)
	if err != nil {
		return ingestAnswer{}, fmt.Errorf("ingest url: %w", err)
	}
	q := u.Query()
	if c.corp != "" {
		q.Set("corp", c.corp)
	}
	if seq > 0 {
		q.Set("seq", strconv.FormatUint(seq, 10))
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return ingestAnswer{}, fmt.Errorf("ingest request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.http.Do(req)
	if err != nil {
		return ingestAnswer{}, fmt.Errorf("post to %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return ingestAnswer{}, fmt.Errorf("read answer of %s: %w", c.url, err)
	}
	var ans ingestAnswer
	jerr := json.Unmarshal(raw, &ans)
	if resp.StatusCode != http.StatusOK {
		msg := ans.Error
		if jerr != nil || msg == "" {
			msg = strings.TrimSpace(string(raw))
			if len(msg) > 200 {
				msg = msg[:200]
			}
		}
		if resp.StatusCode == http.StatusNotFound {
			msg += " (is ARCHIVE_INGEST_TOKEN set for the service? the endpoint is disabled without it)"
		}
		return ingestAnswer{}, fmt.Errorf("post to %s: %s: %s", c.url, resp.Status, msg)
	}
	if jerr != nil {
		return ingestAnswer{}, fmt.Errorf("answer of %s is not the ingest answer: %w", c.url, jerr)
	}
	return ans, nil
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// notifyTrigger runs the puller when msgaudit_notify arrives: at most one
// run at a time, and notifications that arrive during a run fold into one
// more run after it, so a burst of pokes costs two pulls, not one each.
type notifyTrigger struct {
	run    func(ctx context.Context) error
	report func(error)

	mu      sync.Mutex
	running bool
	pending bool
	wg      sync.WaitGroup
}

// newCommandTrigger runs argv (ArchiveConfig.NotifyCommand) on each
// trigger, with its output on stdout and stderr; failures go to report.
func newCommandTrigger(argv []string, stdout, stderr io.Writer, report func(error)) (*notifyTrigger, error) {
	if len(argv) == 0 {
		return nil, errors.New("archive notify command is empty")
	}
	return &notifyTrigger{
		run: func(ctx context.Context) error {
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Stdout, cmd.Stderr = stdout, stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("archive notify command %q: %w", argv[0], err)
			}
			return nil
		},
		report: report,
	}, nil
}

// Notify starts a run in the background under ctx (the service's, not a
// request's), or asks for one more if a run is going on.
func (t *notifyTrigger) Notify(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running {
		t.pending = true
		return
	}
	t.running = true
	t.wg.Go(func() {
		for {
			if err := t.run(ctx); err != nil && t.report != nil {
				t.report(err)
			}
			t.mu.Lock()
			if !t.pending || ctx.Err() != nil {
				t.running, t.pending = false, false
				t.mu.Unlock()
				return
			}
			t.pending = false
			t.mu.Unlock()
		}
	})
}

// Wait returns when no run is going on (shutdown: cancel ctx first).
func (t *notifyTrigger) Wait() { t.wg.Wait() }
