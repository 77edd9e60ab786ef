package wecom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Actions of chat-archive records (会话内容存档).
const (
	ArchiveActionSend   = "send"
	ArchiveActionRecall = "recall"
	ArchiveActionSwitch = "switch"
)

// Message types of chat-archive records that the product reads. Others
// (vote, collect, meeting_voice_call, voip_doc_share, qydiskfile …) appear
// and are kept: ParseArchiveRecords never rejects a record for its type.
const (
	ArchiveText              = "text"
	ArchiveMarkdown          = "markdown"
	ArchiveNews              = "news"
	ArchiveLink              = "link"
	ArchiveFile              = "file"
	ArchiveImage             = "image"
	ArchiveVoice             = "voice"
	ArchiveVideo             = "video"
	ArchiveEmotion           = "emotion"
	ArchiveCard              = "card"
	ArchiveLocation          = "location"
	ArchiveWeApp             = "weapp"
	ArchiveChatRecord        = "chatrecord"
	ArchiveMixed             = "mixed"
	ArchiveRevoke            = "revoke"
	ArchiveAgree             = "agree"
	ArchiveDisagree          = "disagree"
	ArchiveRedPacket         = "redpacket"
	ArchiveExternalRedPacket = "external_redpacket"
	ArchiveMeeting           = "meeting"
	ArchiveDocMsg            = "docmsg"
	ArchiveTodo              = "todo"
	ArchiveVote              = "vote"
	ArchiveCalendar          = "calendar"
	ArchiveSphFeed           = "sphfeed"
)

// ArchiveRecord is one decrypted record of WeCom's chat archive, as the
// vendor's C SDK (DecryptData) gives it: the common header, then the body of
// its msgtype under the key the SDK uses (text → "text", markdown and news →
// "info", docmsg → "doc", external_redpacket → "redpacket" …). Only the body
// of the record's type is set. Raw keeps the whole record as received, so
// nothing of an unknown type or field is lost.
//
// Field names follow the SDK's plaintext schema (and silenceper/wechat's
// work/msgaudit structs, which mirror it). Numbers of the header (seq,
// msgtime, time) are also accepted as strings, and tolist as a single
// string, because relays between the SDK and this service are known to
// stringify them.
type ArchiveRecord struct {
	// Seq is the record's position in the corp's archive, when the producer
	// passes it on (GetChatData gives it next to the ciphertext, not in
	// the plaintext).
	Seq     uint64   `json:"seq,omitempty"`
	MsgID   string   `json:"msgid"`
	Action  string   `json:"action"` // send, recall or switch
	From    string   `json:"from"`   // userid, or external_userid for people of other corps
	ToList  []string `json:"tolist,omitempty"`
	RoomID  string   `json:"roomid,omitempty"` // the group; empty for a 1:1 chat
	MsgTime int64    `json:"msgtime"`          // Unix milliseconds
	MsgType string   `json:"msgtype"`

	// switch (a member switched corp): no msgtype, the member and the time.
	User string `json:"user,omitempty"`
	Time int64  `json:"time,omitempty"` // Unix milliseconds

	Text       *ArchiveTextBody       `json:"text,omitempty"`
	Info       *ArchiveInfoBody       `json:"info,omitempty"` // markdown, news
	Link       *ArchiveLinkBody       `json:"link,omitempty"`
	File       *ArchiveFileBody       `json:"file,omitempty"`
	Image      *ArchiveMediaBody      `json:"image,omitempty"`
	Voice      *ArchiveMediaBody      `json:"voice,omitempty"`
	Video      *ArchiveMediaBody      `json:"video,omitempty"`
	Emotion    *ArchiveMediaBody      `json:"emotion,omitempty"`
	Card       *ArchiveCardBody       `json:"card,omitempty"`
	Location   *ArchiveLocationBody   `json:"location,omitempty"`
	WeApp      *ArchiveWeAppBody      `json:"weapp,omitempty"`
	ChatRecord *ArchiveChatRecordBody `json:"chatrecord,omitempty"`
	Mixed      *ArchiveMixedBody      `json:"mixed,omitempty"`
	Revoke     *ArchiveRevokeBody     `json:"revoke,omitempty"`
	Agree      *ArchiveAgreeBody      `json:"agree,omitempty"`
	Disagree   *ArchiveAgreeBody      `json:"disagree,omitempty"`
	RedPacket  *ArchiveRedPacketBody  `json:"redpacket,omitempty"` // redpacket, external_redpacket
	Meeting    *ArchiveMeetingBody    `json:"meeting,omitempty"`
	Doc        *ArchiveDocBody        `json:"doc,omitempty"` // docmsg
	Todo       *ArchiveTodoBody       `json:"todo,omitempty"`
	Calendar   *ArchiveCalendarBody   `json:"calendar,omitempty"`
	SphFeed    *ArchiveSphFeedBody    `json:"sphfeed,omitempty"`
	// vote: the SDK puts its fields at the top level.
	VoteTitle string   `json:"votetitle,omitempty"`
	VoteItem  []string `json:"voteitem,omitempty"`

	// Raw is the record's JSON as received.
	Raw json.RawMessage `json:"-"`
}

// ArchiveTextBody is the body of text.
type ArchiveTextBody struct {
	Content string `json:"content"`
}

// ArchiveInfoBody is the body of markdown (Content, sent by robots) and
// news (Item).
type ArchiveInfoBody struct {
	Content string            `json:"content,omitempty"`
	Item    []ArchiveNewsItem `json:"item,omitempty"`
}

// ArchiveNewsItem is one article of a news record.
type ArchiveNewsItem struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl,omitempty"`
}

// ArchiveLinkBody is the body of link.
type ArchiveLinkBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	LinkURL     string `json:"link_url"`
	ImageURL    string `json:"image_url,omitempty"`
}

// ArchiveFileBody is the body of file. The content itself is media (fetched
// with GetMediaData); only its name is text.
type ArchiveFileBody struct {
	FileName  string `json:"filename"`
	FileExt   string `json:"fileext,omitempty"`
	SDKFileID string `json:"sdkfileid,omitempty"`
	MD5Sum    string `json:"md5sum,omitempty"`
	// Data is the file itself, base64 in JSON, when the producer fetched
	// it and passes it on: the text of a .txt, .md or .docx is then
	// checked against the protected documents (bot/archivefile.go). Never
	// stored.
	Data []byte `json:"data,omitempty"`
}

// ArchiveMediaBody is the body of image, voice, video and emotion: a media
// reference and nothing to read.
type ArchiveMediaBody struct {
	SDKFileID string `json:"sdkfileid,omitempty"`
	MD5Sum    string `json:"md5sum,omitempty"`
	// Data is the file itself, base64 in JSON, when the producer fetched
	// it (GetMediaData by sdkfileid) and passes it on: an image's QR codes
	// are then checked. Never stored.
	Data []byte `json:"data,omitempty"`
}

// ArchiveCardBody is the body of card (a shared contact card).
type ArchiveCardBody struct {
	CorpName string `json:"corpname"`
	UserID   string `json:"userid"`
}

// ArchiveLocationBody is the body of location.
type ArchiveLocationBody struct {
	Title   string `json:"title"`
	Address string `json:"address"`
}

// ArchiveWeAppBody is the body of weapp (a mini program card).
type ArchiveWeAppBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Username    string `json:"username,omitempty"`
	DisplayName string `json:"displayname"`
}

// ArchiveChatRecordBody is the body of chatrecord: forwarded chat history.
type ArchiveChatRecordBody struct {
	Title string        `json:"title"`
	Item  []ArchiveItem `json:"item"`
}

// ArchiveMixedBody is the body of mixed: text, images and emoticons in one
// message.
type ArchiveMixedBody struct {
	Item []ArchiveItem `json:"item"`
}

// ArchiveRevokeBody is the body of revoke: the recalled message.
type ArchiveRevokeBody struct {
	PreMsgID string `json:"pre_msgid"`
}

// ArchiveAgreeBody is the body of agree and disagree (an external contact's
// consent to archiving).
type ArchiveAgreeBody struct {
	UserID    string `json:"userid"`
	AgreeTime int64  `json:"agree_time,omitempty"`
}

// ArchiveRedPacketBody is the body of redpacket and external_redpacket.
type ArchiveRedPacketBody struct {
	Wish string `json:"wish"`
}

// ArchiveMeetingBody is the body of meeting (an invitation).
type ArchiveMeetingBody struct {
	Topic   string `json:"topic"`
	Address string `json:"address,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// ArchiveDocBody is the body of docmsg (an online document).
type ArchiveDocBody struct {
	Title      string `json:"title"`
	LinkURL    string `json:"link_url"`
	DocCreator string `json:"doc_creator,omitempty"`
}

// ArchiveTodoBody is the body of todo.
type ArchiveTodoBody struct {
	Title   string `json:"title"`
	Content string `json:"content"`
}

// ArchiveCalendarBody is the body of calendar.
type ArchiveCalendarBody struct {
	Title   string `json:"title"`
	Place   string `json:"place,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// ArchiveSphFeedBody is the body of sphfeed (a WeChat Channels post).
type ArchiveSphFeedBody struct {
	SphName  string `json:"sph_name"`
	FeedDesc string `json:"feed_desc"`
}

// ArchiveItem is one part of a mixed message or one entry of a forwarded
// chat record. Its Content is, in the SDK's output, a JSON string holding
// the body of the part's type ("{\"content\":\"你好\"}" for text); a JSON
// object is accepted too.
type ArchiveItem struct {
	// Type is the part's msgtype in mixed ("text", "image" …) and
	// "ChatRecord"+Type in chatrecord ("ChatRecordText", "ChatRecordLink" …).
	Type         string       `json:"type"`
	Content      EmbeddedJSON `json:"content"`
	MsgTime      int64        `json:"msgtime,omitempty"`
	FromChatroom bool         `json:"from_chatroom,omitempty"`
}

// EmbeddedJSON is a JSON value that the SDK sends either encoded in a
// string or inline; it holds the value's JSON text. A string that is not
// JSON is kept as the JSON encoding of that string.
type EmbeddedJSON []byte

// UnmarshalJSON accepts a string holding JSON, a plain string or any value.
func (e *EmbeddedJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		inner := bytes.TrimSpace([]byte(s))
		if len(inner) > 0 && (inner[0] == '{' || inner[0] == '[') && json.Valid(inner) {
			*e = inner
			return nil
		}
		*e = append((*e)[:0], b...)
		return nil
	}
	*e = append((*e)[:0], b...)
	return nil
}

// MarshalJSON writes the value inline.
func (e EmbeddedJSON) MarshalJSON() ([]byte, error) {
	if len(e) == 0 {
		return []byte("null"), nil
	}
	return e, nil
}

// MaxArchiveNesting bounds how deep Record unpacks items inside items (a
// forwarded chat record containing a forwarded chat record …).
const MaxArchiveNesting = 4

// ItemType is the msgtype of the part: "ChatRecordText" → "text",
// "ChatRecordMixed" → "mixed", a mixed part's type unchanged.
func (it ArchiveItem) ItemType() string {
	t := it.Type
	if rest, ok := strings.CutPrefix(t, "ChatRecord"); ok && rest != "" {
		t = strings.ToLower(rest)
	}
	return t
}

// Record decodes the part as a record of its type (only MsgType, MsgTime
// and the body are set), so a part is read like any record. A text part
// whose content is a plain string reads as that text.
func (it ArchiveItem) Record() (ArchiveRecord, error) {
	t := it.ItemType()
	r := ArchiveRecord{MsgType: t, MsgTime: it.MsgTime, Raw: json.RawMessage(it.Content)}
	content := bytes.TrimSpace(it.Content)
	if len(content) == 0 || bytes.Equal(content, []byte("null")) {
		return r, nil
	}
	if content[0] == '"' {
		var s string
		if err := json.Unmarshal(content, &s); err != nil {
			return r, fmt.Errorf("decode %s part: %w: %w", t, ErrMalformed, err)
		}
		if t == ArchiveText {
			r.Text = &ArchiveTextBody{Content: s}
		}
		return r, nil
	}
	key := archiveBodyKey(t)
	if key == "" {
		// The vote body is the record's top level; unknown types stay raw.
		if t == ArchiveVote {
			if err := json.Unmarshal(content, &r); err != nil {
				return r, fmt.Errorf("decode %s part: %w: %w", t, ErrMalformed, err)
			}
			r.MsgType = t
		}
		return r, nil
	}
	wrapped := make([]byte, 0, len(content)+len(key)+8)
	wrapped = append(wrapped, '{')
	wrapped = strconv.AppendQuote(wrapped, key)
	wrapped = append(wrapped, ':')
	wrapped = append(wrapped, content...)
	wrapped = append(wrapped, '}')
	var body ArchiveRecord
	if err := json.Unmarshal(wrapped, &body); err != nil {
		return r, fmt.Errorf("decode %s part: %w: %w", t, ErrMalformed, err)
	}
	body.MsgType, body.MsgTime, body.Raw = r.MsgType, r.MsgTime, r.Raw
	return body, nil
}

// archiveBodyKey is the key of a msgtype's body in a record ("" when the
// type has no typed body here).
func archiveBodyKey(msgType string) string {
	switch msgType {
	case ArchiveMarkdown, ArchiveNews:
		return "info"
	case ArchiveDocMsg:
		return "doc"
	case ArchiveExternalRedPacket:
		return "redpacket"
	case ArchiveText, ArchiveLink, ArchiveFile, ArchiveImage, ArchiveVoice, ArchiveVideo, ArchiveEmotion,
		ArchiveCard, ArchiveLocation, ArchiveWeApp, ArchiveChatRecord, ArchiveMixed, ArchiveRevoke,
		ArchiveAgree, ArchiveDisagree, ArchiveRedPacket, ArchiveMeeting, ArchiveTodo, ArchiveCalendar, ArchiveSphFeed:
		return msgType
	}
	return ""
}

// Recall reports whether r recalls an earlier message, and which: the
// revoke body's pre_msgid, or for a recall record without one its own msgid.
func (r ArchiveRecord) Recall() (preMsgID string, ok bool) {
	if r.Revoke != nil && r.Revoke.PreMsgID != "" && (r.MsgType == ArchiveRevoke || r.Action == ArchiveActionRecall) {
		return r.Revoke.PreMsgID, true
	}
	if r.Action == ArchiveActionRecall && r.MsgID != "" {
		return r.MsgID, true
	}
	return "", false
}

// UnmarshalJSON decodes a record, accepting the header's numbers as strings
// and tolist as one string (see ArchiveRecord), and keeps Raw.
func (r *ArchiveRecord) UnmarshalJSON(b []byte) error {
	type plain ArchiveRecord
	aux := struct {
		*plain
		Seq     flexUint    `json:"seq"`
		MsgTime flexInt     `json:"msgtime"`
		Time    flexInt     `json:"time"`
		ToList  flexStrings `json:"tolist"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.Seq, r.MsgTime, r.Time, r.ToList = uint64(aux.Seq), int64(aux.MsgTime), int64(aux.Time), []string(aux.ToList)
	r.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes the typed fields (Raw is not repeated).
func (r ArchiveRecord) MarshalJSON() ([]byte, error) {
	type plain ArchiveRecord
	return json.Marshal(plain(r))
}

type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %.40q", s)
	}
	*n = flexInt(v)
	return nil
}

type flexUint uint64

func (n *flexUint) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an unsigned integer: %.40q", s)
	}
	*n = flexUint(v)
	return nil
}

type flexStrings []string

func (l *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
		return nil
	}
	var v []string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = v
	return nil
}

// ParseArchiveRecords reads a batch of decrypted archive records: a JSON
// array of records, or JSON lines (one record a line, blank lines ignored).
//
// recs and errs have one entry per record of the batch, in order; errs[i]
// (wrapping ErrMalformed) says why record i could not be read, and recs[i]
// then holds what could be (often the msgid and seq), so the caller can
// answer per record: one bad line never fails the batch. err (wrapping
// ErrMalformed) is set only when the body is not JSON at all: no line
// parses, or the array is broken.
//
// Raw control characters inside strings, which the SDK is known to emit
// and JSON forbids, are escaped before decoding rather than dropped, so the
// text is checked as it was written.
func ParseArchiveRecords(body []byte) (recs []ArchiveRecord, errs []error, err error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil, fmt.Errorf("parse archive records: empty body: %w", ErrMalformed)
	}
	if trimmed[0] == '[' {
		return parseArchiveArray(EscapeControlInStrings(trimmed))
	}
	var anyJSON bool
	for line := range bytes.SplitSeq(trimmed, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		line = EscapeControlInStrings(line)
		if !anyJSON && json.Valid(line) {
			anyJSON = true
		}
		r, rerr := parseArchiveRecord(line)
		recs, errs = append(recs, r), append(errs, rerr)
	}
	if !anyJSON {
		return nil, nil, fmt.Errorf("parse archive records: neither a JSON array nor JSON lines: %w", ErrMalformed)
	}
	return recs, errs, nil
}

func parseArchiveArray(body []byte) ([]ArchiveRecord, []error, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil {
		return nil, nil, fmt.Errorf("parse archive records: broken JSON array: %w: %w", ErrMalformed, err)
	}
	recs, errs := make([]ArchiveRecord, len(elems)), make([]error, len(elems))
	for i, e := range elems {
		recs[i], errs[i] = parseArchiveRecord(e)
	}
	return recs, errs, nil
}

// parseArchiveRecord decodes one record; on failure it still fills in the
// msgid and seq when they can be read, for the caller's per-record answer.
func parseArchiveRecord(b []byte) (ArchiveRecord, error) {
	var r ArchiveRecord
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return r, fmt.Errorf("archive record is not a JSON object: %w", ErrMalformed)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		var head struct {
			MsgID string   `json:"msgid"`
			Seq   flexUint `json:"seq"`
		}
		if json.Unmarshal(b, &head) == nil {
			r = ArchiveRecord{MsgID: head.MsgID, Seq: uint64(head.Seq)}
		} else {
			r = ArchiveRecord{}
		}
		r.Raw = append(json.RawMessage(nil), b...)
		return r, fmt.Errorf("decode archive record %q: %w: %s", r.MsgID, ErrMalformed, describeJSONError(err))
	}
	if r.MsgID == "" {
		return r, fmt.Errorf("archive record without msgid: %w", ErrMalformed)
	}
	return r, nil
}

// describeJSONError says what was wrong without quoting the input (which
// may be message text).
func describeJSONError(err error) string {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("field %q: a JSON %s where %s was expected", te.Field, te.Value, te.Type)
	}
	return "a field has an unexpected value"
}

// EscapeControlInStrings returns b with raw control characters (U+0000 to
// U+001F) inside JSON strings replaced by \u escapes; outside strings they
// are left alone (tab, CR and LF are white space there). b is returned
// unchanged, without copying, when there is nothing to escape.
//
// Written by hand because encoding/json rejects such input outright and
// the SDK's output contains it; dropping the characters, as some clients
// do, would glue words together and hide them from keyword matching.
func EscapeControlInStrings(b []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString && c < 0x20:
			if out == nil {
				out = make([]byte, 0, len(b)+16)
				out = append(out, b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, c)
			continue
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return b
	}
	return out
}
