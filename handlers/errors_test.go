package handlers_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// sealPlain encrypts a laid-out, padded plaintext with the test vector's
// key alone, to build ciphertexts the service must refuse.
func sealPlain(t *testing.T, plain []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(vecAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	buf := append([]byte(nil), plain...)
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// TestUndecryptableAnswersRevealNothing is issue 11's "errors answered to
// validly signed requests do not reveal padding values": ciphertexts that
// decrypt to bad padding, a bad length field or another receiveid, signed
// with the right token, all get the same 400 with the same body, which
// holds no number; the log line keeps the reason.
func TestUndecryptableAnswersRevealNothing(t *testing.T) {
	e := newEnv(t, nil, nil)
	layout := func(lenField uint32, rid string, pad ...byte) []byte {
		b := binary.BigEndian.AppendUint32([]byte("0123456789abcdef"), lenField)
		b = append(append(b, "hello"...), rid...)
		if pad == nil {
			p := 32 - len(b)%32
			pad = bytes.Repeat([]byte{byte(p)}, p)
		}
		return append(b, pad...)
	}
	n := len(layout(5, vecCorpID, 0)) - 1 // content bytes before any pad
	p := byte(64 - n)
	cases := map[string][]byte{
		"pad byte 33":            layout(5, vecCorpID, append(bytes.Repeat([]byte{p}, int(p)-1), 33)...),
		"inconsistent pad":       layout(5, vecCorpID, append(append(bytes.Repeat([]byte{p}, 5), 7), bytes.Repeat([]byte{p}, int(p)-6)...)...),
		"length field too large": layout(0xFFFFFFFF, vecCorpID),
		"another receiveid":      layout(5, "wwsomeoneelse"),
	}
	var first string
	for name, plain := range cases {
		enc := sealPlain(t, plain)
		ts, nonce := "1409659813", "42"
		sig := e.crypto.Signature(ts, nonce, enc)
		post := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
		get := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}.Encode()
		envelope := []byte("<xml><ToUserName><![CDATA[" + vecCorpID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>")
		for _, req := range []struct {
			method, query string
			body          []byte
		}{{http.MethodPost, post, envelope}, {http.MethodGet, get, nil}} {
			e.logs.Reset()
			code, body := e.do(req.method, req.query, req.body)
			if code != http.StatusBadRequest {
				t.Errorf("%s %s: status %d, want 400", name, req.method, code)
			}
			// The body holds a message without numbers, and the same for all.
			if strings.ContainsAny(string(body), "0123456789") {
				t.Errorf("%s %s: body %s holds a number", name, req.method, body)
			}
			if first == "" {
				first = string(body)
			}
			if string(body) != first {
				t.Errorf("%s %s: body %s differs from %s", name, req.method, body, first)
			}
			if !strings.Contains(e.logs.String(), `"reason":`) {
				t.Errorf("%s %s: log line has no reason: %s", name, req.method, e.logs.String())
			}
		}
	}
}
