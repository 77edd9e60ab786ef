package moderation

import "unicode/utf8"

// This file reads a run of foreign fillers inside a Chinese word: two or
// more letters or numbers of another script typed between two Han
// characters of a listed word (赌αβ博, 冰ΔΔ毒, 赌ᵃᵇ球, 约ⓐⓑ炮, 卖ⅦⅧ淫,
// 裸⑵⑶照). One inserted rune of any kind is insertion's (structure.go);
// two or more are read as fillers only when every one of them is, as
// written, a character that ordinary Chinese text does not put between
// two characters of a word: Greek, Cyrillic, modifier and small-capital
// letters, enclosed and Roman numerals, superscripts. Kana and ASCII are
// never fillers: Japanese mixes kana into words (色んな情報, 日本語の文),
// and work chat writes Latin names and digits inside sentences
// (用iPhone打电话, 第3博物馆).
//
// The fillers fold to ASCII (α → a, ⓐ → a, ᵃ → a), so the test is made on
// the text as written, which origCursor (detect.go) reads by the runes' offsets.

// maxFillers bounds the original characters of a filler run.
const maxFillers = 4

// filler reports whether the original character at rune index n is a
// foreign filler.
func (c *origCursor) filler(n int32) bool { return isForeignFiller(c.at(n)) }

// isForeignFiller reports whether r, as written, is a letter or number of a
// script or symbol block that ordinary Chinese text does not put inside a
// word. The blocks are named rather than derived from Unicode categories:
// kana and Hangul are letters too, and full-width Latin (Ａ, what the
// IME types) is ordinary text.
func isForeignFiller(r rune) bool {
	switch {
	case r < 0x80:
		return false
	case r == 0xB2 || r == 0xB3 || r == 0xB9: // ² ³ ¹
		return true
	case r >= 0x250 && r <= 0x2FF: // IPA extensions ɑ ɒ, spacing modifier letters ʰ ʲ
		return true
	case r >= 0x370 && r <= 0x3FF: // Greek
		return r != 0x37E && r != 0x387 // the Greek question mark and ano teleia are punctuation
	case r >= 0x400 && r <= 0x58F: // Cyrillic, Cyrillic Supplement, Armenian
		return true
	case r >= 0x1D00 && r <= 0x1DBF: // phonetic extensions: small capitals ᴀ, modifier letters ᵃ
		return true
	case r >= 0x1F00 && r <= 0x1FFF: // Greek Extended
		return true
	case r >= 0x2070 && r <= 0x209F: // superscripts and subscripts ⁴ ₂
		return true
	case r >= 0x2100 && r <= 0x218F: // letterlike symbols ℂ, number forms Ⅶ ⅷ
		return true
	case r >= 0x2460 && r <= 0x24FF: // enclosed alphanumerics ① ⑵ ⒜ ⓐ
		return true
	case r >= 0x2776 && r <= 0x2793: // dingbat digits ❶ ➀
		return true
	case r >= 0x1D400 && r <= 0x1D7FF: // mathematical alphanumerics 𝐚 𝟙
		return true
	case r >= 0x1F100 && r <= 0x1F1E5: // enclosed alphanumeric supplement 🄰 🅰 (not the flags' regional indicators)
		return true
	}
	return false
}

// fillerRun returns the index of the Han character that follows a run of
// two to maxFillers foreign fillers starting at runes[i], noise between
// them allowed, or 0 when the runes from i are no such run.
func (s *Scanner) fillerRun(runes []rune, offs []int32, i int, oc *origCursor) int {
	n := 0
	for j := i; j < len(runes); {
		r := runes[j]
		if isHan(r) {
			if n >= 2 {
				return j
			}
			return 0
		}
		if n == maxFillers || s.code(r) == codeSep || !oc.filler(offs[j]) {
			return 0
		}
		n++
		for o := offs[j]; j < len(runes) && offs[j] == o; j++ {
		}
		j = s.nextLetter(runes, j)
	}
	return 0
}

// retroFiller handles a run of fillers the automaton has partly moved on
// because some word continues that way (代开ФФ发票: ф folds to f, and
// 代开f begins 代开fapiao): runes[i] ends the move inside the run, the
// letters since the last Han character are fillers as written, and the
// run, read on from there, ends before a Han character that continues the
// word from before it. It returns the state before the run and how many
// runes from i to skip (0: no such run), and marks the run.
func (s *Scanner) retroFiller(runes []rune, offs []int32, i int, state int32, oc *origCursor) (int32, int) {
	if !oc.filler(offs[i]) {
		return 0, 0
	}
	p, h := state, i-1
	for ; h >= 0; h-- {
		r := runes[h]
		if s.code(r) == codeSkip {
			if isMarker(r) {
				return 0, 0 // one evasion at a time
			}
			continue
		}
		if isHan(r) {
			break
		}
		if p == root || !oc.filler(offs[h]) {
			return 0, 0
		}
		p = s.ac.nodes[p].check
	}
	if h < 0 || p == root {
		return 0, 0
	}
	j := s.fillerRun(runes, offs, s.nextLetter(runes, h+1), oc)
	if j <= i {
		return 0, 0
	}
	if _, ok := s.step(p, s.code(runes[j])); !ok {
		return 0, 0
	}
	for k := h + 1; k < j; k++ {
		if s.code(runes[k]) != codeSkip {
			runes[k] = markSkip
		}
	}
	return p, j - i
}

// fillerFollows reports whether the first rune of text from byte k that is
// not noise is a foreign filler: with the one before it, a run that
// insertion or retroFiller may skip. quick asks it, out of line, at a
// filler after a Han character inside a word; it reads at most a few runes
// (the noise between two fillers is short, and a run that is not is
// reported as one, which only sends the text down the full path).
//
//go:noinline
func (s *Scanner) fillerFollows(text string, k int) bool {
	for n := 0; n < 8 && k < len(text); n++ {
		r, size := utf8.DecodeRuneInString(text[k:])
		k += size
		e := s.norm.t.lookup(r)
		switch Class(e >> classShft & classMask) {
		case classDrop:
			continue
		case classExpand: // Ⅶ, ⑵: a letter, whatever it folds to
			return isForeignFiller(r)
		}
		if s.code(rune(e&runeMask)) == codeSkip {
			continue
		}
		return isForeignFiller(r)
	}
	return k < len(text)
}
