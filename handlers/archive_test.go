package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

const (
	ingestToken   = "ingest-secret-1"
	archiveCorp   = "wwarchivecorp"
	archiveSecret = "archivesecret"
	archiveAgent  = 1000002
)

// archiveEnv is the real router with the archive endpoint over real HTTP,
// the real pipeline on the test Redis and a fake WeCom API for senders.
type archiveEnv struct {
	t        *testing.T
	st       *store.Store
	fake     *wecomtest.Server
	pipeline *bot.Pipeline
	srv      *httptest.Server
	logs     *syncWriter
}

func newArchiveEnv(t *testing.T, token string, ingester handlers.ArchiveIngester) *archiveEnv {
	t.Helper()
	e := &archiveEnv{t: t, st: storetest.New(t), logs: &syncWriter{}}
	e.fake = wecomtest.New(wecomtest.Config{CorpID: archiveCorp, Secret: archiveSecret, AgentID: archiveAgent})
	t.Cleanup(e.fake.Close)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	e.pipeline, err = bot.New(bot.Config{Store: e.st, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	if ingester == nil {
		ingester = &bot.ArchiveIngest{Pipeline: e.pipeline, Seqs: e.st, KindOf: func(room string) rules.ChatKind {
			if strings.HasPrefix(room, "wrprivate") {
				return rules.ChatPrivate
			}
			return rules.ChatWork
		}}
	}
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: archiveCorp, Pipeline: e.pipeline, Logger: zerolog.New(e.logs),
		IngestToken: token, Archive: ingester,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

type ingestAnswer struct {
	Results []bot.IngestResult `json:"results"`
	Seq     uint64             `json:"seq"`
	Error   string             `json:"error"`
}

func (e *archiveEnv) post(query, auth string, body []byte) (int, ingestAnswer, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/archive/messages"+query, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a ingestAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		e.t.Fatalf("answer %d %q is not JSON: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, a, resp.Header
}

// drain delivers the outbox to the fake WeCom API with one sender.
func (e *archiveEnv) drain(ctx context.Context) {
	e.t.Helper()
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: archiveCorp, Secret: archiveSecret,
		AgentID: archiveAgent, Tokens: e.st, Pacer: e.st.Pacer()})
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := bot.NewSender(bot.SenderConfig{Store: e.st, API: client, Consumer: "test",
		HR: bot.Recipients{Users: []string{"hr1"}}, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		Poll: 20 * time.Millisecond, Logger: zerolog.Nop()})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.EnsureOutboxGroup(ctx); err != nil {
		e.t.Fatal(err)
	}
	for range 2000 {
		if _, err := s.Round(ctx); err != nil {
			e.t.Logf("round: %v", err)
		}
		stats, err := e.st.OutboxStats(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if stats.Queued == 0 && stats.Pending == 0 && stats.Delayed == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal("outbox not drained")
}

func (e *archiveEnv) sent() []string {
	var out []string
	for _, s := range e.fake.Sent() {
		out = append(out, strings.Join(s.ToUser, ",")+"|"+s.Content)
	}
	return out
}

func bearer(tok string) string { return "Bearer " + tok }

func record(seq int, msgID, from, room, text string, at time.Time) string {
	b, _ := json.Marshal(map[string]any{
		"seq": seq, "msgid": msgID, "action": "send", "from": from, "tolist": []string{"x"}, "roomid": room,
		"msgtime": at.UnixMilli(), "msgtype": "text", "text": map[string]string{"content": text},
	})
	return string(b)
}

// TestArchiveIngestSameAsCallback is the "done when": a batch of
// archive records with a violation in a work group, posted to the
// endpoint, produces the same warning, owner alert (and, the customer's
// phone number being a high-severity violation, HR notice) delivered to
// the fake WeCom API by a bot.Sender through the outbox as the same
// message processed directly by the pipeline, the path of a callback.
func TestArchiveIngestSameAsCallback(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	const text = "王总的客户电话13812345678，你们直接打"

	e := newArchiveEnv(t, ingestToken, nil)
	e.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrsales01", Creator: "owner7"})
	batch := strings.Join([]string{
		record(41, "m-clean", "lisi", "wrsales01", "下午三点开会", at.Add(-time.Minute)),
		record(42, "m-phone", "zhangsan", "wrsales01", text, at),
	}, "\n")
	code, ans, _ := e.post("", bearer(ingestToken), []byte(batch))
	if code != http.StatusOK {
		t.Fatalf("POST = %d %+v", code, ans)
	}
	if len(ans.Results) != 2 || ans.Results[0].Status != bot.IngestProcessed || ans.Results[0].Action != "" ||
		ans.Results[1].Status != bot.IngestProcessed || ans.Results[1].Action != "escalate_hr" || ans.Seq != 42 {
		t.Fatalf("answer %+v, want the clean message processed without action, the phone number escalated, seq 42", ans)
	}
	e.drain(ctx)
	viaEndpoint := e.sent()

	ref := newArchiveEnv(t, ingestToken, nil)
	ref.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrsales01", Creator: "owner7"})
	if _, err := ref.pipeline.Process(ctx, bot.Message{ID: "archive:m-phone", Source: bot.SourceArchive, From: "zhangsan",
		ChatID: "wrsales01", ChatKind: rules.ChatWork, Text: text, Time: at}); err != nil {
		t.Fatal(err)
	}
	ref.drain(ctx)
	direct := ref.sent()

	// Messages to different recipients go out in parallel: compare them
	// in a fixed order.
	slices.Sort(viaEndpoint)
	slices.Sort(direct)
	if strings.Join(viaEndpoint, "\n") != strings.Join(direct, "\n") {
		t.Fatalf("endpoint delivered\n%q\nwant what the pipeline delivers for the same message\n%q", viaEndpoint, direct)
	}
	var warning, alert bool
	for _, s := range viaEndpoint {
		warning = warning || strings.HasPrefix(s, "zhangsan|") && strings.Contains(s, "138****5678")
		alert = alert || strings.HasPrefix(s, "owner7|") && strings.Contains(s, "zhangsan")
		if strings.Contains(s, "13812345678") {
			t.Errorf("unmasked evidence delivered: %q", s)
		}
	}
	if !warning || !alert {
		t.Fatalf("delivered %q, want a masked warning to zhangsan and an alert naming him to owner7", viaEndpoint)
	}

	// Posting the batch again (a re-pull) changes nothing.
	code, again, _ := e.post("", bearer(ingestToken), []byte(batch))
	if code != http.StatusOK || again.Results[0].Status != bot.IngestDuplicate || again.Results[1].Status != bot.IngestDuplicate {
		t.Fatalf("repost = %d %+v, want two duplicates", code, again)
	}
	e.drain(ctx)
	if n := len(e.sent()); n != len(viaEndpoint) {
		t.Errorf("repost delivered %d more messages", n-len(viaEndpoint))
	}
}

func TestArchiveIngestAuthAndLimits(t *testing.T) {
	good := []byte(record(1, "a", "u", "wr1", "hello", time.Now()))
	tests := []struct {
		name     string
		token    string // configured
		auth     string
		query    string
		body     []byte
		wantCode int
	}{
		{"disabled without a token", "", bearer(""), "", good, http.StatusNotFound},
		{"no authorization", ingestToken, "", "", good, http.StatusUnauthorized},
		{"wrong token", ingestToken, bearer("ingest-secret-2"), "", good, http.StatusUnauthorized},
		{"token prefix", ingestToken, bearer("ingest-secret"), "", good, http.StatusUnauthorized},
		{"not bearer", ingestToken, "Basic " + ingestToken, "", good, http.StatusUnauthorized},
		{"lowercase scheme", ingestToken, "bearer " + ingestToken, "", good, http.StatusOK},
		{"too large", ingestToken, bearer(ingestToken), "", bytes.Repeat([]byte(" "), handlers.MaxArchiveBody+1), http.StatusRequestEntityTooLarge},
		{"not json", ingestToken, bearer(ingestToken), "", []byte("these are not records\nat all"), http.StatusBadRequest},
		{"empty body", ingestToken, bearer(ingestToken), "", nil, http.StatusBadRequest},
		{"broken array", ingestToken, bearer(ingestToken), "", []byte(`[{"msgid":"a"},`), http.StatusBadRequest},
		{"bad seq", ingestToken, bearer(ingestToken), "?seq=-1", good, http.StatusBadRequest},
		{"at the limit", ingestToken, bearer(ingestToken), "", append(good, bytes.Repeat([]byte(" "), handlers.MaxArchiveBody-len(good))...), http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newArchiveEnv(t, tc.token, nil)
			code, ans, hdr := e.post(tc.query, tc.auth, tc.body)
			if code != tc.wantCode {
				t.Fatalf("status %d (%+v), want %d", code, ans, tc.wantCode)
			}
			if code >= 400 && ans.Error == "" {
				t.Errorf("error answer without a message")
			}
			if code == http.StatusUnauthorized && hdr.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if code == http.StatusOK {
				if len(ans.Results) != 1 || ans.Results[0].Status != bot.IngestProcessed {
					t.Errorf("results %+v, want one processed", ans.Results)
				}
			} else if seen, _ := e.st.Seen(context.Background(), "archive:a"); seen {
				t.Errorf("a refused request processed its record")
			}
			if strings.Contains(e.logs.String(), ingestToken) {
				t.Errorf("the ingest token was logged")
			}
		})
	}
}

func TestArchiveIngestPerRecordResults(t *testing.T) {
	e := newArchiveEnv(t, ingestToken, nil)
	now := time.Now()
	image, err := os.ReadFile(filepath.Join("..", "bot", "wecom", "testdata", "archive", "image.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		record(10, "ok-1", "u1", "wrwork", "你真是个傻逼", now),
		`{"msgid":"broken","seq":11,`,
		strings.Replace(string(bytes.TrimSpace(image)), "1732600005000", strconv.FormatInt(now.UnixMilli(), 10), 1),
		`{"seq":13,"msgid":"rc","action":"recall","msgtype":"revoke","revoke":{"pre_msgid":"ok-1"}}`,
		`{"seq":14,"msgid":"odd","msgtype":"text","text":"not an object"}`,
		record(15, "ok-2", "u2", "", "明天见", now),
	}
	for _, tc := range []struct {
		name string
		body string
	}{
		{"json lines", strings.Join(lines, "\n")},
		// The broken line cannot be part of an array: the array is the rest.
		{"json array", "[" + strings.Join(append(lines[:1:1], lines[2:]...), ",") + "]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ans, _ := e.post("", bearer(ingestToken), []byte(tc.body))
			if code != http.StatusOK {
				t.Fatalf("status %d %+v", code, ans)
			}
			type row struct {
				id     string
				status bot.IngestStatus
			}
			var got []row
			for _, r := range ans.Results {
				got = append(got, row{r.MsgID, r.Status})
			}
			// A line that is not even JSON has no msgid to report.
			want := []row{{"ok-1", bot.IngestProcessed}, {"", bot.IngestError}, {"image-1", bot.IngestSkipped},
				{"rc", bot.IngestRecalled}, {"odd", bot.IngestError}, {"ok-2", bot.IngestProcessed}}
			if tc.name == "json array" {
				// Second time round: everything was ingested before.
				want = []row{{"ok-1", bot.IngestDuplicate}, {"image-1", bot.IngestSkipped},
					{"rc", bot.IngestDuplicate}, {"odd", bot.IngestError}, {"ok-2", bot.IngestDuplicate}}
			}
			if len(got) != len(want) {
				t.Fatalf("results %+v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("result %d = %v, want %v", i, got[i], want[i])
				}
			}
			for _, r := range ans.Results {
				if r.Status == bot.IngestError && (r.Error == "" || strings.Contains(r.Error, "not an object")) {
					t.Errorf("error result %+v: want a reason that does not quote the record", r)
				}
			}
			// 106 is the image fixture's seq, the largest; "odd" (seq 14)
			// failed but is bad, not retryable, so it does not hold it back.
			if ans.Seq != 106 {
				t.Errorf("seq %d, want 106 (bad records do not hold it back)", ans.Seq)
			}
		})
	}
	v, ok, err := e.st.Violation(context.Background(), "archive:ok-1")
	if err != nil || !ok || !v.Recalled {
		t.Errorf("violation of the recalled message: %+v %v %v, want marked recalled", v, ok, err)
	}
}

func TestArchiveIngestSeq(t *testing.T) {
	e := newArchiveEnv(t, ingestToken, nil)
	now := time.Now()
	post := func(query, body string) uint64 {
		t.Helper()
		code, ans, _ := e.post(query, bearer(ingestToken), []byte(body))
		if code != http.StatusOK {
			t.Fatalf("status %d %+v", code, ans)
		}
		return ans.Seq
	}
	steps := []struct {
		name  string
		query string
		body  string
		want  uint64
	}{
		{"empty batch reads the seq", "", "[]", 0},
		{"records carry seqs", "", record(5, "s5", "u", "wr", "a", now) + "\n" + record(3, "s3", "u", "wr", "b", now), 5},
		{"an older batch does not move it back", "", record(2, "s2", "u", "wr", "c", now), 5},
		{"query seq for records without one", "?seq=9", `{"msgid":"noseq","action":"send","msgtype":"text","text":{"content":"d"}}`, 9},
		{"another corp is separate", "?corp=other", record(1, "o1", "u", "wr", "e", now), 1},
		{"the first corp kept its seq", "", "[]", 9},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := post(st.query, st.body); got != st.want {
				t.Errorf("seq %d, want %d", got, st.want)
			}
		})
	}
	if seq, err := e.st.ArchiveSeq(context.Background(), archiveCorp); err != nil || seq != 9 {
		t.Errorf("stored seq of %s = %d, %v; want 9 (the configured CorpID is the default corp)", archiveCorp, seq, err)
	}
}

// flakyIngester fails the records whose msgid starts with "fail" as if
// Redis were down, and processes the others with the real ingester.
type flakyIngester struct{ *bot.ArchiveIngest }

func (f flakyIngester) IngestArchive(ctx context.Context, recs []wecom.ArchiveRecord) []bot.IngestResult {
	out := make([]bot.IngestResult, len(recs))
	for i, r := range recs {
		if strings.HasPrefix(r.MsgID, "fail") {
			err := errors.Join(bot.ErrUnavailable, errors.New("redis: connection refused"))
			out[i] = bot.IngestResult{MsgID: r.MsgID, Seq: r.Seq, Status: bot.IngestError, Error: "unavailable", Err: err}
			continue
		}
		out[i] = f.ArchiveIngest.IngestArchive(ctx, recs[i:i+1])[0]
	}
	return out
}

var _ handlers.ArchiveIngester = flakyIngester{}

// TestArchiveIngestSeqStopsBeforeAFailure: a record that failed for want
// of Redis holds the seq before it, so a puller resuming there sends it
// again; the query seq is ignored for such a batch.
func TestArchiveIngestSeqStopsBeforeAFailure(t *testing.T) {
	base := newArchiveEnv(t, ingestToken, nil)
	e := newArchiveEnv(t, ingestToken, flakyIngester{&bot.ArchiveIngest{Pipeline: base.pipeline, Seqs: base.st}})
	now := time.Now()
	body := strings.Join([]string{
		record(20, "ok-20", "u", "wr", "a", now),
		record(21, "fail-21", "u", "wr", "b", now),
		record(22, "ok-22", "u", "wr", "c", now),
	}, "\n")
	code, ans, _ := e.post("?seq=22", bearer(ingestToken), []byte(body))
	if code != http.StatusOK || ans.Seq != 20 {
		t.Fatalf("status %d seq %d (%+v), want 200 and seq 20", code, ans.Seq, ans.Results)
	}
	if ans.Results[1].Error != "unavailable" {
		t.Errorf("failed record's error %q, want just %q for the client", ans.Results[1].Error, "unavailable")
	}
	if !strings.Contains(e.logs.String(), "connection refused") || !strings.Contains(e.logs.String(), "fail-21") {
		t.Errorf("the failure's details are not logged: %s", e.logs.String())
	}
	// The resend gets through: the seq moves on.
	body2 := strings.Join([]string{record(21, "ok-21", "u", "wr", "b", now), record(22, "ok-22", "u", "wr", "c", now)}, "\n")
	if _, ans2, _ := e.post("", bearer(ingestToken), []byte(body2)); ans2.Seq != 22 {
		t.Errorf("seq after the resend %d, want 22", ans2.Seq)
	}
}

// TestArchiveSeqCannotBeMovedPastTheBatch: a seq sent with an empty batch,
// or beyond the batch's records, does not move the stored seq past them.
func TestArchiveSeqCannotBeMovedPastTheBatch(t *testing.T) {
	e := newArchiveEnv(t, "tok", nil)
	if code, ans, _ := e.post("?seq=18446744073709551615", "Bearer tok", []byte("[]")); code != http.StatusOK || ans.Seq != 0 {
		t.Fatalf("empty batch: %d, seq %d; want 200 and seq 0", code, ans.Seq)
	}
	rec := `{"seq":5,"msgid":"s5","action":"send","from":"u1","roomid":"wr","msgtime":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `,"msgtype":"text","text":{"content":"你好"}}`
	if code, ans, _ := e.post("?seq=999999", "Bearer tok", []byte(rec)); code != http.StatusOK || ans.Seq != 5 {
		t.Fatalf("batch with a larger seq: %d, seq %d; want the stored seq at 5", code, ans.Seq)
	}
	big := strings.Repeat(rec+"\n", handlers.MaxArchiveRecords+1)
	if code, _, _ := e.post("", "Bearer tok", []byte(big)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a batch of %d records: %d, want 413", handlers.MaxArchiveRecords+1, code)
	}
}

// TestArchiveRecordsCannotSteerState is issue 11's item 4 at the endpoint:
// a record with seq 2^64-1, one dated in the year 2200 and one older than
// the retention are refused in their results with the reason, none of
// them moves the stored seq, the 2200 one leaves no violation behind, and
// no batch moves the seq more than bot.ArchiveSeqStep.
func TestArchiveRecordsCannotSteerState(t *testing.T) {
	e := newArchiveEnv(t, ingestToken, nil)
	ctx := context.Background()
	now := time.Now()
	post := func(query string, lines ...string) ingestAnswer {
		t.Helper()
		code, ans, _ := e.post(query, bearer(ingestToken), []byte(strings.Join(lines, "\n")))
		if code != http.StatusOK {
			t.Fatalf("status %d %+v", code, ans)
		}
		return ans
	}
	if ans := post("", record(10, "s10", "u1", "wr", "你好", now)); ans.Seq != 10 {
		t.Fatalf("seq %d after a good record, want 10", ans.Seq)
	}
	ans := post("",
		record(11, "s11", "u1", "wr", "你好", now),
		`{"seq":18446744073709551615,"msgid":"max","action":"send","from":"u1","roomid":"wr","msgtime":`+strconv.FormatInt(now.UnixMilli(), 10)+`,"msgtype":"text","text":{"content":"你好"}}`,
		record(12, "future", "u2", "wr", "你真是个傻逼", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)),
		record(13, "old", "u3", "wr", "你真是个傻逼", now.Add(-bot.DefaultRetention-time.Hour)),
		record(14, "soon", "u4", "wr", "你好", now.Add(2*time.Minute)),
	)
	if ans.Seq != 14 {
		t.Errorf("seq %d, want 14 (the last accepted record)", ans.Seq)
	}
	want := map[string]string{"max": "seq", "future": "ahead of the clock", "old": "retention"}
	for _, r := range ans.Results {
		reason, refused := want[r.MsgID]
		switch {
		case refused && (r.Status != bot.IngestError || !strings.Contains(r.Error, reason)):
			t.Errorf("record %s: %s %q, want refused for %q", r.MsgID, r.Status, r.Error, reason)
		case !refused && r.Status == bot.IngestError:
			t.Errorf("record %s refused: %q", r.MsgID, r.Error)
		}
	}
	if _, ok, err := e.st.Violation(ctx, "archive:future"); err != nil || ok {
		t.Errorf("the record of 2200 left a violation (%v, %v)", ok, err)
	}
	// Refused records alone, a forged query seq and a jump past the step.
	if ans := post("", record(99, "future2", "u2", "wr", "x", now.Add(time.Hour))); ans.Seq != 14 {
		t.Errorf("seq %d after a refused record, want 14", ans.Seq)
	}
	if ans := post("?seq=18446744073709551615", `{"msgid":"noseq","action":"send","msgtype":"text","text":{"content":"d"}}`); ans.Seq != 14 {
		t.Errorf("seq %d after ?seq=2^64-1, want 14", ans.Seq)
	}
	far := 15 + bot.ArchiveSeqStep
	if ans := post("", record(15, "s15", "u1", "wr", "a", now), record(int(far), "far", "u1", "wr", "b", now)); ans.Seq != 15 {
		t.Errorf("seq %d after a jump to %d, want 15 (at most %d a batch)", ans.Seq, far, bot.ArchiveSeqStep)
	}
}
