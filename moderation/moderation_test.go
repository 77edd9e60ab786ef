package moderation_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// hit is an expected finding: its kind and tag, and the first occurrence in
// the text of the original characters it must cover.
type hit struct {
	kind moderation.Kind
	tag  int32
	sub  string
}

func (h hit) String() string { return fmt.Sprintf("%s/%d %q", h.kind, h.tag, h.sub) }

// positions returns fs without Form and Confidence, for tests that check
// positions only.
func positions(fs []moderation.Finding) []moderation.Finding {
	out := make([]moderation.Finding, len(fs))
	for i, f := range fs {
		f.Form, f.Confidence = 0, 0
		out[i] = f
	}
	return out
}

// want converts expected hits into findings with rune offsets.
func want(t *testing.T, text string, hits []hit) []moderation.Finding {
	t.Helper()
	out := make([]moderation.Finding, 0, len(hits))
	for _, h := range hits {
		i := strings.Index(text, h.sub)
		if i < 0 {
			t.Fatalf("bad test: %q not in %q", h.sub, text)
		}
		start := utf8.RuneCountInString(text[:i])
		out = append(out, moderation.Finding{Kind: h.kind, Tag: h.tag, Start: start, End: start + utf8.RuneCountInString(h.sub)})
	}
	slices.SortFunc(out, func(a, b moderation.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return int(a.Tag - b.Tag)
	})
	return out
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"full-width latin and digits", "ＡＢＣ１２３", "abc123"},
		{"kangxi radical", "⽕车", "火车"},
		{"circled digits", "①②③", "123"},
		{"parenthesized number expands", "⑽", "10"},
		{"unit square expands", "㎏", "kg"},
		{"case folding", "HeLLo", "hello"},
		{"traditional to simplified", "賭博體育", "赌博体育"},
		{"zero width", "赌\u200b\u200c\u200d博\u2060\ufeff", "赌博"},
		{"other format characters", "赌\u202e\u00ad\u200e博", "赌博"},
		{"variation selectors", "赌\ufe0f博\U000E0100", "赌博"},
		{"combining marks", "赌\u0336博\u20e3", "赌博"},
		{"spaces and symbols", "赌 ★ 博 -_- #", "赌博"},
		{"ascii punctuation", "赌.博*", "赌博"},
		{"emoji", "赌🎲博😀👍🏻", "赌博"},
		{"sentence punctuation separates", "太大，麻烦你", "太大,麻烦你"},
		{"full stop and newline", "好。\n的", "好。\n的"},
		{"ideographic comma", "甲、乙", "甲、乙"},
		{"ellipsis", "嗯…好", "嗯…好"},
		{"full-width question mark", "是吗？好！", "是吗?好!"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, offs := moderation.Normalize(tc.in)
			if got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if n := utf8.RuneCountInString(got); n != len(offs) {
				t.Fatalf("%d runes but %d offsets", n, len(offs))
			}
			checkOffsets(t, tc.in, offs)
		})
	}
}

func checkOffsets(t *testing.T, in string, offs []int) {
	t.Helper()
	n := utf8.RuneCountInString(in)
	for i, o := range offs {
		if o < 0 || o >= n {
			t.Fatalf("offset %d = %d out of [0,%d)", i, o, n)
		}
		if i > 0 && o < offs[i-1] {
			t.Fatalf("offsets not monotonic at %d: %v", i, offs)
		}
	}
}

func TestNormalizeOffsets(t *testing.T) {
	in := "Ａ\u200b⑽ 赌"
	got, offs := moderation.Normalize(in)
	if got != "a10赌" {
		t.Fatalf("got %q", got)
	}
	if wantOffs := []int{0, 2, 2, 4}; !slices.Equal(offs, wantOffs) {
		t.Errorf("offsets %v, want %v", offs, wantOffs)
	}
}

// TestNormalizerIdempotent checks, for every BMP rune, that its normalized
// runes normalize to themselves with the same class: keywords and messages
// go through the same folding, and ClassOf relies on this.
func TestNormalizerIdempotent(t *testing.T) {
	n := moderation.NewNormalizer()
	var runes, again []rune
	var offs, offs2 []int32
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		runes, offs, _ = n.Append(string(r), runes[:0], offs[:0])
		for _, m := range runes {
			again, offs2, _ = n.Append(string(m), again[:0], offs2[:0])
			if len(again) != 1 || again[0] != m {
				t.Fatalf("U+%04X → %q, but %q → %q", r, string(runes), string(m), string(again))
			}
		}
	}
}

func TestNormalizerAppendNoAlloc(t *testing.T) {
	n := moderation.NewNormalizer()
	runes := make([]rune, 0, 256)
	offs := make([]int32, 0, 256)
	text := "加我ＶＸ：ａｂｃ１２３４５，賭博⽕①\u200b😀"
	allocs := testing.AllocsPerRun(100, func() {
		runes, offs, _ = n.Append(text, runes[:0], offs[:0])
	})
	if allocs != 0 {
		t.Errorf("Append allocates %v times per call", allocs)
	}
}

func compile(t *testing.T, entries []moderation.Entry, opts moderation.Options) *moderation.Scanner {
	t.Helper()
	s, err := moderation.Compile(entries, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

func TestScanKeywords(t *testing.T) {
	s := compile(t, []moderation.Entry{
		{Word: "大麻", Tag: 1},
		{Word: "赌博", Tag: 2, Pinyin: true},
		{Word: "江大", Tag: 3},
		{Word: "刷单", Tag: 4},
		{Word: "兼职刷单", Tag: 5},
		{Word: "火车票", Tag: 6},
		{Word: "SEX", Tag: 7},
		{Word: "體育", Tag: 8},
		{Word: "123木头人", Tag: 9},
		{Word: "刷单", Tag: 10}, // duplicate word, other tag: both reported
		{Word: "賭場", Tag: 11, Pinyin: true},
	}, moderation.Options{Allow: []string{"长江大桥"}})
	if s.Len() != 11 {
		t.Errorf("Len() = %d, want 11", s.Len())
	}
	tests := []struct {
		name string
		text string
		hits []hit
	}{
		{"plain", "这里有大麻", []hit{{moderation.KindKeyword, 1, "大麻"}}},
		{"full-width", "ＳＥＸ片", []hit{{moderation.KindKeyword, 7, "ＳＥＸ"}}},
		{"kangxi radical", "买⽕车票", []hit{{moderation.KindKeyword, 6, "⽕车票"}}},
		{"circled digits", "①②③木头人", []hit{{moderation.KindKeyword, 9, "①②③木头人"}}},
		{"case", "SeX", []hit{{moderation.KindKeyword, 7, "SeX"}}},
		{"traditional", "網上賭博", []hit{{moderation.KindKeyword, 2, "賭博"}}},
		{"simplified word matches traditional text", "体育", []hit{{moderation.KindKeyword, 8, "体育"}}},
		{"zero width", "大\u200b麻", []hit{{moderation.KindKeyword, 1, "大\u200b麻"}}},
		{"variation selector", "大\ufe0f麻", []hit{{moderation.KindKeyword, 1, "大\ufe0f麻"}}},
		{"spaces", "大 麻", []hit{{moderation.KindKeyword, 1, "大 麻"}}},
		{"symbols", "大*#麻", []hit{{moderation.KindKeyword, 1, "大*#麻"}}},
		{"emoji", "赌🎲博", []hit{{moderation.KindKeyword, 2, "赌🎲博"}}},
		{"all at once", "賭\u200b ★博", []hit{{moderation.KindKeyword, 2, "賭\u200b ★博"}}},
		{"comma separates", "太大，麻烦你", nil},
		{"ascii comma separates", "太大,麻烦你", nil},
		{"full stop separates", "太大。麻烦你", nil},
		{"two blank lines separate", "太大\n\n\n麻烦你", nil},
		{"newline after latin separates", "too big\n麻烦你", nil},
		// One line break between two Han characters is crossed (老虎\n机在线玩);
		// package rules drops this one (allow phrase 大麻烦, ordinary word 麻烦).
		{"one newline between han is crossed", "太大\n麻烦你", []hit{{moderation.KindKeyword, 1, "大\n麻"}}},
		// So is a blank line (red10: 老虎\n\n机); package rules drops
		// this one as well.
		{"blank line between han is crossed", "太大\n\n麻烦你", []hit{{moderation.KindKeyword, 1, "大\n\n麻"}}},
		{"question mark separates", "这么大？麻烦你", nil},
		{"overlapping matches", "兼职刷单", []hit{
			{moderation.KindKeyword, 5, "兼职刷单"}, {moderation.KindKeyword, 4, "刷单"}, {moderation.KindKeyword, 10, "刷单"},
		}},
		{"allow-list suppresses inner hit", "长江大桥", nil},
		{"allow-list only inside", "江大和长江大桥", []hit{{moderation.KindKeyword, 3, "江大"}}},
		{"pinyin", "来dubo吧", []hit{{moderation.KindKeyword, 2, "dubo"}}},
		{"pinyin spaced", "du bo", []hit{{moderation.KindKeyword, 2, "du bo"}}},
		{"pinyin dashed", "DU-BO", []hit{{moderation.KindKeyword, 2, "DU-BO"}}},
		{"latin inside a word is no hit", "essex and sexy", nil},
		{"latin word boundary", "sex!", []hit{{moderation.KindKeyword, 7, "sex"}}},
		{"pinyin not opted in", "dama", nil},
		{"pinyin of a traditional word", "去du chang玩", []hit{{moderation.KindKeyword, 11, "du chang"}}},
		{"pinyin inside a latin word", "xdubo", nil},
		{"benign", "明天上午十点开会", nil},
		{"invalid utf-8", "大\xff麻", []hit{{moderation.KindKeyword, 1, "大\xff麻"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Scan(tc.text, nil)
			w := want(t, tc.text, tc.hits)
			if !slices.Equal(positions(got), w) {
				t.Errorf("Scan(%q) = %v, want %v (%v)", tc.text, got, w, tc.hits)
			}
		})
	}
}

func TestScanScopedAllow(t *testing.T) {
	s := compile(t, []moderation.Entry{{Word: "江大", Tag: 1}}, moderation.Options{
		ScopedAllow: []moderation.Entry{{Word: "长江大桥", Tag: 7}},
	})
	text := "长江大桥"
	got := s.Scan(text, nil)
	w := want(t, text, []hit{{moderation.KindAllow, 7, "长江大桥"}, {moderation.KindKeyword, 1, "江大"}})
	if !slices.Equal(positions(got), w) {
		t.Errorf("got %v, want %v", got, w)
	}
}

func TestScanAppendsToDst(t *testing.T) {
	s := compile(t, []moderation.Entry{{Word: "大麻", Tag: 1}}, moderation.Options{})
	prev := moderation.Finding{Kind: moderation.KindRegex, Start: 9, End: 10}
	got := s.Scan("大麻", []moderation.Finding{prev})
	w := []moderation.Finding{prev, {Kind: moderation.KindKeyword, Tag: 1, Start: 0, End: 2}}
	if !slices.Equal(positions(got), w) {
		t.Errorf("got %v, want %v", got, w)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		entries []moderation.Entry
		opts    moderation.Options
		inErr   string
	}{
		{"empty word", []moderation.Entry{{Word: "ok"}, {Word: ""}}, moderation.Options{}, `entry 1 ""`},
		{"only noise", []moderation.Entry{{Word: " ★ \u200b"}}, moderation.Options{}, "empty after normalization"},
		{"sentence punctuation", []moderation.Entry{{Word: "太大，麻烦"}}, moderation.Options{}, "sentence punctuation"},
		{"bad allow phrase", nil, moderation.Options{Allow: []string{"  "}}, "allow phrase 0"},
		{"bad scoped allow", nil, moderation.Options{ScopedAllow: []moderation.Entry{{Word: "!"}}}, "scoped allow phrase 0"},
		{"bad domain", nil, moderation.Options{URLAllowDomains: []string{" . "}}, "url allow domain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := moderation.Compile(tc.entries, tc.opts)
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			if !errors.Is(err, moderation.ErrInvalidEntry) || !strings.Contains(err.Error(), tc.inErr) {
				t.Errorf("error %q, want ErrInvalidEntry mentioning %q", err, tc.inErr)
			}
		})
	}
}

func TestCompileEmpty(t *testing.T) {
	s := compile(t, nil, moderation.Options{})
	if got := s.Scan("任何文字 any text", nil); len(got) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestDetectorSet(t *testing.T) {
	d := moderation.Detectors(moderation.KindPhone, moderation.KindURL, moderation.KindKeyword)
	for _, k := range []moderation.Kind{moderation.KindPhone, moderation.KindURL} {
		if !d.Has(k) {
			t.Errorf("set lacks %s", k)
		}
	}
	for _, k := range []moderation.Kind{moderation.KindKeyword, moderation.KindEmail, moderation.KindAllow, moderation.KindRegex} {
		if d.Has(k) {
			t.Errorf("set has %s", k)
		}
	}
	for k := moderation.KindPhone; k <= moderation.KindWeChatID; k++ {
		if !moderation.AllDetectors.Has(k) {
			t.Errorf("AllDetectors lacks %s", k)
		}
	}
}

func TestDetectors(t *testing.T) {
	s := compile(t, nil, moderation.Options{
		Detectors:       moderation.AllDetectors,
		URLAllowDomains: []string{"corp.example.com", "wecom-guard.cn"},
	})
	const (
		phone  = moderation.KindPhone
		id     = moderation.KindIDCard
		bank   = moderation.KindBankCard
		email  = moderation.KindEmail
		url    = moderation.KindURL
		wechat = moderation.KindWeChatID
	)
	tests := []struct {
		name string
		text string
		hits []hit
	}{
		// Mobile numbers.
		{"phone plain", "电话13812345678谢谢", []hit{{phone, 0, "13812345678"}}},
		{"phone spaces", "打 138 1234 5678 吧", []hit{{phone, 0, "138 1234 5678"}}},
		{"phone dashes", "138-1234-5678", []hit{{phone, 0, "138-1234-5678"}}},
		{"phone +86", "+86 138 1234 5678", []hit{{phone, 0, "86 138 1234 5678"}}},
		{"phone 0086", "008613812345678", []hit{{phone, 0, "008613812345678"}}},
		{"phone from expanding characters", "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻", []hit{{phone, 0, "⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻"}}},
		{"phone full-width", "１３８１２３４５６７８", []hit{{phone, 0, "１３８１２３４５６７８"}}},
		{"phone chinese numerals", "幺三八一二三四五六七八", []hit{{phone, 0, "幺三八一二三四五六七八"}}},
		{"phone chinese numerals with zero", "一五九零零零零零零零零", []hit{{phone, 0, "一五九零零零零零零零零"}}},
		{"phone digits split by noise", "1★3★8★1★2★3★4★5★6★7★8", []hit{{phone, 0, "1★3★8★1★2★3★4★5★6★7★8"}}},
		{"phone emoji and zero width", "138😀1234\u200b5678", []hit{{phone, 0, "138😀1234\u200b5678"}}},
		{"two phones separated by a space", "13812345678 13987654321", []hit{{phone, 0, "13812345678"}, {phone, 0, "13987654321"}}},
		{"phone after a number", "订单 2023 13812345678", []hit{{phone, 0, "13812345678"}}},
		{"phone after chinese ordinal", "第一13812345678", []hit{{phone, 0, "13812345678"}}},
		{"not a mobile prefix", "12812345678", nil},
		{"too short", "1381234567", nil},
		{"inside a longer order number", "订单号2023113812345678901", nil},
		{"inside a longer run", "813812345678", nil},
		// ID cards.
		{"id card X", "身份证11010519491231002X", []hit{{id, 0, "11010519491231002X"}}},
		{"id card lower x", "11010519491231002x。", []hit{{id, 0, "11010519491231002x"}}},
		{"id card leap day", "440301200002291237", []hit{{id, 0, "440301200002291237"}}},
		{"id card spaced", "320102 19900101 1232", []hit{{id, 0, "320102 19900101 1232"}}},
		{"id card bad checksum", "440301200002291238", nil},
		{"id card bad date", "110105190102301237", nil},
		{"id card bad region", "990301200002291237", nil},
		{"id card old 15 digits", "110105491231002", []hit{{id, 0, "110105491231002"}}},
		{"id card old bad date", "110105491331002", nil},
		// Bank cards.
		{"bank card 19", "卡号6222020000000000000", []hit{{bank, 0, "6222020000000000000"}}},
		{"bank card 16 spaced", "6217 0012 3456 7893", []hit{{bank, 0, "6217 0012 3456 7893"}}},
		{"bank card visa", "4367421234567890129", []hit{{bank, 0, "4367421234567890129"}}},
		{"bank card bad luhn", "6217001234567894", nil},
		{"bank card bad issuer", "1217001234567897", nil},
		// E-mail.
		{"email", "发到 john.doe+x@mail.example.com 吧", []hit{{email, 0, "john.doe+x@mail.example.com"}}},
		{"email full-width", "ａｂｃ＠ｑｑ．ｃｏｍ", []hit{{email, 0, "ａｂｃ＠ｑｑ．ｃｏｍ"}}},
		{"not an email", "@所有人 开会", nil},
		{"email without tld", "a@localhost", nil},
		// URLs.
		{"url https", "看https://evil.io/a?b=1，好", []hit{{url, 0, "https://evil.io/a?b=1"}}},
		{"url www", "www.shop.xyz", []hit{{url, 0, "www.shop.xyz"}}},
		{"url bare", "去 dafa888.com 注册", []hit{{url, 0, "dafa888.com"}}},
		{"url 点 evasion", "dafa888点com", []hit{{url, 0, "dafa888点com"}}},
		{"url bracketed dot", "dafa888 (dot) com", []hit{{url, 0, "dafa888 (dot) com"}}},
		{"url full-width bracketed dot", "dafa888［．］ｃｏｍ/x", []hit{{url, 0, "dafa888［．］ｃｏｍ/x"}}},
		{"url evasion of an allowed domain", "https://corp(dot)example[.]com", nil},
		{"dot in prose", "the dot com bubble, 下午3点cn", nil},
		{"url trailing full stop", "see evil.cn.", []hit{{url, 0, "evil.cn"}}},
		{"url allowed domain", "https://corp.example.com/wiki and docs.wecom-guard.cn", nil},
		{"url allowed subdomain only", "notwecom-guard.cn", []hit{{url, 0, "notwecom-guard.cn"}}},
		{"not a url", "node.js 和 e.g. 和 3.14 和 3点30", nil},
		// WeChat / QQ solicitations.
		{"wechat v信 id", "加我v信：abc12345 有兼职", []hit{{wechat, 0, "加我v信：abc12345"}}},
		{"wechat vx", "VX abc_123456", []hit{{wechat, 0, "VX abc_123456"}}},
		{"wechat full-width", "ｖｘ：ｈｅｌｌｏ２０２４", []hit{{wechat, 0, "ｖｘ：ｈｅｌｌｏ２０２４"}}},
		{"wechat heart", "V❤ tom_cat88", []hit{{wechat, 0, "V❤ tom_cat88"}}},
		{"wechat 薇信", "薇信号是 lucky888", []hit{{wechat, 0, "薇信号是 lucky888"}}},
		{"wechat 威信", "威信 abcdef1", []hit{{wechat, 0, "威信 abcdef1"}}},
		{"wechat 微信号", "微信号：zhangsan_01", []hit{{wechat, 0, "微信号：zhangsan_01"}}},
		{"wechat wx digits", "wx 13912345", []hit{{wechat, 0, "wx 13912345"}}},
		{"wechat 加微", "加微 lily2020", []hit{{wechat, 0, "加微 lily2020"}}},
		{"qq number", "QQ号 12345678", []hit{{wechat, 0, "QQ号 12345678"}}},
		{"扣扣", "扣扣：87654321", []hit{{wechat, 0, "扣扣：87654321"}}},
		{"企鹅号", "企鹅号 10001000", []hit{{wechat, 0, "企鹅号 10001000"}}},
		{"phrase alone", "感兴趣的加我微信", []hit{{wechat, 0, "加我微信"}}},
		{"disguised alone", "详情加v信", []hit{{wechat, 0, "加v信"}}},
		{"wechat group talk", "微信群里说", nil},
		{"wechat pay", "用微信支付12000元", nil},
		{"add you on wechat", "我加你微信", nil},
		{"wechat word only", "发微信给我", nil},
		{"qq mail talk", "QQ邮箱收到了", nil},
		{"latin word with wx", "wxwidgets", nil},
		{"short id", "vx abc", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Scan(tc.text, nil)
			for i := range got {
				// Form and Confidence are checked in detect_test.go.
				got[i].Form, got[i].Confidence = 0, 0
			}
			w := want(t, tc.text, tc.hits)
			if !slices.Equal(positions(got), w) {
				t.Errorf("Scan(%q) = %v, want %v (%v)", tc.text, got, w, tc.hits)
			}
		})
	}
}

func TestDetectorsOff(t *testing.T) {
	s := compile(t, nil, moderation.Options{Detectors: moderation.Detectors(moderation.KindBankCard)})
	text := "13812345678 11010519491231002X a@b.com evil.com 加我微信"
	if got := s.Scan(text, nil); len(got) != 0 {
		t.Errorf("got %v, want nothing with only the bank card detector on", got)
	}
	// A valid ID card is an ID card, never a bank card, even when the ID
	// detector is off.
	if got := s.Scan("440301200002291237", nil); len(got) != 0 {
		t.Errorf("got %v", got)
	}
}

func TestScanNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	s := compile(t, []moderation.Entry{{Word: "大麻"}, {Word: "赌博", Pinyin: true, Homophones: true}, {Word: "江大"}, {Word: "傻逼", Initials: true}}, moderation.Options{
		Detectors: moderation.AllDetectors, Allow: []string{"长江大桥"},
	})
	dst := make([]moderation.Finding, 0, 16)
	for _, text := range []string{"明天上午十点开会，请大家准时参加。", "ok👍 see you at 3.30", "订单号20231101 金额128元",
		"R&D 部门 a<b 1 < 2 \u202e反转\u202c", "好的\n收到\n谢谢", "是。的。呢。",
		// With findings, Scan does not allocate either while dst has room.
		"大麻 赌博 13812345678 a@b.com evil.com 加我v信 abc1234 11010519491231002X 6217001234567893 长江大桥",
		"赌c博 大\n麻 <b>赌</b>博 \u202e博赌\u202c 来dubo Please loop in Du Bo 菠菜 读博 sb",
	} {
		allocs := testing.AllocsPerRun(200, func() { dst = s.Scan(text, dst[:0]) })
		if allocs != 0 {
			t.Errorf("Scan(%q) allocates %v times", text, allocs)
		}
	}
}

func TestScanConcurrent(t *testing.T) {
	s := compile(t, []moderation.Entry{{Word: "大麻", Tag: 1}}, moderation.Options{Detectors: moderation.AllDetectors})
	text := "大 麻 13812345678"
	w := s.Scan(text, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := s.Scan(text, nil); !slices.Equal(got, w) {
					t.Errorf("got %v, want %v", got, w)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestScanMatchesReference compares keyword findings with a brute-force
// search over Normalize's output on generated words and messages, with
// noise and separators sprinkled in.
func TestScanMatchesReference(t *testing.T) {
	var words []string
	for _, w := range moderationtest.Lexicon(3000, 11) {
		if !strings.ContainsFunc(w, func(r rune) bool { return r < 0x80 }) {
			words = append(words, w)
		}
	}
	s := compile(t, entries(words), moderation.Options{})
	msgs := moderationtest.Messages(400, 11)
	rng := rand.New(rand.NewPCG(11, 12))
	noise := []string{" ", "\u200b", "★", "😀", "，", "\n", "-"}
	for i, m := range msgs {
		// Mix in lexicon words and noise so that there is something to find.
		var b strings.Builder
		for _, r := range m + words[rng.IntN(len(words))] + m[:len(m)/2] + words[rng.IntN(len(words))] {
			b.WriteRune(r)
			if rng.IntN(6) == 0 {
				b.WriteString(noise[rng.IntN(len(noise))])
			}
		}
		msgs[i] = b.String()
	}
	normWords := make([]string, len(words))
	for i, w := range words {
		normWords[i], _ = moderation.Normalize(w)
	}
	for _, m := range msgs {
		norm, offs := moderation.Normalize(m)
		nr := []rune(norm)
		var ref []moderation.Finding
		for tag, w := range normWords {
			wr := []rune(w)
			for i := 0; i+len(wr) <= len(nr); i++ {
				if slices.Equal(nr[i:i+len(wr)], wr) {
					ref = append(ref, moderation.Finding{Kind: moderation.KindKeyword, Tag: int32(tag), Start: offs[i], End: offs[i+len(wr)-1] + 1})
				}
			}
		}
		// Every reference match is found (symbols inside a word rate it
		// structure); structural forms (a character alone on a line …)
		// find more, the others nothing else.
		all := s.Scan(m, nil)
		sortFindings(ref)
		found := positions(all)
		for _, f := range ref {
			if !slices.Contains(found, f) {
				t.Fatalf("Scan(%q)\n got %v\nmissing %v", m, all, f)
			}
		}
		for _, f := range positions(slices.DeleteFunc(all, func(f moderation.Finding) bool {
			return f.Form != moderation.FormExact && f.Form != moderation.FormFolded
		})) {
			if !slices.Contains(ref, f) {
				t.Fatalf("Scan(%q)\n got %v\nwant %v", m, f, ref)
			}
		}
	}
}

func sortFindings(fs []moderation.Finding) {
	slices.SortFunc(fs, func(a, b moderation.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.End != b.End {
			return a.End - b.End
		}
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return int(a.Tag - b.Tag)
	})
}

// TestScanFindsEveryWord checks that every word of a large generated lexicon
// is found in itself, with its own tag.
func TestScanFindsEveryWord(t *testing.T) {
	words := moderationtest.Lexicon(20000, 5)
	s := compile(t, entries(words), moderation.Options{})
	for tag, w := range words {
		n := utf8.RuneCountInString(w)
		found := false
		for _, f := range s.Scan(w, nil) {
			if f.Tag == int32(tag) && f.Start == 0 && f.End == n {
				found = true
			}
		}
		if !found {
			t.Fatalf("%q (tag %d) not found in itself", w, tag)
		}
	}
}
