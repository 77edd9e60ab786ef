package wecom_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

func TestReceiveIDMismatch(t *testing.T) {
	pairs := []struct{ sealer, opener string }{
		{"corpA", "corpB"},
		{"", "corpA"},
		{"corpA", ""},
		{"corpA", "corpAB"},
		{"corpAB", "corpA"},
	}
	secret := "secret plaintext 13800138000"
	for _, p := range pairs {
		t.Run(p.sealer+"->"+p.opener, func(t *testing.T) {
			enc, err := newTestCrypto(t, "tok", officialAESKey, p.sealer).Encrypt([]byte(secret))
			if err != nil {
				t.Fatal(err)
			}
			opener := newTestCrypto(t, "tok", officialAESKey, p.opener)
			_, err = opener.Decrypt(enc)
			if !errors.Is(err, wecom.ErrReceiveID) {
				t.Fatalf("Decrypt err = %v, want ErrReceiveID", err)
			}
			if strings.Contains(err.Error(), secret) || (p.sealer != "" && strings.Contains(err.Error(), p.sealer)) {
				t.Errorf("error %q leaks content", err)
			}
		})
	}
}

func TestSignatureRefused(t *testing.T) {
	c := officialCrypto(t)
	other := newTestCrypto(t, "another", officialAESKey, officialCorpID)
	inner := []byte("<xml><MsgType>text</MsgType></xml>")
	body, sig, err := c.SealCallback(inner, officialCorpID, "1", "100", "n")
	if err != nil {
		t.Fatal(err)
	}
	env, _ := wecom.ParseEnvelope(body)
	echo, _ := c.Encrypt([]byte("echo"))
	echoSig := c.Signature("100", "n", echo)
	jsonBody := []byte(`{"encrypt":"` + env.Encrypt + `"}`)
	tests := []struct {
		name string
		call func() error
	}{
		{"wrong token", func() error { _, err := other.Open(sig, "100", "n", body); return err }},
		{"missing signature", func() error { _, err := c.Open("", "100", "n", body); return err }},
		{"uppercase signature", func() error { _, err := c.Open(strings.ToUpper(sig), "100", "n", body); return err }},
		{"truncated signature", func() error { _, err := c.Open(sig[:39], "100", "n", body); return err }},
		{"other timestamp", func() error { _, err := c.Open(sig, "101", "n", body); return err }},
		{"tampered ciphertext", func() error {
			b := bytes.Replace(body, []byte(env.Encrypt[:8]), []byte("AAAAAAAA"), 1)
			_, err := c.Open(sig, "100", "n", b)
			return err
		}},
		{"url check wrong token", func() error { _, err := other.VerifyURL(echoSig, "100", "n", echo); return err }},
		{"url check missing signature", func() error { _, err := c.VerifyURL("", "100", "n", echo); return err }},
		{"json wrong token", func() error { _, err := other.OpenJSON(sig, "100", "n", jsonBody); return err }},
		{"json other nonce", func() error { _, err := c.OpenJSON(sig, "100", "m", jsonBody); return err }},
		{"verify", func() error { return c.Verify(sig, "100", "n", env.Encrypt+"A") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, wecom.ErrSignature) {
				t.Errorf("err = %v, want ErrSignature", err)
			}
		})
	}
	// The same inputs pass with the right signature, so the cases above fail
	// for the reason they name.
	if _, err := c.Open(sig, "100", "n", body); err != nil {
		t.Errorf("Open with the right signature: %v", err)
	}
	if _, err := c.OpenJSON(sig, "100", "n", jsonBody); err != nil {
		t.Errorf("OpenJSON with the right signature: %v", err)
	}
	if got, err := c.VerifyURL(echoSig, "100", "n", echo); err != nil || string(got) != "echo" {
		t.Errorf("VerifyURL = %q, %v; want echo", got, err)
	}
}

// sealRaw encrypts an already laid-out and padded plaintext with the key
// alone, independently of the package, to build ciphertexts it must refuse.
func sealRaw(t testing.TB, encodingAESKey string, plain []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain)%aes.BlockSize != 0 {
		t.Fatalf("sealRaw: %d bytes is not a multiple of 16", len(plain))
	}
	buf := append([]byte(nil), plain...)
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// layout builds random ‖ lenField ‖ msg ‖ rid, then appends pad.
func layout(lenField uint32, msg, rid string, pad []byte) []byte {
	b := make([]byte, 16, 64)
	copy(b, "0123456789abcdef")
	b = binary.BigEndian.AppendUint32(b, lenField)
	b = append(b, msg...)
	b = append(b, rid...)
	return append(b, pad...)
}

// pkcs7 returns WeCom's padding for n content bytes.
func pkcs7(n int) []byte {
	p := 32 - n%32
	return bytes.Repeat([]byte{byte(p)}, p)
}

func TestDecryptMalformed(t *testing.T) {
	const rid = officialCorpID
	c := officialCrypto(t)
	good := layout(5, "hello", rid, nil)
	good = append(good, pkcs7(len(good))...)
	goodEnc := sealRaw(t, officialAESKey, good)
	if got, err := c.Decrypt(goodEnc); err != nil || string(got) != "hello" {
		t.Fatalf("control case: Decrypt = %q, %v; want hello", got, err)
	}
	goodRaw, _ := base64.StdEncoding.DecodeString(goodEnc)

	withPad := func(content []byte, pad []byte) string {
		return sealRaw(t, officialAESKey, append(append([]byte(nil), content...), pad...))
	}
	content := layout(5, "hello", rid, nil) // 43 bytes: pads to 64 with 21 bytes
	tests := []struct {
		name    string
		encrypt string
	}{
		{"empty", ""},
		{"bad base64", "!!!not base64!!!"},
		{"base64 without padding", strings.TrimRight(goodEnc, "=")},
		{"truncated to 48 bytes", base64.StdEncoding.EncodeToString(goodRaw[:48])},
		{"one block of 16", base64.StdEncoding.EncodeToString(goodRaw[:16])},
		{"32 bytes of 64 (last block dropped)", base64.StdEncoding.EncodeToString(goodRaw[:32])},
		{"one byte", base64.StdEncoding.EncodeToString(goodRaw[:1])},
		{"pad byte 0", withPad(content, append(bytes.Repeat([]byte{21}, 20), 0))},
		{"pad byte 33", withPad(content, append(bytes.Repeat([]byte{21}, 20), 33))},
		{"pad byte 255", withPad(content, append(bytes.Repeat([]byte{21}, 20), 255))},
		{"inconsistent pad bytes", withPad(content, append(append(bytes.Repeat([]byte{21}, 10), 7), bytes.Repeat([]byte{21}, 10)...))},
		{"pad longer than the message", sealRaw(t, officialAESKey, bytes.Repeat([]byte{32}, 32))},
		{"plaintext shorter than its header", withPad([]byte("0123456789abcdef012"), pkcs7(19))},
		{"length field one past the end", withPad(layout(5+uint32(len(rid))+1, "hello", rid, nil), pkcs7(len(content)))},
		{"length field 0xFFFFFFFF", withPad(layout(0xFFFFFFFF, "hello", rid, nil), pkcs7(len(content)))},
		{"length field 0x80000000", withPad(layout(0x80000000, "hello", rid, nil), pkcs7(len(content)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Decrypt(tc.encrypt)
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Fatalf("Decrypt = %q, %v; want ErrMalformed", got, err)
			}
			if strings.Contains(err.Error(), "hello") {
				t.Errorf("error %q leaks the plaintext", err)
			}
			// Through the signed paths the same ciphertext is refused with
			// the same kind of error once the signature is right.
			_, err = c.VerifyURL(c.Signature("1", "2", tc.encrypt), "1", "2", tc.encrypt)
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Errorf("VerifyURL err = %v, want ErrMalformed", err)
			}
			// Unsigned, the same input is refused as unauthenticated first.
			if _, err := c.VerifyURL("", "1", "2", tc.encrypt); !errors.Is(err, wecom.ErrSignature) {
				t.Errorf("unsigned VerifyURL err = %v, want ErrSignature", err)
			}
		})
	}
}

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wecom.Envelope
		ok   bool
	}{
		{"official", officialPOSTBody, wecom.Envelope{ToUserName: officialCorpID, AgentID: "218"}, true},
		{"plain text elements", "<xml><ToUserName>c</ToUserName><Encrypt>abc</Encrypt></xml>", wecom.Envelope{ToUserName: "c", Encrypt: "abc"}, true},
		{"extra unknown elements", "<xml><Encrypt>abc</Encrypt><Foo>1</Foo></xml>", wecom.Envelope{Encrypt: "abc"}, true},
		{"empty body", "", wecom.Envelope{}, false},
		{"not xml", "encrypt=abc", wecom.Envelope{}, false},
		{"json", `{"encrypt":"abc"}`, wecom.Envelope{}, false},
		{"no Encrypt", "<xml><ToUserName>c</ToUserName></xml>", wecom.Envelope{}, false},
		{"empty Encrypt", "<xml><Encrypt><![CDATA[]]></Encrypt></xml>", wecom.Envelope{}, false},
		{"unclosed", "<xml><Encrypt>abc", wecom.Envelope{}, false},
		{"mismatched tags", "<xml><Encrypt>abc</Nonce></xml>", wecom.Envelope{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := wecom.ParseEnvelope([]byte(tc.body))
			if !tc.ok {
				if !errors.Is(err, wecom.ErrMalformed) {
					t.Fatalf("ParseEnvelope err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if tc.name == "official" {
				tc.want.Encrypt = got.Encrypt
				if !strings.HasPrefix(got.Encrypt, "RypEvHKD8QQ") {
					t.Errorf("Encrypt = %.20q…", got.Encrypt)
				}
			}
			if got != tc.want {
				t.Errorf("ParseEnvelope = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOpenJSONMalformed(t *testing.T) {
	bot := newTestCrypto(t, "tok", officialAESKey, "")
	for _, body := range []string{"", "null", "[]", `{"encrypt":1}`, `{"encrypt":""}`, `{}`, `<xml><Encrypt>a</Encrypt></xml>`, `{"encrypt":"abc"`} {
		t.Run(body, func(t *testing.T) {
			if _, err := bot.OpenJSON("sig", "1", "2", []byte(body)); !errors.Is(err, wecom.ErrMalformed) {
				t.Errorf("OpenJSON(%q) err = %v, want ErrMalformed", body, err)
			}
		})
	}
}

// TestDecryptErrorsRevealNothing is issue 11's finding on padding values:
// every ciphertext that decrypts to an invalid plaintext (bad padding,
// short plaintext, length field too large, wrong receiveid) fails with
// ErrUndecryptable, with one and the same message for all but the
// receiveid, and no message holds a value of the decrypted bytes.
func TestDecryptErrorsRevealNothing(t *testing.T) {
	const rid = officialCorpID
	c := officialCrypto(t)
	withPad := func(content []byte, pad []byte) string {
		return sealRaw(t, officialAESKey, append(append([]byte(nil), content...), pad...))
	}
	content := layout(5, "hello", rid, nil) // 43 bytes: pads to 64 with 21 bytes
	foreign := layout(5, "hello", "wwsomeoneelse", nil)
	cases := map[string]string{
		"pad byte 0":                       withPad(content, append(bytes.Repeat([]byte{21}, 20), 0)),
		"pad byte 33":                      withPad(content, append(bytes.Repeat([]byte{21}, 20), 33)),
		"pad byte 255":                     withPad(content, append(bytes.Repeat([]byte{21}, 20), 255)),
		"pad byte 7 in a pad of 21":        withPad(content, append(append(bytes.Repeat([]byte{21}, 10), 7), bytes.Repeat([]byte{21}, 10)...)),
		"pad longer than the message":      sealRaw(t, officialAESKey, bytes.Repeat([]byte{32}, 32)),
		"plaintext shorter than header":    withPad([]byte("0123456789abcdef012"), pkcs7(19)),
		"length field 0xFFFFFFFF":          withPad(layout(0xFFFFFFFF, "hello", rid, nil), pkcs7(len(content))),
		"length field one past the end":    withPad(layout(5+uint32(len(rid))+1, "hello", rid, nil), pkcs7(len(content))),
		"receiveid of another corp":        withPad(foreign, pkcs7(len(foreign))),
		"receiveid of the intelligent bot": withPad(layout(5, "hello", "", nil), pkcs7(25)),
	}
	want := ""
	for name, enc := range cases {
		_, err := c.Decrypt(enc)
		if !errors.Is(err, wecom.ErrUndecryptable) || !errors.Is(err, wecom.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrUndecryptable", name, err)
			continue
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "0123456789") {
			t.Errorf("%s: error %q holds a number", name, msg)
		}
		if strings.HasPrefix(name, "receiveid") {
			if !errors.Is(err, wecom.ErrReceiveID) {
				t.Errorf("%s: err = %v, want ErrReceiveID too", name, err)
			}
			continue
		}
		if want == "" {
			want = msg
		}
		if msg != want {
			t.Errorf("%s: error %q differs from %q", name, msg, want)
		}
	}
}
