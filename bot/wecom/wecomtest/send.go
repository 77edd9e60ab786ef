package wecomtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WeCom's limits, as documented.
const (
	// MemberPerMinute and MemberPerHour bound what one app may send to one
	// member; the excess is accepted with errcode 0 and silently dropped.
	MemberPerMinute = 30
	MemberPerHour   = 1000
	// WebhookPerMinute bounds what one group robot may send; the excess is
	// refused with errcode 45009.
	WebhookPerMinute = 20

	textMax            = 2048 // bytes of text.content (message/send truncates)
	markdownMax        = 2048 // bytes of markdown.content in message/send
	cardTitleMax       = 128
	cardDescMax        = 512
	webhookTextMax     = 2048
	webhookMarkdownMax = 4096
	dupDefault         = 1800 * time.Second
	dupMax             = 4 * time.Hour
)

// Sent is one message the fake delivered.
type Sent struct {
	// API is APIMessageSend, APIAppChatSend or APIWebhookSend.
	API string `json:"api"`
	// ToUser lists the members it reached (message/send; members that were
	// dropped for frequency are in Dropped instead), or "@all".
	ToUser  []string `json:"touser,omitempty"`
	ToParty []string `json:"toparty,omitempty"`
	ToTag   []string `json:"totag,omitempty"`
	// ChatID is the app group chat (appchat/send).
	ChatID string `json:"chatid,omitempty"`
	// WebhookKey is the robot key (webhook/send).
	WebhookKey string `json:"webhook_key,omitempty"`
	MsgType    string `json:"msgtype"`
	// Content is the text or markdown content, or for a textcard its title,
	// a newline and its description.
	Content       string    `json:"content"`
	Title         string    `json:"title,omitempty"`
	Description   string    `json:"description,omitempty"`
	URL           string    `json:"url,omitempty"`
	MentionedList []string  `json:"mentioned_list,omitempty"`
	AgentID       int64     `json:"agentid,omitempty"`
	MsgID         string    `json:"msgid,omitempty"`
	At            time.Time `json:"at"`
	// Body is the raw JSON request body.
	Body json.RawMessage `json:"body"`
}

// Dropped is one member that a message/send request named but that never
// received it, because the app exceeded the per-member frequency.
type Dropped struct {
	Member string `json:"member"`
	Sent   Sent   `json:"sent"`
}

type dupEntry struct {
	at    time.Time
	msgID string
}

// window is the delivery history behind one frequency limit.
type window struct {
	times        []time.Time
	blockedUntil time.Time
}

// allow records one event at now if it fits perMinute and perHour (0: no
// hourly limit). Hitting a limit blocks for 60 s (minute) or 60 min (hour),
// as WeCom does.
func (w *window) allow(now time.Time, perMinute, perHour int) bool {
	if now.Before(w.blockedUntil) {
		return false
	}
	hourAgo, minuteAgo := now.Add(-time.Hour), now.Add(-time.Minute)
	w.times = slices.DeleteFunc(w.times, func(t time.Time) bool { return !t.After(hourAgo) })
	inMinute := 0
	for _, t := range w.times {
		if t.After(minuteAgo) {
			inMinute++
		}
	}
	if inMinute >= perMinute {
		w.blockedUntil = now.Add(time.Minute)
		return false
	}
	if perHour > 0 && len(w.times) >= perHour {
		w.blockedUntil = now.Add(time.Hour)
		return false
	}
	w.times = append(w.times, now)
	return true
}

// Sent returns every delivered message, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Dropped returns every (member, message) pair dropped silently for
// frequency, in order.
func (s *Server) Dropped() []Dropped {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dropped)
}

// Duplicates returns the message/send requests answered with errcode 0 but
// not delivered, because duplicate_check found the same request within its
// interval.
func (s *Server) Duplicates() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dups)
}

type textBody struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list"`
	MentionedMobileList []string `json:"mentioned_mobile_list"`
}

type cardBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt"`
}

type msgBody struct {
	ToUser                 string          `json:"touser"`
	ToParty                string          `json:"toparty"`
	ToTag                  string          `json:"totag"`
	ChatID                 string          `json:"chatid"`
	MsgType                string          `json:"msgtype"`
	AgentID                json.RawMessage `json:"agentid"`
	Text                   *textBody       `json:"text"`
	Markdown               *textBody       `json:"markdown"`
	TextCard               *cardBody       `json:"textcard"`
	Safe                   int             `json:"safe"`
	EnableDuplicateCheck   int             `json:"enable_duplicate_check"`
	DuplicateCheckInterval int             `json:"duplicate_check_interval"`
}

// content validates the message part shared by message/send and
// appchat/send and fills it into sent.
func (s *Server) content(m *msgBody, sent *Sent) int {
	sent.MsgType = m.MsgType
	switch m.MsgType {
	case "text":
		if m.Text == nil || m.Text.Content == "" {
			return CodeEmptyContent
		}
		// WeCom truncates text content beyond 2048 bytes.
		sent.Content = truncate(m.Text.Content, textMax)
	case "markdown":
		if m.Markdown == nil || m.Markdown.Content == "" {
			return CodeEmptyContent
		}
		if len(m.Markdown.Content) > markdownMax {
			return CodeContentTooLong
		}
		sent.Content = m.Markdown.Content
	case "textcard":
		c := m.TextCard
		switch {
		case c == nil || c.Title == "":
			return CodeMissingTitle
		case c.Description == "":
			return CodeMissingDesc
		case c.URL == "":
			return CodeMissingURL
		case len(c.Title) > cardTitleMax || len(c.Description) > cardDescMax:
			return CodeContentTooLong
		}
		sent.Title, sent.Description, sent.URL = c.Title, c.Description, c.URL
		sent.Content = c.Title + "\n" + c.Description
	default:
		return CodeInvalidMsgType
	}
	return CodeOK
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// agentID accepts a JSON number or a numeric string: WeCom takes both, and
// some SDKs send the string form.
func agentID(raw json.RawMessage) int64 {
	if len(raw) == 0 {
		return 0
	}
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(str), 10, 64); err == nil {
			return v
		}
	}
	return -1
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newMsgID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dupKey identifies "the same request" for duplicate_check: WeCom compares
// the request JSON, so the key is a hash of its canonical form.
func dupKey(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

func (s *Server) messageSend(_ *http.Request, body []byte) reply {
	var m msgBody
	if json.Unmarshal(body, &m) != nil {
		return s.fail(CodeInvalidParameter)
	}
	switch id := agentID(m.AgentID); {
	case id == 0:
		return s.fail(CodeMissingAgentID)
	case id != s.cfg.AgentID:
		return s.fail(CodeOtherAgent)
	}
	now := s.cfg.Now()
	sent := Sent{API: APIMessageSend, AgentID: s.cfg.AgentID, At: now, Body: slices.Clone(body)}
	if code := s.content(&m, &sent); code != CodeOK {
		return s.fail(code)
	}

	users, parties, tags := splitIDs(m.ToUser), splitIDs(m.ToParty), splitIDs(m.ToTag)
	var badUsers, badParties, badTags []string
	all := slices.Contains(users, "@all")
	s.mu.Lock()
	defer s.mu.Unlock()
	var okUsers []string
	if all {
		okUsers = []string{"@all"}
	} else {
		for _, u := range users {
			if s.cfg.StrictDirectory && !s.knownUser(u) {
				badUsers = append(badUsers, strings.ToLower(u))
				continue
			}
			okUsers = append(okUsers, u)
		}
		for _, p := range parties {
			if _, err := strconv.ParseUint(p, 10, 32); err != nil {
				badParties = append(badParties, p)
				continue
			}
			sent.ToParty = append(sent.ToParty, p)
		}
		for _, t := range tags {
			if _, err := strconv.ParseUint(t, 10, 32); err != nil {
				badTags = append(badTags, t)
				continue
			}
			sent.ToTag = append(sent.ToTag, t)
		}
	}
	out := reply{
		"invaliduser":  strings.Join(badUsers, "|"),
		"invalidparty": strings.Join(badParties, "|"),
		"invalidtag":   strings.Join(badTags, "|"),
	}
	if len(okUsers) == 0 && len(sent.ToParty) == 0 && len(sent.ToTag) == 0 {
		r := s.fail(CodeAllInvalid)
		for k, v := range out {
			r[k] = v
		}
		return r
	}

	if m.EnableDuplicateCheck == 1 {
		interval := dupDefault
		if m.DuplicateCheckInterval > 0 {
			interval = min(time.Duration(m.DuplicateCheckInterval)*time.Second, dupMax)
		}
		key := dupKey(body)
		if e, ok := s.dupSeen[key]; ok && now.Sub(e.at) < interval {
			sent.ToUser = okUsers
			sent.MsgID = e.msgID
			s.dups = append(s.dups, sent)
			out["msgid"] = e.msgID
			return s.okLocked(out)
		}
		sent.MsgID = newMsgID()
		s.dupSeen[key] = dupEntry{at: now, msgID: sent.MsgID}
	} else {
		sent.MsgID = newMsgID()
	}

	var dropped []string
	for _, u := range okUsers {
		if u == "@all" {
			sent.ToUser = append(sent.ToUser, u)
			continue
		}
		key := strings.ToLower(u)
		w := s.member[key]
		if w == nil {
			w = &window{}
			s.member[key] = w
		}
		if w.allow(now, MemberPerMinute, MemberPerHour) {
			sent.ToUser = append(sent.ToUser, u)
		} else {
			dropped = append(dropped, u)
		}
	}
	for _, u := range dropped {
		s.dropped = append(s.dropped, Dropped{Member: u, Sent: sent})
	}
	if len(sent.ToUser) > 0 || len(sent.ToParty) > 0 || len(sent.ToTag) > 0 {
		s.deliverLocked(sent, strings.Join(append(append(slices.Clone(sent.ToUser), sent.ToParty...), sent.ToTag...), "|"))
	}
	out["msgid"] = sent.MsgID
	return s.okLocked(out)
}

// okLocked is ok for callers that hold s.mu.
func (s *Server) okLocked(fields reply) reply {
	fields["errcode"] = CodeOK
	fields["errmsg"] = "ok"
	return fields
}

func (s *Server) knownUser(id string) bool {
	if _, ok := s.users[id]; ok {
		return true
	}
	for k := range s.users {
		if strings.EqualFold(k, id) {
			return true
		}
	}
	return false
}

func (s *Server) deliverLocked(sent Sent, to string) {
	s.sent = append(s.sent, sent)
	if s.cfg.Logf != nil {
		s.cfg.Logf("wecomtest: %s to %s [%s]: %s", sent.API, to, sent.MsgType, sent.Content)
	}
}

func (s *Server) appChatSend(_ *http.Request, body []byte) reply {
	var m msgBody
	if json.Unmarshal(body, &m) != nil {
		return s.fail(CodeInvalidParameter)
	}
	sent := Sent{API: APIAppChatSend, ChatID: m.ChatID, At: s.cfg.Now(), Body: slices.Clone(body)}
	s.mu.Lock()
	_, ok := s.chats[m.ChatID]
	s.mu.Unlock()
	if !ok {
		return s.fail(CodeAppChatNotFound)
	}
	if code := s.content(&m, &sent); code != CodeOK {
		return s.fail(code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliverLocked(sent, "chat "+m.ChatID)
	return s.okLocked(reply{})
}

func (s *Server) webhookSend(r *http.Request, body []byte) reply {
	key := r.URL.Query().Get("key")
	s.mu.Lock()
	known := s.webhooks[key]
	s.mu.Unlock()
	if key == "" || !known {
		return s.fail(CodeInvalidWebhookKey)
	}
	var m msgBody
	if json.Unmarshal(body, &m) != nil {
		return s.fail(CodeInvalidParameter)
	}
	now := s.cfg.Now()
	sent := Sent{API: APIWebhookSend, WebhookKey: key, MsgType: m.MsgType, At: now, Body: slices.Clone(body)}
	switch m.MsgType {
	case "text":
		if m.Text == nil || m.Text.Content == "" {
			return s.fail(CodeEmptyContent)
		}
		if len(m.Text.Content) > webhookTextMax {
			return s.fail(CodeInvalidParameter)
		}
		sent.Content = m.Text.Content
		sent.MentionedList = slices.Clone(m.Text.MentionedList)
	case "markdown":
		if m.Markdown == nil || m.Markdown.Content == "" {
			return s.fail(CodeEmptyContent)
		}
		if len(m.Markdown.Content) > webhookMarkdownMax {
			return s.fail(CodeInvalidParameter)
		}
		sent.Content = m.Markdown.Content
	default:
		return s.fail(CodeInvalidMsgType)
	}
	s.mu.Lock()
	w := s.hooks[key]
	if w == nil {
		w = &window{}
		s.hooks[key] = w
	}
	allowed := w.allow(now, WebhookPerMinute, 0)
	if allowed {
		s.deliverLocked(sent, "robot")
	}
	s.mu.Unlock()
	if !allowed {
		return s.fail(CodeFrequencyLimit)
	}
	return s.ok(nil)
}
