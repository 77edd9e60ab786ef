package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

type nopPipeline struct{}

func (nopPipeline) HandleCallback(context.Context, *wecom.Message) (bot.Result, error) {
	return bot.Result{}, nil
}

// TestRequestLoggerWithoutZerologKey: were zerolog's context key not
// found (a zerolog that asks for none), the request's logger is still in
// its context, the way zerolog puts it there.
func TestRequestLoggerWithoutZerologKey(t *testing.T) {
	if zerologKey() == nil {
		t.Error("zerolog.Ctx asked the probe for no key: every request builds its logger at once")
	}
	c, err := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		t.Fatal(err)
	}
	for _, found := range []bool{true, false} {
		var buf bytes.Buffer
		s, err := New(Config{Crypto: c, Pipeline: nopPipeline{}, Logger: zerolog.New(&buf)})
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			s.logKey = nil
		}
		s.engine.GET("/probe", func(c *gin.Context) { zerolog.Ctx(c.Request.Context()).Warn().Msg("probe") })
		r := httptest.NewRequest(http.MethodGet, "/probe", nil)
		r.Header.Set(requestIDHeader, "probe-1")
		s.Handler().ServeHTTP(httptest.NewRecorder(), r)
		if got := strings.Count(buf.String(), `"request_id":"probe-1"`); got != 2 {
			t.Errorf("key found %v: %d lines with the request id, want the probe's and the access line:\n%s", found, got, buf.String())
		}
	}
}
