package handlers

import (
	"bytes"
	"context"
	"net"
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

// FuzzClientIP: the access line's client address is gin's ClientIP, with
// and without trusted proxies, over TCP and a unix socket.
func FuzzClientIP(f *testing.F) {
	for _, s := range []struct{ remote, xff string }{
		{"127.0.0.1:5060", ""},
		{"10.1.2.3:1", "203.0.113.9"},
		{" 10.1.2.3:1 ", ""},
		{"[::1]:80", ""},
		{"[::ffff:10.0.0.1]:80", ""},
		{"[fe80::1%eth0]:80", ""},
		{"[2001:DB8::01]:80", "198.51.100.1, 10.1.2.3"},
		{"010.1.2.3:80", ""},
		{"1.2.3.4", ""},
		{"", ""},
		{"@", ""},
		{"1.2.3.4:", ""},
	} {
		f.Add(s.remote, s.xff)
	}
	c, err := wecom.NewCrypto("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
	if err != nil {
		f.Fatal(err)
	}
	var servers []*Server
	for _, proxies := range [][]string{nil, {"10.0.0.0/8", "::1"}} {
		s, err := New(Config{Crypto: c, Pipeline: nopPipeline{}, Logger: zerolog.Nop(), TrustedProxies: proxies})
		if err != nil {
			f.Fatal(err)
		}
		servers = append(servers, s)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		for _, s := range servers {
			for _, local := range []net.Addr{nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, &net.UnixAddr{Name: "/run/wg.sock", Net: "unix"}} {
				r := httptest.NewRequest(http.MethodPost, "/wecom/callback", nil)
				if local != nil {
					r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, local))
				}
				r.RemoteAddr = remote
				if xff != "" {
					r.Header.Set("X-Forwarded-For", xff)
				}
				gc := gin.CreateTestContextOnly(httptest.NewRecorder(), s.engine)
				gc.Request = r
				if got, want := s.clientIP(gc), gc.ClientIP(); got != want {
					t.Fatalf("RemoteAddr %q, X-Forwarded-For %q, proxies %q, local %v: clientIP %q, gin's ClientIP %q", remote, xff, s.cfg.TrustedProxies, local, got, want)
				}
			}
		}
	})
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
