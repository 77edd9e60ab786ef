package wecom

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Envelope is the XML body of a POST callback to a self-built app:
// <xml><ToUserName/><Encrypt/><AgentID/></xml>. Only Encrypt is signed and
// decrypted; ToUserName (the CorpID) and AgentID are informational.
type Envelope struct {
	ToUserName string `xml:"ToUserName"`
	Encrypt    string `xml:"Encrypt"`
	AgentID    string `xml:"AgentID"`
}

// ParseEnvelope reads the XML body of a POST callback. The error wraps
// ErrMalformed when the body is not XML or carries no Encrypt element.
func ParseEnvelope(body []byte) (Envelope, error) {
	var env Envelope
	if !scanEnvelope(body, &env) {
		env = Envelope{}
		if err := xml.Unmarshal(body, &env); err != nil {
			return Envelope{}, fmt.Errorf("parse envelope: not XML: %w", ErrMalformed)
		}
	}
	if env.Encrypt == "" {
		return Envelope{}, fmt.Errorf("parse envelope: no Encrypt element: %w", ErrMalformed)
	}
	return env, nil
}

// Open handles the body of a POST callback: it parses the envelope, verifies
// msg_signature over its Encrypt element and decrypts it, returning the
// plaintext XML for ParseMessage. Errors wrap ErrMalformed, ErrSignature or
// ErrReceiveID.
//
// The ciphertext is read in place from body (no copy when it is one CDATA
// section, as WeCom sends it) and decrypted into one new buffer, which the
// returned plaintext is a part of.
func (c *Crypto) Open(signature, timestamp, nonce string, body []byte) ([]byte, error) {
	enc, ok := scanEncrypt(body)
	if !ok {
		env, err := ParseEnvelope(body)
		if err != nil {
			return nil, fmt.Errorf("open callback: %w", err)
		}
		enc = []byte(env.Encrypt)
	}
	if len(enc) == 0 {
		return nil, fmt.Errorf("open callback: parse envelope: no Encrypt element: %w", ErrMalformed)
	}
	if err := c.verifyBytes(signature, timestamp, nonce, enc); err != nil {
		return nil, fmt.Errorf("open callback: %w", err)
	}
	plain, err := c.decrypt(enc)
	if err != nil {
		return nil, fmt.Errorf("open callback: %w", err)
	}
	return plain, nil
}

// xmlCDATA marshals as <![CDATA[…]]>, the way WeCom writes string fields.
// encoding/xml splits any "]]>" inside the text across two sections.
type xmlCDATA struct {
	Text string `xml:",cdata"`
}

// textReplyXML is the plaintext of a passive text reply.
type textReplyXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   xmlCDATA `xml:"ToUserName"`
	FromUserName xmlCDATA `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      xmlCDATA `xml:"MsgType"`
	Content      xmlCDATA `xml:"Content"`
}

// TextReply builds the plaintext XML of a passive text reply to member toUser
// from corp fromCorp, to be sealed with SealReply. Characters XML cannot carry
// (invalid UTF-8, control characters) are replaced with U+FFFD so the reply
// always parses.
func TextReply(toUser, fromCorp, content string, createTime time.Time) []byte {
	out, err := xml.Marshal(textReplyXML{
		ToUserName:   xmlCDATA{xmlSafe(toUser)},
		FromUserName: xmlCDATA{xmlSafe(fromCorp)},
		CreateTime:   createTime.Unix(),
		MsgType:      xmlCDATA{"text"},
		Content:      xmlCDATA{xmlSafe(content)},
	})
	if err != nil {
		// Marshalling a struct of strings and an int64 cannot fail; an
		// empty body is still a valid acknowledgement for WeCom.
		return nil
	}
	return out
}

// xmlSafe replaces what XML 1.0 cannot represent, even inside CDATA.
func xmlSafe(s string) string {
	isXMLChar := func(r rune) bool {
		return r == '\t' || r == '\n' || r == '\r' ||
			(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= utf8.MaxRune)
	}
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !isXMLChar(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isXMLChar(r) {
			return r
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// replyXML is the encrypted passive reply: the signature covers Encrypt with
// this reply's own timestamp and nonce.
type replyXML struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      xmlCDATA `xml:"Encrypt"`
	MsgSignature xmlCDATA `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        xmlCDATA `xml:"Nonce"`
}

// SealReply encrypts and signs a passive reply (plaintext from TextReply)
// and returns the XML body to answer the callback with.
func (c *Crypto) SealReply(plaintext []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.Encrypt(plaintext)
	if err != nil {
		return nil, fmt.Errorf("seal reply: %w", err)
	}
	// Sign what the XML will carry, so a timestamp or nonce with characters
	// XML cannot hold still yields a reply that verifies.
	timestamp, nonce = xmlSafe(timestamp), xmlSafe(nonce)
	out, err := xml.Marshal(replyXML{
		Encrypt:      xmlCDATA{enc},
		MsgSignature: xmlCDATA{c.Signature(timestamp, nonce, enc)},
		TimeStamp:    timestamp,
		Nonce:        xmlCDATA{nonce},
	})
	if err != nil {
		return nil, fmt.Errorf("seal reply: %w", err)
	}
	return out, nil
}

// OpenReply verifies and decrypts a passive reply as WeCom would: the
// signature is taken from the reply itself. It is the client side of
// SealReply, used by `wecom-guard send` and tests.
func (c *Crypto) OpenReply(body []byte) ([]byte, error) {
	var r struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("open reply: not XML: %w", ErrMalformed)
	}
	if r.Encrypt == "" {
		return nil, fmt.Errorf("open reply: no Encrypt element: %w", ErrMalformed)
	}
	if err := c.Verify(r.MsgSignature, r.TimeStamp, r.Nonce, r.Encrypt); err != nil {
		return nil, fmt.Errorf("open reply: %w", err)
	}
	plain, err := c.Decrypt(r.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("open reply: %w", err)
	}
	return plain, nil
}

// SealCallback builds a real encrypted callback as WeCom sends it: the
// envelope body for POST and the msg_signature for its query string (with
// the same timestamp and nonce). It is the client side of Open, used by
// `wecom-guard send` and tests.
func (c *Crypto) SealCallback(plaintext []byte, toUserName, agentID, timestamp, nonce string) (body []byte, signature string, err error) {
	enc, err := c.Encrypt(plaintext)
	if err != nil {
		return nil, "", fmt.Errorf("seal callback: %w", err)
	}
	body, err = xml.Marshal(struct {
		XMLName    xml.Name `xml:"xml"`
		ToUserName xmlCDATA `xml:"ToUserName"`
		Encrypt    xmlCDATA `xml:"Encrypt"`
		AgentID    xmlCDATA `xml:"AgentID"`
	}{ToUserName: xmlCDATA{xmlSafe(toUserName)}, Encrypt: xmlCDATA{enc}, AgentID: xmlCDATA{xmlSafe(agentID)}})
	if err != nil {
		return nil, "", fmt.Errorf("seal callback: %w", err)
	}
	return body, c.Signature(timestamp, nonce, enc), nil
}

// OpenJSON handles the body of an intelligent-bot callback, {"encrypt": "…"}:
// it verifies msg_signature over the encrypt field and decrypts it (the
// Crypto's receiveID should be ""), returning the plaintext JSON. Errors wrap
// ErrMalformed, ErrSignature or ErrReceiveID.
func (c *Crypto) OpenJSON(signature, timestamp, nonce string, body []byte) ([]byte, error) {
	var env struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("open json callback: not a JSON object with a string encrypt: %w", ErrMalformed)
	}
	if env.Encrypt == "" {
		return nil, fmt.Errorf("open json callback: no encrypt field: %w", ErrMalformed)
	}
	if err := c.Verify(signature, timestamp, nonce, env.Encrypt); err != nil {
		return nil, fmt.Errorf("open json callback: %w", err)
	}
	plain, err := c.Decrypt(env.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("open json callback: %w", err)
	}
	return plain, nil
}

// jsonReply is the intelligent bot's encrypted reply. WeCom's documentation
// shows timestamp as a JSON number (seconds).
type jsonReply struct {
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msgsignature"`
	Timestamp    int64  `json:"timestamp"`
	Nonce        string `json:"nonce"`
}

// SealJSON encrypts and signs an intelligent-bot reply (plaintext JSON such
// as a markdown or stream message) and returns the JSON body
// {"encrypt","msgsignature","timestamp","nonce"}. timestamp must be decimal
// seconds; nonce should be the callback's.
func (c *Crypto) SealJSON(plaintext []byte, timestamp, nonce string) ([]byte, error) {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("seal json reply: timestamp is not decimal seconds: %w", err)
	}
	enc, err := c.Encrypt(plaintext)
	if err != nil {
		return nil, fmt.Errorf("seal json reply: %w", err)
	}
	out, err := json.Marshal(jsonReply{
		Encrypt:      enc,
		MsgSignature: c.Signature(timestamp, nonce, enc),
		Timestamp:    ts,
		Nonce:        nonce,
	})
	if err != nil {
		return nil, fmt.Errorf("seal json reply: %w", err)
	}
	return out, nil
}

// OpenJSONReply verifies and decrypts an intelligent-bot reply built by
// SealJSON (or by WeCom's Python sample, which writes timestamp as a string).
// It is the client side of SealJSON, for tests and the CLI.
func (c *Crypto) OpenJSONReply(body []byte) ([]byte, error) {
	var r struct {
		Encrypt      string          `json:"encrypt"`
		MsgSignature string          `json:"msgsignature"`
		Timestamp    json.RawMessage `json:"timestamp"`
		Nonce        string          `json:"nonce"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("open json reply: not a JSON reply object: %w", ErrMalformed)
	}
	if r.Encrypt == "" {
		return nil, fmt.Errorf("open json reply: no encrypt field: %w", ErrMalformed)
	}
	ts := string(r.Timestamp)
	if unq, err := strconv.Unquote(ts); err == nil {
		ts = unq
	}
	if err := c.Verify(r.MsgSignature, ts, r.Nonce, r.Encrypt); err != nil {
		return nil, fmt.Errorf("open json reply: %w", err)
	}
	plain, err := c.Decrypt(r.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("open json reply: %w", err)
	}
	return plain, nil
}
