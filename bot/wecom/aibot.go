package wecom

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Message types of the intelligent bot (智能机器人, API mode). Others appear
// and are fine: ParseAIBotMessage keeps whatever arrives in Raw.
const (
	AIBotText   = "text"
	AIBotMixed  = "mixed"
	AIBotImage  = "image"
	AIBotVoice  = "voice"
	AIBotFile   = "file"
	AIBotStream = "stream" // a stream refresh: WeCom asks for the rest of a reply
	AIBotEvent  = "event"

	// ChatTypeGroup and ChatTypeSingle are the values of chattype.
	ChatTypeGroup  = "group"
	ChatTypeSingle = "single"
)

// AIBotMessage is one decrypted intelligent-bot callback: a message a member
// sent to the bot (in a group only when the bot is @-mentioned) or an event.
//
// The shape follows WeCom's "接收消息" page of the intelligent bot
// (developer.work.weixin.qq.com/document/path/100719): msgid, aibotid,
// chatid (groups), chattype, from.userid, response_url, msgtype and one body
// per type, plus quote when the member quoted a message. Raw keeps the whole
// plaintext, so fields this struct does not lift are never lost.
type AIBotMessage struct {
	MsgID    string `json:"msgid"`
	AIBotID  string `json:"aibotid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"`
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	ResponseURL string `json:"response_url"`
	// CreateTime is sent by some versions (seconds); zero when absent.
	CreateTime int64           `json:"create_time"`
	MsgType    string          `json:"msgtype"`
	Text       *AIBotContent   `json:"text,omitempty"`
	Mixed      *AIBotMixedBody `json:"mixed,omitempty"`
	Image      *AIBotMedia     `json:"image,omitempty"`
	Voice      *AIBotContent   `json:"voice,omitempty"` // voice.content: WeCom's transcription
	File       *AIBotMedia     `json:"file,omitempty"`
	Stream     *struct {
		ID string `json:"id"`
	} `json:"stream,omitempty"`
	Event *struct {
		EventType string `json:"eventtype"`
	} `json:"event,omitempty"`
	// Quote is the message the member quoted, when there is one. WeCom does
	// not say who wrote it.
	Quote *AIBotQuote `json:"quote,omitempty"`

	// Raw is the whole plaintext JSON, always kept.
	Raw []byte `json:"-"`
}

// AIBotContent is a body with text: text.content, voice.content.
type AIBotContent struct {
	Content string `json:"content"`
}

// AIBotMedia is an image or a file: an encrypted download URL.
type AIBotMedia struct {
	URL string `json:"url"`
}

// AIBotMixedBody is a message of text and images (图文混排).
type AIBotMixedBody struct {
	Items []AIBotItem `json:"msg_item"`
}

// AIBotItem is one part of a mixed message.
type AIBotItem struct {
	MsgType string        `json:"msgtype"`
	Text    *AIBotContent `json:"text,omitempty"`
	Image   *AIBotMedia   `json:"image,omitempty"`
}

// AIBotQuote is a quoted message: the same bodies as a message.
type AIBotQuote struct {
	MsgType string          `json:"msgtype"`
	Text    *AIBotContent   `json:"text,omitempty"`
	Mixed   *AIBotMixedBody `json:"mixed,omitempty"`
	Image   *AIBotMedia     `json:"image,omitempty"`
	Voice   *AIBotContent   `json:"voice,omitempty"`
	File    *AIBotMedia     `json:"file,omitempty"`
}

// ParseAIBotMessage parses a decrypted intelligent-bot plaintext. The error
// wraps ErrMalformed only when plain is not a JSON object; unknown types and
// fields, and known fields of an unexpected JSON type, are not errors (the
// field is left empty) because a message WeCom sent must never be refused.
// The returned message owns Raw.
func ParseAIBotMessage(plain []byte) (*AIBotMessage, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(plain, &probe); err != nil || probe == nil {
		return nil, fmt.Errorf("parse aibot message: not a JSON object: %w", ErrMalformed)
	}
	m := &AIBotMessage{Raw: append([]byte(nil), plain...)}
	// Field by field, so one field of an odd type spoils only itself.
	for name, dst := range map[string]any{
		"msgid": &m.MsgID, "aibotid": &m.AIBotID, "chatid": &m.ChatID, "chattype": &m.ChatType,
		"from": &m.From, "response_url": &m.ResponseURL, "create_time": &m.CreateTime,
		"msgtype": &m.MsgType, "text": &m.Text, "mixed": &m.Mixed, "image": &m.Image,
		"voice": &m.Voice, "file": &m.File, "stream": &m.Stream, "event": &m.Event, "quote": &m.Quote,
	} {
		if raw, ok := probe[name]; ok {
			_ = json.Unmarshal(raw, dst) // a value of the wrong type leaves the field empty
		}
	}
	m.MsgType = strings.TrimSpace(m.MsgType)
	m.ChatType = strings.TrimSpace(m.ChatType)
	return m, nil
}

// IsGroup reports whether the message was written in a group chat.
func (m *AIBotMessage) IsGroup() bool { return m.ChatType == ChatTypeGroup }

// EventType is the event's type (enter_chat, template_card_event …), or ""
// for a message.
func (m *AIBotMessage) EventType() string {
	if m.MsgType != AIBotEvent || m.Event == nil {
		return ""
	}
	return m.Event.EventType
}

// Content is the text the member wrote: text.content, the text parts of a
// mixed message joined by newlines, or a voice message's transcription;
// "" for images, files, events and refreshes.
func (m *AIBotMessage) Content() string {
	return bodyText(m.MsgType, m.Text, m.Mixed, m.Voice)
}

// QuoteText is the text of the quoted message, "" when there is none or it
// carries no text.
func (m *AIBotMessage) QuoteText() string {
	if m.Quote == nil {
		return ""
	}
	return bodyText(m.Quote.MsgType, m.Quote.Text, m.Quote.Mixed, m.Quote.Voice)
}

func bodyText(msgType string, text *AIBotContent, mixed *AIBotMixedBody, voice *AIBotContent) string {
	switch msgType {
	case AIBotText:
		if text != nil {
			return text.Content
		}
	case AIBotMixed:
		if mixed == nil {
			return ""
		}
		var parts []string
		for _, it := range mixed.Items {
			if it.MsgType == AIBotText && it.Text != nil && it.Text.Content != "" {
				parts = append(parts, it.Text.Content)
			}
		}
		return strings.Join(parts, "\n")
	case AIBotVoice:
		if voice != nil {
			return voice.Content
		}
	}
	return ""
}

// StreamID names the reply stream of this message: stable for a message, so
// a retried callback answers with the same stream.
func (m *AIBotMessage) StreamID() string {
	if m.MsgType == AIBotStream && m.Stream != nil && m.Stream.ID != "" {
		return m.Stream.ID
	}
	sum := sha256.Sum256([]byte(m.AIBotID + "\x00" + m.MsgID))
	return "wg" + hex.EncodeToString(sum[:12])
}

// aibotReply is the plaintext of a passive reply (before SealJSON).
type aibotReply struct {
	MsgType  string        `json:"msgtype"`
	Text     *AIBotContent `json:"text,omitempty"`
	Markdown *AIBotContent `json:"markdown,omitempty"`
	Stream   *streamBody   `json:"stream,omitempty"`
}

type streamBody struct {
	ID      string `json:"id"`
	Finish  bool   `json:"finish"`
	Content string `json:"content"`
}

// AIBotTextReply is the plaintext of a text reply, which WeCom accepts only
// as the welcome answer to an enter_chat event.
func AIBotTextReply(content string) []byte {
	return mustMarshal(aibotReply{MsgType: "text", Text: &AIBotContent{Content: content}})
}

// AIBotMarkdownReply is the plaintext of a markdown message, the body of a
// reply posted to a response_url.
func AIBotMarkdownReply(content string) []byte {
	return mustMarshal(aibotReply{MsgType: "markdown", Markdown: &AIBotContent{Content: content}})
}

// AIBotStreamReply is the plaintext of a stream reply, WeCom's passive answer
// to a member's message; content is markdown. With finish set the reply is
// complete and WeCom sends no refresh for it.
func AIBotStreamReply(streamID, content string, finish bool) []byte {
	return mustMarshal(aibotReply{MsgType: "stream", Stream: &streamBody{ID: streamID, Finish: finish, Content: content}})
}

// Reply is the plaintext answer to m carrying content: a text reply to an
// event (the welcome message), otherwise a finished stream. Seal it with
// Crypto.SealJSON.
func (m *AIBotMessage) Reply(content string) []byte {
	if m.MsgType == AIBotEvent {
		return AIBotTextReply(content)
	}
	return AIBotStreamReply(m.StreamID(), content, true)
}

func mustMarshal(v aibotReply) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		// Strings and a bool always marshal (invalid UTF-8 is replaced);
		// nil is an empty body, which WeCom takes as "no reply".
		return nil
	}
	return out
}

// SealJSONCallback builds a real encrypted intelligent-bot callback as WeCom
// sends it: the JSON body {"encrypt": …} for POST and the msg_signature for
// its query string (with the same timestamp and nonce). It is the client side
// of OpenJSON, used by tests and the CLI.
func (c *Crypto) SealJSONCallback(plaintext []byte, timestamp, nonce string) (body []byte, signature string, err error) {
	enc, err := c.Encrypt(plaintext)
	if err != nil {
		return nil, "", fmt.Errorf("seal json callback: %w", err)
	}
	body, err = json.Marshal(struct {
		Encrypt string `json:"encrypt"`
	}{enc})
	if err != nil {
		return nil, "", fmt.Errorf("seal json callback: %w", err)
	}
	return body, c.Signature(timestamp, nonce, enc), nil
}
