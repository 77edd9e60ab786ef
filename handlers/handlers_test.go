package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/rules"
)

// The official test vector of WeCom's WXBizMsgCrypt samples (../shared/WECOM.md).
const (
	vecToken  = "QDG6eK"
	vecCorpID = "wx5823bf96d3bd56c7"
	vecAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vecGET    = "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"
	vecPOSTQ  = "msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149"
	vecPOST   = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
)

func init() { gin.SetMode(gin.TestMode) }

type env struct {
	t      *testing.T
	crypto *wecom.Crypto
	reg    *prometheus.Registry
	logs   *syncWriter
	srv    *httptest.Server
}

// newEnv starts the real router over real HTTP with the given pipeline
// (the real bot pipeline on the test Redis when nil).
func newEnv(t *testing.T, p handlers.Pipeline, ready func(context.Context) error) *env {
	t.Helper()
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		p = newPipeline(t)
	}
	e := &env{t: t, crypto: c, reg: prometheus.NewRegistry(), logs: &syncWriter{}}
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Pipeline: p, Ready: ready,
		Logger: zerolog.New(e.logs), Registry: e.reg, MaxCallbackAge: anyAge,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) do(method, query string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/wecom/callback?"+query, bytes.NewReader(body))
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

// count is the value of the callback counter for outcome.
func (e *env) count(outcome string) float64 {
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
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					v += m.GetCounter().GetValue()
				}
			}
		}
	}
	return v
}

func TestOfficialVectorGET(t *testing.T) {
	e := newEnv(t, nil, nil)
	code, body := e.do(http.MethodGet, vecGET, nil)
	if code != http.StatusOK || string(body) != "1616140317555161061" {
		t.Fatalf("GET official vector = %d %q, want 200 %q", code, body, "1616140317555161061")
	}
}

func TestOfficialVectorPOST(t *testing.T) {
	var got *wecom.Message
	e := newEnv(t, pipelineFunc(func(_ context.Context, m *wecom.Message) (bot.Result, error) {
		got = m
		return bot.Result{}, nil
	}), nil)
	code, body := e.do(http.MethodPost, vecPOSTQ, []byte(vecPOST))
	if code != http.StatusOK || len(body) != 0 {
		t.Fatalf("POST official vector = %d %q, want 200 and an empty body", code, body)
	}
	if got == nil || got.FromUserName != "mycreate" || got.Content != "hello" || got.MsgID != "4561255354251345929" || got.AgentID != "218" {
		t.Fatalf("pipeline got %+v, want text hello from mycreate, MsgId 4561255354251345929, AgentID 218", got)
	}
}

func TestTripleDeliveryProcessedOnce(t *testing.T) {
	e := newEnv(t, nil, nil)
	for i := 0; i < 3; i++ {
		if code, body := e.do(http.MethodPost, vecPOSTQ, []byte(vecPOST)); code != http.StatusOK {
			t.Fatalf("delivery %d: %d %q, want 200", i+1, code, body)
		}
	}
	if ok, dup := e.count("ok"), e.count("duplicate"); ok != 1 || dup != 2 {
		t.Fatalf("outcomes ok=%v duplicate=%v, want 1 and 2", ok, dup)
	}
}

func TestBadCallbacks(t *testing.T) {
	e := newEnv(t, nil, nil)
	other, err := wecom.NewCrypto(vecToken, vecAESKey, "wwsomeoneelse")
	if err != nil {
		t.Fatal(err)
	}
	signed := func(encrypt string) string {
		ts, nonce := "1409659813", "42"
		return url.Values{"msg_signature": {e.crypto.Signature(ts, nonce, encrypt)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
	}
	envelope := func(encrypt string) []byte {
		return []byte("<xml><ToUserName><![CDATA[" + vecCorpID + "]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>")
	}
	foreign, err := other.Encrypt([]byte("<xml><MsgType>text</MsgType><Content>secret-content</Content></xml>"))
	if err != nil {
		t.Fatal(err)
	}
	good := vecPOST[strings.Index(vecPOST, "<Encrypt><![CDATA[")+len("<Encrypt><![CDATA[") : strings.Index(vecPOST, "]]></Encrypt>")]
	for _, tc := range []struct {
		name  string
		query string
		body  []byte
		code  int
	}{
		{"missing signature", "timestamp=1409659813&nonce=1372623149", []byte(vecPOST), 403},
		{"forged signature", strings.Replace(vecPOSTQ, "477715d1", "577715d1", 1), []byte(vecPOST), 403},
		{"wrong token", signedWith(t, "othertoken", good), []byte(vecPOST), 403},
		{"malformed xml", signed(good), []byte("<xml><Encrypt>"), 400},
		{"not xml", signed(good), []byte("hello"), 400},
		{"bad base64", signed("!!!notbase64!!!"), envelope("!!!notbase64!!!"), 400},
		{"truncated ciphertext", signed(good[:64]), envelope(good[:64]), 400},
		{"wrong receiveid", signed(foreign), envelope(foreign), 400},
		{"oversized", vecPOSTQ, bytes.Repeat([]byte("a"), handlers.MaxCallbackBody+1), 413},
		{"empty body", vecPOSTQ, nil, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.logs.Reset()
			code, _ := e.do(http.MethodPost, tc.query, tc.body)
			if code != tc.code {
				t.Fatalf("status %d, want %d", code, tc.code)
			}
			logs := e.logs.String()
			if n := strings.Count(logs, "\n"); n != 1 {
				t.Errorf("%d log lines, want exactly 1:\n%s", n, logs)
			}
			if !strings.Contains(logs, `"reason":`) {
				t.Errorf("log line has no reason: %s", logs)
			}
			if strings.Contains(logs, "secret-content") || strings.Contains(logs, "hello") {
				t.Errorf("log line shows message content: %s", logs)
			}
		})
	}
	code, body := e.do(http.MethodGet, "msg_signature=00&timestamp=1&nonce=2&echostr=abc", nil)
	if code != http.StatusForbidden {
		t.Fatalf("GET with a forged signature = %d %q, want 403", code, body)
	}
}

func TestPassiveReply(t *testing.T) {
	e := newEnv(t, pipelineFunc(func(_ context.Context, m *wecom.Message) (bot.Result, error) {
		return bot.Result{Reply: "请注意：" + m.Content}, nil
	}), nil)
	code, body := e.do(http.MethodPost, vecPOSTQ, []byte(vecPOST))
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	inner, err := e.crypto.OpenReply(body)
	if err != nil {
		t.Fatalf("open passive reply: %v\n%s", err, body)
	}
	m, err := wecom.ParseMessage(inner)
	if err != nil {
		t.Fatal(err)
	}
	if m.ToUserName != "mycreate" || m.FromUserName != vecCorpID || m.MsgType != "text" || m.Content != "请注意：hello" {
		t.Fatalf("reply %+v, want text 请注意：hello to mycreate from the corp", m)
	}
}

func TestPipelineFailureIsNotAcknowledged(t *testing.T) {
	e := newEnv(t, pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) {
		return bot.Result{}, errors.Join(bot.ErrUnavailable, errors.New("redis down"))
	}), nil)
	if code, _ := e.do(http.MethodPost, vecPOSTQ, []byte(vecPOST)); code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 so WeCom retries", code)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	var down atomic.Bool
	e := newEnv(t, nil, func(context.Context) error {
		if down.Load() {
			return errors.New("redis: connection refused")
		}
		return nil
	})
	get := func(path string) (int, string) {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	down.Store(true)
	if code, body := get("/readyz"); code != 503 || strings.Contains(body, "refused") {
		t.Errorf("/readyz with Redis down = %d %q, want 503 without details", code, body)
	}
	e.do(http.MethodPost, vecPOSTQ, []byte(vecPOST))
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `wecom_guard_callbacks_total{endpoint="callback",outcome="ok"} 1`) ||
		!strings.Contains(body, "wecom_guard_callback_duration_seconds_bucket") {
		t.Errorf("/metrics = %d, missing callback metrics:\n%.2000s", code, body)
	}
	if code, _ := get("/nope"); code != 404 {
		t.Errorf("/nope = %d, want 404", code)
	}
}

func TestProcessTimeoutBoundsTheAnswer(t *testing.T) {
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Logger: zerolog.Nop(), ProcessTimeout: 50 * time.Millisecond, MaxCallbackAge: anyAge,
		Pipeline: pipelineFunc(func(ctx context.Context, _ *wecom.Message) (bot.Result, error) {
			<-ctx.Done() // a pipeline stuck on a dead Redis
			return bot.Result{}, errors.Join(bot.ErrUnavailable, ctx.Err())
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/wecom/callback?"+vecPOSTQ, strings.NewReader(vecPOST)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
}

// A caller that hangs up does not cut the pipeline short: the processing
// context keeps ProcessTimeout's deadline but not the request's
// cancellation.
func TestHangUpDoesNotCancelProcessing(t *testing.T) {
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	var ctxErr error
	var deadline bool
	h, err := handlers.New(handlers.Config{
		Crypto: c, CorpID: vecCorpID, Logger: zerolog.Nop(), ProcessTimeout: time.Minute, MaxCallbackAge: anyAge,
		Pipeline: pipelineFunc(func(ctx context.Context, _ *wecom.Message) (bot.Result, error) {
			ctxErr = ctx.Err()
			_, deadline = ctx.Deadline()
			return bot.Result{}, ctx.Err()
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the caller is gone before the pipeline runs
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/wecom/callback?"+vecPOSTQ, strings.NewReader(vecPOST))
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, req)
	if ctxErr != nil || rec.Code != http.StatusOK {
		t.Fatalf("pipeline saw %v and answered %d, want a live context and 200", ctxErr, rec.Code)
	}
	if !deadline {
		t.Error("processing context has no deadline, want ProcessTimeout's")
	}
}

type pipelineFunc func(context.Context, *wecom.Message) (bot.Result, error)

func (f pipelineFunc) HandleCallback(ctx context.Context, m *wecom.Message) (bot.Result, error) {
	return f(ctx, m)
}

var _ handlers.Pipeline = pipelineFunc(nil)

func signedWith(t *testing.T, token, encrypt string) string {
	t.Helper()
	c, err := wecom.NewCrypto(token, vecAESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := "1409659813", "7"
	return url.Values{"msg_signature": {c.Signature(ts, nonce, encrypt)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
}

// newPipeline is the real pipeline with the default policy on the test Redis.
func newPipeline(t testing.TB) *bot.Pipeline {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bot.New(bot.Config{Store: storetest.New(t), Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRetriedViolationGetsTheWarningAgain: WeCom retries when the first
// answer did not reach it; the retry is not processed again but carries the
// same warning, so the sender is warned even if the first reply was lost.
func TestRetriedViolationGetsTheWarningAgain(t *testing.T) {
	e := newEnv(t, nil, nil)
	plain := "<xml><ToUserName><![CDATA[" + vecCorpID + "]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
		"<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你真是个傻逼]]></Content>" +
		"<MsgId>777001</MsgId><AgentID>218</AgentID></xml>"
	body, sig, err := e.crypto.SealCallback([]byte(plain), vecCorpID, "218", "1409659813", "99")
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"msg_signature": {sig}, "timestamp": {"1409659813"}, "nonce": {"99"}}.Encode()
	var replies []string
	for i := 0; i < 2; i++ {
		code, out := e.do(http.MethodPost, q, body)
		if code != http.StatusOK {
			t.Fatalf("delivery %d: %d", i+1, code)
		}
		inner, err := e.crypto.OpenReply(out)
		if err != nil {
			t.Fatalf("delivery %d: no passive reply: %v (%q)", i+1, err, out)
		}
		m, _ := wecom.ParseMessage(inner)
		replies = append(replies, m.Content)
	}
	if replies[0] == "" || replies[0] != replies[1] || strings.Contains(replies[0], "傻逼") {
		t.Fatalf("replies %q, want the same masked warning twice", replies)
	}
	if ok, dup := e.count("reply"), e.count("duplicate"); ok != 1 || dup != 1 {
		t.Fatalf("outcomes reply=%v duplicate=%v, want 1 and 1 (processed once)", ok, dup)
	}
}

// anyAge accepts the official vectors' 2014 timestamps in the tests that
// are not about freshness.
const anyAge = 100 * 365 * 24 * time.Hour

// TestStaleCallbacksRefused: a captured callback replayed a day later, or
// one without a usable timestamp, is refused like a forged one.
func TestStaleCallbacksRefused(t *testing.T) {
	c, _ := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: vecCorpID, Pipeline: newPipeline(t), Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	post := func(query string, body []byte) int {
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/wecom/callback?"+query, bytes.NewReader(body)))
		return rec.Code
	}
	if code := post(vecPOSTQ, []byte(vecPOST)); code != http.StatusForbidden {
		t.Errorf("the 2014 vector replayed now: %d, want 403", code)
	}
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wecom/callback?"+vecGET, nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("stale URL check: %d, want 403", rec.Code)
	}
	plain := "<xml><ToUserName><![CDATA[" + vecCorpID + "]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName>" +
		"<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>55</MsgId></xml>"
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body, sig, _ := c.SealCallback([]byte(plain), vecCorpID, "218", ts, "n")
	if code := post(url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {"n"}}.Encode(), body); code != http.StatusOK {
		t.Errorf("a fresh callback: %d, want 200", code)
	}
	body, sig, _ = c.SealCallback([]byte(plain), vecCorpID, "218", "soon", "n")
	if code := post(url.Values{"msg_signature": {sig}, "timestamp": {"soon"}, "nonce": {"n"}}.Encode(), body); code != http.StatusForbidden {
		t.Errorf("a timestamp that is no number: %d, want 403", code)
	}
}

// TestOversizedBodyOfUnknownLength: a body sent without a length (chunked)
// is still refused past MaxCallbackBody, and one within it is read.
func TestOversizedBodyOfUnknownLength(t *testing.T) {
	e := newEnv(t, pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { return bot.Result{}, nil }), nil)
	for _, tc := range []struct {
		body []byte
		code int
	}{
		{bytes.Repeat([]byte("a"), handlers.MaxCallbackBody+1), http.StatusRequestEntityTooLarge},
		{[]byte(vecPOST), http.StatusOK},
	} {
		// io.MultiReader hides the length, so the client sends the body chunked.
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/wecom/callback?"+vecPOSTQ, io.MultiReader(bytes.NewReader(tc.body)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code || req.ContentLength != 0 {
			t.Errorf("chunked body of %d bytes: status %d (declared %d), want %d", len(tc.body), resp.StatusCode, req.ContentLength, tc.code)
		}
	}
}
