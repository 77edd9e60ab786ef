package moderation

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// quickScanners are scanners with every form and option quick has to
// mirror: a 35k lexicon with some entries opted in to pinyin, initials and
// homophones, allow phrases, scoped allow phrases and all detectors; and
// the small lexicon of FuzzScan; and words that begin inside one another
// (overlapWords), for miss's repeat inside a word another word continues.
func quickScanners(tb testing.TB) []*Scanner {
	tb.Helper()
	var big []Entry
	for i, w := range moderationtest.Lexicon(35000, 1) {
		big = append(big, Entry{Word: w, Tag: int32(i), Pinyin: i%7 == 0, Initials: i%13 == 0, Homophones: i%11 == 0})
	}
	big = append(big, Entry{Word: "赌博", Tag: 1 << 20, Pinyin: true, Homophones: true},
		Entry{Word: "傻逼", Tag: 1<<20 + 1, Initials: true, Homophones: true}, Entry{Word: "fuck", Tag: 1<<20 + 2})
	var small []Entry
	for i, w := range []string{"大麻", "赌博", "江大", "刷单", "兼职刷单", "sex", "一二", "a", "⑽", "火车票", "傻逼", "妈的", "博彩"} {
		small = append(small, Entry{Word: w, Tag: int32(i), Pinyin: true, Initials: i%2 == 0, Homophones: i%3 == 0})
	}
	var overlap []Entry
	for i, w := range overlapWords {
		overlap = append(overlap, Entry{Word: w, Tag: int32(i)})
	}
	var out []*Scanner
	for _, es := range [][]Entry{big, small, small[:4], overlap} {
		for _, det := range []DetectorSet{AllDetectors, 0} {
			s, err := Compile(es, Options{Allow: []string{"长江大桥", "已经合并"}, ScopedAllow: []Entry{{Word: "下线", Tag: 7}},
				Detectors: det, URLAllowDomains: []string{"example.com"}})
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

// quickTexts are generated work chat, the evasions, traps and workplace
// lines of package rules, and each of them with the edits that wake the
// structural rules up (a separator or noise after every character, a
// repeated character, an inserted Latin letter, a line break).
func quickTexts(tb testing.TB) []string {
	tb.Helper()
	texts := moderationtest.Messages(4000, 7)
	for _, p := range []string{"../rules/testdata/evasions-zh.txt", "../rules/testdata/traps-zh.txt", "../rules/testdata/workplace-zh.txt"} {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if _, msg, ok := strings.Cut(line, "\t"); ok {
				line = msg
			}
			if u, err := strconv.Unquote(`"` + strings.ReplaceAll(line, `"`, `\"`) + `"`); err == nil {
				line = u
			}
			texts = append(texts, line)
		}
		f.Close()
	}
	n := len(texts)
	for i, t := range texts[:n] {
		r := []rune(t)
		if len(r) < 2 {
			continue
		}
		k := i % len(r)
		sep := []string{"。", "\n", " ", "*", "x", "ぁ", "Ⅶ", "&amp;", "αβ", "ᵇᶜ"}[i%10]
		texts = append(texts,
			string(r[:k])+sep+string(r[k:]),
			string(r[:k+1])+string(r[k])+string(r[k+1:]),
			strings.Join(strings.Split(t, ""), []string{"。", " ", "\n"}[i%3]))
	}
	return texts
}

// TestQuickAgreesWithFullScan checks the promise of quick.go: a text quick
// calls clean has no finding on the full path, and one it sends to the
// detectors alone has no keyword, homophone or allow finding there.
func TestQuickAgreesWithFullScan(t *testing.T) {
	texts := quickTexts(t)
	for si, s := range quickScanners(t) {
		var n [3]int
		for _, text := range texts {
			q, _ := s.quick(text)
			n[q]++
			checkQuick(t, s, text, q)
		}
		t.Logf("scanner %d: %d texts: %d clean, %d detectors only, %d full path", si, len(texts), n[quickClean], n[quickDetect], n[quickSlow])
		if n[quickClean] == 0 || n[quickSlow] == 0 {
			t.Errorf("scanner %d: quick took one way only: %v", si, n)
		}
	}
}

func checkQuick(t *testing.T, s *Scanner, text string, q int) {
	t.Helper()
	full := s.scan(text, nil, true, resume{at: -1})
	switch q {
	case quickClean:
		if len(full) > 0 {
			t.Fatalf("%q: quick says clean, the full path finds %+v", text, full)
		}
	case quickDetect:
		if det := s.scan(text, nil, false, resume{at: -1}); !slices.Equal(det, full) {
			t.Fatalf("%q: quick says detectors only, the full path finds %+v, the detectors %+v", text, full, det)
		}
	}
	if got := s.Scan(text, nil); !slices.Equal(got, full) {
		t.Fatalf("%q: Scan %+v, full path %+v", text, got, full)
	}
}

func FuzzQuick(f *testing.F) {
	for _, s := range []string{"", "收到马上处理！这个bug复现了~明天我休息", "PR已经合并！谢谢大家", "赌c博 赌。博 赌\n博 赌赌博",
		"du bo 賭博 dǔbó", "菠菜 傻比 女马的", "&#36172;&#21338; <b>赌</b>博", "\u202e博赌\u202c", "加我v信 13812345678",
		"长江大桥 下线了", "㈠½ﬁ 👍🏻 ①②③④⑤", "a\xffb\xc0\xe4\xb8",
		"这个问题太大\n麻烦你看一下", "赌Ⅻ博 刷ⅷ单\r\n单", "老虎\n机器人",
		"下午三点在二楼会议室 寄到朝陽區建國路88號", "ok 有点问题 a.b z@q点com", "bet365︒com",
		"代开发发票 操你你妈，滚 买大大麻烟 发发红包",
		"赌αβ博 赌ᵇᵒ博 赌ᵇᶜ博 刷ДЖ单 赌α.β博 大ɑɒ麻 赌αβγδε博 色んな情報", "代开ФФ发票 女表子 木仓 人也女马的 刷①②单元"} {
		f.Add(s)
	}
	scanners := quickScanners(f)
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range scanners {
			q, _ := s.quick(text)
			checkQuick(t, s, text, q)
		}
	})
}

// TestTriggersCarryTheirHint checks what quick relies on to ignore 加, +
// and ➕ alone: every WeChat trigger starts with a rune that carries
// hintTrigger itself, none with one of them.
func TestTriggersCarryTheirHint(t *testing.T) {
	tab := normTables()
	for _, tr := range weChatTriggers() {
		first := tr.text[0]
		if tab.hints(first)&hintTrigger == 0 || isJia(first) {
			t.Errorf("trigger %q starts with %q, hints %08b", string(tr.text), first, tab.hints(first))
		}
	}
}

// TestQuickWakesDetectorsOnlyWhereTheyCanFind checks that 点, . and 艾
// without two runs of ASCII letters or digits in the text (晚点, 十点开会,
// 有点问题 ok) send no message to the e-mail and URL detectors, nor a unit
// after a number without a place name's suffix (二楼会议室) to the address
// detector, nor v, q or w inside a latin word (review) to the WeChat
// detector, which have nothing to find there, while the same characters in
// an address or an id still do.
func TestQuickWakesDetectorsOnlyWhereTheyCanFind(t *testing.T) {
	// Chinese words only: latin text goes the clean path (no pinyin).
	s, err := Compile([]Entry{{Word: "赌博", Tag: 1}, {Word: "刷单", Tag: 2}, {Word: "兼职", Tag: 3}}, Options{Detectors: AllDetectors})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"明天上午十点开会", "我晚点看一下，辛苦了", "打卡系统有点问题。", "艾总说下午三点到", "好的。。。",
		"打卡系统有点问题 ok👌", "这个bug复现了 我晚点看一下", "下午三点在二楼会议室", "3号楼5层会议室见",
		"PR review 一下", "now 就改", "这个overview太长了"} {
		if q, _ := s.quick(text); q != quickClean {
			t.Errorf("%q: quick %d, want clean", text, q)
		}
		checkQuick(t, s, text, quickClean)
	}
	for _, text := range []string{"下午三点看 dafa888点com", "联系 zhang艾特qq点com", "官网 www。bet365。com", "地址 http://1.2.3.4:8080/a",
		"收货地址：北京市朝阳区建国路88号", "寄到朝陽區建國路88號", "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "zhang@qq.com", "xpj888 点 com 注册", "dafa888 dot com",
		"加v：abc12345", "vx：abc12345", "有事加 wx abc12345", "来玩 bet365︒com 送彩金", "bet365｡com"} {
		q, _ := s.quick(text)
		if q == quickClean {
			t.Errorf("%q: quick says clean", text)
		}
		checkQuick(t, s, text, q)
		if len(s.Scan(text, nil)) == 0 {
			t.Errorf("%q: no finding", text)
		}
	}
}

// TestQuickCrossesSeparatorsOnlyWhereTheRuleCan checks that a separator
// after a single character (行。) or after the last character of a clause
// (了。) keeps a text on the clean path when crossSeparator cannot cross
// it: a clause follows the single character, or the text ends after the
// next one; while the same separators inside a word still do.
func TestQuickCrossesSeparatorsOnlyWhereTheRuleCan(t *testing.T) {
	s, err := Compile([]Entry{{Word: "行这里", Tag: 1}, {Word: "了行动", Tag: 2}}, Options{Detectors: AllDetectors})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"行。这个需求排到下周吧", "行，这个我来", "我先下线了。行", "辛苦了！行", "好的了。行 👍"} {
		if q, _ := s.quick(text); q != quickClean {
			t.Errorf("%q: quick %d, want clean", text, q)
		}
		checkQuick(t, s, text, quickClean)
	}
	for _, text := range []string{"行。这。里", "行，这，里", "你就是了！行！动！"} {
		q, _ := s.quick(text)
		if q == quickClean {
			t.Errorf("%q: quick says clean", text)
		}
		checkQuick(t, s, text, q)
		if len(s.Scan(text, nil)) == 0 {
			t.Errorf("%q: no finding", text)
		}
	}
}

// TestLane3 checks the Han lane's decoding against the standard one on
// every three-byte string: it takes exactly the CJK characters of
// U+4E00–U+9FFF written in three bytes, and decodes them right.
func TestLane3(t *testing.T) {
	taken := 0
	for w := uint32(0); w < 1<<24; w++ {
		b := string([]byte{byte(w >> 16), byte(w >> 8), byte(w)})
		want, size := utf8.DecodeRuneInString(b)
		wantOK := size == 3 && want >= 0x4E00 && want <= 0x9FFF
		r, ok := lane3(w)
		if ok != wantOK || ok && r != want {
			t.Fatalf("lane3(% x) = %U, %v; want %U, %v", b, r, ok, want, wantOK)
		}
		if ok {
			taken++
		}
	}
	if taken != 0x9FFF-0x4E00+1 {
		t.Fatalf("lane3 takes %d three-byte strings, want one per character (%d)", taken, 0x9FFF-0x4E00+1)
	}
}
