package bot

import (
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Source says how a message reached the bot; it decides how the sender can
// be warned.
type Source string

// Sources of messages.
const (
	// SourceApp: a member wrote to the self-built app; the warning can be
	// the callback's passive reply.
	SourceApp Source = "app"
	// SourceArchive: the chat archive; the message was delivered already.
	SourceArchive Source = "archive"
	// SourceAIBot: the intelligent bot saw it in a group.
	SourceAIBot Source = "aibot"
)

// Message is what the pipeline checks, whatever its source.
type Message struct {
	// ID identifies the message for dedup and idempotency (e.g. "msg:123").
	ID       string
	Source   Source
	From     string // the sender's userid
	ChatID   string // the group, "" for a message to the app or a 1:1 chat
	ChatKind rules.ChatKind
	Text     string
	Time     time.Time
}

// messageFromCallback maps an app callback to a pipeline message; ok is
// false for what carries no text to check (events, images …).
func messageFromCallback(m *wecom.Message) (Message, bool) {
	if m.IsEvent() {
		return Message{}, false
	}
	var text string
	switch m.MsgType {
	case "text":
		text = m.Content
	case "link":
		text = m.Title + "\n" + m.Description + "\n" + m.URL
	case "location":
		text = m.Label
	default:
		return Message{}, false
	}
	return Message{
		ID:       m.DedupKey(),
		Source:   SourceApp,
		From:     m.FromUserName,
		ChatKind: rules.ChatDirect,
		Text:     text,
		Time:     time.Unix(m.CreateTime, 0),
	}, true
}
