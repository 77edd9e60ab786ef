package imagescan_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/imagescan"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		payload string
		want    imagescan.PayloadKind
	}{
		{"https://weixin.qq.com/g/AbCdEfGhIjKlMnOp", imagescan.PayloadWeChatGroup},
		{"  HTTPS://WEIXIN.QQ.COM/g/AbC ", imagescan.PayloadWeChatGroup},
		{"https://u.wechat.com/EJxyz123-abc", imagescan.PayloadWeChatContact},
		{"https://weixin.qq.com/r/abcDEF", imagescan.PayloadWeChatContact},
		{"weixin://contacts/profile/wxid_abc", imagescan.PayloadWeChatContact},
		{"wxp://f2f0abc", imagescan.PayloadWeChatContact},
		{"https://work.weixin.qq.com/kfid/kfc123", imagescan.PayloadWeComContact},
		{"https://weixin.qq.com/", imagescan.PayloadURL},
		{"https://weixin.qq.com.evil.example/g/x", imagescan.PayloadURL},
		{"https://example.com/a?b=c", imagescan.PayloadURL},
		{"加微信 abc12345", imagescan.PayloadText},
		{"https://", imagescan.PayloadText},
		{"", imagescan.PayloadText},
	}
	for _, tc := range tests {
		if got := imagescan.Classify(tc.payload); got != tc.want {
			t.Errorf("Classify(%q) = %s, want %s", tc.payload, got, tc.want)
		}
	}
}
