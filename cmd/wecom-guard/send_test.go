package main

import (
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

func TestTextMessageXMLRoundTrip(t *testing.T) {
	for _, text := range []string{"你好", "a ]]> b <xml>&amp;", "加我v信：abc12345\n第二行"} {
		raw, err := textMessageXML("wwcorp", "lisi", text, "123", 1000002, time.Unix(1700000000, 0))
		if err != nil {
			t.Fatal(err)
		}
		m, err := wecom.ParseMessage(raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Content != text || m.FromUserName != "lisi" || m.ToUserName != "wwcorp" || m.MsgID != "123" || m.MsgType != "text" || m.CreateTime != 1700000000 {
			t.Errorf("round trip of %q gave %+v", text, m)
		}
	}
}

func TestDefaultCallbackURL(t *testing.T) {
	for in, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/wecom/callback",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/wecom/callback",
		"10.1.2.3:80":    "http://10.1.2.3:80/wecom/callback",
		"[::]:8080":      "http://127.0.0.1:8080/wecom/callback",
		"not-an-address": "http://127.0.0.1:8080/wecom/callback",
	} {
		if got := defaultCallbackURL(in); got != want {
			t.Errorf("defaultCallbackURL(%q) = %q, want %q", in, got, want)
		}
	}
}
