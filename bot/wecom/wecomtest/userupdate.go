package wecomtest

import (
	"encoding/json"
	"net/http"
)

// APIUserUpdate is user/update (成员停用 with enable 0).
const APIUserUpdate = "user/update"

// Codes of user/update for a secret without write access to the directory.
const (
	CodeAPIForbidden = 48002
	CodeNoPrivilege  = 60011
)

// contactsState is what user/update needs besides the directory.
type contactsState struct {
	readOnly bool
}

// SetDirectoryReadOnly makes user/update answer 48002 (api forbidden), as
// WeCom does for an app secret without write access to the directory.
func (s *Server) SetDirectoryReadOnly(ro bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts.readOnly = ro
}

// userUpdate applies enable (1 active, 0 disabled) to a seeded member;
// other fields of user/update are accepted and ignored.
func (s *Server) userUpdate(_ *http.Request, body []byte) reply {
	var req struct {
		UserID string `json:"userid"`
		Enable *int   `json:"enable"`
	}
	if json.Unmarshal(body, &req) != nil {
		return s.fail(CodeInvalidParameter)
	}
	if req.UserID == "" {
		return s.fail(CodeMissingUserID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.contacts.readOnly {
		return s.fail(CodeAPIForbidden)
	}
	u, ok := s.users[req.UserID]
	if !ok {
		return s.fail(CodeUserNotFound)
	}
	if req.Enable != nil {
		switch *req.Enable {
		case 0:
			u.Status = 2
		case 1:
			u.Status = 1
		default:
			return s.fail(CodeInvalidParameter)
		}
		s.users[req.UserID] = u
	}
	return s.ok(nil)
}

// UserStatus is a member's status as user/get would answer it (1 active,
// 2 disabled …); 0 for a member not in the directory.
func (s *Server) UserStatus(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[id].Status
}
