package moderation_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestScanNearHomophones checks the accent merges of near-homophones
// (zh/z, ch/c, sh/s, n/l, -ng/-n): each is found where the user wrote it,
// as FormHomophone at confidence 50, below a true homophone's 60.
func TestScanNearHomophones(t *testing.T) {
	s := formsScanner(t)
	for _, tc := range []struct {
		text, word, sub string
		conf            uint8
	}{
		{"你个撒比", "傻逼", "撒比", 50},       // sh → s
		{"宾毒货源", "冰毒", "宾毒", 50},       // bing → bin
		{"诺聊一对一", "裸聊", "诺聊", 50},      // luo → nuo
		{"斯斯彩计划", "时时彩", "斯斯彩", 50},    // shi → si
		{"杂弹怎么做", "炸弹", "杂弹", 50},      // zha → za
		{"来玩佰家乐", "百家乐", "佰家乐", 60},    // the same sound
		{"草尼玛", "操你妈", "草尼玛", 60},      // the same sound
		{"诈片团伙", "诈骗", "诈片", 60},       // pian: the same sound
		{"兼职炸 弹", "炸弹", "炸 弹", 100},    // noise only: folded, not a homophone
		{"卖 *宾毒* 的", "冰毒", "宾毒", 50},   // noise around it stays outside
		{"撒 比", "傻逼", "撒 比", 50},       // noise inside is covered
		{"he said 撒比", "傻逼", "撒比", 50}, // position after Latin text
		{"约泡吧", "约炮", "约泡", 60},        // the same sound
		{"一起约抛", "约炮", "约抛", 60},       // the same sound, another tone
		{"卖呛支", "枪支", "呛支", 60},        // the same sound
		{"你是傻逼", "傻逼", "傻逼", 100},      // the word itself
		{"跟我撒逼一样", "傻逼", "撒逼", 50},     // inside a sentence
		{"不要做斯时彩", "时时彩", "斯时彩", 50},   // one merge is enough
	} {
		tag := tagOf(t, tc.word)
		var got *moderation.Finding
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == moderation.KindKeyword && f.Tag == tag {
				got = &f
				break
			}
		}
		if got == nil {
			t.Errorf("Scan(%q): %s not found", tc.text, tc.word)
			continue
		}
		start, end := runeSpan(t, tc.text, tc.sub)
		if got.Start != start || got.End != end {
			t.Errorf("Scan(%q): %s at [%d,%d), want [%d,%d) (%q)", tc.text, tc.word, got.Start, got.End, start, end, tc.sub)
		}
		if got.Rated() != tc.conf {
			t.Errorf("Scan(%q): %s confidence %d (%s), want %d", tc.text, tc.word, got.Rated(), got.Form, tc.conf)
		}
		if tc.conf < 100 && got.Form != moderation.FormHomophone {
			t.Errorf("Scan(%q): %s form %s, want homophone", tc.text, tc.word, got.Form)
		}
	}
}

// runeSpan returns the rune offsets of the first sub in text.
func runeSpan(t *testing.T, text, sub string) (int, int) {
	t.Helper()
	i := strings.Index(text, sub)
	if i < 0 {
		t.Fatalf("bad test: %q not in %q", sub, text)
	}
	start := utf8.RuneCountInString(text[:i])
	return start, start + utf8.RuneCountInString(sub)
}

// TestScanHomophoneAfterSurname: two characters after a common surname
// are most likely a given name (欧锡强 sounds like 洗钱): doubtful, 30.
func TestScanHomophoneAfterSurname(t *testing.T) {
	s := formsScanner(t)
	for _, tc := range []struct {
		text, word string
		conf       uint8
	}{
		{"我跟欧撒比去吃饭", "傻逼", 30},
		{"请把文件给王宾毒", "冰毒", 30},
		{"你个撒比", "傻逼", 50},
		{"卖宾毒", "冰毒", 50},
		{"老王实实彩", "时时彩", 60}, // three characters: not a given name
	} {
		tag := tagOf(t, tc.word)
		found := false
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == moderation.KindKeyword && f.Tag == tag {
				found = true
				if f.Rated() != tc.conf {
					t.Errorf("Scan(%q): %s confidence %d, want %d", tc.text, tc.word, f.Rated(), tc.conf)
				}
			}
		}
		if !found && tc.conf != 0 {
			t.Errorf("Scan(%q): %s not found", tc.text, tc.word)
		}
	}
}
