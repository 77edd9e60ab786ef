package dlp

import (
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestEvasiveEmailsMatch: an imported e-mail column matches the address
// however the detector reads it in a message (艾特, #, (at), [dot], 点com,
// full width, upper case), and an address one character off does not.
func TestEvasiveEmailsMatch(t *testing.T) {
	key := testKey(t)
	imp := importTest(t, key, "邮箱,姓名\nLucky888@QQ.com,甲\nzhang.san01@163.com,乙\n", "邮箱=email")
	if imp.Invalid != 0 || len(imp.Entries) != 2 {
		t.Fatalf("import: %+v", imp)
	}
	x := NewIndex(key, Options{}, []LoadedSet{setOf(imp, "客户邮箱")}, nil)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	mc := rules.Context{ChatKind: rules.ChatWork, Data: x}
	hit := func(text string) *rules.Hit {
		v := e.Evaluate(text, mc)
		for i := range v.Hits {
			if v.Hits[i].Kind == moderation.KindCustomerRecord {
				return &v.Hits[i]
			}
		}
		return nil
	}
	for _, text := range []string{
		"客户邮箱 lucky888@qq.com 请回复",
		"联系 lucky888艾特qq.com 领取",
		"联系 lucky888 艾特 qq.com 领取",
		"邮箱 lucky888#qq.com 有资料",
		"邮箱 lucky888(at)qq(dot)com 有资料",
		"邮箱 lucky888[at]qq[dot]com 有资料",
		"邮箱 lucky888@qq点com 有资料",
		"邮箱 ＬＵＣＫＹ８８８＠ＱＱ．ＣＯＭ 有资料",
		"发到 zhang.san01(at)163(dot)com",
	} {
		h := hit(text)
		if h == nil {
			t.Errorf("%q: no customer_record hit", text)
			continue
		}
		if h.Data.Set != "客户邮箱" || h.Data.Column != "邮箱" || strings.Contains(h.Masked, "lucky888") {
			t.Errorf("%q: hit %+v data %+v", text, h, h.Data)
		}
	}
	for _, text := range []string{"联系 lucky889艾特qq.com 领取", "邮箱 lucky888(at)163(dot)com 有资料"} {
		if h := hit(text); h != nil {
			t.Errorf("%q: an address that is no customer's matched: %+v", text, h.Data)
		}
	}
}
