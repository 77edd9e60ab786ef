package moderation

import "unicode/utf8"

// The structural rules' cheapest refusals, as quick (quick.go) checks them
// on the letter after a separator, a repeat or a change between Han and
// other letters: each mirrors a decision of crossSeparator, insertion or
// retroInsertion (structure.go), so that ordinary punctuation does not
// send every message down the full path.

// mayCross is crossSeparator's decision before it looks at the letters
// after the separator run: false when the run surely ends the word.
func mayCross(before, breaks, others int) bool {
	switch {
	case others > 1 || breaks > 0 && others > 0:
		return false
	case others == 1:
		return before == 1 // a separator after a single character
	}
	return true // line breaks: it depends on the line after them
}

// firstLetterCross is crossSeparator's other reading of one separator
// after a clause (你就是个傻！逼！): the letter before it is the first of a
// word that continues with code c, and the same separator follows the
// letter at text[:k]. The text is read first: the automaton's node only
// when that separator follows.
func (s *Scanner) firstLetterCross(sep int32, c uint16, text string, k int, sepR rune) bool {
	return sep != root && s.sepFollows(text, k, sepR) && s.moves(sep, c) && s.ac.nodes[sep].check == root
}

// sepFollows reports whether the separator sepR (as written) comes next
// in text[k:] once folded, noise and invisible runes aside
// (sepAfterLetter); unsure (a long run of noise, a rune that expands) it
// says yes. At the end of the text it says no: sepAfterLetter finds no
// separator there.
func (s *Scanner) sepFollows(text string, k int, sepR rune) bool {
	switch m, kind := s.nextAfterLetter(text, k); kind {
	case afterSep:
		return m == rune(s.norm.t.lookup(sepR)&runeMask)
	case afterUnsure:
		return true
	}
	return false
}

// noLetterFollows reports whether the letter that ends at text[:k] is the
// only one of its clause from there on: the text ends or a separator comes
// next, noise aside (crossSeparator's after == 1, lettersFwd); unsure it
// says yes. A single character before a separator (行。) crosses it only
// then: 行。这个需求排到下周吧 has a clause after it.
func (s *Scanner) noLetterFollows(text string, k int) bool {
	_, kind := s.nextAfterLetter(text, k)
	return kind != afterLetter
}

// What comes after a letter in the text, noise aside (nextAfterLetter).
const (
	afterEnd    = iota // the end of the text
	afterSep           // a separator
	afterLetter        // another letter
	afterUnsure        // a long run of noise, or a rune that expands
)

// nextAfterLetter reads text[k:] as the structural rules read the runes
// after a letter: noise and invisible runes are skipped, and the next
// rune is the end, a separator (its folded rune m) or a letter.
func (s *Scanner) nextAfterLetter(text string, k int) (m rune, kind int) {
	for n := 0; k < len(text); n++ {
		if n == 8 {
			return 0, afterUnsure
		}
		r, size := utf8.DecodeRuneInString(text[k:])
		k += size
		if r < 0x10000 {
			switch e := s.fast[r]; {
			case e == codeSkip:
				continue
			case e == codeSep:
				return rune(s.norm.t.lookup(r) & runeMask), afterSep
			case e != codeSpecial:
				return 0, afterLetter
			}
		}
		e := s.norm.t.lookup(r)
		switch Class(e >> classShft & classMask) {
		case classDrop:
			continue
		case classExpand:
			return 0, afterUnsure
		}
		m := rune(e & runeMask)
		switch s.code(m) {
		case codeSep:
			return m, afterSep
		case codeSkip:
			continue
		}
		return 0, afterLetter
	}
	return 0, afterEnd
}

func isLineBreak(r rune) bool { return r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 }

// retroMoves is retroInsertion's last test for one inserted letter: the
// word, from before the letter (the parent of state), goes on with c.
func (s *Scanner) retroMoves(state int32, c uint16) bool {
	p := s.ac.nodes[state].check
	return p != root && p >= 0 && s.moves(p, c)
}
