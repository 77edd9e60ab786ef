package wecom

import (
	"context"
	"fmt"
	"net/http"
)

type userUpdateRequest struct {
	UserID string `json:"userid"`
	Enable int    `json:"enable"`
}

// DisableUser suspends a member's account (停用): user/update with enable
// 0. WeCom allows it only to a secret with write access to the directory
// (the 通讯录同步 secret, or an app given it); others get 48002 or 60011,
// which are Permanent. An unknown userid is NotFound (60111).
func (c *Client) DisableUser(ctx context.Context, userID string) error {
	if userID == "" {
		return fmt.Errorf("disable user: empty userid: %w", ErrInvalidRequest)
	}
	var ans apiStatus
	if err := c.call(ctx, "user/update", http.MethodPost, nil, userUpdateRequest{UserID: userID, Enable: 0}, &ans); err != nil {
		return fmt.Errorf("disable user %q: %w", userID, err)
	}
	return nil
}
