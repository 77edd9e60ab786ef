package imagescan

import (
	"net/url"
	"strings"
)

// PayloadKind says what a QR payload is, for logs and HR: the policy
// itself reads the payload as text.
type PayloadKind string

// Kinds of QR payloads.
const (
	// PayloadWeChatGroup: an invitation to a WeChat group
	// (https://weixin.qq.com/g/…).
	PayloadWeChatGroup PayloadKind = "wechat_group"
	// PayloadWeChatContact: a personal WeChat contact card
	// (https://u.wechat.com/…, weixin://, wxp://).
	PayloadWeChatContact PayloadKind = "wechat_contact"
	// PayloadWeComContact: a WeCom contact or customer-service link
	// (work.weixin.qq.com), usually the company's own.
	PayloadWeComContact PayloadKind = "wecom"
	// PayloadURL: any other link.
	PayloadURL PayloadKind = "url"
	// PayloadText: anything that is not a link.
	PayloadText PayloadKind = "text"
)

// Classify tells what a QR payload is from its scheme, host and path.
func Classify(payload string) PayloadKind {
	p := strings.TrimSpace(payload)
	lower := strings.ToLower(p)
	if strings.HasPrefix(lower, "weixin://") || strings.HasPrefix(lower, "wxp://") {
		return PayloadWeChatContact
	}
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return PayloadText
	}
	u, err := url.Parse(p)
	if err != nil || u.Host == "" {
		return PayloadText
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "weixin.qq.com" && strings.HasPrefix(u.Path, "/g/"):
		return PayloadWeChatGroup
	case host == "u.wechat.com" || (host == "weixin.qq.com" && strings.HasPrefix(u.Path, "/r/")):
		return PayloadWeChatContact
	case host == "work.weixin.qq.com" || strings.HasSuffix(host, ".work.weixin.qq.com"):
		return PayloadWeComContact
	}
	return PayloadURL
}
