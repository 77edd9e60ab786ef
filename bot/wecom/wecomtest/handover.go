package wecomtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// API names of the handover endpoints in Calls.
const (
	APIUnassignedList    = "externalcontact/get_unassigned_list"
	APICustomerGet       = "externalcontact/get"
	APIResignedTransfer  = "externalcontact/resigned/transfer_customer"
	APIResignedResult    = "externalcontact/resigned/transfer_result"
	APIGroupChatList     = "externalcontact/groupchat/list"
	APIGroupChatTransfer = "externalcontact/groupchat/transfer"
)

// Errcodes of the handover endpoints. The numbers are WeCom's as far as
// its error-code table gives them; which call answers which is the fake's
// reading of the documentation.
const (
	CodeNotResigned           = 40097 // the handover member has not left
	CodeInTransfer            = 40100 // the customer is already being transferred
	CodeNoRelation            = 84061 // the customer is not a contact of the handover member
	CodeInvalidExternalUserID = 40096
	CodeOwnerNotResigned      = 90500 // a group's owner has not left
	CodeTooManyInCall         = CodeInvalidParameter
)

// AcceptWindow is how long a customer has to refuse a transfer; after it
// the successor takes over by default.
const AcceptWindow = 24 * time.Hour

// MaxTransferBatch is the most customers or groups one transfer call names.
const MaxTransferBatch = 100

// Transfer statuses of resigned/transfer_result.
const (
	TransferDone    = 1
	TransferWaiting = 2
	TransferRefused = 3
)

type leaver struct {
	left      time.Time
	customers []string // unassigned customers (external_userid), in order
}

type transfer struct {
	takeover string
	started  time.Time
	status   int // TransferWaiting … (before the window ends)
	decided  time.Time
}

type handoverState struct {
	mu        sync.Mutex
	leavers   map[string]*leaver
	transfers map[[2]string]*transfer // {handover, external userid}
	customers map[string]Customer
}

func (h *handoverState) init() {
	if h.leavers == nil {
		h.leavers = map[string]*leaver{}
		h.transfers = map[[2]string]*transfer{}
		h.customers = map[string]Customer{}
	}
}

// Customer is an external contact externalcontact/get answers for.
type Customer struct {
	ExternalUserID string
	Name           string // empty: WeCom withholds it
	Type           int    // 1 WeChat, 2 WeCom
	CorpName       string
}

// SetCustomer adds or replaces an external contact. Customers not set are
// answered 84061 (not a contact of the app's members), as WeCom answers
// for customers outside the app's visible range.
func (s *Server) SetCustomer(c Customer) {
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	if c.Type == 0 {
		c.Type = 1
	}
	s.handover.customers[c.ExternalUserID] = c
}

func (s *Server) customerGet(r *http.Request, _ []byte) reply {
	id := r.URL.Query().Get("external_userid")
	if id == "" {
		return s.fail(CodeInvalidExternalUserID)
	}
	s.handover.mu.Lock()
	s.handover.init()
	c, ok := s.handover.customers[id]
	s.handover.mu.Unlock()
	if !ok {
		return s.fail(CodeNoRelation)
	}
	contact := reply{"external_userid": c.ExternalUserID, "name": c.Name, "type": c.Type}
	if c.CorpName != "" {
		contact["corp_name"] = c.CorpName
	}
	return s.ok(reply{"external_contact": contact, "follow_user": []reply{}})
}

// SetLeaver marks userID as a member who left at left, with customers
// waiting for a successor (get_unassigned_list lists them). Customer groups
// the leaver owns are seeded with SetGroupChat.
func (s *Server) SetLeaver(userID string, left time.Time, customers ...string) {
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	l := s.handover.leavers[userID]
	if l == nil {
		l = &leaver{left: left}
		s.handover.leavers[userID] = l
	}
	for _, c := range customers {
		if !slices.Contains(l.customers, c) {
			l.customers = append(l.customers, c)
		}
	}
}

// DecideTransfer makes the customer accept (or refuse) the transfer from
// handover before the acceptance window ends; it reports whether such a
// transfer was waiting. A refused customer is unassigned again.
func (s *Server) DecideTransfer(handover, customer string, accept bool) bool {
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	t := s.handover.transfers[[2]string{handover, customer}]
	if t == nil || s.statusOf(t) != TransferWaiting {
		return false
	}
	t.decided = s.cfg.Now()
	t.status = TransferDone
	if !accept {
		t.status = TransferRefused
		if l := s.handover.leavers[handover]; l != nil && !slices.Contains(l.customers, customer) {
			l.customers = append(l.customers, customer)
		}
	}
	return true
}

// Transfer reports the successor and status (TransferWaiting …) of the
// transfer of customer from handover; ok is false when there is none.
func (s *Server) Transfer(handover, customer string) (takeover string, status int, ok bool) {
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	t := s.handover.transfers[[2]string{handover, customer}]
	if t == nil {
		return "", 0, false
	}
	return t.takeover, s.statusOf(t), true
}

// statusOf is t's status now: a waiting transfer is taken over when the
// window has passed. The caller holds s.handover.mu.
func (s *Server) statusOf(t *transfer) int {
	if t.status == TransferWaiting && !s.cfg.Now().Before(t.started.Add(AcceptWindow)) {
		return TransferDone
	}
	return t.status
}

// page cuts items after cursor (a decimal offset) into a page of limit.
func page[T any](items []T, cursor string, limit int) ([]T, string) {
	off, _ := strconv.Atoi(cursor)
	off = min(max(off, 0), len(items))
	end := min(off+limit, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[off:end], next
}

func (s *Server) unassignedList(_ *http.Request, body []byte) reply {
	var req struct {
		PageID   int    `json:"page_id"`
		PageSize int    `json:"page_size"`
		Cursor   string `json:"cursor"`
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return s.refuse(CodeInvalidParameter, "invalid body")
		}
	}
	if req.PageSize <= 0 || req.PageSize > 1000 {
		req.PageSize = 1000
	}
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	users := make([]string, 0, len(s.handover.leavers))
	for u := range s.handover.leavers {
		users = append(users, u)
	}
	sort.Strings(users)
	var all []reply
	for _, u := range users {
		l := s.handover.leavers[u]
		for _, c := range l.customers {
			all = append(all, reply{"handover_userid": u, "external_userid": c, "dimission_time": l.left.Unix()})
		}
	}
	items, next := page(all, req.Cursor, req.PageSize)
	return s.ok(reply{"info": nonNil(items), "is_last": next == "", "next_cursor": next})
}

func (s *Server) resignedTransfer(_ *http.Request, body []byte) reply {
	var req struct {
		Handover  string   `json:"handover_userid"`
		Takeover  string   `json:"takeover_userid"`
		Customers []string `json:"external_userid"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return s.refuse(CodeInvalidParameter, "invalid body: "+err.Error())
	}
	switch {
	case req.Handover == "" || req.Takeover == "":
		return s.fail(CodeMissingUserID)
	case len(req.Customers) == 0 || len(req.Customers) > MaxTransferBatch:
		return s.refuse(CodeTooManyInCall, "external_userid size out of limit [1,100]")
	}
	if code := s.checkTakeover(req.Takeover); code != CodeOK {
		return s.fail(code)
	}
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	l := s.handover.leavers[req.Handover]
	if l == nil {
		return s.refuse(CodeNotResigned, "handover_userid has not resigned")
	}
	if _, left := s.handover.leavers[req.Takeover]; left {
		return s.fail(CodeUserNotFound)
	}
	out := make([]reply, 0, len(req.Customers))
	for _, c := range req.Customers {
		key := [2]string{req.Handover, c}
		code := CodeOK
		switch t := s.handover.transfers[key]; {
		case t != nil && s.statusOf(t) == TransferWaiting:
			code = CodeInTransfer
		case !slices.Contains(l.customers, c):
			code = CodeNoRelation
		default:
			s.handover.transfers[key] = &transfer{takeover: req.Takeover, started: s.cfg.Now(), status: TransferWaiting}
			l.customers = slices.DeleteFunc(l.customers, func(x string) bool { return x == c })
		}
		out = append(out, reply{"external_userid": c, "errcode": code})
	}
	return s.ok(reply{"customer": out})
}

// checkTakeover refuses a successor the directory does not know (with
// StrictDirectory) or who is not active.
func (s *Server) checkTakeover(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	switch {
	case !ok && s.cfg.StrictDirectory:
		return CodeUserNotFound
	case ok && u.Status != 0 && u.Status != 1:
		return CodeUserNotFound
	}
	return CodeOK
}

func (s *Server) resignedResult(_ *http.Request, body []byte) reply {
	var req struct {
		Handover string `json:"handover_userid"`
		Takeover string `json:"takeover_userid"`
		Cursor   string `json:"cursor"`
	}
	if err := decodeStrict(body, &req); err != nil || req.Handover == "" || req.Takeover == "" {
		return s.fail(CodeMissingUserID)
	}
	s.handover.mu.Lock()
	defer s.handover.mu.Unlock()
	s.handover.init()
	var all []reply
	keys := make([][2]string, 0)
	for k, t := range s.handover.transfers {
		if k[0] == req.Handover && t.takeover == req.Takeover {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][1] < keys[j][1] })
	for _, k := range keys {
		t := s.handover.transfers[k]
		st := s.statusOf(t)
		var at int64
		switch {
		case st == TransferDone && t.status == TransferDone:
			at = t.decided.Unix()
		case st == TransferDone:
			at = t.started.Add(AcceptWindow).Unix()
		}
		all = append(all, reply{"external_userid": k[1], "status": st, "takeover_time": at})
	}
	items, next := page(all, req.Cursor, 1000)
	return s.ok(reply{"customer": nonNil(items), "next_cursor": next})
}

func (s *Server) groupChatList(_ *http.Request, body []byte) reply {
	var req struct {
		Status int `json:"status_filter"`
		Owner  struct {
			Users []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return s.refuse(CodeInvalidParameter, "invalid body: "+err.Error())
	}
	if req.Limit <= 0 || req.Limit > 1000 {
		return s.refuse(CodeInvalidParameter, "limit out of range [1,1000]")
	}
	s.handover.mu.Lock()
	resigned := map[string]bool{}
	for u := range s.handover.leavers {
		resigned[u] = true
	}
	s.handover.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var all []reply
	for _, id := range ids {
		g := s.groups[id]
		if len(req.Owner.Users) > 0 && !slices.Contains(req.Owner.Users, g.Owner) {
			continue
		}
		st := 0 // 跟进人正常
		if resigned[g.Owner] {
			st = 1 // 跟进人离职 (离职待继承)
		}
		if req.Status != 0 && req.Status != st {
			continue
		}
		all = append(all, reply{"chat_id": id, "status": st})
	}
	items, next := page(all, req.Cursor, req.Limit)
	return s.ok(reply{"group_chat_list": nonNil(items), "next_cursor": next})
}

func (s *Server) groupChatTransfer(_ *http.Request, body []byte) reply {
	var req struct {
		Chats    []string `json:"chat_id_list"`
		NewOwner string   `json:"new_owner"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return s.refuse(CodeInvalidParameter, "invalid body: "+err.Error())
	}
	switch {
	case req.NewOwner == "":
		return s.fail(CodeMissingUserID)
	case len(req.Chats) == 0 || len(req.Chats) > MaxTransferBatch:
		return s.refuse(CodeTooManyInCall, "chat_id_list size out of limit [1,100]")
	}
	if code := s.checkTakeover(req.NewOwner); code != CodeOK {
		return s.fail(code)
	}
	s.handover.mu.Lock()
	resigned := map[string]bool{}
	for u := range s.handover.leavers {
		resigned[u] = true
	}
	s.handover.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	failed := []reply{}
	for _, id := range req.Chats {
		g, ok := s.groups[id]
		code := CodeOK
		switch {
		case !ok:
			code = CodeChatNotFound
		case !resigned[g.Owner]:
			code = CodeOwnerNotResigned
		}
		if code != CodeOK {
			failed = append(failed, reply{"chat_id": id, "errcode": code, "errmsg": s.errmsg(code)})
			continue
		}
		g.Owner = req.NewOwner
		s.groups[id] = g
	}
	return s.ok(reply{"failed_chat_list": failed})
}
