package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestScanFillerRuns: two to four foreign fillers inside a word (filler.go),
// each case's evidence checked against the text as written.
func TestScanFillerRuns(t *testing.T) {
	st := moderation.FormStructure
	runFormCases(t, []formCase{
		{"今晚一起赌αβ博吗", "赌博", "赌αβ博", st},
		{"有冰ΔΔ毒货源", "冰毒", "冰ΔΔ毒", st},
		{"赌ᵃᵇ球私聊", "赌球", "赌ᵃᵇ球", st},
		{"同城约ⓐⓑ炮", "约炮", "约ⓐⓑ炮", st},
		{"卖ⅦⅧ淫", "卖淫", "卖ⅦⅧ淫", st},
		{"裸⑵⑶照", "裸照", "裸⑵⑶照", st},
		{"百ΣΣ家乐", "百家乐", "百ΣΣ家乐", st},
		{"时ⒶⒷ时彩计划群", "时时彩", "时ⒶⒷ时彩", st},
		{"兼职刷ДЖ单", "兼职刷单", "兼职刷ДЖ单", st},
		{"代开ФФ发票量大", "代开发票", "代开ФФ发票", st}, // ф folds to f, and 代开f begins 代开fa…: retroFiller
		{"傻ΨΨ逼", "傻逼", "傻ΨΨ逼", st},
		{"援𝐚𝐛交妹妹", "援交", "援𝐚𝐛交", st},
		{"嫖ЯЯ娼", "嫖娼", "嫖ЯЯ娼", st},
		{"六❶❷合彩", "六合彩", "六❶❷合彩", st},
		{"色ᴀᴀ情", "色情", "色ᴀᴀ情", st},
		{"大ɑɒ麻", "大麻", "大ɑɒ麻", st},
		{"冰¹²毒", "冰毒", "冰¹²毒", st},
		{"赌α.β博", "赌博", "赌α.β博", st}, // noise between the fillers
		{"赌αβγδ博", "赌博", "赌αβγδ博", st},
		{"裸ΩΩ聊一对一", "裸聊", "裸ΩΩ聊", st},
	})
}

// TestScanFillerRunsNegative: kana, ASCII and runs too long are no fillers,
// and a run between two characters that are no word is left alone.
func TestScanFillerRunsNegative(t *testing.T) {
	s := formsScanner(t)
	for _, tc := range []struct{ text, word string }{
		{"色んな情報を共有します", "色情"},
		{"赌ぁぃ博", "赌博"},
		{"赌cd博", "赌博"},
		{"用iPhone打电话", "你妈"},
		{"赌αβγδε博", "赌博"}, // five: longer than maxFillers
		{"赌αβ。博", "赌博"},   // a separator ends the word
		{"赌αa博", "赌博"},    // an ASCII letter among them: ordinary mixed text
	} {
		tag := tagOf(t, tc.word)
		for _, f := range s.Scan(tc.text, nil) {
			if f.Kind == moderation.KindKeyword && f.Tag == tag {
				t.Errorf("Scan(%q) found %s as %s (%v)", tc.text, tc.word, f.Form, f)
			}
		}
	}
}

// TestScanSplitOnlyEntries checks Entry.SplitOnly: the word matches only
// in split characters, never as written nor as pinyin or a homophone.
func TestScanSplitOnlyEntries(t *testing.T) {
	s, err := moderation.Compile([]moderation.Entry{
		{Word: "枪", SplitOnly: true}, {Word: "婊子", SplitOnly: true}, {Word: "他妈的", SplitOnly: true, Pinyin: true, Homophones: true},
		{Word: "抢劫", SplitOnly: true}, {Word: "法轮功", SplitOnly: true}, {Word: "屌", SplitOnly: true},
	}, moderation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text       string
		start, end int // -1: no finding
	}{
		{"有木仓吗", 1, 3},
		{"卖仿真木仓", 3, 5},
		{"你个女表子", 2, 5},
		{"他女马的又迟到", 0, 4},
		{"人也女马的", 0, 5},
		{"人也妈的", 0, 4},
		{"有人扌仓去力了", 2, 6}, // 扌 folds to 手 (fold.go)
		{"水去车仑工力", 0, 6},
		{"氵去轮功", 0, 4},
		{"尸吊丝", 0, 2},
		{"枪支管理条例", -1, -1},
		{"婊子", -1, -1},
		{"他妈的", -1, -1},
		{"tamade", -1, -1},
		{"他马的", -1, -1},
		{"抢劫案", -1, -1},
		{"屌丝", -1, -1},
	} {
		wantSplit(t, s, tc.text, tc.start, tc.end)
	}
}
