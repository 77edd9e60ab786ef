package moderation

// The Han lane of quick (quick.go): runs of plain CJK characters, most of
// Chinese chat, stepped in a loop of their own.

// What hanLane stopped at, besides a rune it does not take.
const (
	laneOn   = iota // a rune of another kind, or the end of the text
	laneWord        // a word ends at the lane's last rune
	laneHom         // a homophone ends at the lane's last rune
)

// hanLane runs quick's loop over the plain CJK characters from byte k on,
// as long as the loop would only step the automata: a character of
// U+4E00–U+9FFF that folds to itself and is no noise or separator, not a
// repeat of the letter before, with nothing pending and the automaton at
// the root or the letter before Han (so that no structural rule of miss
// can apply: they need a state, and a repeat or a change between Han and
// other letters). It stops before any other rune, which quick's loop then
// reads, and at a word or homophone ending, as the loop does.
//
// It takes and returns quick's state in registers, not in a struct: a
// struct of a dozen fields goes through the stack both ways, and reading
// back what the callee had just stored field by field stalled quick on
// every return (a quarter of quick's time). What the lane could return
// besides is derived by the caller: every rune it takes is three bytes,
// so the number of runes is the bytes over three, and the last runes are
// read back from the text. p is the rune before the first, for
// mayFollowHouseNumber (-1: something was skipped before it); found
// returns the detector hints gathered (low byte) and the digits counted
// (the bits above). At a word ending, state and prev are those before the
// ending rune (the resume point); otherwise those after the last rune.
func (s *Scanner) hanLane(text string, k int, state, hstate int32, prev, p rune) (int, int32, int32, rune, uint32, int) {
	nodes, fail, fast := s.ac.nodes, s.ac.fail, s.fast
	var hnodes []acNode
	var hfail []int32
	if s.hom != nil {
		hnodes, hfail = s.hom.ac.nodes, s.hom.ac.fail
	}
	var found uint32
	for len(text)-k >= 3 {
		// text[k:], not text[k:k+3]: its length, tested by the loop,
		// proves the three reads in bounds, and the slice takes one
		// bounds check, not two (one branch a rune fewer).
		t := text[k:]
		r, ok := lane3(uint32(t[0])<<16 | uint32(t[1])<<8 | uint32(t[2]))
		if !ok || r == prev {
			break
		}
		e := fast[uint16(r)] // r < 0x10000: no bounds check
		if uint16(e) >= codeSpecial {
			// codeSpecial, codeSep and codeSkip: one test for the
			// letters, which most runes are.
			if e != codeSpecial {
				break
			}
			m, se, h, d, ok := s.special(r, text, k+3)
			if !ok || m != r || uint16(se) == codeSkip || uint16(se) == codeSep {
				break
			}
			if h&hintAddress != 0 && p >= 0 && !mayFollowHouseNumber(r, p) {
				h &^= hintAddress
			}
			e = se
			found |= uint32(h)
			found += uint32(d) << 8
		}
		c := uint16(e)
		k += 3
		p = r
		if hnodes != nil && (hstate != root || e&homFromRoot != 0) {
			if hstate = stepHom(hnodes, hfail, hstate, e); hnodes[hstate].base < 0 {
				return k, state, hstate, prev, found, laneHom
			}
		}
		if c == codeReset {
			state = root
			continue
		}
		from := state
		state = follow(nodes, fail, state, c)
		if nodes[state].base < 0 {
			return k, from, hstate, prev, found, laneWord
		}
		prev = r
	}
	return k, state, hstate, prev, found, laneOn
}

// lane3 decodes the three bytes at the start of w (the first in bits
// 16–23) as a CJK character of U+4E00–U+9FFF: one test that they are a
// three-byte sequence, the rune from them without branches, and its range
// (which leaves out the overlong and surrogate forms). ok is false for
// anything else, which quick's loop decodes instead.
func lane3(w uint32) (rune, bool) {
	if w&0xF0C0C0 != 0xE08080 {
		return 0, false
	}
	r := rune(w>>4&0xF000 | w>>2&0x0FC0 | w&0x3F)
	return r, uint32(r-0x4E00) <= 0x9FFF-0x4E00
}

// rune3 decodes a three-byte rune that hanLane has checked (quick reads
// the lane's last runes back with it).
func rune3(b0, b1, b2 byte) rune {
	return rune(b0&0x0F)<<12 | rune(b1&0x3F)<<6 | rune(b2&0x3F)
}
