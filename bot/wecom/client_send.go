package wecom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Message kinds the client sends.
const (
	kindText     = "text"
	kindMarkdown = "markdown"
	kindTextCard = "textcard"
)

// WeCom's documented size limits, checked before sending so an oversized
// message fails fast as ErrInvalidRequest instead of being truncated.
const (
	maxTextBytes            = 2048
	maxMarkdownBytes        = 2048
	maxCardTitleBytes       = 128
	maxCardDescBytes        = 512
	maxWebhookTextBytes     = 2048
	maxWebhookMarkdownBytes = 4096
	maxDuplicateInterval    = 4 * time.Hour
)

// SendTarget names the recipients of an app message: member userids,
// department ids and tag ids (at most 1000 users, 100 departments, 100 tags).
type SendTarget struct {
	ToUser  []string
	ToParty []string
	ToTag   []string
}

// SendOptions tunes one app message.
type SendOptions struct {
	// DuplicateCheckInterval, when positive, turns on WeCom's duplicate
	// check: the same request to the same recipients within the interval
	// (at most 4 h) is accepted but not delivered again, which makes a
	// resend after a lost answer idempotent. Zero turns it off.
	DuplicateCheckInterval time.Duration
	// Safe marks the message confidential (watermarked, not shareable).
	Safe bool
}

// SendResult is WeCom's answer to an accepted app message. Recipients it
// could not reach are listed; the others got the message.
type SendResult struct {
	MsgID        string
	InvalidUser  []string
	InvalidParty []string
	InvalidTag   []string
}

// TextCard is a textcard message: a title, a description (simple HTML such
// as <div class="gray">), a link and an optional button text.
type TextCard struct {
	Title       string
	Description string
	URL         string
	BtnTxt      string
}

type contentBody struct {
	Content string `json:"content"`
}

type cardBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

type sendRequest struct {
	ToUser                 string       `json:"touser,omitempty"`
	ToParty                string       `json:"toparty,omitempty"`
	ToTag                  string       `json:"totag,omitempty"`
	MsgType                string       `json:"msgtype"`
	AgentID                int64        `json:"agentid"`
	Text                   *contentBody `json:"text,omitempty"`
	Markdown               *contentBody `json:"markdown,omitempty"`
	TextCard               *cardBody    `json:"textcard,omitempty"`
	Safe                   int          `json:"safe,omitempty"`
	EnableDuplicateCheck   int          `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int64        `json:"duplicate_check_interval,omitempty"`
}

type sendAnswer struct {
	apiStatus
	InvalidUser  string `json:"invaliduser"`
	InvalidParty string `json:"invalidparty"`
	InvalidTag   string `json:"invalidtag"`
	MsgID        string `json:"msgid"`
}

// SendText sends a text message (at most 2048 bytes) to target.
func (c *Client) SendText(ctx context.Context, target SendTarget, content string, opt SendOptions) (*SendResult, error) {
	if err := checkContent(content, maxTextBytes); err != nil {
		return nil, fmt.Errorf("send text: %w", err)
	}
	res, err := c.send(ctx, target, sendRequest{MsgType: kindText, Text: &contentBody{Content: content}}, opt)
	if err != nil {
		return nil, fmt.Errorf("send text: %w", err)
	}
	return res, nil
}

// SendMarkdown sends a markdown message (WeCom's subset, at most 2048 bytes)
// to target.
func (c *Client) SendMarkdown(ctx context.Context, target SendTarget, content string, opt SendOptions) (*SendResult, error) {
	if err := checkContent(content, maxMarkdownBytes); err != nil {
		return nil, fmt.Errorf("send markdown: %w", err)
	}
	res, err := c.send(ctx, target, sendRequest{MsgType: kindMarkdown, Markdown: &contentBody{Content: content}}, opt)
	if err != nil {
		return nil, fmt.Errorf("send markdown: %w", err)
	}
	return res, nil
}

// SendTextCard sends a textcard message to target.
func (c *Client) SendTextCard(ctx context.Context, target SendTarget, card TextCard, opt SendOptions) (*SendResult, error) {
	body, err := cardRequest(card)
	if err != nil {
		return nil, fmt.Errorf("send textcard: %w", err)
	}
	res, err := c.send(ctx, target, sendRequest{MsgType: kindTextCard, TextCard: body}, opt)
	if err != nil {
		return nil, fmt.Errorf("send textcard: %w", err)
	}
	return res, nil
}

func cardRequest(card TextCard) (*cardBody, error) {
	switch {
	case card.Title == "" || card.Description == "" || card.URL == "":
		return nil, fmt.Errorf("textcard needs a title, a description and a url: %w", ErrInvalidRequest)
	case len(card.Title) > maxCardTitleBytes:
		return nil, fmt.Errorf("textcard title is %d bytes, over %d: %w", len(card.Title), maxCardTitleBytes, ErrInvalidRequest)
	case len(card.Description) > maxCardDescBytes:
		return nil, fmt.Errorf("textcard description is %d bytes, over %d: %w", len(card.Description), maxCardDescBytes, ErrInvalidRequest)
	}
	return &cardBody{Title: card.Title, Description: card.Description, URL: card.URL, BtnTxt: card.BtnTxt}, nil
}

func checkContent(content string, limit int) error {
	if strings.TrimSpace(content) == "" {
		return fmt.Errorf("empty content: %w", ErrInvalidRequest)
	}
	if len(content) > limit {
		return fmt.Errorf("content is %d bytes, over %d: %w", len(content), limit, ErrInvalidRequest)
	}
	return nil
}

func (c *Client) send(ctx context.Context, target SendTarget, req sendRequest, opt SendOptions) (*SendResult, error) {
	if len(target.ToUser) == 0 && len(target.ToParty) == 0 && len(target.ToTag) == 0 {
		return nil, fmt.Errorf("no recipient: %w", ErrInvalidRequest)
	}
	req.ToUser = strings.Join(target.ToUser, "|")
	req.ToParty = strings.Join(target.ToParty, "|")
	req.ToTag = strings.Join(target.ToTag, "|")
	req.AgentID = c.agentID
	if opt.Safe {
		req.Safe = 1
	}
	if opt.DuplicateCheckInterval > 0 {
		req.EnableDuplicateCheck = 1
		secs := int64((min(opt.DuplicateCheckInterval, maxDuplicateInterval) + time.Second - 1) / time.Second)
		req.DuplicateCheckInterval = secs
	}
	if err := c.pace(ctx, target); err != nil {
		return nil, err
	}
	var ans sendAnswer
	if err := c.call(ctx, "message/send", http.MethodPost, nil, req, &ans); err != nil {
		return nil, err
	}
	return &SendResult{
		MsgID:        ans.MsgID,
		InvalidUser:  splitBar(ans.InvalidUser),
		InvalidParty: splitBar(ans.InvalidParty),
		InvalidTag:   splitBar(ans.InvalidTag),
	}, nil
}

func splitBar(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// AppChatMessage is a message to an app group chat: MsgType "text" or
// "markdown" with Content, or "textcard" with Card.
type AppChatMessage struct {
	MsgType string
	Content string
	Card    TextCard
	Safe    bool
}

type appChatRequest struct {
	ChatID   string       `json:"chatid"`
	MsgType  string       `json:"msgtype"`
	Text     *contentBody `json:"text,omitempty"`
	Markdown *contentBody `json:"markdown,omitempty"`
	TextCard *cardBody    `json:"textcard,omitempty"`
	Safe     int          `json:"safe,omitempty"`
}

// SendAppChat sends msg to an app group chat (one the app created).
func (c *Client) SendAppChat(ctx context.Context, chatID string, msg AppChatMessage) error {
	if chatID == "" {
		return fmt.Errorf("send to app chat: empty chat id: %w", ErrInvalidRequest)
	}
	req := appChatRequest{ChatID: chatID, MsgType: msg.MsgType}
	if msg.Safe {
		req.Safe = 1
	}
	var err error
	switch msg.MsgType {
	case kindText:
		err = checkContent(msg.Content, maxTextBytes)
		req.Text = &contentBody{Content: msg.Content}
	case kindMarkdown:
		err = checkContent(msg.Content, maxMarkdownBytes)
		req.Markdown = &contentBody{Content: msg.Content}
	case kindTextCard:
		req.TextCard, err = cardRequest(msg.Card)
	default:
		err = fmt.Errorf("msgtype %q is not text, markdown or textcard: %w", msg.MsgType, ErrInvalidRequest)
	}
	if err != nil {
		return fmt.Errorf("send to app chat %q: %w", chatID, err)
	}
	var ans apiStatus
	if err := c.call(ctx, "appchat/send", http.MethodPost, nil, req, &ans); err != nil {
		return fmt.Errorf("send to app chat %q: %w", chatID, err)
	}
	return nil
}

// WebhookMessage is a group robot message: MsgType "text" (at most 2048
// bytes, MentionedList of userids or "@all") or "markdown" (at most 4096
// bytes, mention with <@userid>).
type WebhookMessage struct {
	MsgType       string
	Content       string
	MentionedList []string
}

type webhookText struct {
	Content       string   `json:"content"`
	MentionedList []string `json:"mentioned_list,omitempty"`
}

type webhookRequest struct {
	MsgType  string       `json:"msgtype"`
	Text     *webhookText `json:"text,omitempty"`
	Markdown *contentBody `json:"markdown,omitempty"`
}

// Webhook posts msg through the group robot with this key. Unlike
// silenceper's RobotBroadcast, an answer with errcode != 0 is an error
// (*APIError), e.g. 93000 for an unknown key or 45009 past 20 messages/min.
// The key is a secret: it never appears in returned errors.
func (c *Client) Webhook(ctx context.Context, key string, msg WebhookMessage) error {
	if key == "" {
		return fmt.Errorf("send webhook: empty key: %w", ErrInvalidRequest)
	}
	req := webhookRequest{MsgType: msg.MsgType}
	var err error
	switch msg.MsgType {
	case kindText:
		err = checkContent(msg.Content, maxWebhookTextBytes)
		req.Text = &webhookText{Content: msg.Content, MentionedList: msg.MentionedList}
	case kindMarkdown:
		err = checkContent(msg.Content, maxWebhookMarkdownBytes)
		req.Markdown = &contentBody{Content: msg.Content}
	default:
		err = fmt.Errorf("msgtype %q is not text or markdown: %w", msg.MsgType, ErrInvalidRequest)
	}
	if err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	payload, err := jsonBody(req)
	if err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	var ans apiStatus
	if err := c.roundTrip(ctx, "webhook/send", http.MethodPost, url.Values{"key": {key}}, payload, &ans); err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	return nil
}
