package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	target := fs.String("url", "", "callback URL (default: http://127.0.0.1:PORT/wecom/callback from LISTEN_ADDR)")
	from := fs.String("from", sandboxUser, "userid of the sender")
	chat := fs.String("chat", "", "post the message as a chat-archive record of this group (roomid) to the ingest endpoint, instead of an app callback")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: wecom-guard send [--url U] [--from USER] [--chat ROOMID] TEXT…\n\n"+
			"Builds a real encrypted WeCom app callback for a text message, with the\n"+
			"sandbox (or configured) Token and EncodingAESKey, posts it, and prints\n"+
			"the answer: a verified, decrypted passive reply, or the plain acknowledgement.\n"+
			"With --chat it posts the message as a chat-archive record of that group to\n"+
			"the ingest endpoint instead (with the ingest token), as a group message\n"+
			"would arrive; warnings and alerts then go through the outbox.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, "send", args, stdout); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if text == "" {
		return usageErrorf("send", "send: no message text given")
	}
	cfg, err := loadConfig(*configPath, osGetenv)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	id := cfg.identity(nil)
	if cfg.WeCom.Sandbox() {
		st, err := readSandbox(cfg.StateDir)
		if err != nil {
			return fmt.Errorf("%w\n(no WeCom app is configured, so send uses the sandbox credentials that `wecom-guard serve` creates on its first start: start it first, from this directory)", err)
		}
		id = cfg.identity(&st)
	}
	u := *target
	if *chat != "" {
		if u == "" {
			u = strings.TrimSuffix(defaultCallbackURL(cfg.ListenAddr), "/wecom/callback") + "/api/v1/archive/messages"
		}
		return sendArchived(ctx, stdout, u, id, *chat, *from, text)
	}
	if u == "" {
		u = defaultCallbackURL(cfg.ListenAddr)
	}
	crypto, err := wecom.NewCrypto(id.Token, id.AESKey, id.CorpID)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	now := time.Now()
	msgID, err := randomMsgID()
	if err != nil {
		return err
	}
	plain, err := textMessageXML(id.CorpID, *from, text, msgID, id.AgentID, now)
	if err != nil {
		return err
	}
	reply, status, err := postCallback(ctx, crypto, u, plain, strconv.FormatInt(id.AgentID, 10), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sent MsgId %s from %s to %s\n", msgID, *from, u)
	if status != http.StatusOK {
		return fmt.Errorf("send: the service answered HTTP %d: %s", status, strings.TrimSpace(string(reply)))
	}
	if len(bytes.TrimSpace(reply)) == 0 {
		fmt.Fprintln(stdout, "acknowledged (HTTP 200), no passive reply")
		return nil
	}
	inner, err := crypto.OpenReply(reply)
	if err != nil {
		return fmt.Errorf("send: the passive reply does not verify: %w", err)
	}
	m, err := wecom.ParseMessage(inner)
	if err != nil {
		return fmt.Errorf("send: parse passive reply: %w", err)
	}
	fmt.Fprintf(stdout, "acknowledged (HTTP 200) with a passive reply (verified and decrypted):\n  to %s, %s: %s\n", m.ToUserName, m.MsgType, m.Content)
	return nil
}

// postCallback seals plain as WeCom would and posts it to u; it returns the
// answer body and status.
func postCallback(ctx context.Context, c *wecom.Crypto, u string, plain []byte, agentID string, now time.Time) ([]byte, int, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := strconv.FormatUint(uint64(now.UnixNano())%1e10, 10)
	body, sig, err := c.SealCallback(plain, c.ReceiveID(), agentID, ts, nonce)
	if err != nil {
		return nil, 0, fmt.Errorf("seal callback: %w", err)
	}
	q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+sep+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("send: bad --url %q: %w", u, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("send: post to %s (is `wecom-guard serve` running?): %w", u, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, 0, fmt.Errorf("send: read answer: %w", err)
	}
	return out, resp.StatusCode, nil
}

// cdata is an element whose text is written as CDATA, as WeCom writes it
// (encoding/xml splits a "]]>" inside it safely).
type cdata struct {
	Value string `xml:",cdata"`
}

// textMessage is the plaintext of a text message callback, as WeCom sends it.
type textMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata    `xml:"ToUserName"`
	FromUserName cdata    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      cdata    `xml:"MsgType"`
	Content      cdata    `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	AgentID      int64    `xml:"AgentID"`
}

func textMessageXML(corpID, from, text, msgID string, agentID int64, now time.Time) ([]byte, error) {
	out, err := xml.Marshal(textMessage{
		ToUserName: cdata{corpID}, FromUserName: cdata{from}, CreateTime: now.Unix(),
		MsgType: cdata{"text"}, Content: cdata{text}, MsgID: msgID, AgentID: agentID,
	})
	if err != nil {
		return nil, fmt.Errorf("build text message: %w", err)
	}
	return out, nil
}

// randomMsgID makes a MsgId like WeCom's: a positive 64-bit decimal.
func randomMsgID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate MsgId: %w", err)
	}
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])>>1, 10), nil
}

// defaultCallbackURL turns a listen address into the local callback URL.
func defaultCallbackURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://127.0.0.1:8080/wecom/callback"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/wecom/callback"
}

// archivedText is a text record as the chat archive's SDK decrypts it.
type archivedText struct {
	MsgID   string   `json:"msgid"`
	Action  string   `json:"action"`
	From    string   `json:"from"`
	ToList  []string `json:"tolist"`
	RoomID  string   `json:"roomid"`
	MsgTime int64    `json:"msgtime"`
	MsgType string   `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
}

// sendArchived posts text as an archive record of group chat to the ingest
// endpoint u and prints the per-record result.
func sendArchived(ctx context.Context, stdout io.Writer, u string, id appIdentity, chat, from, text string) error {
	if id.IngestToken == "" {
		return errors.New("send --chat: no ingest token: set ARCHIVE_INGEST_TOKEN (the service's archive.ingest_token)")
	}
	msgID, err := randomMsgID()
	if err != nil {
		return err
	}
	rec := archivedText{MsgID: "sim" + msgID, Action: "send", From: from, ToList: []string{}, RoomID: chat,
		MsgTime: time.Now().UnixMilli(), MsgType: "text"}
	rec.Text.Content = text
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("send --chat: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ans, err := newIngestClient(u, id.IngestToken, "").post(ctx, line, 0)
	if err != nil {
		return fmt.Errorf("send --chat: %w (is `wecom-guard serve` running?)", err)
	}
	if len(ans.Results) != 1 {
		return fmt.Errorf("send --chat: the service answered %d results for one record", len(ans.Results))
	}
	r := ans.Results[0]
	fmt.Fprintf(stdout, "sent archive record %s from %s in group %s to %s\n", rec.MsgID, from, chat, u)
	if r.Status == bot.IngestError {
		return fmt.Errorf("send --chat: the record failed: %s", r.Error)
	}
	action := r.Action
	if action == "" {
		action = "none"
	}
	fmt.Fprintf(stdout, "%s, action %s; warnings and alerts go out through the outbox (sandbox: GET /sandbox/outbox)\n", r.Status, action)
	return nil
}
