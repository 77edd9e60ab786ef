package bot

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestScrub(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"phone", "电话13812345678找我", "电话138****5678找我"},
		{"list number before", "⑽13812345678", "⑽138****5678"},
		{"circled number before", "①13812345678", "①138****5678"},
		{"list of customers", "客户名单：①13812345678 ②11010519491231002X ③6222021234567890128",
			"客户名单：①138****5678 ②1101**********002X ③6222***********0128"},
		{"circled number after", "13812345678②", "138****5678②"},
		{"full-width digits", "１３８１２３４５６７８", "138****5678"},
		{"chinese numerals", "一三八一二三四五六七八", "138****5678"},
		{"zero-width space inside", "138\u200b1234\u200b5678", "138****5678"},
		{"seven digits", "工号1234567", "工号1****67"},
		{"eighteen digit id", "110105194912310021", "1101**********0021"},
		{"six digits stay", "订单 123456 已发", "订单 123456 已发"},
		{"times and dates stay", "明天 10:30，2026-12-01 开会", "明天 10:30，2026-12-01 开会"},
		{"already masked stays", "138****5678 与 a***@example.com", "138****5678 与 a***@example.com"},
		{"email", "发到 zhang.san@example.com 谢谢", "发到 z***@example.com 谢谢"},
		{"email with a number", "13812345678@qq.com", "1***@qq.com"},
		{"full-width email", "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ｚ***@ｅｘａｍｐｌｅ．ｃｏｍ"},
		{"mention is not an email", "@张三 请看", "@张三 请看"},
		{"enclosed digits only", "①③⑧①②③④⑤⑥⑦⑧", "138****5678"},
		{"plain and enclosed mixed", "138123④⑤⑥⑦⑧", "138****5678"},
		{"list number with a short number", "①123456", "1****56"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scrub(tc.in); got != tc.want {
				t.Errorf("scrub(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestForwardedTextIsScrubbed checks every renderer of forwarded text: an
// alert, a digest, an escalation, a warning, a report and a profile notice
// never show a number or address that reached them raw (a rule that missed
// it, or an action queued before a detector was fixed).
func TestForwardedTextIsScrubbed(t *testing.T) {
	at := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	raw := []string{"⑽13812345678", "zhang@example.com"}
	a := Action{Key: "m1/x", From: "lisi", ChatID: "wrChat1", Time: at, Categories: []string{"customer_data"},
		Evidence: raw, InShort: 1, CaseID: "C1"}
	for _, kind := range []ActionKind{ActAlertOwner, ActEscalateHR, ActWarnSender, ActReport, ActProfileName} {
		for _, n := range []int{1, 3} {
			acts := make([]Action, n)
			for i := range acts {
				acts[i] = a.as(kind)
			}
			got := render(kind, acts)
			if strings.Contains(got, "13812345678") || strings.Contains(got, "zhang@") {
				t.Errorf("render(%s, %d actions) shows raw data:\n%s", kind, n, got)
			}
			if !strings.Contains(got, "138****5678") {
				t.Errorf("render(%s, %d actions) lacks the masked number:\n%s", kind, n, got)
			}
		}
	}
}

// FuzzScrub checks that scrub never panics and leaves no run of 7 digits
// of any kind (format characters between them ignored).
func FuzzScrub(f *testing.F) {
	for _, s := range []string{"⑽13812345678", "①③⑧①②③④⑤⑥⑦⑧", "11010519491231002X", "a@b.cn", "\u200b1\u200b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := scrub(s)
		run := 0
		for _, r := range got {
			switch {
			case digitClass(r) != notDigit:
				if run++; run >= minScrubDigits {
					t.Fatalf("scrub(%q) = %q keeps a run of %d digits", s, got, run)
				}
			case unicode.Is(unicode.Cf, r):
			default:
				run = 0
			}
		}
	})
}
