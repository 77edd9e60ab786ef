package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

func TestArchiveLine(t *testing.T) {
	tests := []struct {
		name    string
		plain   string
		seq     uint64
		want    string
		wantErr bool
	}{
		{"seq added", `{"msgid":"a","msgtype":"text"}`, 7, `{"seq":7,"msgid":"a","msgtype":"text"}`, false},
		{"no seq", `{"msgid":"a"}`, 0, `{"msgid":"a"}`, false},
		{"empty object", `{}`, 3, `{"seq":3}`, false},
		{"white space around", "  {\n \"msgid\":\"a\"}\n", 1, "{\"seq\":1,\"msgid\":\"a\"}", false},
		{"raw newline in text is escaped", "{\"text\":{\"content\":\"a\nb\"}}", 2, `{"seq":2,"text":{"content":"a\u000ab"}}`, false},
		{"not an object", `["a"]`, 1, "", true},
		{"not json", `{"msgid":`, 1, "", true},
		{"empty", ``, 1, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := archiveLine([]byte(tc.plain), tc.seq)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if err == nil && bytes.ContainsRune(got, '\n') {
				t.Errorf("line %q contains a newline", got)
			}
		})
	}
}

func TestArchiveConfig(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "archive.pem")
	if err := os.WriteFile(keyFile, []byte("-----BEGIN RSA PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := map[string]string{
		"WECOM_ARCHIVE_SECRET":           "archive-secret",
		"WECOM_ARCHIVE_PRIVATE_KEY_FILE": keyFile,
		"ARCHIVE_INGEST_TOKEN":           "tok",
		"ARCHIVE_INGEST_URL":             "https://guard.example.com/api/v1/archive/messages",
		"ARCHIVE_LIMIT":                  "1000",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range full {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name     string
		env      map[string]string
		corp     string
		wantErr  []string // substrings of the validation error; nil for valid
		wantLoad string   // substring of an applyEnv error
	}{
		{"complete", full, "wwcorp", nil, ""},
		{"no corp", full, "", []string{"WECOM_CORP_ID"}, ""},
		{"nothing set", map[string]string{}, "wwcorp", []string{"WECOM_ARCHIVE_SECRET", "WECOM_ARCHIVE_PRIVATE_KEY_FILE", "ARCHIVE_INGEST_TOKEN"}, ""},
		{"missing key file", with("WECOM_ARCHIVE_PRIVATE_KEY_FILE", filepath.Join(dir, "nope.pem")), "wwcorp", []string{"cannot be read"}, ""},
		{"limit too large", with("ARCHIVE_LIMIT", "1001"), "wwcorp", []string{"1 to 1000"}, ""},
		{"limit not a number", with("ARCHIVE_LIMIT", "many"), "wwcorp", nil, "ARCHIVE_LIMIT"},
		{"bad url", with("ARCHIVE_INGEST_URL", "ftp://x"), "wwcorp", []string{"ARCHIVE_INGEST_URL"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a ArchiveConfig
			err := a.applyEnv(envMap(tc.env))
			if tc.wantLoad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantLoad) {
					t.Fatalf("applyEnv err = %v, want one naming %s", err, tc.wantLoad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a.applyDefaults()
			err = a.validatePull(tc.corp)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("validate passed, want errors naming %v", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("validation error %q does not name %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "archive-secret") {
				t.Errorf("validation error shows the secret")
			}
		})
	}
	var d ArchiveConfig
	d.applyDefaults()
	if d.IngestURL != DefaultIngestURL || d.Limit != 500 || d.Interval != 30*time.Second || d.Timeout != 10*time.Second {
		t.Errorf("defaults %+v", d)
	}
}

func TestRunArchiveUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantErr  string
		wantHelp bool
	}{
		{"no subcommand", nil, "missing subcommand", false},
		{"help", []string{"--help"}, "", true},
		{"pull help", []string{"pull", "--help"}, "", true},
		{"unknown subcommand", []string{"push"}, `unknown subcommand "push"`, false},
		{"stray argument", []string{"pull", "extra"}, "unexpected arguments", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"archive"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
			if tc.wantHelp {
				if !errors.Is(err, flag.ErrHelp) {
					t.Fatalf("err = %v, want flag.ErrHelp", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantHelp && !strings.Contains(stdout.String(), "wecom-guard archive pull") {
				t.Errorf("usage not shown on stdout: %q", stdout.String())
			}
			var ue usageError
			if !tc.wantHelp && (!errors.As(err, &ue) || ue.cmd != "archive") {
				t.Errorf("err = %#v, want a usage error pointing at archive --help", err)
			}
		})
	}
}

// fakeArchive is an archiveSource over records in memory, in seq order.
type fakeArchive struct {
	mu     sync.Mutex
	recs   []pulledRecord
	afters []uint64 // the seq of each Pull
	fail   error    // the next Pull fails with it
}

var _ archiveSource = (*fakeArchive)(nil)

func (f *fakeArchive) Pull(_ context.Context, after uint64, limit int) ([]pulledRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.afters = append(f.afters, after)
	if f.fail != nil {
		err := f.fail
		f.fail = nil
		return nil, err
	}
	var out []pulledRecord
	for _, r := range f.recs {
		if r.Seq > after && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeArchive) Close() {}

func plainRecord(seq uint64, msgID, from, room, text string) pulledRecord {
	// A raw newline inside the text, as the SDK may emit.
	plain := fmt.Sprintf("{\"msgid\":%q,\"action\":\"send\",\"from\":%q,\"tolist\":[\"x\"],\"roomid\":%q,\"msgtime\":%d,"+
		"\"msgtype\":\"text\",\"text\":{\"content\":\"%s\n\"}}", msgID, from, room, time.Now().UnixMilli(), text)
	return pulledRecord{Seq: seq, MsgID: msgID, Plain: []byte(plain)}
}

// ingestServer is the real ingest endpoint over HTTP, on the real pipeline.
func ingestServer(t *testing.T, token string) (*httptest.Server, *store.Store) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	st := storetest.New(t)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := wecom.NewCrypto("token", testAESKey, "wwcorp")
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: "wwcorp", Pipeline: p, Logger: zerolog.Nop(),
		IngestToken: token, Archive: &bot.ArchiveIngest{Pipeline: p, Seqs: st,
			KindOf: func(string) rules.ChatKind { return rules.ChatWork }}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

func TestPullerIntoTheRealEndpoint(t *testing.T) {
	srv, st := ingestServer(t, "tok")
	ctx := context.Background()
	src := &fakeArchive{}
	for i := uint64(1); i <= 7; i++ {
		src.recs = append(src.recs, plainRecord(i, fmt.Sprintf("m%d", i), "zhangsan", "wrwork", "明天开会"))
	}
	src.recs[4] = plainRecord(5, "m5", "zhangsan", "wrwork", "客户电话13812345678")
	var out, errOut bytes.Buffer
	p := &puller{src: src, ingest: newIngestClient(srv.URL+"/api/v1/archive/messages", "tok", "wwcorp"),
		limit: 3, interval: time.Second, once: true, out: &out, errOut: &errOut}
	if err := p.run(ctx); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	if fmt.Sprint(src.afters) != "[0 3 6]" {
		t.Errorf("pulled after %v, want [0 3 6] (pages of 3 until a short one)", src.afters)
	}
	if seq, err := st.ArchiveSeq(ctx, "wwcorp"); err != nil || seq != 7 {
		t.Errorf("stored seq %d, %v; want 7", seq, err)
	}
	v, ok, err := st.Violation(ctx, "archive:m5")
	if err != nil || !ok || v.ChatID != "wrwork" || v.Source != "archive" {
		t.Errorf("violation of m5: %+v %v %v", v, ok, err)
	}
	if !strings.Contains(out.String(), "starting after seq 0") || !strings.Contains(out.String(), "seq 7..7: 1 records: 1 processed") {
		t.Errorf("output:\n%s", out.String())
	}

	// A second run resumes after the stored seq and finds nothing new.
	src.afters = nil
	out.Reset()
	if err := p.run(ctx); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(src.afters) != "[7]" || !strings.Contains(out.String(), "starting after seq 7") {
		t.Errorf("second run pulled after %v, output %q; want a resume after 7", src.afters, out.String())
	}
}

func TestPullerFailures(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		token   string // the client's; the server's is "tok"
		setup   func(*fakeArchive)
		wantErr string
		seq     uint64 // stored seq afterwards
	}{
		{"wrong token", "nope", func(*fakeArchive) {}, "401", 0},
		{"sdk failure", "tok", func(f *fakeArchive) { f.fail = errors.New("10001: network") }, "10001", 0},
		{"undecryptable record stops before it", "tok", func(f *fakeArchive) {
			f.recs[1] = pulledRecord{Seq: 2, MsgID: "m2", Err: errors.New("10007: no private key of version 3")}
		}, "decrypt record seq 2 msgid m2", 0},
		{"plaintext not json", "tok", func(f *fakeArchive) {
			f.recs[0] = pulledRecord{Seq: 1, MsgID: "m1", Plain: []byte("garbage")}
		}, "not a JSON object", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, st := ingestServer(t, "tok")
			src := &fakeArchive{recs: []pulledRecord{plainRecord(1, "m1", "u", "wr", "a"), plainRecord(2, "m2", "u", "wr", "b")}}
			tc.setup(src)
			var out, errOut bytes.Buffer
			p := &puller{src: src, ingest: newIngestClient(srv.URL+"/api/v1/archive/messages", tc.token, "wwcorp"),
				limit: 10, interval: time.Second, once: true, out: &out, errOut: &errOut}
			err := p.run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if seq, _ := st.ArchiveSeq(ctx, "wwcorp"); seq != tc.seq {
				t.Errorf("stored seq %d, want %d", seq, tc.seq)
			}
		})
	}
}

// TestPullerKeepsGoing: without --once a failure is reported and retried
// after the interval, and cancelling the context stops the puller cleanly.
func TestPullerKeepsGoing(t *testing.T) {
	srv, st := ingestServer(t, "tok")
	src := &fakeArchive{recs: []pulledRecord{plainRecord(1, "m1", "u", "wr", "a")}, fail: errors.New("10001: network")}
	var out, errOut bytes.Buffer
	p := &puller{src: src, ingest: newIngestClient(srv.URL+"/api/v1/archive/messages", "tok", "wwcorp"),
		limit: 10, interval: 10 * time.Millisecond, out: &out, errOut: &errOut}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if seq, _ := st.ArchiveSeq(context.Background(), "wwcorp"); seq == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if seq, _ := st.ArchiveSeq(context.Background(), "wwcorp"); seq != 1 {
		t.Fatalf("seq %d, want 1 after the retry", seq)
	}
	if !strings.Contains(errOut.String(), "10001: network") || !strings.Contains(errOut.String(), "retrying") {
		t.Errorf("failure not reported: %q", errOut.String())
	}
}

func TestNotifyTriggerCoalesces(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var mu sync.Mutex
	runs := 0
	tr := &notifyTrigger{run: func(context.Context) error {
		mu.Lock()
		runs++
		mu.Unlock()
		started <- struct{}{}
		<-release
		return nil
	}}
	ctx := context.Background()
	tr.Notify(ctx)
	<-started // the first run is going on
	for range 5 {
		tr.Notify(ctx)
	}
	close(release)
	tr.Wait()
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return runs
	}
	if n := count(); n != 2 {
		t.Fatalf("%d runs, want 2: the first and one for the five pokes during it", n)
	}
	// Idle again: the next poke runs at once.
	tr.Notify(ctx)
	tr.Wait()
	if n := count(); n != 3 {
		t.Errorf("%d runs after an idle poke, want 3", n)
	}
}

func TestNotifyCommand(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name    string
		argv    []string
		wantOut string
		wantErr string
	}{
		{"runs the command", []string{sh, "-c", "echo pulled"}, "pulled\n", ""},
		{"reports a failure", []string{sh, "-c", "exit 3"}, "", "exit status 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			var reported []error
			tr, err := newCommandTrigger(tc.argv, &out, &errOut, func(err error) { reported = append(reported, err) })
			if err != nil {
				t.Fatal(err)
			}
			tr.Notify(context.Background())
			tr.Wait()
			if out.String() != tc.wantOut {
				t.Errorf("output %q, want %q", out.String(), tc.wantOut)
			}
			if tc.wantErr == "" && len(reported) > 0 || tc.wantErr != "" && (len(reported) != 1 || !strings.Contains(reported[0].Error(), tc.wantErr)) {
				t.Errorf("reported %v, want %q", reported, tc.wantErr)
			}
		})
	}
	if _, err := newCommandTrigger(nil, nil, nil, nil); err == nil {
		t.Error("empty command accepted")
	}
	var a ArchiveConfig
	if err := a.applyEnv(envMap(map[string]string{"WECOM_ARCHIVE_NOTIFY_COMMAND": "wecom-guard archive  pull --once"})); err != nil ||
		strings.Join(a.NotifyCommand, "|") != "wecom-guard|archive|pull|--once" {
		t.Errorf("notify command from env %q, %v", a.NotifyCommand, err)
	}
}
