package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestTestCardForms: a published test number is exempt in every form the
// number detector reads (spaces, dashes, dots, full-width and enclosed
// digits), and a real card number is reported however it is labelled
// (测试卡, 沙箱): the exemption reads the number, never the label.
func TestTestCardForms(t *testing.T) {
	s := detectScanner(t)
	bank := moderation.KindBankCard
	runTraps(t, s, bank, []string{
		"测试卡号 4242-4242-4242-4242", "测试卡号 4242.4242.4242.4242", "测试卡号 ４２４２４２４２４２４２４２４２",
		"测试卡号 ④②④②④②④②④②④②④②④②", "测试卡号 42424242 42424242",
		"银联测试卡 6216-2610-0000-0000-018", "银联测试卡 6216 2610 0000 0000 018",
		"Diners 3056 9300 0902 0004 also works", "JCB 3530 1113 3330 0000 测一下",
	})
	for _, text := range []string{
		"测试卡号 6222021234567890128", "这是测试卡：6228 4804 0256 4890 018", "沙箱测试卡（其实是我的工资卡）6217001234567893",
		"测试卡号 6216261000000000026", "测试卡 4242 4242 4242 4267",
	} {
		found := false
		for _, f := range s.Scan(text, nil) {
			found = found || f.Kind == bank
		}
		if !found {
			t.Errorf("Scan(%q): no bank card, want one (a real card called a test card)", text)
		}
	}
}
