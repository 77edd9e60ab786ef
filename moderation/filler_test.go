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
