package moderation_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "太大，麻烦你", "賭\u200b博⽕①ＡＢＣ", "a\xffb\xc0", "⑽㎏ﬁ\U0001D400", "👍🏻\ufe0f\U000E0100",
		"fսck 🅵🆄🅲🅺 ꜰᴜᴄᴋ ΡΟRΝ Ʀ", "⻩色 売淫 伝销", "dǔbó", "\u202e博赌\u202c", "&#36172;&#x535a;&nbsp;<b>"} {
		f.Add(s)
	}
	n := moderation.NewNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		count := utf8.RuneCountInString(s)
		runes, offs, _ := n.Append(s, nil, nil)
		if len(runes) != len(offs) {
			t.Fatalf("%d runes, %d offsets", len(runes), len(offs))
		}
		for i, o := range offs {
			if o < 0 || int(o) >= count {
				t.Fatalf("offset %d = %d outside [0,%d)", i, o, count)
			}
			if i > 0 && o < offs[i-1] {
				t.Fatalf("offsets decrease at %d: %v", i, offs)
			}
		}
		norm, offsets := moderation.Normalize(s)
		if utf8.RuneCountInString(norm) != len(offsets) {
			t.Fatalf("Normalize: %d runes, %d offsets", utf8.RuneCountInString(norm), len(offsets))
		}
		again, _ := moderation.Normalize(norm)
		if again != norm {
			t.Fatalf("not idempotent: %q → %q → %q", s, norm, again)
		}
	})
}

// fuzzWords is the lexicon of FuzzScan; Tag is the index of the word.
var fuzzWords = []string{"大麻", "赌博", "江大", "刷单", "兼职刷单", "sex", "一二", "a", "⑽", "火车票", "傻逼", "妈的", "博彩"}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"", "加我v信：abc12345 有兼职刷单", "大 麻 13812345678", "长江大桥 sex!", "11010519491231002X a@b.com www.x.cn",
		"\xff\xfe大\xff麻", "du bo 賭博", "⑽⑽",
		"兼职职刷单 fuuuck 百\n\n家乐 你。妈。的。 卖Ⅶ淫 裸⑵照 赌c博 赌ぁ博", "\u202e博赌\u202c\u202e", "&#36172;&#21338; 援&nbsp;交 <b>赌</b>博 &#x;&",
		"赌bo du博 sb cnm Please loop in Du Bo dubo.li@corp.com", "菠菜 傻比 女马的 木仓 贝者博", "&#36172;", "赌\u202e&#21338;",
		"撒比 宾毒 斯斯彩 脑虎机 诺聊 杂弹 撒 *比", "草你妈的 傻笔一个 白勺 西示 衣果聊 山山",
		"今晚来玩百家\n乐吧 兼职\r\n刷单 大\u2028麻烦", "赌Ⅻ博 刷ⅷ单 大Ⅻ\n麻 ⅻ",
		"赌αβ博 赌ᵇᶜ博 刷ДЖ单 赌α.β博 大ɑɒ麻 赌αβγδε博 \u202e博βα赌"} {
		f.Add(s)
	}
	entries := make([]moderation.Entry, len(fuzzWords))
	for i, w := range fuzzWords {
		entries[i] = moderation.Entry{Word: w, Tag: int32(i), Pinyin: true, Initials: i%2 == 0, Homophones: i%3 == 0}
	}
	s, err := moderation.Compile(entries, moderation.Options{
		Allow: []string{"长江大桥"}, Detectors: moderation.AllDetectors, URLAllowDomains: []string{"example.com"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		runes := []rune(text)
		got := s.Scan(text, nil)
		for i, fd := range got {
			if fd.Start < 0 || fd.End > len(runes) || fd.Start >= fd.End {
				t.Fatalf("finding %v outside [0,%d)", fd, len(runes))
			}
			if i > 0 && (fd.Start < got[i-1].Start || fd.Start == got[i-1].Start && fd.End < got[i-1].End) {
				t.Fatalf("findings out of order: %v", got)
			}
			if fd.Kind != moderation.KindKeyword {
				continue
			}
			if fd.Confidence < 1 || fd.Confidence > 100 {
				t.Fatalf("finding %v: confidence out of [1,100]", fd)
			}
			switch fd.Form {
			case moderation.FormExact, moderation.FormFolded, moderation.FormLookalike:
			default:
				// Spelled and structural forms do not contain the word's
				// letters in order; their bounds are checked above.
				continue
			}
			// The span covers the matched characters: its normalized
			// letters contain the word's (its pinyin for latin spans).
			span, _ := moderation.Normalize(string(runes[fd.Start:fd.End]))
			word, _ := moderation.Normalize(fuzzWords[fd.Tag])
			if !strings.Contains(span, word) && !isLatin(span) {
				t.Fatalf("finding %v: span %q does not contain %q", fd, span, word)
			}
			// … and starts and ends on a letter, not on noise.
			for _, edge := range []rune{runes[fd.Start], runes[fd.End-1]} {
				if e, _ := moderation.Normalize(string(edge)); e == "" {
					t.Fatalf("finding %v: span %q starts or ends with noise", fd, string(runes[fd.Start:fd.End]))
				}
			}
		}
	})
}

func isLatin(s string) bool {
	for _, r := range s {
		if r > 0x7F {
			return false
		}
	}
	return true
}
