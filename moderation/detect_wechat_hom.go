package moderation

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// Homophones of the one-character triggers taken after 加 (微, 薇, 威 read
// wei; 扣 reads kou): 加胃：hh6688a, 加维 wangli2021, 加寇：123456789. They
// come from the syllable table of homophone.go, so that every common
// character that reads like such a trigger is covered, not a curated few.
// Most of them are ordinary characters after 加 (增加为, 加为好友, 加味,
// 加位数, 加口罩), so they are held to more than the triggers themselves
// (homophoneRequest): an id must follow, with a colon before it or, for
// WeChat, written in letters with a digit; never 加 alone.

// triggerHomophones maps each such character to the trigger it stands
// for (a copy with homophone set and its own text).
var triggerHomophones = sync.OnceValue(func() map[rune]*weChatTrigger {
	triggers := weChatTriggers()
	first := map[rune]bool{}
	for _, t := range triggers {
		if len(t.text) == 1 {
			// Only a trigger of its own: 卫 of 卫星 and 蔻 of 蔻蔻 still
			// stand for 微 and 扣 alone (加卫：tt8899, red10).
			first[t.text[0]] = true
		}
	}
	sy := syllableTable()
	out := map[rune]*weChatTrigger{}
	for _, t := range triggers {
		if len(t.text) != 1 || !t.afterJia || t.shape || !isHan(t.text[0]) || t.text[0] < hanBase || t.text[0] > hanEnd {
			continue
		}
		reading := sy.exact[t.text[0]-hanBase]
		if reading == "" {
			continue
		}
		for r := rune(hanBase); r <= hanEnd; r++ {
			if first[r] || out[r] != nil || sy.exact[r-hanBase] != reading {
				continue
			}
			out[r] = &weChatTrigger{text: []rune{r}, disguised: true, qq: t.qq, afterJia: true, homophone: true}
		}
	}
	return out
})

// homTriggerSet is triggerHomophones as a bit set over hanBase–hanEnd, for
// quick's test after 加 (a map lookup costs more on the clean path).
type homTriggerSet [(hanEnd-hanBase)/64 + 1]uint64

var homTriggerBits = sync.OnceValue(func() *homTriggerSet {
	set := new(homTriggerSet)
	for r := range triggerHomophones() {
		set[(r-hanBase)>>6] |= 1 << ((r - hanBase) & 63)
	}
	return set
})

func (set *homTriggerSet) has(r rune) bool {
	i := uint32(r - hanBase)
	return i <= hanEnd-hanBase && set[i>>6]&(1<<(i&63)) != 0
}

// jiaWords are the characters that make a word with a 加 after them
// (增加, 追加, 添加, 参加 …): such a 加 asks nobody to add an id, and a
// homophone after it (预算增加为 20000 元) is no trigger.
const jiaWords = "增追添更参附施叠外再累新强倍"

// homophoneRequest reports whether the homophone trigger tr after the 加
// at i, ending at end, is followed by an id the way a solicitation gives
// one: after a colon (加胃：hh6688a, 加寇：123456789), or for WeChat in
// letters with a digit (加维 wangli2021; not 把他加为 manager 角色, nor
// 增加为 20000 元).
func homophoneRequest(runes []rune, i, end int, tr *weChatTrigger) bool {
	if i > 0 && strings.ContainsRune(jiaWords, runes[i-1]) {
		return false
	}
	k := skipSpaces(runes, end)
	if k < len(runes) && runes[k] == ':' {
		return true
	}
	return tr.qq || k < len(runes) && isLower(runes[k]) && hasIDWithDigit(runes, k)
}

// homophoneTriggerFollows is quick's test after a 加 (or + or ➕) that
// ends at text[:k]: whether a homophone of a trigger comes next, after an
// optional 我 and noise, so that the WeChat detector runs. Unsure (a long
// run of noise) it says yes.
func (s *Scanner) homophoneTriggerFollows(text string, k int) bool {
	wo := false
	for n := 0; k < len(text); n++ {
		if n == 8 {
			return true
		}
		r, size := utf8.DecodeRuneInString(text[k:])
		k += size
		e := s.norm.t.lookup(r)
		switch Class(e >> classShft & classMask) {
		case ClassNoise, classDrop:
			continue
		}
		m := rune(e & runeMask)
		if m == '我' && !wo {
			wo = true
			continue
		}
		return s.homTrig.has(m)
	}
	return false
}
