package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ChatInfo is what HR has set about a chat: its kind (work, private,
// external, direct) and, optionally, its owner, overriding WeCom's answer.
type ChatInfo struct {
	ChatID  string    `json:"chat_id"`
	Kind    string    `json:"kind,omitempty"`
	Owner   string    `json:"owner,omitempty"`
	Name    string    `json:"name,omitempty"`
	SetBy   string    `json:"set_by,omitempty"`
	Updated time.Time `json:"updated"`
}

// SetChat stores HR's settings of a chat.
func (s *Store) SetChat(ctx context.Context, c ChatInfo) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode chat %s: %w", c.ChatID, err)
	}
	if err := s.rdb.HSet(ctx, s.keyChats(), c.ChatID, data).Err(); err != nil {
		return fmt.Errorf("set chat %s: %w", c.ChatID, err)
	}
	return nil
}

// Chat returns HR's settings of chatID; ok is false when there are none.
func (s *Store) Chat(ctx context.Context, chatID string) (c ChatInfo, ok bool, err error) {
	ok, err = s.hgetJSON(ctx, s.keyChats(), chatID, &c)
	return c, ok, err
}

// Chats lists every chat HR has set.
func (s *Store) Chats(ctx context.Context) ([]ChatInfo, error) {
	all, err := s.rdb.HGetAll(ctx, s.keyChats()).Result()
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	out := make([]ChatInfo, 0, len(all))
	for id, raw := range all {
		var c ChatInfo
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("decode chat %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// DeleteChat forgets HR's settings of chatID.
func (s *Store) DeleteChat(ctx context.Context, chatID string) (bool, error) {
	n, err := s.rdb.HDel(ctx, s.keyChats(), chatID).Result()
	if err != nil {
		return false, fmt.Errorf("delete chat %s: %w", chatID, err)
	}
	return n == 1, nil
}
