package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// ChatDetail is what WeCom says of a group chat: its name and owner (the
// creator, for a chat-archive group). Name may be empty: a group nobody
// named, or a customer group WeCom shows by its members' names.
type ChatDetail struct {
	ChatID string
	Name   string
	Owner  string
}

// AppChat describes an app group chat (appchat/get; only chats the app
// created). An answer without an owner is ErrBadAnswer.
func (c *Client) AppChat(ctx context.Context, chatID string) (ChatDetail, error) {
	if chatID == "" {
		return ChatDetail{}, fmt.Errorf("get app chat: empty chat id: %w", ErrInvalidRequest)
	}
	var ans appChatAnswer
	if err := c.call(ctx, "appchat/get", http.MethodGet, url.Values{"chatid": {chatID}}, nil, &ans); err != nil {
		return ChatDetail{}, fmt.Errorf("get app chat %q: %w", chatID, err)
	}
	if ans.ChatInfo.Owner == "" {
		return ChatDetail{}, fmt.Errorf("get app chat %q: no owner in answer: %w", chatID, ErrBadAnswer)
	}
	return ChatDetail{ChatID: chatID, Name: ans.ChatInfo.Name, Owner: ans.ChatInfo.Owner}, nil
}

// ExternalGroupChat describes a customer group (externalcontact/
// groupchat/get). An answer without an owner is ErrBadAnswer.
func (c *Client) ExternalGroupChat(ctx context.Context, chatID string) (ChatDetail, error) {
	if chatID == "" {
		return ChatDetail{}, fmt.Errorf("get customer group: empty chat id: %w", ErrInvalidRequest)
	}
	req := struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}{ChatID: chatID}
	var ans groupChatAnswer
	if err := c.call(ctx, "externalcontact/groupchat/get", http.MethodPost, nil, req, &ans); err != nil {
		return ChatDetail{}, fmt.Errorf("get customer group %q: %w", chatID, err)
	}
	if ans.GroupChat.Owner == "" {
		return ChatDetail{}, fmt.Errorf("get customer group %q: no owner in answer: %w", chatID, ErrBadAnswer)
	}
	return ChatDetail{ChatID: chatID, Name: ans.GroupChat.Name, Owner: ans.GroupChat.Owner}, nil
}

// ArchiveGroupChat describes an internal group known to the chat archive
// (msgaudit/groupchat/get): roomname and creator, either of which WeCom
// may leave empty.
func (c *Client) ArchiveGroupChat(ctx context.Context, roomID string) (ChatDetail, error) {
	if roomID == "" {
		return ChatDetail{}, fmt.Errorf("get archived group: empty room id: %w", ErrInvalidRequest)
	}
	req := struct {
		RoomID string `json:"roomid"`
	}{RoomID: roomID}
	var ans archiveRoomAnswer
	if err := c.call(ctx, "msgaudit/groupchat/get", http.MethodPost, nil, req, &ans); err != nil {
		return ChatDetail{}, fmt.Errorf("get archived group %q: %w", roomID, err)
	}
	return ChatDetail{ChatID: roomID, Name: ans.RoomName, Owner: ans.Creator}, nil
}

// Department is one department (department/get).
type Department struct {
	ID       int64
	Name     string // empty when WeCom withheld it
	ParentID int64
}

type departmentAnswer struct {
	apiStatus
	Department struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		ParentID int64  `json:"parentid"`
	} `json:"department"`
}

// Department looks department id up (department/get). WeCom answers the
// name to a self-built app whose visible range holds the department; to a
// third-party app it answers the id in its place (since 2020-06-30), and
// to a 代开发 app only once the admin allowed it: such a name is answered
// as empty. A department outside the visible range is a Permanent error
// (60011, 60123).
func (c *Client) Department(ctx context.Context, id int64) (Department, error) {
	if id <= 0 {
		return Department{}, fmt.Errorf("get department: bad id %d: %w", id, ErrInvalidRequest)
	}
	var ans departmentAnswer
	if err := c.call(ctx, "department/get", http.MethodGet, url.Values{"id": {strconv.FormatInt(id, 10)}}, nil, &ans); err != nil {
		return Department{}, fmt.Errorf("get department %d: %w", id, err)
	}
	d := Department{ID: id, Name: ans.Department.Name, ParentID: ans.Department.ParentID}
	if d.Name == strconv.FormatInt(id, 10) {
		d.Name = "" // the id in place of a withheld name
	}
	return d, nil
}
