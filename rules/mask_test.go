package rules

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name     string
		kind     moderation.Kind
		evidence string
		want     string
	}{
		{"phone", moderation.KindPhone, "13812345678", "138****5678"},
		{"phone with dashes", moderation.KindPhone, "138-1234-5678", "138****5678"},
		{"phone +86", moderation.KindPhone, "+86 138 1234 5678", "138****5678"},
		{"phone 0086", moderation.KindPhone, "008613812345678", "138****5678"},
		{"phone full-width", moderation.KindPhone, "１３８１２３４５６７８", "138****5678"},
		{"phone chinese numerals", moderation.KindPhone, "一三八一二三四五六七八", "138****5678"},
		{"phone capital numerals and 〇", moderation.KindPhone, "壹叁捌〇贰叁肆伍陆柒捌", "138****5678"},
		{"phone circled", moderation.KindPhone, "①③⑧①②③④⑤⑥⑦⑧", "138****5678"},
		{"short number hides at least four", moderation.KindPhone, "12345", "****5"},
		{"tiny number hides all", moderation.KindPhone, "12", "****"},
		{"empty", moderation.KindPhone, "", "****"},
		{"id card", moderation.KindIDCard, "11010519491231002X", "1101**********002X"},
		{"id card lower x", moderation.KindIDCard, "11010519491231002x", "1101**********002X"},
		{"id card 15", moderation.KindIDCard, "110105491231002", "1101*******1002"},
		{"bank card", moderation.KindBankCard, "6222 0212 3456 7890 128", "6222***********0128"},
		{"bank card 16", moderation.KindBankCard, "4111111111111111", "4111********1111"},
		{"email", moderation.KindEmail, "alice@example.com", "a***@example.com"},
		{"email chinese local", moderation.KindEmail, "张三@example.com", "张***@example.com"},
		{"email full-width at", moderation.KindEmail, "bob＠example.com", "b***@example.com"},
		{"url with path", moderation.KindURL, "https://evil.example/pay?id=42", "https://evil.example/***"},
		{"url bare", moderation.KindURL, "evil.example", "evil.example"},
		{"url bare with path", moderation.KindURL, "evil.example/a/b", "evil.example/***"},
		{"url credentials dropped", moderation.KindURL, "http://user:pw@evil.example/x", "http://evil.example/***"},
		{"url query only", moderation.KindURL, "evil.example?x=1", "evil.example/***"},
		{"wechat", moderation.KindWeChatID, "加我v信：abc12345", "加我***"},
		{"wechat short", moderation.KindWeChatID, "v", "v***"},
		{"address", moderation.KindAddress, "北京市朝阳区建国路88号院3号楼501室", "北京市朝阳区***"},
		{"address road only", moderation.KindAddress, "建国路88号", "建*****"},
		{"address estate zone", moderation.KindAddress, "朝阳区望京西园三区312号楼", "朝阳区***"},
		{"address estate 小区", moderation.KindAddress, "幸福小区3栋2单元501", "幸***********"},
		{"address estate 小区 after district", moderation.KindAddress, "朝阳区阳光小区3栋2单元502室", "朝阳区***"},
		{"address industrial zone", moderation.KindAddress, "闵行区莘庄工业区春东路508号", "闵行区***"},
		{"address road named 园区", moderation.KindAddress, "园区路18号3号楼", "园********"},
		{"address lettered zone", moderation.KindAddress, "龙湖天街C区6号楼1503", "龙************"},
		{"address road then zone", moderation.KindAddress, "建国路东区3栋", "建******"},
		{"address traditional district", moderation.KindAddress, "北京市朝阳区建国路88号", "北京市朝阳区***"},
		{"address autonomous region", moderation.KindAddress, "广西壮族自治区南宁市民族大道136号", "广西壮族自治区南宁市***"},
		{"keyword two", moderation.KindKeyword, "赌博", "赌*"},
		{"keyword three", moderation.KindKeyword, "六合彩", "六**"},
		{"keyword one", moderation.KindKeyword, "赌", "赌"},
		{"keyword empty", moderation.KindKeyword, "", ""},
		{"regex", moderation.KindRegex, "password=hunter22", "p****************"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Mask(tc.kind, tc.evidence); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzMask checks that personal-data kinds never come back unmasked.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"13812345678", "11010519491231002X", "a@b.c", "http://x.y/z", "加我微信", "1", ""} {
		f.Add(uint8(moderation.KindPhone), s)
		f.Add(uint8(moderation.KindEmail), s)
	}
	f.Fuzz(func(t *testing.T, kind uint8, s string) {
		k := moderation.Kind(kind)
		got := Mask(k, s)
		switch k {
		case moderation.KindPhone, moderation.KindIDCard, moderation.KindBankCard:
			// At least four of the digits are always hidden.
			if d := digits(s, true); len(d) > 0 && strings.Count(got, "*") < 4 {
				t.Errorf("Mask(%v, %q) = %q hides fewer than 4 characters", k, s, got)
			}
		case moderation.KindWeChatID:
			// An id keeps at most 2 characters; an invite link its host only.
			link := isInviteLink(s) && (strings.HasSuffix(got, "weixin.qq.com/***") || strings.HasSuffix(got, "u.wechat.com/***"))
			if !strings.HasSuffix(got, "***") || utf8.RuneCountInString(got) > 5 && !link {
				t.Errorf("Mask(%v, %q) = %q keeps more than 2 characters", k, s, got)
			}
		}
	})
}
