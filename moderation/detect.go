package moderation

import (
	"unicode"
	"unicode/utf8"
)

// The detectors run over the normalized stream (noise kept, so that "@", "."
// and "/" are visible) and report original rune offsets. Each one only runs
// when the message holds a rune carrying its hint, so the clean path (no
// digit, no @, no trigger character) runs none.
//
// Every detector finding carries a Form (FormDetector for the plain pattern,
// FormObfuscated for a spelling written to evade it) and a Confidence:
//
//	90–99  the pattern and its context agree (卡号 before a Luhn number)
//	70–89  the pattern alone
//	50–69  the pattern is weak on its own (a bank card without card words)
//	< 50   the context says it is probably something else (an office address
//	       in a meeting notice): a default policy should not act on it

// Confidence levels shared by the detectors.
const (
	confSure           = 95 // the pattern with a confirming context word
	confPlain          = 85 // the pattern alone
	confEvasive        = 80 // an obfuscated spelling of the pattern
	confWeak           = 60 // a pattern that is often something else
	confNumberDoubtful = 30 // the context says it is probably something else
)

// detectScratch holds the detectors' per-call buffers (part of the pooled
// scratch, so detectors do not allocate in steady state).
type detectScratch struct {
	pos    []int32 // normalized index of each digit of a run
	vals   []int8  // the digit values (10 stands for a final X)
	styles []digitStyle
	groups []numGroup
	host   []byte
}

func (s *Scanner) detect(text string, runes []rune, offs []int32, hints uint8, dst []Finding, sc *scratch) []Finding {
	d := s.detectors
	first := len(dst)
	if hints&hintDigit != 0 && (d.Has(KindPhone) || d.Has(KindIDCard) || d.Has(KindBankCard)) {
		dst = s.detectNumbers(text, runes, offs, dst, &sc.det)
	}
	if d.Has(KindEmail) && (hints&hintAt != 0 || hints&hintDot != 0 && (hasSpelledAt(runes) || hasZaiAt(runes))) {
		dst = s.detectEmails(runes, offs, dst, &sc.det)
	}
	if hints&hintDot != 0 && d.Has(KindURL) {
		dst = s.detectURLs(runes, offs, dst, first, &sc.det)
	}
	if hints&hintTrigger != 0 && d.Has(KindWeChatID) {
		dst = s.detectWeChat(runes, offs, dst)
	}
	if hints&hintAddress != 0 && d.Has(KindAddress) {
		dst = s.detectAddresses(runes, offs, dst)
	}
	return dst
}

func (s *Scanner) isNoise(r rune) bool { return s.code(r) == codeSkip }

// origCursor reads the original rune at a rune offset of the text. The
// normalized stream loses how a digit was written (① and 1 both fold to
// "1"), which the number detector needs to tell a list marker from a digit;
// offsets are read in increasing order, so a forward cursor is linear.
type origCursor struct {
	text string
	byt  int   // byte offset of rune idx
	idx  int32 // rune offset
}

// at returns the rune at rune offset i of the text. Steps back are short
// (a code prefix before a run), so they walk back rune by rune.
func (c *origCursor) at(i int32) rune {
	for c.idx > i && c.byt > 0 {
		_, size := utf8.DecodeLastRuneInString(c.text[:c.byt])
		c.byt -= size
		c.idx--
	}
	for c.idx < i && c.byt < len(c.text) {
		_, size := utf8.DecodeRuneInString(c.text[c.byt:])
		c.byt += size
		c.idx++
	}
	if c.byt >= len(c.text) {
		return utf8.RuneError
	}
	r, _ := utf8.DecodeRuneInString(c.text[c.byt:])
	return r
}

// hasWordNear reports whether one of words (normalized: lower case,
// simplified) lies within before runes before from or after runes after to.
// Sentence separators bound the search.
func hasWordNear(runes []rune, from, to, before, after int, words []string) bool {
	lo := from
	for lo > 0 && from-lo < before && !isSeparator(runes[lo-1]) {
		lo--
	}
	hi := to
	for hi < len(runes) && hi-to < after && !isSeparator(runes[hi]) {
		hi++
	}
	for _, w := range words {
		if containsRunes(runes[lo:from], w) || containsRunes(runes[to:hi], w) {
			return true
		}
	}
	return false
}

// containsRunes reports whether rs contains the string w; a latin w only
// as a whole word ("ref" is not in "preference"). It runs for every context
// word on both sides of every number and solicitation found, so w is
// decoded no further than its first rune until that rune is found.
func containsRunes(rs []rune, w string) bool {
	if w == "" {
		return true
	}
	latin := w[0] < utf8.RuneSelf
	first, size := utf8.DecodeRuneInString(w)
	for i, r := range rs {
		// The first rune before the call: most places do not start the
		// word, and hasPrefixRunes would decode w to tell.
		if r != first || !hasPrefixRunes(rs[i+1:], w[size:]) {
			continue
		}
		if latin {
			n := utf8.RuneCountInString(w)
			if i > 0 && isASCIIAlnum(rs[i-1]) || i+n < len(rs) && isASCIIAlnum(rs[i+n]) {
				continue
			}
		}
		return true
	}
	return false
}

// findingSpan returns the original rune range of the detector finding
// runes[a..b] (inclusive). In text displayed reversed under a bidi
// override the stored order differs from the order read, and the hull of
// the offsets may end on a separator that sits inside the finding as read
// (a space between digit groups): there the hull is taken over the
// finding's letters and digits, so it starts and ends on what was found.
func findingSpan(runes []rune, offs []int32, a, b int) (int, int) {
	lo, hi := span(offs, a, b)
	if int(offs[b])+1 == hi && int(offs[a]) == lo {
		return lo, hi // in stored order at its edges (the usual case)
	}
	flo, fhi := int32(-1), int32(-1)
	for k := a; k <= b; k++ {
		if r := runes[k]; !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue // a separator, "+", "@", "."
		}
		if flo < 0 || offs[k] < flo {
			flo = offs[k]
		}
		fhi = max(fhi, offs[k])
	}
	if flo < 0 {
		return lo, hi
	}
	return int(flo), int(fhi) + 1
}
