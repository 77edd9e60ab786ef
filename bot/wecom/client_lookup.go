package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// User is what the directory says about a member (user/get).
type User struct {
	UserID         string
	Name           string
	Alias          string
	Position       string
	Department     []int64
	MainDepartment int64
	DirectLeader   []string
	// Status is 1 active, 2 disabled, 4 not activated, 5 left.
	Status int
}

type userAnswer struct {
	apiStatus
	UserID         string   `json:"userid"`
	Name           string   `json:"name"`
	Alias          string   `json:"alias"`
	Position       string   `json:"position"`
	Department     []int64  `json:"department"`
	MainDepartment int64    `json:"main_department"`
	DirectLeader   []string `json:"direct_leader"`
	Status         int      `json:"status"`
}

// User looks a member up by userid. An unknown userid is an *APIError for
// which NotFound is true (60111).
func (c *Client) User(ctx context.Context, userID string) (*User, error) {
	if userID == "" {
		return nil, fmt.Errorf("get user: empty userid: %w", ErrInvalidRequest)
	}
	var ans userAnswer
	if err := c.call(ctx, "user/get", http.MethodGet, url.Values{"userid": {userID}}, nil, &ans); err != nil {
		return nil, fmt.Errorf("get user %q: %w", userID, err)
	}
	return &User{
		UserID:         ans.UserID,
		Name:           ans.Name,
		Alias:          ans.Alias,
		Position:       ans.Position,
		Department:     ans.Department,
		MainDepartment: ans.MainDepartment,
		DirectLeader:   ans.DirectLeader,
		Status:         ans.Status,
	}, nil
}

type appChatAnswer struct {
	apiStatus
	ChatInfo struct {
		ChatID   string   `json:"chatid"`
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
	} `json:"chat_info"`
}

// AppChatOwner returns the owner's userid of an app group chat (appchat/get;
// only chats the app created).
func (c *Client) AppChatOwner(ctx context.Context, chatID string) (string, error) {
	if chatID == "" {
		return "", fmt.Errorf("get app chat owner: empty chat id: %w", ErrInvalidRequest)
	}
	var ans appChatAnswer
	if err := c.call(ctx, "appchat/get", http.MethodGet, url.Values{"chatid": {chatID}}, nil, &ans); err != nil {
		return "", fmt.Errorf("get app chat %q owner: %w", chatID, err)
	}
	if ans.ChatInfo.Owner == "" {
		return "", fmt.Errorf("get app chat %q owner: no owner in answer: %w", chatID, ErrBadAnswer)
	}
	return ans.ChatInfo.Owner, nil
}

type groupChatAnswer struct {
	apiStatus
	GroupChat struct {
		ChatID string `json:"chat_id"`
		Name   string `json:"name"`
		Owner  string `json:"owner"`
	} `json:"group_chat"`
}

// ExternalGroupChatOwner returns the owner's userid of a customer group
// (externalcontact/groupchat/get).
func (c *Client) ExternalGroupChatOwner(ctx context.Context, chatID string) (string, error) {
	if chatID == "" {
		return "", fmt.Errorf("get customer group owner: empty chat id: %w", ErrInvalidRequest)
	}
	req := struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}{ChatID: chatID}
	var ans groupChatAnswer
	if err := c.call(ctx, "externalcontact/groupchat/get", http.MethodPost, nil, req, &ans); err != nil {
		return "", fmt.Errorf("get customer group %q owner: %w", chatID, err)
	}
	if ans.GroupChat.Owner == "" {
		return "", fmt.Errorf("get customer group %q owner: no owner in answer: %w", chatID, ErrBadAnswer)
	}
	return ans.GroupChat.Owner, nil
}

type archiveRoomAnswer struct {
	apiStatus
	RoomName string `json:"roomname"`
	Creator  string `json:"creator"`
}

// ArchiveGroupChatCreator returns the creator's userid of an internal group
// known to the chat archive (msgaudit/groupchat/get). WeCom leaves creator
// empty for some groups; that is answered as an empty string, not an error.
func (c *Client) ArchiveGroupChatCreator(ctx context.Context, roomID string) (string, error) {
	if roomID == "" {
		return "", fmt.Errorf("get archived group creator: empty room id: %w", ErrInvalidRequest)
	}
	req := struct {
		RoomID string `json:"roomid"`
	}{RoomID: roomID}
	var ans archiveRoomAnswer
	if err := c.call(ctx, "msgaudit/groupchat/get", http.MethodPost, nil, req, &ans); err != nil {
		return "", fmt.Errorf("get archived group %q creator: %w", roomID, err)
	}
	return ans.Creator, nil
}
