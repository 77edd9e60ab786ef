package wecom_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// fixtureMessages are the plaintext shapes of the tests in this package and
// of the packages built on it (handlers, bot): the differential fuzz target
// and TestScannerHandlesWeComShapes start from them.
func fixtureMessages() []string {
	hdr := "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1764036000</CreateTime><MsgType><![CDATA[event]]></MsgType>"
	plainHdr := "<xml><FromUserName>sys</FromUserName><CreateTime>1764036000</CreateTime><MsgType>event</MsgType>"
	return []string{
		officialPOSTPlain, sampleText, sampleImage, sampleVoice, sampleVideo, sampleLocation, sampleLink,
		sampleEnterAgent, sampleCreateUser, sampleUpdateUser, sampleDeleteUser, sampleExternalChat,
		sampleExternalChatDismiss, sampleMsgAudit, sampleUnknown,
		// handlers tests
		"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你真是个傻逼]]></Content><MsgId>777001</MsgId><AgentID>218</AgentID></xml>",
		"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>55</MsgId></xml>",
		"<xml><MsgType>text</MsgType><Content>secret-content</Content></xml>",
		// bot tests: directory events
		hdr + `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[老子天下第一]]></Name></xml>`,
		hdr + `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_party]]></ChangeType><Id>5</Id><Name><![CDATA[老子部]]></Name></xml>`,
		hdr + `<Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhao]]></UserID><DirectLeader><![CDATA[ma,boss]]></DirectLeader></xml>`,
		plainHdr + `<Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>lisi</UserID><Name>傻逼李四</Name></xml>`,
		plainHdr + `<Event>change_contact</Event><ChangeType>delete_user</ChangeType><UserID>leaver</UserID></xml>`,
		// cmd/wecom-guard send: what TextReply and textMessageXML write
		string(wecom.TextReply("lisi", "wwcorp", "a ]]> b <xml>&amp;", time.Unix(1700000000, 0))),
	}
}

// readCorpus returns the values of the checked-in corpus files of a fuzz
// target ("go test fuzz v1" then one []byte("…") or string("…") line).
func readCorpus(tb testing.TB, target string) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			for _, p := range []string{"[]byte(", "string("} {
				if v, ok := strings.CutPrefix(line, p); ok {
					if s, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
						out = append(out, []byte(s))
					}
				}
			}
		}
	}
	return out
}

// FuzzScanVsXML is the differential test of the fixed-format scanner:
// whenever it answers for an input (as a plaintext or as an envelope),
// encoding/xml must accept that input and decode the same values. Inputs
// it does not handle fall back to encoding/xml in ParseMessage and
// ParseEnvelope, so they cannot differ.
func FuzzScanVsXML(f *testing.F) {
	for _, s := range fixtureMessages() {
		f.Add([]byte(s))
	}
	f.Add([]byte(officialPOSTBody))
	for _, target := range []string{"FuzzParseMessage", "FuzzParseEnvelope"} {
		for _, v := range readCorpus(f, target) {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, diff := wecom.ScanVsXML(data); diff != "" {
			t.Fatalf("%q: %s", data, diff)
		}
	})
}

// TestScanVsXMLShapes pins the scanner's edge cases: each input is either
// handled with encoding/xml's values or left to encoding/xml.
func TestScanVsXMLShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		handled bool
	}{
		{"entities", "<xml><Content>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#20320;&#x597D;&#X41;</Content></xml>", false},
		{"named and numeric entities", "<xml><Content>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#20320;&#x597D;&#x4a;</Content></xml>", true},
		{"cdata and text mixed", "<xml><Content>x<![CDATA[<b>]]>y<![CDATA[z]]></Content></xml>", true},
		{"cdata split around ]]>", "<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>", true},
		{"white space around the root and between elements", " \n<xml>\n\t<MsgType> text </MsgType>\n</xml>\n", true},
		{"repeated element: the last wins", "<xml><Content>a</Content><Content>b</Content></xml>", true},
		{"member lists appended", "<xml><MemChangeList><Item>a</Item></MemChangeList><MemChangeList>\n<Item>b</Item><Other>x</Other></MemChangeList></xml>", true},
		{"empty member list", "<xml><MemChangeList></MemChangeList><MemChangeList> </MemChangeList></xml>", true},
		{"unknown nested elements", "<xml><ExtAttr><Item><Name>n</Name><Text><Value>v</Value></Text></Item></ExtAttr><MsgId>1</MsgId></xml>", true},
		{"trailing bytes after the root are ignored", "<xml><MsgId>1</MsgId></xml>\x00<junk", true},
		{"empty elements", "<xml><Content></Content><Content><![CDATA[]]></Content></xml>", true},
		{"carriage return", "<xml><Content>a\r\nb</Content></xml>", false},
		{"carriage return in cdata", "<xml><Content><![CDATA[a\rb]]></Content></xml>", false},
		{"character reference to CR", "<xml><Content>a&#13;b</Content></xml>", true},
		{"surrogate reference", "<xml><Content>&#xD800;</Content></xml>", false},
		{"NUL reference", "<xml><Content>&#0;</Content></xml>", false},
		{"declaration", `<?xml version="1.0" encoding="UTF-8"?><xml><MsgId>1</MsgId></xml>`, false},
		{"attributes", `<xml><Content lang="zh">a</Content></xml>`, false},
		{"self-closing", `<xml><Content/></xml>`, false},
		{"comment", `<xml><!-- c --><MsgId>1</MsgId></xml>`, false},
		{"namespace", `<xml><a:Content>x</a:Content></xml>`, false},
		{"other root", `<message><MsgId>1</MsgId></message>`, false},
		{"text field with children", `<xml><Content><b>x</b></Content><Encrypt><b>x</b></Encrypt></xml>`, false},
		{"mixed content", `<xml><Content>a<b>x</b>c</Content></xml>`, false},
		{"unescaped ]]>", `<xml><Content>a]]>b</Content></xml>`, false},
		{"bare ampersand", `<xml><Content>a & b</Content></xml>`, false},
		{"unknown entity", `<xml><Content>&nbsp;</Content></xml>`, false},
		{"invalid UTF-8", "<xml><Content>\xff</Content></xml>", false},
		{"control character", "<xml><Content>\x01</Content></xml>", false},
		{"U+FFFE", "<xml><Content>\uFFFE</Content></xml>", false},
		{"mismatched end tag", `<xml><Content>a</Contents></xml>`, false},
		{"unclosed root", `<xml><Content>a</Content>`, false},
		{"unclosed cdata", `<xml><Content><![CDATA[a</Content></xml>`, false},
		{"text in the root", `<xml>hello<MsgId>1</MsgId></xml>`, false},
		{"too deep", "<xml>" + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + "</xml>", false},
		{"envelope", officialPOSTBody, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, env, diff := wecom.ScanVsXML([]byte(tc.in))
			if diff != "" {
				t.Fatal(diff)
			}
			if msg != tc.handled || env != tc.handled {
				t.Fatalf("handled as message %v, as envelope %v; want %v", msg, env, tc.handled)
			}
		})
	}
}

// TestScannerHandlesWeComShapes: the fast path is the one taken for what
// WeCom sends, not only for toy inputs (every fixture but the one with an
// attribute, which encoding/xml decodes).
func TestScannerHandlesWeComShapes(t *testing.T) {
	for _, s := range append(fixtureMessages(), officialPOSTBody) {
		msg, _, diff := wecom.ScanVsXML([]byte(s))
		if diff != "" {
			t.Fatal(diff)
		}
		if !msg && s != sampleUnknown {
			t.Errorf("scanner gave up on %q", s)
		}
	}
}

// TestOpenMatchesParseEnvelope: Open, which reads the ciphertext in place,
// opens the envelopes ParseEnvelope reads, including ones only encoding/xml
// handles, and refuses what it refuses.
func TestOpenMatchesParseEnvelope(t *testing.T) {
	c := officialCrypto(t)
	plain := []byte(sampleText)
	enc, err := c.Encrypt(plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body string
		ok   bool
	}{
		{"cdata", "<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", true},
		{"plain text", "<xml><ToUserName>c</ToUserName><Encrypt>" + enc + "</Encrypt><AgentID>1</AgentID></xml>", true},
		{"declaration (encoding/xml)", `<?xml version="1.0"?><xml><Encrypt>` + enc + `</Encrypt></xml>`, true},
		{"split cdata", "<xml><Encrypt><![CDATA[" + enc[:10] + "]]><![CDATA[" + enc[10:] + "]]></Encrypt></xml>", true},
		{"no Encrypt", "<xml><ToUserName>c</ToUserName></xml>", false},
		{"empty Encrypt", "<xml><Encrypt></Encrypt></xml>", false},
		{"not XML", "hello", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Open(c.Signature("1", "2", enc), "1", "2", []byte(tc.body))
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && !bytes.Equal(got, plain) {
				t.Fatalf("plaintext %q", got)
			}
		})
	}
}

// TestSignatureBytesMatchesSilenceper: the allocation-free signature of
// Open is util.Signature's (Crypto.Signature), whatever sorts first.
func TestSignatureBytesMatchesSilenceper(t *testing.T) {
	c := officialCrypto(t)
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"", "0", "1409659813", "zzzz", officialToken, "QDG6eK0", "a/b+c=", strings.Repeat("Q", 3000)}
	for i := 0; i < 500; i++ {
		ts, nonce, enc := parts[rng.IntN(len(parts))], parts[rng.IntN(len(parts))], parts[rng.IntN(len(parts))]
		if got, want := c.SignatureBytes(ts, nonce, []byte(enc)), c.Signature(ts, nonce, enc); got != want {
			t.Fatalf("SignatureBytes(%q, %q, %.20q) = %s, want %s", ts, nonce, enc, got, want)
		}
	}
}
