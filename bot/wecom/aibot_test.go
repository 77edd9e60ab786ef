package wecom_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// docText is the text message of WeCom's "接收消息" page of the
// intelligent bot (path/100719), with its quote.
const docText = `{
    "msgid": "CAIQ16HMjQYY\/NGagIOAgAMgq4KM0AI=",
    "aibotid": "AIBOTID",
    "chatid": "CHATID",
    "chattype": "group",
    "from": {"userid": "USERID"},
    "response_url": "RESPONSEURL",
    "msgtype": "text",
    "text": {"content": "@RobotA hello robot"},
    "quote": {"msgtype": "text", "text": {"content": "这是今日的测试情况"}}
}`

const docMixed = `{
    "msgid": "m2", "aibotid": "AIBOTID", "chatid": "CHATID", "chattype": "group",
    "from": {"userid": "lisi"}, "response_url": "R", "msgtype": "mixed",
    "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": "@RobotA 举报"}},
        {"msgtype": "image", "image": {"url": "https://example.invalid/i"}},
        {"msgtype": "text", "text": {"content": "看这里"}}
    ]},
    "quote": {"msgtype": "mixed", "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": "加我微信"}},
        {"msgtype": "image", "image": {"url": "https://example.invalid/q"}}
    ]}},
    "future_field": {"x": 1}
}`

func TestParseAIBotMessage(t *testing.T) {
	tests := []struct {
		name                  string
		in                    string
		msgType, from, chat   string
		group                 bool
		content, quote, event string
		wantStream            string
	}{
		{name: "doc text with quote", in: docText, msgType: "text", from: "USERID", chat: "CHATID", group: true,
			content: "@RobotA hello robot", quote: "这是今日的测试情况"},
		{name: "mixed with mixed quote and an unknown field", in: docMixed, msgType: "mixed", from: "lisi", chat: "CHATID", group: true,
			content: "@RobotA 举报\n看这里", quote: "加我微信"},
		{name: "single image", in: `{"msgid":"m3","aibotid":"A","chattype":"single","from":{"userid":"u"},"msgtype":"image","image":{"url":"https://x.invalid"}}`,
			msgType: "image", from: "u"},
		{name: "voice transcription", in: `{"msgid":"m4","aibotid":"A","chattype":"single","from":{"userid":"u"},"msgtype":"voice","voice":{"content":"你好"}}`,
			msgType: "voice", from: "u", content: "你好"},
		{name: "enter_chat event", in: `{"msgid":"e1","aibotid":"A","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}`,
			msgType: "event", from: "u", event: "enter_chat"},
		{name: "stream refresh", in: `{"msgid":"s1","aibotid":"A","chatid":"C","chattype":"group","from":{"userid":"u"},"msgtype":"stream","stream":{"id":"STREAMID"}}`,
			msgType: "stream", from: "u", chat: "C", group: true, wantStream: "STREAMID"},
		{name: "fields of the wrong type are left empty", in: `{"msgid":7,"chattype":"group","from":"u","msgtype":"text","text":"hi","quote":[1]}`,
			msgType: "text", group: true},
		{name: "text without its body", in: `{"msgid":"m5","msgtype":"text"}`, msgType: "text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := wecom.ParseAIBotMessage([]byte(tc.in))
			if err != nil {
				t.Fatalf("ParseAIBotMessage: %v", err)
			}
			if m.MsgType != tc.msgType || m.From.UserID != tc.from || m.ChatID != tc.chat || m.IsGroup() != tc.group {
				t.Errorf("got type %q from %q chat %q group %v, want %q %q %q %v",
					m.MsgType, m.From.UserID, m.ChatID, m.IsGroup(), tc.msgType, tc.from, tc.chat, tc.group)
			}
			if got := m.Content(); got != tc.content {
				t.Errorf("Content() = %q, want %q", got, tc.content)
			}
			if got := m.QuoteText(); got != tc.quote {
				t.Errorf("QuoteText() = %q, want %q", got, tc.quote)
			}
			if got := m.EventType(); got != tc.event {
				t.Errorf("EventType() = %q, want %q", got, tc.event)
			}
			if tc.wantStream != "" && m.StreamID() != tc.wantStream {
				t.Errorf("StreamID() = %q, want the refreshed stream %q", m.StreamID(), tc.wantStream)
			}
			if string(m.Raw) != tc.in {
				t.Errorf("Raw does not keep the plaintext")
			}
		})
	}
}

func TestParseAIBotMessageKeepsUnknownFields(t *testing.T) {
	m, err := wecom.ParseAIBotMessage([]byte(docMixed))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(m.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["future_field"]) != `{"x": 1}` {
		t.Errorf("future_field in Raw = %s", raw["future_field"])
	}
	if m.MsgID != "m2" || m.AIBotID != "AIBOTID" || m.ResponseURL != "R" {
		t.Errorf("header = %q %q %q", m.MsgID, m.AIBotID, m.ResponseURL)
	}
}

func TestParseAIBotMessageMalformed(t *testing.T) {
	for _, in := range []string{"", "null", "[]", `"text"`, "<xml/>", `{"msgid":`} {
		t.Run(in, func(t *testing.T) {
			if _, err := wecom.ParseAIBotMessage([]byte(in)); !errors.Is(err, wecom.ErrMalformed) {
				t.Errorf("ParseAIBotMessage(%q) err = %v, want ErrMalformed", in, err)
			}
		})
	}
}

func TestAIBotReplies(t *testing.T) {
	msg, err := wecom.ParseAIBotMessage([]byte(docText))
	if err != nil {
		t.Fatal(err)
	}
	event, err := wecom.ParseAIBotMessage([]byte(`{"msgid":"e","msgtype":"event","event":{"eventtype":"enter_chat"}}`))
	if err != nil {
		t.Fatal(err)
	}
	type body struct {
		MsgType string `json:"msgtype"`
		Text    *struct {
			Content string `json:"content"`
		} `json:"text"`
		Markdown *struct {
			Content string `json:"content"`
		} `json:"markdown"`
		Stream *struct {
			ID      string `json:"id"`
			Finish  *bool  `json:"finish"`
			Content string `json:"content"`
		} `json:"stream"`
	}
	tests := []struct {
		name, content string
		plain         []byte
		check         func(b body) bool
	}{
		{"message gets a finished stream", "**已转告**", msg.Reply("**已转告**"), func(b body) bool {
			return b.MsgType == "stream" && b.Stream != nil && b.Stream.Finish != nil && *b.Stream.Finish &&
				b.Stream.ID == msg.StreamID() && b.Stream.Content == "**已转告**"
		}},
		{"event gets text", "欢迎", event.Reply("欢迎"), func(b body) bool {
			return b.MsgType == "text" && b.Text != nil && b.Text.Content == "欢迎" && b.Stream == nil
		}},
		{"markdown", "# x", wecom.AIBotMarkdownReply("# x"), func(b body) bool {
			return b.MsgType == "markdown" && b.Markdown != nil && b.Markdown.Content == "# x"
		}},
		{"unfinished stream", "…", wecom.AIBotStreamReply("s1", "…", false), func(b body) bool {
			return b.Stream != nil && b.Stream.ID == "s1" && b.Stream.Finish != nil && !*b.Stream.Finish
		}},
		{"invalid UTF-8 still marshals", "a\xffb", wecom.AIBotTextReply("a\xffb"), func(b body) bool {
			return b.Text != nil && b.Text.Content == "a\uFFFDb"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			if err := json.Unmarshal(tc.plain, &b); err != nil {
				t.Fatalf("reply %s is not JSON: %v", tc.plain, err)
			}
			if !tc.check(b) {
				t.Errorf("reply %s has the wrong shape", tc.plain)
			}
		})
	}
}

func TestStreamIDStable(t *testing.T) {
	a, _ := wecom.ParseAIBotMessage([]byte(`{"msgid":"1","aibotid":"b","msgtype":"text"}`))
	b, _ := wecom.ParseAIBotMessage([]byte(`{"msgid":"1","aibotid":"b","msgtype":"text","text":{"content":"x"}}`))
	c, _ := wecom.ParseAIBotMessage([]byte(`{"msgid":"2","aibotid":"b","msgtype":"text"}`))
	if a.StreamID() != b.StreamID() {
		t.Errorf("the same message got streams %q and %q", a.StreamID(), b.StreamID())
	}
	if a.StreamID() == c.StreamID() {
		t.Errorf("two messages share stream %q", a.StreamID())
	}
}

// TestAIBotEnvelopeNPMVector opens the intelligent-bot vector made with
// WeCom's own @wecom/crypto (empty receiveid) and parses its plaintext.
func TestAIBotEnvelopeNPMVector(t *testing.T) {
	data, err := os.ReadFile("testdata/wecomcrypto_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []npmVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range file.Vectors {
		if v.ReceiveID != "" || !strings.HasPrefix(v.Plaintext, "{") {
			continue
		}
		found = true
		c := newTestCrypto(t, v.Token, v.AESKey, "")
		body, _ := json.Marshal(map[string]string{"encrypt": v.Encrypt})
		plain, err := c.OpenJSON(v.MsgSignature, v.Timestamp, v.Nonce, body)
		if err != nil {
			t.Fatalf("OpenJSON: %v", err)
		}
		m, err := wecom.ParseAIBotMessage(plain)
		if err != nil {
			t.Fatal(err)
		}
		if m.MsgID != "abc123" || m.ChatID != "wrkSFfCgAA" || !m.IsGroup() || m.From.UserID != "lisi" || m.Content() != "@机器人 hello" {
			t.Errorf("parsed %+v", m)
		}
		// The app's crypto (a corp id) must refuse the bot's envelope.
		app := newTestCrypto(t, v.Token, v.AESKey, "wwcorp")
		if _, err := app.OpenJSON(v.MsgSignature, v.Timestamp, v.Nonce, body); !errors.Is(err, wecom.ErrReceiveID) {
			t.Errorf("app crypto err = %v, want ErrReceiveID", err)
		}
	}
	if !found {
		t.Fatal("no intelligent-bot JSON vector in testdata")
	}
}

// TestAIBotRecordedEnvelopes opens the intelligent-bot envelopes recorded
// with @wecom/crypto (testdata/aibot_vectors.json) and parses them.
func TestAIBotRecordedEnvelopes(t *testing.T) {
	data, err := os.ReadFile("testdata/aibot_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []npmVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ msgType, from, content, quote string }{
		"intelligent bot report of a quoted message, group": {"text", "lisi", "@规范助手\u2005举报", "你就是个傻逼，客户电话13812345678"},
		"intelligent bot mixed message, single chat":        {"mixed", "zhangsan", "我的记录", ""},
	}
	if len(file.Vectors) != len(want) {
		t.Fatalf("%d vectors, want %d", len(file.Vectors), len(want))
	}
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			w, ok := want[v.Name]
			if !ok {
				t.Fatalf("unexpected vector %q", v.Name)
			}
			c := newTestCrypto(t, v.Token, v.AESKey, "")
			body, _ := json.Marshal(map[string]string{"encrypt": v.Encrypt})
			plain, err := c.OpenJSON(v.MsgSignature, v.Timestamp, v.Nonce, body)
			if err != nil {
				t.Fatalf("OpenJSON: %v", err)
			}
			if string(plain) != v.Plaintext {
				t.Fatalf("plaintext %s, want %s", plain, v.Plaintext)
			}
			m, err := wecom.ParseAIBotMessage(plain)
			if err != nil {
				t.Fatal(err)
			}
			if m.MsgType != w.msgType || m.From.UserID != w.from || m.Content() != w.content || m.QuoteText() != w.quote {
				t.Errorf("parsed %s from %s content %q quote %q, want %+v", m.MsgType, m.From.UserID, m.Content(), m.QuoteText(), w)
			}
		})
	}
}

func TestSealJSONCallbackRoundTrip(t *testing.T) {
	key, _ := wecom.GenerateAESKey()
	c := newTestCrypto(t, "tok", key, "")
	body, sig, err := c.SealJSONCallback([]byte(docText), "1732600000", "n1")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.OpenJSON(sig, "1732600000", "n1", body)
	if err != nil {
		t.Fatalf("OpenJSON: %v", err)
	}
	if string(plain) != docText {
		t.Errorf("round trip changed the plaintext")
	}
	if _, err := c.OpenJSON(sig, "1732600001", "n1", body); !errors.Is(err, wecom.ErrSignature) {
		t.Errorf("another timestamp: err = %v, want ErrSignature", err)
	}
	msg, _ := wecom.ParseAIBotMessage(plain)
	reply, err := c.SealJSON(msg.Reply("好的"), "1732600002", "n1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.OpenJSONReply(reply)
	if err != nil {
		t.Fatalf("OpenJSONReply: %v", err)
	}
	if !strings.Contains(string(got), `"msgtype":"stream"`) || !strings.Contains(string(got), "好的") {
		t.Errorf("reply plaintext %s", got)
	}
}

func FuzzParseAIBotMessage(f *testing.F) {
	for _, s := range []string{docText, docMixed, "{}", "null", `{"msgtype":"mixed","mixed":{"msg_item":[null,{"msgtype":"text"}]}}`,
		`{"msgtype":"stream","stream":null}`, `{"msgtype":"event","event":{"eventtype":1}}`, `{"quote":{"msgtype":"voice"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := wecom.ParseAIBotMessage(in)
		if err != nil {
			if !errors.Is(err, wecom.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		_, _, _, _ = m.Content(), m.QuoteText(), m.EventType(), m.StreamID()
		if out := m.Reply(m.Content()); !json.Valid(out) {
			t.Fatalf("reply %q is not JSON", out)
		}
	})
}
