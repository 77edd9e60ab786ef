package bot

import (
	"context"
	"fmt"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// ChatStore holds HR's settings of chats (bot/store).
type ChatStore interface {
	Chat(ctx context.Context, chatID string) (store.ChatInfo, bool, error)
}

// ChatKinds resolves the kind of a group chat, which decides which rules
// apply (ads and off-topic rules apply to work groups only): the kind HR
// set for the chat, else Default.
type ChatKinds struct {
	Store ChatStore
	// Default is the kind of a chat HR has not classified (rules.ChatWork
	// when zero: stricter rather than blind).
	Default rules.ChatKind
}

// KindOf returns the kind of chatID; a message outside any chat is direct.
func (k ChatKinds) KindOf(ctx context.Context, chatID string) (rules.ChatKind, error) {
	if chatID == "" {
		return rules.ChatDirect, nil
	}
	def := k.Default
	if def == 0 {
		def = rules.ChatWork
	}
	c, ok, err := k.Store.Chat(ctx, chatID)
	if err != nil {
		return 0, fmt.Errorf("chat kind of %s: %w", chatID, err)
	}
	if !ok || c.Kind == "" {
		return def, nil
	}
	kind, valid := rules.ParseChatKind(c.Kind)
	if !valid {
		return def, nil
	}
	return kind, nil
}
