package bot

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAppeal(t *testing.T) {
	for _, tc := range []struct {
		name, text, ref, reason string
		ok                      bool
	}{
		{"reason only", "申诉 我是在转述客户的原话", "", "我是在转述客户的原话", true},
		{"full-width colon", "申诉：客户要求的", "", "客户要求的", true},
		{"with reference", "申诉 1d991024 这是订单号", "1d991024", "这是订单号", true},
		{"reference in upper case, word 记录", "申诉 记录 1D991024：误会", "1d991024", "误会", true},
		{"reference only", "申诉 1d991024", "1d991024", "", true},
		{"我要申诉", "我要申诉，那是项目代号", "", "那是项目代号", true},
		{"nine hex digits are no reference", "申诉 1d9910245 原因", "", "1d9910245 原因", true},
		{"eight digits: a candidate", "申诉 20261201 那天的消息", "20261201", "那天的消息", true},
		{"bare command", "申诉", "", "", true},
		{"not an appeal", "我想申诉一下", "", "", false},
		{"other text", "你好", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref, reason, ok := parseAppeal(tc.text)
			if ref != tc.ref || reason != tc.reason || ok != tc.ok {
				t.Errorf("parseAppeal(%q) = %q, %q, %v; want %q, %q, %v", tc.text, ref, reason, ok, tc.ref, tc.reason, tc.ok)
			}
		})
	}
}

func TestRefIn(t *testing.T) {
	for quote, want := range map[string]string{
		"【企业微信使用规范提醒】您在群聊「wr1」发送的消息……（记录 1d991024）": "1d991024",
		"没有编号":            "",
		"（记录 12345）":      "",
		"记录 abcdef01 和其他": "abcdef01",
	} {
		if got := refIn(quote); got != want {
			t.Errorf("refIn(%q) = %q, want %q", quote, got, want)
		}
	}
}

var refForm = regexp.MustCompile(`^[0-9a-f]{8}$`)

// FuzzParseAppeal: whatever a member writes, parsing neither panics nor
// invents text: a reference is 8 lowercase hex digits taken from the text,
// and the reason is a part of it.
func FuzzParseAppeal(f *testing.F) {
	for _, s := range []string{"申诉 1d991024 理由", "申诉：理由", "我要申诉", "申诉 记录 ABCDEF01", "申诉\x00\xff", "申诉 12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ref, reason, ok := parseAppeal(text)
		if !ok {
			if ref != "" || reason != "" {
				t.Fatalf("not an appeal but %q, %q", ref, reason)
			}
			return
		}
		if ref != "" && (!refForm.MatchString(ref) || !strings.Contains(strings.ToLower(text), ref)) {
			t.Fatalf("ref %q from %q", ref, text)
		}
		if !strings.Contains(text, reason) {
			t.Fatalf("reason %q is not in %q", reason, text)
		}
		if utf8.ValidString(text) && !utf8.ValidString(reason) {
			t.Fatalf("reason %q of valid text is not valid UTF-8", reason)
		}
	})
}
