package wecom

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Message types and events WeCom sends to a self-built app. Others appear
// and are fine: ParseMessage keeps whatever arrives.
const (
	MsgTypeText     = "text"
	MsgTypeImage    = "image"
	MsgTypeVoice    = "voice"
	MsgTypeVideo    = "video"
	MsgTypeLocation = "location"
	MsgTypeLink     = "link"
	MsgTypeEvent    = "event"

	EventEnterAgent         = "enter_agent"
	EventChangeContact      = "change_contact"
	EventChangeExternalChat = "change_external_chat"
	EventMsgAuditNotify     = "msgaudit_notify"

	// ChangeType values of change_contact for members.
	ChangeCreateUser = "create_user"
	ChangeUpdateUser = "update_user"
	ChangeDeleteUser = "delete_user"
)

// Message is one decrypted callback plaintext: a message a member sent to the
// app, or an event.
//
// It is one flat struct rather than a type per family because WeCom's XML is
// flat and the families overlap (Title and PicURL serve link; Name serves
// members and departments): the common header comes first, then one group of
// fields per family, each filled only when the XML carries it. Numbers are
// parsed leniently (a bad number reads as zero) because ParseMessage must
// never reject a message WeCom sent; Raw keeps everything, including the
// unknown types and fields that will appear over time.
//
// Member contact details of change_contact (mobile, e-mail, address, avatar,
// extattr) are deliberately not lifted into fields: the product has no use
// for them, and personal data that is never copied cannot leak. They remain
// in Raw.
type Message struct {
	// Header, present on every message and event.
	ToUserName   string // the CorpID
	FromUserName string // the sender's userid; "sys" for system events
	CreateTime   int64  // Unix seconds
	MsgType      string // text, image, …, or event
	MsgID        string // MsgId; messages only
	AgentID      string

	// text
	Content string

	// image, voice, video, link
	PicURL       string // PicUrl: image, link
	MediaID      string // MediaId: image, voice, video
	Format       string // voice: amr, speex …
	ThumbMediaID string // video

	// location
	LocationX float64 // Location_X: latitude
	LocationY float64 // Location_Y: longitude
	Scale     int
	Label     string

	// link
	Title       string
	Description string
	URL         string // Url

	// Events (MsgType "event").
	Event      string
	EventKey   string
	ChangeType string

	// change_contact: members (create_user, update_user, delete_user) and
	// departments (create_party …, where Name is the department's name).
	UserID         string // the member's userid before the change
	NewUserID      string // update_user: the new userid when it changed
	Name           string // display name (members) or department name
	Alias          string
	Position       string
	Department     string // comma-separated department ids, as sent: "1,2"
	MainDepartment string
	IsLeaderInDept string // comma-separated 0/1 flags matching Department
	DirectLeader   string // comma-separated userids
	Status         int    // 1 active, 2 disabled, 4 not activated, 5 left
	PartyID        string // Id: create/update/delete_party
	ParentID       string // ParentId: create/update_party

	// change_external_contact
	ExternalUserID string

	// change_external_chat: ChangeType is create, update or dismiss.
	ChatID        string   // ChatId
	UpdateDetail  string   // add_member, del_member, change_owner, change_name …
	JoinScene     int      // add_member: 0 direct invite, 1 invite link, 3 QR code
	QuitScene     int      // del_member: 0 left, 1 removed
	MemChangeCnt  int      // number of members added or removed
	MemChangeList []string // userids added or removed
	LastMemVer    string
	CurMemVer     string

	// Raw is the whole plaintext XML, always kept.
	Raw []byte
}

// wireMessage mirrors the XML element names. Every field is a string so that
// an odd value (a float CreateTime, an empty Scale) never fails the parse.
type wireMessage struct {
	ToUserName     string `xml:"ToUserName"`
	FromUserName   string `xml:"FromUserName"`
	CreateTime     string `xml:"CreateTime"`
	MsgType        string `xml:"MsgType"`
	MsgID          string `xml:"MsgId"`
	AgentID        string `xml:"AgentID"`
	Content        string `xml:"Content"`
	PicURL         string `xml:"PicUrl"`
	MediaID        string `xml:"MediaId"`
	Format         string `xml:"Format"`
	ThumbMediaID   string `xml:"ThumbMediaId"`
	LocationX      string `xml:"Location_X"`
	LocationY      string `xml:"Location_Y"`
	Scale          string `xml:"Scale"`
	Label          string `xml:"Label"`
	Title          string `xml:"Title"`
	Description    string `xml:"Description"`
	URL            string `xml:"Url"`
	Event          string `xml:"Event"`
	EventKey       string `xml:"EventKey"`
	ChangeType     string `xml:"ChangeType"`
	UserID         string `xml:"UserID"`
	NewUserID      string `xml:"NewUserID"`
	Name           string `xml:"Name"`
	Alias          string `xml:"Alias"`
	Position       string `xml:"Position"`
	Department     string `xml:"Department"`
	MainDepartment string `xml:"MainDepartment"`
	IsLeaderInDept string `xml:"IsLeaderInDept"`
	DirectLeader   string `xml:"DirectLeader"`
	Status         string `xml:"Status"`
	PartyID        string `xml:"Id"`
	ParentID       string `xml:"ParentId"`
	ExternalUserID string `xml:"ExternalUserID"`
	ChatID         string `xml:"ChatId"`
	UpdateDetail   string `xml:"UpdateDetail"`
	JoinScene      string `xml:"JoinScene"`
	QuitScene      string `xml:"QuitScene"`
	MemChangeCnt   string `xml:"MemChangeCnt"`
	MemChangeList  struct {
		Items []string `xml:"Item"`
	} `xml:"MemChangeList"`
	LastMemVer string `xml:"LastMemVer"`
	CurMemVer  string `xml:"CurMemVer"`
}

// ParseMessage parses a decrypted callback plaintext. The error wraps
// ErrMalformed only when plain is not XML; unknown message types, events and
// fields are not errors, and plain is kept in Raw. The returned Message owns
// Raw (it does not alias plain).
func ParseMessage(plain []byte) (*Message, error) {
	// One copy of the plaintext as a string, which every field is a
	// substring of (scanMessage), and one for Raw.
	var w wireMessage
	if !scanMessage(string(plain), &w) {
		// A separate variable, so that w stays on the stack on the fast path.
		x := new(wireMessage)
		if err := xml.Unmarshal(plain, x); err != nil {
			return nil, fmt.Errorf("parse message: not XML: %w", ErrMalformed)
		}
		w = *x
	}
	m := &Message{
		ToUserName:     w.ToUserName,
		FromUserName:   w.FromUserName,
		CreateTime:     lenientInt64(w.CreateTime),
		MsgType:        strings.TrimSpace(w.MsgType),
		MsgID:          strings.TrimSpace(w.MsgID),
		AgentID:        strings.TrimSpace(w.AgentID),
		Content:        w.Content,
		PicURL:         w.PicURL,
		MediaID:        w.MediaID,
		Format:         w.Format,
		ThumbMediaID:   w.ThumbMediaID,
		LocationX:      lenientFloat(w.LocationX),
		LocationY:      lenientFloat(w.LocationY),
		Scale:          lenientInt(w.Scale),
		Label:          w.Label,
		Title:          w.Title,
		Description:    w.Description,
		URL:            w.URL,
		Event:          strings.TrimSpace(w.Event),
		EventKey:       w.EventKey,
		ChangeType:     strings.TrimSpace(w.ChangeType),
		UserID:         w.UserID,
		NewUserID:      w.NewUserID,
		Name:           w.Name,
		Alias:          w.Alias,
		Position:       w.Position,
		Department:     strings.TrimSpace(w.Department),
		MainDepartment: strings.TrimSpace(w.MainDepartment),
		IsLeaderInDept: strings.TrimSpace(w.IsLeaderInDept),
		DirectLeader:   strings.TrimSpace(w.DirectLeader),
		Status:         lenientInt(w.Status),
		PartyID:        strings.TrimSpace(w.PartyID),
		ParentID:       strings.TrimSpace(w.ParentID),
		ExternalUserID: w.ExternalUserID,
		ChatID:         w.ChatID,
		UpdateDetail:   strings.TrimSpace(w.UpdateDetail),
		JoinScene:      lenientInt(w.JoinScene),
		QuitScene:      lenientInt(w.QuitScene),
		MemChangeCnt:   lenientInt(w.MemChangeCnt),
		MemChangeList:  w.MemChangeList.Items,
		LastMemVer:     w.LastMemVer,
		CurMemVer:      w.CurMemVer,
		Raw:            append([]byte(nil), plain...),
	}
	return m, nil
}

func lenientInt64(s string) int64 {
	if s == "" {
		return 0 // absent: no error value built
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func lenientInt(s string) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func lenientFloat(s string) float64 {
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	return f
}

// IsEvent reports whether m is an event rather than a message.
func (m *Message) IsEvent() bool { return m.MsgType == MsgTypeEvent }

// maxDedupKeyLen bounds DedupKey; longer keys are replaced by a hash.
const maxDedupKeyLen = 200

// DedupKey names m for deduplication of WeCom's retries (it delivers a
// callback up to three times). Messages are keyed by MsgId:
// "msg:"+MsgID. Events have no id, so they are keyed as WeCom advises by
// "evt:"+FromUserName+":"+CreateTime+":"+Event+":"+ChangeType, followed by
// ":"+subject when the event names one (UserID, ExternalUserID, ChatID,
// PartyID, UpdateDetail, CurMemVer). The subject matters: system events all
// come from "sys", so without it two members updated in the same second
// would collapse into one and the second change would be lost. A message
// without MsgId falls back to the event form with its MsgType in place of
// Event.
//
// Every part is query-escaped, so the key holds no spaces, colons, braces
// (Redis Cluster hash tags) or control characters from the input; a key over
// 200 bytes becomes "evt:h:" or "msg:h:" plus the hex SHA-256 of the long
// form.
func (m *Message) DedupKey() string {
	if !m.IsEvent() && m.MsgID != "" {
		return boundKey("msg:", "msg:"+url.QueryEscape(m.MsgID))
	}
	event := m.Event
	if !m.IsEvent() {
		event = m.MsgType
	}
	var b strings.Builder
	b.WriteString("evt:")
	b.WriteString(url.QueryEscape(m.FromUserName))
	b.WriteByte(':')
	b.WriteString(strconv.FormatInt(m.CreateTime, 10))
	b.WriteByte(':')
	b.WriteString(url.QueryEscape(event))
	b.WriteByte(':')
	b.WriteString(url.QueryEscape(m.ChangeType))
	var subject []string
	for _, s := range []string{m.UserID, m.ExternalUserID, m.ChatID, m.PartyID, m.UpdateDetail, m.CurMemVer} {
		if s != "" {
			subject = append(subject, url.QueryEscape(s))
		}
	}
	if len(subject) > 0 {
		b.WriteByte(':')
		b.WriteString(strings.Join(subject, ","))
	}
	return boundKey("evt:", b.String())
}

func boundKey(prefix, key string) string {
	if len(key) <= maxDedupKeyLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return prefix + "h:" + hex.EncodeToString(sum[:])
}
