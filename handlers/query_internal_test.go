package handlers

import (
	"net/url"
	"testing"
)

// FuzzCallbackQuery: parseCallbackQuery reads the four parameters exactly
// as url.Values.Get does after url.ParseQuery.
func FuzzCallbackQuery(f *testing.F) {
	for _, s := range []string{
		"",
		"msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149",
		"msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D",
		"nonce=1&nonce=2&timestamp=3",
		"nonce=%zz&nonce=2",
		"msg%5Fsignature=a+b&timestamp=1;2&nonce=x",
		"&&=&timestamp&nonce=",
		"echostr=a%20b%2Bc+d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := parseCallbackQuery(raw)
		want, _ := url.ParseQuery(raw)
		for name, v := range map[string]string{"msg_signature": got.signature, "timestamp": got.timestamp, "nonce": got.nonce, "echostr": got.echostr} {
			if w := want.Get(name); v != w {
				t.Fatalf("%q: %s = %q, url.Values has %q", raw, name, v, w)
			}
		}
	})
}
