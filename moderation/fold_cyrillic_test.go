package moderation_test

import (
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestScanCyrillicWords checks that the faux-Cyrillic letters (ф, ц, и, я,
// ш, м) are read as Latin only in a word that mixes the scripts: a word
// written wholly in Cyrillic is Russian (сим-карта is no cnm), while сим
// with a Latin c, or фuck, is the evasion (review rev13r).
func TestScanCyrillicWords(t *testing.T) {
	s, err := moderation.Compile([]moderation.Entry{
		{Word: "操你妈", Initials: true}, {Word: "操你妈逼", Initials: true}, {Word: "fuck"}, {Word: "porn"},
	}, moderation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want string // the finding's text, "" for none
	}{
		{"Мне нужна новая сим-карта для командировки.", ""},
		{"СИМ-КАРТА не работает", ""},
		{"Лимит 500 симв. на сообщение", ""},
		{"我的сим卡丢了", ""},
		{"Сим объявляю собрание открытым.", ""},
		{"фцск", ""},          // wholly Cyrillic: given up (fold.go inCyrillicWord)
		{"cим-карта", "cим"},  // Latin c
		{"сиm 你", "сиm"},      // Latin m
		{"фuck you", "фuck"},  // Latin uck
		{"ФUCK，又崩了", "ФUCK"},  // Latin UCK
		{"free poяn", "poяn"}, // Latin p, o, n
		{"这需求 фцck", "фцck"},  // Latin ck
	} {
		got := s.Scan(tc.text, nil)
		rs := []rune(tc.text)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("Scan(%q) = %q (%v), want nothing", tc.text, string(rs[got[0].Start:got[0].End]), got)
		case tc.want != "" && len(got) != 1:
			t.Errorf("Scan(%q) = %v, want one finding %q", tc.text, got, tc.want)
		case tc.want != "" && string(rs[got[0].Start:got[0].End]) != tc.want:
			t.Errorf("Scan(%q) found %q, want %q", tc.text, string(rs[got[0].Start:got[0].End]), tc.want)
		}
	}
}
