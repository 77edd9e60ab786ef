package wecom_test

import (
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// BenchmarkParseMessage is the scanner path of a text message; its baseline
// BenchmarkParseMessageXML decodes the same plaintext with encoding/xml
// into a struct of the same fields (what ParseMessage did before).
func BenchmarkParseMessage(b *testing.B) {
	plain := []byte(sampleText)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wecom.ParseMessage(plain); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMessageXML(b *testing.B) {
	plain := []byte(sampleText)
	b.ReportAllocs()
	for b.Loop() {
		var w struct {
			ToUserName, FromUserName, CreateTime, MsgType, Content, AgentID string
			MsgID                                                           string `xml:"MsgId"`
		}
		if err := xml.Unmarshal(plain, &w); err != nil {
			b.Fatal(err)
		}
		_ = append([]byte(nil), plain...)
	}
}

// BenchmarkOpen verifies and decrypts the official callback body in place;
// BenchmarkOpenXML is the same through encoding/xml and the string API.
func BenchmarkOpen(b *testing.B) {
	c := officialCrypto(b)
	body := []byte(officialPOSTBody)
	q, err := url.ParseQuery(officialPOSTQuery)
	if err != nil {
		b.Fatal(err)
	}
	officialPOSTSig, officialPOSTTS, officialPOSTNonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Open(officialPOSTSig, officialPOSTTS, officialPOSTNonce, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenXML(b *testing.B) {
	c := officialCrypto(b)
	body := []byte(officialPOSTBody)
	q, err := url.ParseQuery(officialPOSTQuery)
	if err != nil {
		b.Fatal(err)
	}
	officialPOSTSig, officialPOSTTS, officialPOSTNonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	b.ReportAllocs()
	for b.Loop() {
		var env wecom.Envelope
		if err := xml.Unmarshal(body, &env); err != nil {
			b.Fatal(err)
		}
		if err := c.Verify(officialPOSTSig, officialPOSTTS, officialPOSTNonce, env.Encrypt); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decrypt(env.Encrypt); err != nil {
			b.Fatal(err)
		}
	}
}
