package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Handover of a leaver's customers (离职继承): WeCom keeps the customers and
// customer groups of a member who left as "unassigned" until they are
// handed to a successor. Customers get 24 hours to refuse the new contact;
// resigned/transfer_result tells how each transfer ended. The app's secret
// needs the 客户联系 permission.

// API names of the handover endpoints.
const (
	APIUnassignedList   = "externalcontact/get_unassigned_list"
	APIResignedTransfer = "externalcontact/resigned/transfer_customer"
	APIResignedResult   = "externalcontact/resigned/transfer_result"
	APIGroupChatList    = "externalcontact/groupchat/list"
	APIGroupChatHand    = "externalcontact/groupchat/transfer"
)

// MaxTransferBatch is how many customers one resigned/transfer_customer
// call and how many groups one groupchat/transfer call may name.
const MaxTransferBatch = 100

// Transfer statuses of resigned/transfer_result.
const (
	TransferDone    = 1 // 接替完毕
	TransferWaiting = 2 // 等待接替
	TransferRefused = 3 // 客户拒绝
	TransferFull    = 4 // 接替成员客户达到上限
)

// Group chat status filters of groupchat/list.
const (
	GroupChatAll             = 0
	GroupChatResignedWaiting = 1 // 离职待继承
	GroupChatResignedHanding = 2 // 离职继承中
	GroupChatResignedDone    = 3 // 离职继承完成
)

// Unassigned is one customer of a leaver waiting for a successor.
type Unassigned struct {
	HandoverUserID string `json:"handover_userid"`
	ExternalUserID string `json:"external_userid"`
	// DimissionTime is when the member left (Unix seconds).
	DimissionTime int64 `json:"dimission_time"`
}

type unassignedAnswer struct {
	apiStatus
	Info       []Unassigned `json:"info"`
	IsLast     bool         `json:"is_last"`
	NextCursor string       `json:"next_cursor"`
}

// UnassignedList reads one page of the corp's unassigned customers
// (get_unassigned_list, at most 1000 a page); next is "" on the last page.
func (c *Client) UnassignedList(ctx context.Context, cursor string) (page []Unassigned, next string, err error) {
	req := struct {
		PageSize int    `json:"page_size"`
		Cursor   string `json:"cursor,omitempty"`
	}{1000, cursor}
	var ans unassignedAnswer
	if err := c.call(ctx, APIUnassignedList, http.MethodPost, nil, req, &ans); err != nil {
		return nil, "", fmt.Errorf("list unassigned customers: %w", err)
	}
	if ans.IsLast {
		ans.NextCursor = ""
	}
	return ans.Info, ans.NextCursor, nil
}

// TransferResult is WeCom's answer for one customer of a transfer call:
// errcode 0 means the transfer started.
type TransferResult struct {
	ExternalUserID string `json:"external_userid"`
	ErrCode        int    `json:"errcode"`
}

type transferAnswer struct {
	apiStatus
	Customers []TransferResult `json:"customer"`
}

// TransferResigned hands at most MaxTransferBatch customers of the leaver
// handover to takeover (resigned/transfer_customer); the answer has an
// errcode per customer.
func (c *Client) TransferResigned(ctx context.Context, handover, takeover string, customers []string) ([]TransferResult, error) {
	switch {
	case handover == "" || takeover == "":
		return nil, fmt.Errorf("transfer customers: handover and takeover userids are required: %w", ErrInvalidRequest)
	case len(customers) == 0 || len(customers) > MaxTransferBatch:
		return nil, fmt.Errorf("transfer customers: %d customers, WeCom takes 1 to %d a call: %w", len(customers), MaxTransferBatch, ErrInvalidRequest)
	}
	req := struct {
		Handover  string   `json:"handover_userid"`
		Takeover  string   `json:"takeover_userid"`
		Customers []string `json:"external_userid"`
	}{handover, takeover, customers}
	var ans transferAnswer
	if err := c.call(ctx, APIResignedTransfer, http.MethodPost, nil, req, &ans); err != nil {
		return nil, fmt.Errorf("transfer %d customers of %q to %q: %w", len(customers), handover, takeover, err)
	}
	return ans.Customers, nil
}

// TransferStatus is how one customer's transfer stands.
type TransferStatus struct {
	ExternalUserID string `json:"external_userid"`
	Status         int    `json:"status"`
	// TakeoverTime is when the successor took over (Unix seconds; 0 while waiting).
	TakeoverTime int64 `json:"takeover_time"`
}

type transferResultAnswer struct {
	apiStatus
	Customers  []TransferStatus `json:"customer"`
	NextCursor string           `json:"next_cursor"`
}

// TransferResultPage reads one page of the transfers from handover to
// takeover (resigned/transfer_result); next is "" on the last page.
func (c *Client) TransferResultPage(ctx context.Context, handover, takeover, cursor string) (page []TransferStatus, next string, err error) {
	if handover == "" || takeover == "" {
		return nil, "", fmt.Errorf("transfer result: handover and takeover userids are required: %w", ErrInvalidRequest)
	}
	req := struct {
		Handover string `json:"handover_userid"`
		Takeover string `json:"takeover_userid"`
		Cursor   string `json:"cursor,omitempty"`
	}{handover, takeover, cursor}
	var ans transferResultAnswer
	if err := c.call(ctx, APIResignedResult, http.MethodPost, nil, req, &ans); err != nil {
		return nil, "", fmt.Errorf("transfer result of %q to %q: %w", handover, takeover, err)
	}
	return ans.Customers, ans.NextCursor, nil
}

// GroupChatInfo is one customer group of groupchat/list.
type GroupChatInfo struct {
	ChatID string `json:"chat_id"`
	Status int    `json:"status"`
}

type groupChatListAnswer struct {
	apiStatus
	Chats      []GroupChatInfo `json:"group_chat_list"`
	NextCursor string          `json:"next_cursor"`
}

// GroupChatsOf reads one page of the customer groups owned by owners
// (groupchat/list with owner_filter) in the given status
// (GroupChatResignedWaiting …); next is "" on the last page.
func (c *Client) GroupChatsOf(ctx context.Context, owners []string, status int, cursor string) (page []GroupChatInfo, next string, err error) {
	if len(owners) == 0 {
		return nil, "", fmt.Errorf("list customer groups: no owner given: %w", ErrInvalidRequest)
	}
	type ownerFilter struct {
		Users []string `json:"userid_list"`
	}
	req := struct {
		Status int         `json:"status_filter"`
		Owner  ownerFilter `json:"owner_filter"`
		Cursor string      `json:"cursor,omitempty"`
		Limit  int         `json:"limit"`
	}{status, ownerFilter{owners}, cursor, 1000}
	var ans groupChatListAnswer
	if err := c.call(ctx, APIGroupChatList, http.MethodPost, nil, req, &ans); err != nil {
		return nil, "", fmt.Errorf("list customer groups of %v: %w", owners, err)
	}
	return ans.Chats, ans.NextCursor, nil
}

// GroupTransferFailure is a group groupchat/transfer could not hand over.
type GroupTransferFailure struct {
	ChatID  string `json:"chat_id"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

type groupTransferAnswer struct {
	apiStatus
	Failed []GroupTransferFailure `json:"failed_chat_list"`
}

// TransferGroupChats makes newOwner the owner of at most MaxTransferBatch
// customer groups of leavers (groupchat/transfer) and returns the groups
// that failed, each with WeCom's errcode; the others are handed over.
func (c *Client) TransferGroupChats(ctx context.Context, chatIDs []string, newOwner string) ([]GroupTransferFailure, error) {
	switch {
	case newOwner == "":
		return nil, fmt.Errorf("transfer customer groups: new owner is required: %w", ErrInvalidRequest)
	case len(chatIDs) == 0 || len(chatIDs) > MaxTransferBatch:
		return nil, fmt.Errorf("transfer customer groups: %d groups, WeCom takes 1 to %d a call: %w", len(chatIDs), MaxTransferBatch, ErrInvalidRequest)
	}
	req := struct {
		Chats    []string `json:"chat_id_list"`
		NewOwner string   `json:"new_owner"`
	}{chatIDs, newOwner}
	var ans groupTransferAnswer
	if err := c.call(ctx, APIGroupChatHand, http.MethodPost, nil, req, &ans); err != nil {
		return nil, fmt.Errorf("transfer %d customer groups to %q: %w", len(chatIDs), newOwner, err)
	}
	return ans.Failed, nil
}

// Customer kinds of externalcontact/get.
const (
	CustomerWeChat = 1 // a personal WeChat user
	CustomerWeCom  = 2 // a member of another WeCom corp
)

// Customer is an external contact as externalcontact/get answers. WeCom
// withholds the name from apps without the 客户联系 permission, and for
// customers outside the app's visible members it answers 84061: Name is
// then empty and the console shows 客户 and the masked id.
type Customer struct {
	ExternalUserID string `json:"external_userid"`
	Name           string `json:"name"`
	Type           int    `json:"type"`
	CorpName       string `json:"corp_name,omitempty"`
}

type customerAnswer struct {
	apiStatus
	ExternalContact Customer `json:"external_contact"`
}

// Customer returns an external contact's name and kind
// (externalcontact/get; the follow users are not read).
func (c *Client) Customer(ctx context.Context, externalUserID string) (Customer, error) {
	if externalUserID == "" {
		return Customer{}, fmt.Errorf("get customer: empty external_userid: %w", ErrInvalidRequest)
	}
	var ans customerAnswer
	if err := c.call(ctx, "externalcontact/get", http.MethodGet, url.Values{"external_userid": {externalUserID}}, nil, &ans); err != nil {
		return Customer{}, fmt.Errorf("get customer %q: %w", externalUserID, err)
	}
	ans.ExternalContact.ExternalUserID = externalUserID
	return ans.ExternalContact, nil
}
