package rules

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// wordIndex finds whether a short text holds one of a list of words (a
// context rule's Around or Unless words) in one pass over the text: the
// words are filed by their first character, and a bit set over the CJK
// block says which characters start one, so most characters of the text
// cost a bit test. strings.Contains for every word of a list of a hundred
// was most of what a context rule cost a hit (red13p, callgrind on
// BenchmarkEvaluateHit); an Aho-Corasick automaton would do the same for
// lists this short at more code. Words that do not start with a CJK
// character (http, QQ, APP) are few and searched for as before.
type wordIndex struct {
	han    [(cueHanEnd - cueHanBase + 63) / 64]uint64
	byHan  map[rune][]string
	others []string
}

func newWordIndex(words []string) *wordIndex {
	x := &wordIndex{byHan: map[rune][]string{}}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if i := uint32(r - cueHanBase); i < cueHanEnd-cueHanBase {
			x.han[i/64] |= 1 << (i % 64)
			x.byHan[r] = append(x.byHan[r], w)
		} else {
			x.others = append(x.others, w)
		}
	}
	return x
}

// in reports whether s holds one of x's words.
func (x *wordIndex) in(s string) bool {
	if x == nil {
		return false
	}
	for i, r := range s {
		if j := uint32(r - cueHanBase); j < cueHanEnd-cueHanBase && x.han[j/64]&(1<<(j%64)) != 0 {
			for _, w := range x.byHan[r] {
				if strings.HasPrefix(s[i:], w) {
					return true
				}
			}
		}
	}
	return containsAny(s, x.others)
}

// ruleWords are the indexes of each context rule's Around and Unless
// words, built once: the rules are fixed.
type ruleWords struct{ around, unless *wordIndex }

var contextWords = sync.OnceValue(func() []ruleWords {
	out := make([]ruleWords, len(contextRules))
	for i, r := range contextRules {
		if len(r.Around) > 0 {
			out[i].around = newWordIndex(r.Around)
		}
		if len(r.Unless) > 0 {
			out[i].unless = newWordIndex(r.Unless)
		}
	}
	return out
})
