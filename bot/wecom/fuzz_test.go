package wecom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// The fuzz targets assert that no input panics and that every refusal is one
// of the package's error kinds, so the HTTP layer can always map it to a
// status. Seed corpora live in testdata/fuzz/<Name>/.

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(officialPOSTBody))
	f.Add([]byte("<xml><Encrypt>a</Encrypt></xml>"))
	f.Add([]byte("<xml><Encrypt><![CDATA[]]></Encrypt></xml>"))
	f.Add([]byte(`{"encrypt":"abc"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := wecom.ParseEnvelope(body)
		if err != nil {
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			return
		}
		if env.Encrypt == "" {
			t.Fatalf("accepted an envelope without Encrypt")
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	c := officialCrypto(f)
	bot := newTestCrypto(f, officialToken, officialAESKey, "")
	env, err := wecom.ParseEnvelope([]byte(officialPOSTBody))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env.Encrypt)
	f.Add("P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 44))
	f.Fuzz(func(t *testing.T, encrypt string) {
		for _, cr := range []*wecom.Crypto{c, bot} {
			msg, err := cr.Decrypt(encrypt)
			if err != nil {
				if !errors.Is(err, wecom.ErrMalformed) && !errors.Is(err, wecom.ErrReceiveID) {
					t.Fatalf("err = %v, want ErrMalformed or ErrReceiveID", err)
				}
				continue
			}
			// Whatever decrypted must seal and open back to itself.
			enc, err := cr.Encrypt(msg)
			if err != nil {
				t.Fatal(err)
			}
			back, err := cr.Decrypt(enc)
			if err != nil || !bytes.Equal(back, msg) {
				t.Fatalf("round trip of %q = %q, %v", msg, back, err)
			}
		}
		// The input as a message: it must survive a round trip exactly.
		enc, err := bot.Encrypt([]byte(encrypt))
		if err != nil {
			t.Fatal(err)
		}
		back, err := bot.Decrypt(enc)
		if err != nil || string(back) != encrypt {
			t.Fatalf("round trip of the input = %q, %v", back, err)
		}
	})
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{officialPOSTPlain, sampleText, sampleLocation, sampleCreateUser, sampleExternalChat, sampleUnknown, "", "<xml/>", "<a><b>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, plain []byte) {
		m, err := wecom.ParseMessage(plain)
		if err != nil {
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			return
		}
		if !bytes.Equal(m.Raw, plain) {
			t.Fatalf("Raw differs from the input")
		}
		k := m.DedupKey()
		if len(k) < 4 || len(k) > 200 {
			t.Fatalf("DedupKey %q has length %d", k, len(k))
		}
		if strings.ContainsAny(k, " {}\r\n\t\x00") {
			t.Fatalf("DedupKey %q holds characters unsafe in a Redis key part", k)
		}
		if !strings.HasPrefix(k, "msg:") && !strings.HasPrefix(k, "evt:") {
			t.Fatalf("DedupKey %q has no kind prefix", k)
		}
	})
}

func FuzzOpenJSON(f *testing.F) {
	bot := newTestCrypto(f, "bottoken", officialAESKey, "")
	sealed, err := bot.SealJSON([]byte(`{"msgid":"1","chattype":"group","msgtype":"text","text":{"content":"@bot 规则"}}`), "1732600000", "n")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add([]byte(`{"encrypt":"AAAA"}`))
	f.Add([]byte(`{"encrypt":""}`))
	f.Add([]byte(`{"encrypt":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := bot.OpenJSON("0000000000000000000000000000000000000000", "1", "2", body)
		if err == nil {
			t.Fatalf("opened a body with a forged signature")
		}
		if !errors.Is(err, wecom.ErrSignature) && !errors.Is(err, wecom.ErrMalformed) {
			t.Fatalf("forged signature: err = %v, want ErrSignature or ErrMalformed", err)
		}
		// With the right signature the decrypt path is reached.
		var env struct {
			Encrypt string `json:"encrypt"`
		}
		if json.Unmarshal(body, &env) != nil || env.Encrypt == "" {
			return
		}
		_, err = bot.OpenJSON(bot.Signature("1", "2", env.Encrypt), "1", "2", body)
		if err != nil && !errors.Is(err, wecom.ErrMalformed) && !errors.Is(err, wecom.ErrReceiveID) {
			t.Fatalf("signed body: err = %v, want nil, ErrMalformed or ErrReceiveID", err)
		}
	})
}
