package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// npmVector is one of the vectors made with WeCom's npm package
// @wecom/crypto (bot/wecom/testdata/wecomcrypto_vectors.json).
type npmVector struct {
	Name         string `json:"name"`
	Token        string `json:"token"`
	AESKey       string `json:"encoding_aes_key"`
	ReceiveID    string `json:"receive_id"`
	Timestamp    string `json:"timestamp"`
	Nonce        string `json:"nonce"`
	Plaintext    string `json:"plaintext"`
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msg_signature"`
}

func loadVector(t *testing.T, name string) npmVector {
	t.Helper()
	return loadVectorFrom(t, "wecomcrypto_vectors.json", name)
}

func loadVectorFrom(t *testing.T, fileName, name string) npmVector {
	t.Helper()
	data, err := os.ReadFile("../bot/wecom/testdata/" + fileName)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []npmVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, v := range file.Vectors {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no vector %q", name)
	return npmVector{}
}

const (
	vecBotJSON    = "intelligent bot JSON, empty receiveid"
	vecBotEchostr = "echostr, empty receiveid"
)

type aibotFunc func(context.Context, *wecom.AIBotMessage) (string, error)

func (f aibotFunc) HandleAIBot(ctx context.Context, m *wecom.AIBotMessage) (string, error) {
	return f(ctx, m)
}

var _ handlers.AIBot = aibotFunc(nil)

type aibotEnv struct {
	t      *testing.T
	crypto *wecom.Crypto
	st     *store.Store
	reg    *prometheus.Registry
	srv    *httptest.Server
}

// newAIBotEnv serves the real router with the intelligent bot's crypto
// (token and key of vector v, receiveid "") and ai, or the real bot on a
// test store when ai is nil.
func newAIBotEnv(t *testing.T, v npmVector, ai handlers.AIBot) *aibotEnv {
	t.Helper()
	app, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wecom.NewCrypto(v.Token, v.AESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	e := &aibotEnv{t: t, crypto: c, st: storetest.New(t), reg: prometheus.NewRegistry()}
	if ai == nil {
		rs, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		engine, err := rules.Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		p, err := bot.New(bot.Config{Store: e.st, Checker: func() bot.Checker { return engine }})
		if err != nil {
			t.Fatal(err)
		}
		real, err := bot.NewAIBot(bot.AIBotConfig{Pipeline: p, Store: e.st, Policy: engine.RuleSet})
		if err != nil {
			t.Fatal(err)
		}
		ai = real
	}
	h, err := handlers.New(handlers.Config{
		Crypto: app, CorpID: vecCorpID, Pipeline: newPipeline(t), AIBotCrypto: c, AIBot: ai,
		Logger: zerolog.Nop(), Registry: e.reg, MaxCallbackAge: anyAge,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *aibotEnv) do(method, query string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/wecom/aibot?"+query, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// post seals plaintext as WeCom would and posts it.
func (e *aibotEnv) post(plaintext string) (int, []byte) {
	e.t.Helper()
	body, sig, err := e.crypto.SealJSONCallback([]byte(plaintext), "1732600100", "nonce42")
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, "msg_signature="+sig+"&timestamp=1732600100&nonce=nonce42", body)
}

// stream opens an encrypted reply and returns its stream.
func (e *aibotEnv) stream(body []byte) (id string, finish bool, content string) {
	e.t.Helper()
	plain, err := e.crypto.OpenJSONReply(body)
	if err != nil {
		e.t.Fatalf("OpenJSONReply(%s): %v", body, err)
	}
	var r struct {
		MsgType string `json:"msgtype"`
		Stream  struct {
			ID      string `json:"id"`
			Finish  bool   `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(plain, &r); err != nil || r.MsgType != "stream" {
		e.t.Fatalf("reply plaintext %s is not a stream (%v)", plain, err)
	}
	return r.Stream.ID, r.Stream.Finish, r.Stream.Content
}

func (e *aibotEnv) count(outcome string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	v := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "wecom_guard_callbacks_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["endpoint"] == "aibot" && labels["outcome"] == outcome {
				v += m.GetCounter().GetValue()
			}
		}
	}
	return v
}

// TestAIBotNPMVectorPOST posts the envelope @wecom/crypto made with the
// empty receiveid, exactly as recorded, and opens the encrypted answer.
func TestAIBotNPMVectorPOST(t *testing.T) {
	v := loadVector(t, vecBotJSON)
	e := newAIBotEnv(t, v, nil)
	body, _ := json.Marshal(map[string]string{"encrypt": v.Encrypt})
	q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}}
	code, out := e.do(http.MethodPost, q.Encode(), body)
	if code != http.StatusOK {
		t.Fatalf("POST = %d %s", code, out)
	}
	msg, err := wecom.ParseAIBotMessage([]byte(v.Plaintext))
	if err != nil {
		t.Fatal(err)
	}
	id, finish, content := e.stream(out)
	if id != msg.StreamID() || !finish || !strings.Contains(content, "企业微信使用规范助手") {
		t.Errorf("stream %q finish=%v content %q", id, finish, content)
	}
	var reply map[string]any
	if err := json.Unmarshal(out, &reply); err != nil || reply["nonce"] != v.Nonce {
		t.Errorf("reply %s does not echo the nonce", out)
	}
	if e.count("reply") != 1 {
		t.Errorf("reply counter = %v, want 1", e.count("reply"))
	}
}

// TestAIBotNPMRecordedCommands posts intelligent-bot envelopes recorded
// with @wecom/crypto (bot/wecom/testdata/aibot_vectors.json) verbatim.
func TestAIBotNPMRecordedCommands(t *testing.T) {
	tests := []struct {
		vector, want string
		reports      int
	}{
		{"intelligent bot report of a quoted message, group", "已转告群主", 1},
		{"intelligent bot mixed message, single chat", "您近期没有违规记录。", 0},
	}
	for _, tc := range tests {
		t.Run(tc.vector, func(t *testing.T) {
			v := loadVectorFrom(t, "aibot_vectors.json", tc.vector)
			e := newAIBotEnv(t, v, nil)
			body, _ := json.Marshal(map[string]string{"encrypt": v.Encrypt})
			q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}}
			code, out := e.do(http.MethodPost, q.Encode(), body)
			if code != http.StatusOK {
				t.Fatalf("POST = %d %s", code, out)
			}
			if _, finish, content := e.stream(out); !finish || content != tc.want && !strings.HasPrefix(content, tc.want) {
				t.Errorf("finish=%v content %q, want %q", finish, content, tc.want)
			}
			ctx := context.Background()
			if err := e.st.EnsureOutboxGroup(ctx); err != nil {
				t.Fatal(err)
			}
			entries, err := e.st.ReadOutbox(ctx, "inspect", 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			var reports []bot.Action
			for _, en := range entries {
				var a bot.Action
				if err := json.Unmarshal(en.Payload, &a); err != nil {
					t.Fatal(err)
				}
				if a.Kind == bot.ActReport {
					reports = append(reports, a)
				}
			}
			if len(reports) != tc.reports {
				t.Fatalf("%d reports queued, want %d", len(reports), tc.reports)
			}
			for _, a := range reports {
				ev := strings.Join(a.Evidence, "")
				if a.ChatID != "wrkSFfCgRP" || a.From != "lisi" || !strings.Contains(ev, "138****5678") || strings.Contains(ev, "傻逼") {
					t.Errorf("report %+v", a)
				}
			}
		})
	}
}

func TestAIBotNPMVectorGET(t *testing.T) {
	v := loadVector(t, vecBotEchostr)
	e := newAIBotEnv(t, v, nil)
	q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}, "echostr": {v.Encrypt}}
	code, out := e.do(http.MethodGet, q.Encode(), nil)
	if code != http.StatusOK || string(out) != v.Plaintext {
		t.Fatalf("GET = %d %q, want 200 %q", code, out, v.Plaintext)
	}
	q.Set("msg_signature", strings.Repeat("0", 40))
	if code, _ := e.do(http.MethodGet, q.Encode(), nil); code != http.StatusForbidden {
		t.Errorf("GET with a bad signature = %d, want 403", code)
	}
	if e.count("url_verified") != 1 || e.count("forbidden") != 1 {
		t.Errorf("counters verified=%v forbidden=%v", e.count("url_verified"), e.count("forbidden"))
	}
}

func TestAIBotReportOverHTTP(t *testing.T) {
	e := newAIBotEnv(t, loadVector(t, vecBotJSON), nil)
	plain := `{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"aib","chatid":"wrChat1","chattype":"group",` +
		`"from":{"userid":"lisi"},"response_url":"https://example.invalid/r","msgtype":"text","text":{"content":"@守护 举报"},` +
		`"quote":{"msgtype":"text","text":{"content":"你就是个傻逼"}}}`
	for attempt := range 2 { // WeCom's retry gets the same answer and queues nothing more
		code, out := e.post(plain)
		if code != http.StatusOK {
			t.Fatalf("attempt %d: %d %s", attempt, code, out)
		}
		if _, finish, content := e.stream(out); !finish || !strings.Contains(content, "已转告群主") {
			t.Errorf("attempt %d: finish=%v content %q", attempt, finish, content)
		}
	}
	ctx := context.Background()
	if err := e.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := e.st.ReadOutbox(ctx, "inspect", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Key != "aibot:CAIQ16HMjQYY%2FNGagIOAgAMgq4KM0AI%3D/report" {
		t.Fatalf("outbox = %+v, want one report", entries)
	}
}

func TestAIBotErrors(t *testing.T) {
	v := loadVector(t, vecBotJSON)
	var calls int
	ai := aibotFunc(func(_ context.Context, m *wecom.AIBotMessage) (string, error) {
		calls++
		switch m.MsgID {
		case "down":
			return "", fmt.Errorf("process: %w", bot.ErrUnavailable)
		case "quiet":
			return "", nil
		}
		return "ok", nil
	})
	e := newAIBotEnv(t, v, ai)
	appSealed, err := wecom.NewCrypto(v.Token, v.AESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	wrongID, wrongSig, _ := appSealed.SealJSONCallback([]byte(`{"msgid":"x"}`), "1", "2")
	good, goodSig, _ := e.crypto.SealJSONCallback([]byte(`{"msgid":"x"}`), "1", "2")
	tests := []struct {
		name     string
		query    string
		body     []byte
		want     int
		wantBody string
	}{
		{"bad signature", "msg_signature=" + strings.Repeat("a", 40) + "&timestamp=1&nonce=2", good, http.StatusForbidden, ""},
		{"missing signature", "timestamp=1&nonce=2", good, http.StatusForbidden, ""},
		{"not JSON", "msg_signature=" + goodSig + "&timestamp=1&nonce=2", []byte("<xml/>"), http.StatusBadRequest, ""},
		{"sealed for an app (corp id)", "msg_signature=" + wrongSig + "&timestamp=1&nonce=2", wrongID, http.StatusBadRequest, ""},
		{"over 64 KiB", "msg_signature=" + goodSig + "&timestamp=1&nonce=2", bytes.Repeat([]byte(" "), handlers.MaxCallbackBody+1), http.StatusRequestEntityTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := e.do(http.MethodPost, tc.query, tc.body)
			if code != tc.want {
				t.Errorf("status %d (%s), want %d", code, out, tc.want)
			}
		})
	}
	if calls != 0 {
		t.Errorf("the bot was called %d times for refused requests", calls)
	}
	if code, out := e.post(`{"msgid":"down","msgtype":"text"}`); code != http.StatusServiceUnavailable {
		t.Errorf("unavailable: %d %s, want 503", code, out)
	}
	if code, out := e.post(`{"msgid":"quiet","msgtype":"text"}`); code != http.StatusOK || len(out) != 0 {
		t.Errorf("nothing to say: %d %q, want an empty 200", code, out)
	}
	if code, out := e.post(`{"msgid":"talk","msgtype":"text"}`); code != http.StatusOK || len(out) == 0 {
		t.Errorf("a reply: %d %q", code, out)
	}
	for outcome, want := range map[string]float64{"forbidden": 2, "bad_request": 2, "too_large": 1, "error": 1, "ok": 1, "reply": 1} {
		if got := e.count(outcome); got != want {
			t.Errorf("aibot %s counter = %v, want %v", outcome, got, want)
		}
	}
}

func TestAIBotRouteOnlyWhenConfigured(t *testing.T) {
	e := newEnv(t, nil, nil) // the app only
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/wecom/aibot", strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /wecom/aibot without a bot = %d, want 404", resp.StatusCode)
	}
}
