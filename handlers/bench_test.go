package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/importcjj/sensitive"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
	"github.com/wecom-guard/wecom-guard/internal/naive"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// The callback benchmarks run on the same data: the default policy plus a
// 35k-entry lexicon (the file WG_BENCH_LEXICON names, else 35,000 generated
// words) in its illegal category, and the same Redis (REDIS_URL, else
// miniredis). BenchmarkCallback is wecom-guard's whole POST path;
// BenchmarkNaiveCallback the naive server of internal/naive on the same
// words; BenchmarkDecryptOnly the cryptography alone. Each reports, besides
// ns/op (wall time, mostly waiting on Redis when it is a real one), the
// process CPU per callback as cpu-ns/op (client side: Redis' own CPU is not
// counted) where the platform tells it.
//
// The requests are built before the timer starts and answered into a
// reused ResponseWriter, so the allocations counted are the server's, not
// those of httptest.

const benchLexiconSize = 35000

type benchData struct {
	rs     *rules.RuleSet
	engine *rules.Engine
	words  []string
	source string
}

func loadBenchData(b *testing.B) benchData {
	b.Helper()
	lexicon, source := []byte(nil), "generated"
	if p := os.Getenv("WG_BENCH_LEXICON"); p != "" {
		data, err := naive.ReadLexicon(p)
		if err != nil {
			b.Fatal(err)
		}
		lexicon, source = data, p
	} else {
		lexicon = naive.GeneratedLexicon(moderationtest.Lexicon(benchLexiconSize, 1))
	}
	rs, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	rs, dropped, err := naive.WithLexicon(rs, lexicon)
	if err != nil {
		b.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		b.Fatal(err)
	}
	words := naive.PolicyWords(rs)
	b.Logf("lexicon %s: %d words in the policy (%d lexicon lines dropped as a list file would)", source, len(words), dropped)
	return benchData{rs: rs, engine: engine, words: words, source: source}
}

// cleanTexts returns realistic chat messages that neither the engine nor
// the naive filter flags, so every benchmarked callback is a clean one.
func (d benchData) cleanTexts(b *testing.B) []string {
	b.Helper()
	f := sensitive.New()
	f.AddWord(d.words...)
	var out []string
	for _, t := range moderationtest.Messages(3000, 7) {
		if d.engine.Evaluate(t, rules.Context{ChatKind: rules.ChatDirect, Time: time.Now()}).Action != rules.ActionNone {
			continue
		}
		if found, _ := f.FindIn(t); found {
			continue
		}
		out = append(out, t)
	}
	if len(out) < 100 {
		b.Fatalf("only %d of 3000 generated messages are clean for both engines", len(out))
	}
	return out
}

type sealed struct {
	query   string
	body    string
	encrypt string
}

// sealCallbacks builds n distinct text-message callbacks (distinct MsgIds,
// so dedup lets each one through) as WeCom would send them, the texts taken
// in turn.
func sealCallbacks(b *testing.B, c *wecom.Crypto, n int, texts []string) []sealed {
	b.Helper()
	out := make([]sealed, n)
	base := time.Now().UnixNano() // fresh MsgIds on a shared Redis
	for i := range out {
		plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"+
			"<CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"+
			"<MsgId>%d</MsgId><AgentID>218</AgentID></xml>", vecCorpID, texts[i%len(texts)], base+int64(i))
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

// discard is a reusable ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	return len(p), nil
}
func (d *discard) WriteHeader(code int) { d.code = code }

// serveCallbacks posts call(i) to h for i < b.N and reports cpu-ns/op.
func serveCallbacks(b *testing.B, h http.Handler, call func(i int) sealed) {
	b.Helper()
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		c := call(i)
		reqs[i] = httptest.NewRequest(http.MethodPost, "/wecom/callback?"+c.query, strings.NewReader(c.body))
	}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, reqs[i])
		if w.code != http.StatusOK && w.code != 0 {
			b.Fatalf("status %d", w.code)
		}
	}
	b.StopTimer()
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkCallback is the whole POST path through the gin router:
// signature, decrypt, parse, check, dedup in Redis, ack.
func BenchmarkCallback(b *testing.B) {
	benchCallback(b, zerolog.Nop())
}

// BenchmarkCallbackAccessLog is BenchmarkCallback with the served binary's
// logger (JSON with a timestamp and the service's name, as
// cmd/wecom-guard's newLogger builds it) writing to io.Discard: at info
// every callback writes its access line, at warn it writes none. The
// difference is what building the line costs (not writing it: the batch
// writer's share is measured on the served binary).
func BenchmarkCallbackAccessLog(b *testing.B) {
	for _, level := range []zerolog.Level{zerolog.InfoLevel, zerolog.WarnLevel} {
		b.Run(level.String(), func(b *testing.B) {
			benchCallback(b, zerolog.New(io.Discard).Level(level).With().Timestamp().Str("service", "wecom-guard").Logger())
		})
	}
}

// BenchmarkCallbackNoRedis is the handler's own part of a clean callback:
// the router, the request log, signature, decryption, parsing and the
// answer, with a pipeline that returns at once (no check, no Redis), with
// the served logger at info and warn and with none. Without the round trip
// and its syscalls, the access line's cost is the difference of the first
// two.
func BenchmarkCallbackNoRedis(b *testing.B) {
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	calls := sealCallbacks(b, c, 1000, moderationtest.Messages(100, 7))
	p := pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { return bot.Result{}, nil })
	for _, tc := range []struct {
		name string
		log  zerolog.Logger
	}{
		{"info", zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Str("service", "wecom-guard").Logger()},
		{"warn", zerolog.New(io.Discard).Level(zerolog.WarnLevel).With().Timestamp().Str("service", "wecom-guard").Logger()},
		{"nop", zerolog.Nop()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h, err := handlers.New(handlers.Config{Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: tc.log, MaxCallbackAge: anyAge})
			if err != nil {
				b.Fatal(err)
			}
			serveCallbacks(b, h.Handler(), func(i int) sealed { return calls[i%len(calls)] })
		})
	}
}

func benchCallback(b *testing.B, log zerolog.Logger) {
	d := loadBenchData(b)
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	engine := d.engine
	p, err := bot.New(bot.Config{Store: storetest.New(b), Checker: func() bot.Checker { return engine }})
	if err != nil {
		b.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: log, MaxCallbackAge: anyAge})
	if err != nil {
		b.Fatal(err)
	}
	calls := sealCallbacks(b, c, b.N, d.cleanTexts(b))
	serveCallbacks(b, h.Handler(), func(i int) sealed { return calls[i] })
}

// BenchmarkNaiveCallback is the baseline: the naive server (gin,
// silenceper's Signature and DecryptMsg, encoding/xml, importcjj's FindIn,
// SET NX and INCR) on the same words, callbacks and Redis.
func BenchmarkNaiveCallback(b *testing.B) {
	d := loadBenchData(b)
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	u := os.Getenv("REDIS_URL")
	if u == "" {
		u = "redis://" + miniredis.RunT(b).Addr()
	}
	s, err := naive.New(naive.Config{Token: vecToken, AESKey: vecAESKey, CorpID: vecCorpID, RedisURL: u,
		Prefix: fmt.Sprintf("wgbench:naive:%d:", time.Now().UnixNano()), Words: d.words})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.DeleteAll(ctx); err != nil {
			b.Error(err)
		}
		_ = s.Close()
	})
	calls := sealCallbacks(b, c, b.N, d.cleanTexts(b))
	serveCallbacks(b, s.Handler(), func(i int) sealed { return calls[i] })
}

// BenchmarkDecryptOnly is the floor: the cryptographic part of the same
// callbacks (signature check and AES decrypt) with no HTTP and no Redis.
func BenchmarkDecryptOnly(b *testing.B) {
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		b.Fatal(err)
	}
	calls := sealCallbacks(b, c, b.N, moderationtest.Messages(100, 7))
	b.ReportAllocs()
	cpu0 := processCPU()
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
	b.StopTimer()
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
