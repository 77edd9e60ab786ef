package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// accessEnv serves the router over real HTTP with the served binary's
// logger (JSON, a timestamp, the service's name) at level, so the lines
// are read as operators read them (docs/operations.md, "Logs").
func accessEnv(t *testing.T, level zerolog.Level, p handlers.Pipeline) (*httptest.Server, *syncWriter) {
	t.Helper()
	c, err := wecom.NewCrypto(vecToken, vecAESKey, vecCorpID)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncWriter{}
	log := zerolog.New(logs).Level(level).With().Timestamp().Str("service", "wecom-guard").Logger()
	h, err := handlers.New(handlers.Config{Crypto: c, CorpID: vecCorpID, Pipeline: p, Logger: log, MaxCallbackAge: anyAge})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)
	return srv, logs
}

// logLines decodes every JSON line written.
func logLines(t *testing.T, logs *syncWriter) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func post(t *testing.T, srv *httptest.Server, query, body, requestID string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/wecom/callback?"+query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestAccessLine pins what the access line carries: every field operators
// read (docs/operations.md: one line a request with request_id, outcome
// and latency), the level by status, and the id answered in X-Request-Id.
func TestAccessLine(t *testing.T) {
	ok := pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { return bot.Result{}, nil })
	for _, tc := range []struct {
		name, query, requestID string
		level, outcome         string
		status                 float64
		reason                 bool
	}{
		{name: "clean callback", query: vecPOSTQ, level: "info", outcome: "ok", status: 200},
		{name: "the caller's request id", query: vecPOSTQ, requestID: "lb-7f3a", level: "info", outcome: "ok", status: 200},
		{name: "forged signature", query: strings.Replace(vecPOSTQ, "477715d1", "577715d1", 1), level: "warn", outcome: "forbidden", status: 403, reason: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, logs := accessEnv(t, zerolog.InfoLevel, ok)
			resp := post(t, srv, tc.query, vecPOST, tc.requestID)
			lines := logLines(t, logs)
			if len(lines) != 1 {
				t.Fatalf("%d lines, want the access line alone:\n%s", len(lines), logs)
			}
			l := lines[0]
			id, _ := l["request_id"].(string)
			if tc.requestID != "" && id != tc.requestID {
				t.Errorf("request_id %q, want the caller's %q", id, tc.requestID)
			}
			if tc.requestID == "" && !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
				t.Errorf("request_id %q, want 16 hex digits", id)
			}
			if got := resp.Header.Get("X-Request-Id"); got != id {
				t.Errorf("X-Request-Id %q, want the logged %q", got, id)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			want := map[string]any{"level": tc.level, "service": "wecom-guard", "method": "POST", "path": "/wecom/callback",
				"status": tc.status, "remote": "127.0.0.1", "outcome": tc.outcome, "message": "request"}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
				}
			}
			if ms, ok := l["latency_ms"].(float64); !ok || ms < 0 {
				t.Errorf("latency_ms = %v, want a number of milliseconds", l["latency_ms"])
			}
			if _, ok := l["time"].(string); !ok {
				t.Errorf("time = %v, want the line's time", l["time"])
			}
			if _, ok := l["reason"].(string); ok != tc.reason {
				t.Errorf("reason = %v, want one: %v", l["reason"], tc.reason)
			}
			if len(l) != len(want)+3+btoi(tc.reason) {
				t.Errorf("fields %v, want only %v, request_id, latency_ms, time and reason for errors", l, want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRequestLoggerCarriesTheID: what is logged through the request's
// context while it is processed (the handler's debug line, the pipeline's
// lines, also from another goroutine and after the processing context's
// derivations) carries the request's id, and only at the logger's level.
func TestRequestLoggerCarriesTheID(t *testing.T) {
	var wg sync.WaitGroup
	p := pipelineFunc(func(ctx context.Context, _ *wecom.Message) (bot.Result, error) {
		zerolog.Ctx(ctx).Warn().Msg("from the pipeline")
		zerolog.Ctx(ctx).Debug().Msg("pipeline debug")
		for range 4 {
			wg.Go(func() { zerolog.Ctx(ctx).Warn().Msg("from a goroutine") })
		}
		wg.Wait()
		return bot.Result{}, nil
	})
	for _, level := range []zerolog.Level{zerolog.DebugLevel, zerolog.InfoLevel} {
		t.Run(level.String(), func(t *testing.T) {
			srv, logs := accessEnv(t, level, p)
			post(t, srv, vecPOSTQ, vecPOST, "")
			post(t, srv, vecPOSTQ, vecPOST, "")
			var ids []string
			seen := map[string][]string{}
			for _, l := range logLines(t, logs) {
				id, _ := l["request_id"].(string)
				msg, _ := l["message"].(string)
				if id == "" {
					t.Errorf("line without request_id: %v", l)
				}
				if msg == "request" {
					ids = append(ids, id)
				}
				if l["service"] != "wecom-guard" {
					t.Errorf("line without the logger's context: %v", l)
				}
				seen[id] = append(seen[id], msg)
			}
			if len(ids) != 2 || ids[0] == ids[1] {
				t.Fatalf("access lines' ids %q, want two different ones", ids)
			}
			want := "from the pipeline,from a goroutine,from a goroutine,from a goroutine,from a goroutine,request"
			if level == zerolog.DebugLevel {
				want = "callback received,from the pipeline,pipeline debug,from a goroutine,from a goroutine,from a goroutine,from a goroutine,request"
			}
			for _, id := range ids {
				if got := strings.Join(seen[id], ","); got != want {
					t.Errorf("request %s logged %s, want %s", id, got, want)
				}
			}
		})
	}
}

// TestPanicIsLoggedWithTheRequestID: the recoverer logs a handler's panic
// through the request's logger.
func TestPanicIsLoggedWithTheRequestID(t *testing.T) {
	p := pipelineFunc(func(context.Context, *wecom.Message) (bot.Result, error) { panic(errors.New("boom")) })
	srv, logs := accessEnv(t, zerolog.InfoLevel, p)
	resp := post(t, srv, vecPOSTQ, vecPOST, "panicky-1")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if !bytes.Contains([]byte(logs.String()), []byte(`"request_id":"panicky-1"`)) || !strings.Contains(logs.String(), "recovered panic") {
		t.Errorf("the panic is not logged with the request id:\n%s", logs)
	}
}
