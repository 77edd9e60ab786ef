package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
)

type sealed struct {
	query   string
	body    string
	encrypt string
}

// sealCallbacks builds n distinct text-message callbacks (distinct MsgIds,
// so dedup lets each one through) as WeCom would send them.
func sealCallbacks(b *testing.B, c *wecom.Crypto, n int) []sealed {
	b.Helper()
	out := make([]sealed, n)
	for i := range out {
		plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"+
			"<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[明天上午十点开会，请准时参加]]></Content>"+
			"<MsgId>%d</MsgId><AgentID>218</AgentID></xml>", vecCorpID, 4561255354251345929+int64(i))
		ts, nonce := "1409659813", strconv.Itoa(i)
		body, sig, err := c.SealCallback([]byte(plain), vecCorpID, "218", ts, nonce)
		if err != nil {
			b.Fatal(err)
		}
		env, err := wecom.ParseEnvelope(body)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = sealed{
			query:   url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}.Encode(),
			body:    string(body),
			encrypt: env.Encrypt,
		}
	}
	return out
}

// BenchmarkCallback is the whole POST path through the gin router:
// signature, decrypt, parse, dedup in Redis (REDIS_URL, else miniredis), ack.
func BenchmarkCallback(b *testing.B) {
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	p := newPipeline(b)
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: zerolog.Nop(), MaxCallbackAge: anyAge})
	if err != nil {
		b.Fatal(err)
	}
	calls := sealCallbacks(b, c, b.N)
	handler := h.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/wecom/callback?"+calls[i].query, strings.NewReader(calls[i].body))
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkDecryptOnly is the baseline: the cryptographic part of the same
// callbacks (signature check and AES decrypt) with no HTTP and no Redis.
func BenchmarkDecryptOnly(b *testing.B) {
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	calls := sealCallbacks(b, c, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, _ := url.ParseQuery(calls[i].query)
		if err := c.Verify(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), calls[i].encrypt); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decrypt(calls[i].encrypt); err != nil {
			b.Fatal(err)
		}
	}
}
