package moderation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// overlapWords are listed words of the default lists in which a character
// inside one word begins another that the next character continues
// (代开发票 and 发票代开, 操你妈 and 你妈逼): a repeat of that character
// starts the other word, which the matcher follows (miss, continues).
var overlapWords = []string{
	"代开发票", "发票代开", "代开增值税", "操你妈", "去你妈的", "你妈逼", "你妈死了",
	"出售大麻", "买大麻", "大麻烟", "大麻种子", "卖摇头丸", "摇头丸出售", "办假证", "假证件",
	"出售银行卡", "买卖银行卡", "银行卡照片发我", "在家兼职", "兼职日结", "兼职刷单",
	"客户名单出售", "出售客户信息", "客户信息打包", "卖内部资料", "内部资料外传",
}

// TestScanRepeatInsideAnotherWord checks that a repeated character inside a
// word is skipped even when it begins another listed word that the next
// characters continue, as long as that word dies without an output; the
// finding covers what the user wrote, repeat included.
func TestScanRepeatInsideAnotherWord(t *testing.T) {
	s := overlapScanner(t)
	for _, tc := range []struct{ text, word, written string }{
		{"专业代开发发票，联系我", "代开发票", "代开发发票"},
		{"操你你妈", "操你妈", "操你你妈"},
		{"操你你妈，滚", "操你妈", "操你你妈"},
		{"去你你妈的", "去你妈的", "去你你妈的"},
		{"有人要买大大麻吗", "买大麻", "买大大麻"},
		{"出售大大麻 量大从优", "出售大麻", "出售大大麻"},
		{"卖摇摇头丸", "卖摇头丸", "卖摇摇头丸"},
		{"办假假证 加急", "办假证", "办假假证"},
		{"长期出售银银行卡", "出售银行卡", "出售银银行卡"},
		{"买卖银银行卡找我", "买卖银行卡", "买卖银银行卡"},
		{"宝妈在家兼兼职", "在家兼职", "在家兼兼职"},
		{"客户名单出出售", "客户名单出售", "客户名单出出售"},
		{"有人出售客客户信息", "出售客户信息", "出售客客户信息"},
		{"卖内内部资料", "卖内部资料", "卖内内部资料"},
		{"代开发发发票", "代开发票", "代开发发发票"}, // repeated twice
	} {
		i := strings.Index(tc.text, tc.written)
		start := utf8.RuneCountInString(tc.text[:i])
		end := start + utf8.RuneCountInString(tc.written)
		found := false
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == KindKeyword && overlapWords[f.Tag] == tc.word {
				found = true
				if f.Start != start || f.End != end || f.Form != FormStructure {
					t.Errorf("Scan(%q): %s at [%d,%d) as %s, want [%d,%d) as %s", tc.text, tc.word, f.Start, f.End, f.Form, start, end, FormStructure)
				}
			}
		}
		if !found {
			t.Errorf("Scan(%q) does not find %s", tc.text, tc.word)
		}
	}
}

// TestScanRepeatInsideKeepsTheOtherWord checks the other side: the word a
// repeat begins is still found when it goes on to its end, and ordinary
// doubles (天天, 看看, 谢谢, 妈妈) and doubles no listed word reads as a
// repeat stay clean.
func TestScanRepeatInsideKeepsTheOtherWord(t *testing.T) {
	s := overlapScanner(t)
	for _, tc := range []struct{ text, word string }{
		{"代开发发票代开", "发票代开"},
		{"操你你妈逼", "你妈逼"},
		{"出售大大麻种子", "大麻种子"},
		{"买卖银银行卡照片发我", "银行卡照片发我"},
	} {
		found := false
		for _, f := range s.Scan(tc.text, nil) {
			found = found || f.Kind == KindKeyword && overlapWords[f.Tag] == tc.word
		}
		if !found {
			t.Errorf("Scan(%q) does not find %s", tc.text, tc.word)
		}
	}
	for _, text := range []string{
		"天天向上，好好学习", "看看发票抬头对不对", "谢谢你妈妈做的饭", "替我谢谢你妈妈", "你妈妈死了吗那只猫",
		"大家发发红包吧", "发发票的事找财务", "年会上大家发发红包", "他是大大咧咧的人", "银行行长来访",
		"请出出主意", "客户户籍地址", "内部部门调整", "假期期间照常办公",
	} {
		if got := s.Scan(text, nil); len(got) > 0 {
			t.Errorf("Scan(%q) = %+v, want nothing", text, got)
		}
	}
}

func overlapScanner(t *testing.T) *Scanner { return wordsScanner(t, overlapWords) }

// wordsScanner compiles words with their indexes as tags.
func wordsScanner(t *testing.T, words []string) *Scanner {
	t.Helper()
	var es []Entry
	for i, w := range words {
		es = append(es, Entry{Word: w, Tag: int32(i)})
	}
	s, err := Compile(es, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestQuickFollowsASCIIRepeat checks that quick proves clean a text where
// miss skips a repeated ASCII letter across noise (e@e in an e-mail
// address) and finds nothing after it, instead of leaving it to the full
// path; and that it still gives up where the skip leads to a word.
func TestQuickFollowsASCIIRepeat(t *testing.T) {
	s, err := Compile([]Entry{{Word: "onez"}, {Word: "eb", Tag: 1}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want int
	}{
		{"邮箱 someone@example.com", quickClean},
		{"someone@ezample", quickSlow}, // one@ez is onez once the repeat is skipped
		{"someone@eeb", quickSlow},     // a second repeat
		{"someone@e，b", quickSlow},     // a separator before the clause ends
	} {
		q, _ := s.quick(tc.text)
		if q != tc.want {
			t.Errorf("quick(%q) = %d, want %d", tc.text, q, tc.want)
		}
		checkQuick(t, s, tc.text, q)
	}
}

// TestScanInsertionBeforeAnotherWord checks that one Latin letter inserted
// inside a word is skipped even when the automaton moved on it (代开f
// begins the mixed pinyin 代开fapiao) and the character after it begins
// another listed word the next characters continue (发票代开), as long as
// that word dies without an output; the other word is still found when it
// goes on to its end.
func TestScanInsertionBeforeAnotherWord(t *testing.T) {
	var es []Entry
	for i, w := range overlapWords {
		es = append(es, Entry{Word: w, Tag: int32(i), Pinyin: true})
	}
	s, err := Compile(es, Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(text, word string) (Finding, bool) {
		for _, f := range s.Scan(text, nil) {
			if f.Kind == KindKeyword && overlapWords[f.Tag] == word {
				return f, true
			}
		}
		return Finding{}, false
	}
	for _, tc := range []struct{ text, word, written string }{
		{"专业代开f发票，联系我", "代开发票", "代开f发票"},
		{"代开z发票", "代开发票", "代开z发票"},
		{"长期出售y银行卡", "出售银行卡", "出售y银行卡"},
		{"买卖y银行卡找我", "买卖银行卡", "买卖y银行卡"},
		{"有人出售k客户信息", "出售客户信息", "出售k客户信息"},
		{"去n你妈的", "去你妈的", "去n你妈的"},
		{"卖n内部资料", "卖内部资料", "卖n内部资料"},
	} {
		i := strings.Index(tc.text, tc.written)
		start := utf8.RuneCountInString(tc.text[:i])
		end := start + utf8.RuneCountInString(tc.written)
		f, ok := find(tc.text, tc.word)
		if !ok {
			t.Errorf("Scan(%q) does not find %s: %+v", tc.text, tc.word, s.Scan(tc.text, nil))
			continue
		}
		if f.Start != start || f.End != end {
			t.Errorf("Scan(%q): %s at [%d,%d), want [%d,%d)", tc.text, tc.word, f.Start, f.End, start, end)
		}
	}
	for _, tc := range []struct{ text, word string }{
		{"代开f发票代开", "发票代开"},
		{"买卖y银行卡照片发我", "银行卡照片发我"},
	} {
		if _, ok := find(tc.text, tc.word); !ok {
			t.Errorf("Scan(%q) does not find %s", tc.text, tc.word)
		}
	}
}

// TestScanOrdinaryDoubleInsideWord checks that a character ordinary
// Chinese doubles (日日, 个个, 人人) is read as a repeat inside a word, after
// its second letter, when the word goes on after it (doubleInside), on the
// clean path's gate too; and that doubles at a word's start, doubled
// kinship terms and ordinary phrases stay clean.
func TestScanOrdinaryDoubleInsideWord(t *testing.T) {
	words := []string{"狗日的", "兼职日结", "出售个人信息", "成人视频", "妈了个逼", "你妈死了", "妈的"}
	var es []Entry
	for i, w := range words {
		es = append(es, Entry{Word: w, Tag: int32(i)})
	}
	s, err := Compile(es, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, word, written string }{
		{"你个狗日日的", "狗日的", "狗日日的"},
		{"兼职日日结，宝妈优先", "兼职日结", "兼职日日结"},
		{"长期出售个个人信息", "出售个人信息", "出售个个人信息"},
		{"出售个人人信息，量大优惠", "出售个人信息", "出售个人人信息"},
		{"成人人视频免费看", "成人视频", "成人人视频"},
		{"妈了个个逼", "妈了个逼", "妈了个个逼"},
	} {
		q, _ := s.quick(tc.text)
		checkQuick(t, s, tc.text, q)
		i := strings.Index(tc.text, tc.written)
		start := utf8.RuneCountInString(tc.text[:i])
		end := start + utf8.RuneCountInString(tc.written)
		found := false
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == KindKeyword && words[f.Tag] == tc.word {
				found = true
				if f.Start != start || f.End != end {
					t.Errorf("Scan(%q): %s at [%d,%d), want [%d,%d)", tc.text, tc.word, f.Start, f.End, start, end)
				}
			}
		}
		if !found {
			t.Errorf("Scan(%q) does not find %s", tc.text, tc.word)
		}
	}
	for _, text := range []string{
		"天天向上，好好学习", "日日夜夜加班赶项目", "安全生产人人有责", "成人人数和儿童人数分开统计",
		"个人人事档案请交给HR", "兼职日日更新的岗位表", "谢谢你妈妈做的饭", "你妈妈死了吗那只猫",
	} {
		q, _ := s.quick(text)
		checkQuick(t, s, text, q)
		if got := s.Scan(text, nil); len(got) > 0 {
			t.Errorf("Scan(%q) = %+v, want nothing", text, got)
		}
	}
}

// TestScanRepeatInsideWordsEndingTogether checks a repeat whose character
// begins a listed word that ends where the word begun before it ends
// (兼职日日结: 日结 and 兼职日结): the repeat is the longer word's, and
// both words are found. A word begun at the repeat that ends elsewhere
// (大麻烦 after 买大) keeps the repeat, as before.
func TestScanRepeatInsideWordsEndingTogether(t *testing.T) {
	words := []string{"兼职日结", "日结", "快速放款", "放款", "买大麻", "大麻烦"}
	s := wordsScanner(t, words)
	for _, tc := range []struct {
		text string
		want []string
		not  string
	}{
		{"兼职日日结，宝妈优先", []string{"兼职日结", "日结"}, ""},
		{"快速放放款", []string{"快速放款", "放款"}, ""},
		{"网上买大大麻烦", []string{"大麻烦"}, "买大麻"},
	} {
		got := map[string]bool{}
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == KindKeyword {
				got[words[f.Tag]] = true
			}
		}
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("Scan(%q) does not find %s: %v", tc.text, w, got)
			}
		}
		if tc.not != "" && got[tc.not] {
			t.Errorf("Scan(%q) finds %s", tc.text, tc.not)
		}
	}
}
