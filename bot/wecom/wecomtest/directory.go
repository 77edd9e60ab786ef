package wecomtest

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Chat is an app group chat (appchat), as appchat/get describes it.
type Chat struct {
	ChatID   string
	Name     string
	Owner    string
	UserList []string
}

// GroupChat is a customer group (客户群), as externalcontact/groupchat/get
// describes it.
type GroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	CreateTime int64
	Notice     string
	Members    []string
	Admins     []string
}

// ArchiveRoom is an internal group seen by the chat archive, as
// msgaudit/groupchat/get describes it.
type ArchiveRoom struct {
	RoomID     string
	Name       string
	Creator    string
	CreateTime int64
	Notice     string
	Members    []string
}

// User is a member of the corp's directory, as user/get describes it.
type User struct {
	UserID         string
	Name           string
	Alias          string
	Position       string
	Mobile         string
	Email          string
	Department     []int64
	MainDepartment int64
	DirectLeader   []string
	// Status is 1 active, 2 disabled, 4 not yet activated, 5 left (default 1).
	Status int
}

// SetChat adds or replaces an app group chat.
func (s *Server) SetChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.UserList = slices.Clone(c.UserList)
	s.chats[c.ChatID] = c
}

// SetGroupChat adds or replaces a customer group.
func (s *Server) SetGroupChat(g GroupChat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.Members, g.Admins = slices.Clone(g.Members), slices.Clone(g.Admins)
	s.groups[g.ChatID] = g
}

// SetArchiveRoom adds or replaces an internal group of the chat archive.
func (s *Server) SetArchiveRoom(r ArchiveRoom) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Members = slices.Clone(r.Members)
	s.rooms[r.RoomID] = r
}

// SetUser adds or replaces a member of the directory.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.Status == 0 {
		u.Status = 1
	}
	u.Department, u.DirectLeader = slices.Clone(u.Department), slices.Clone(u.DirectLeader)
	s.users[u.UserID] = u
}

// AddWebhook registers a group robot key; webhook/send answers 93000 for
// any other key.
func (s *Server) AddWebhook(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhooks[key] = true
}

func (s *Server) appChatGet(r *http.Request, _ []byte) reply {
	id := r.URL.Query().Get("chatid")
	s.mu.Lock()
	c, ok := s.chats[id]
	s.mu.Unlock()
	if !ok {
		return s.fail(CodeAppChatNotFound)
	}
	return s.ok(reply{"chat_info": reply{
		"chatid":   c.ChatID,
		"name":     c.Name,
		"owner":    c.Owner,
		"userlist": nonNil(c.UserList),
	}})
}

func (s *Server) groupChatGet(_ *http.Request, body []byte) reply {
	var req struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}
	if json.Unmarshal(body, &req) != nil {
		return s.fail(CodeInvalidParameter)
	}
	s.mu.Lock()
	g, ok := s.groups[req.ChatID]
	s.mu.Unlock()
	if !ok {
		return s.fail(CodeChatNotFound)
	}
	members := make([]reply, 0, len(g.Members))
	for _, m := range g.Members {
		members = append(members, reply{"userid": m, "type": 1, "join_time": g.CreateTime, "join_scene": 1})
	}
	admins := make([]reply, 0, len(g.Admins))
	for _, a := range g.Admins {
		admins = append(admins, reply{"userid": a})
	}
	return s.ok(reply{"group_chat": reply{
		"chat_id":     g.ChatID,
		"name":        g.Name,
		"owner":       g.Owner,
		"create_time": g.CreateTime,
		"notice":      g.Notice,
		"member_list": members,
		"admin_list":  admins,
	}})
}

func (s *Server) archiveRoomGet(_ *http.Request, body []byte) reply {
	var req struct {
		RoomID string `json:"roomid"`
	}
	if json.Unmarshal(body, &req) != nil {
		return s.fail(CodeInvalidParameter)
	}
	s.mu.Lock()
	room, ok := s.rooms[req.RoomID]
	s.mu.Unlock()
	if !ok && s.cfg.RoomOf != nil {
		room, ok = s.cfg.RoomOf(req.RoomID)
	}
	if !ok {
		return s.fail(CodeChatNotFound)
	}
	members := make([]reply, 0, len(room.Members))
	for _, m := range room.Members {
		members = append(members, reply{"memberid": m, "jointime": room.CreateTime})
	}
	return s.ok(reply{
		"roomname":         room.Name,
		"creator":          room.Creator,
		"room_create_time": room.CreateTime,
		"notice":           room.Notice,
		"members":          members,
	})
}

func (s *Server) userGet(r *http.Request, _ []byte) reply {
	id := r.URL.Query().Get("userid")
	if id == "" {
		return s.fail(CodeMissingUserID)
	}
	s.mu.Lock()
	u, ok := s.users[id]
	s.mu.Unlock()
	if !ok {
		return s.fail(CodeUserNotFound)
	}
	main := u.MainDepartment
	if main == 0 && len(u.Department) > 0 {
		main = u.Department[0]
	}
	return s.ok(reply{
		"userid":          u.UserID,
		"name":            u.Name,
		"alias":           u.Alias,
		"position":        u.Position,
		"mobile":          u.Mobile,
		"email":           u.Email,
		"department":      nonNil(u.Department),
		"main_department": main,
		"direct_leader":   nonNil(u.DirectLeader),
		"status":          u.Status,
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
