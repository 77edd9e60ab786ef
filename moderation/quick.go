package moderation

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is the clean path of Scan. Most messages hold no finding at
// all; for them, folding the whole text into runes and offsets, then running
// the keyword automaton and the homophone automaton over it one after the
// other (three loops, two buffers), costs more than the answer is worth.
// quick reads the raw text once, looks every rune up in one per-scanner
// table (its letter code when the rune folds to itself, as most Chinese
// does) and steps both automata side by side. It never reports anything: the
// moment anything could lead to a finding — a state with outputs, a rune
// that needs the full folding, a place where a structural rule of
// structure.go would look closer — it gives up and Scan takes the full path,
// which decides everything as before (when quick stopped at a word ending,
// the keyword matcher starts there, in quick's state: up to that rune the
// two did the same). So quick changes no result; it only proves a message
// clean of keywords faster.

// Prepared is what Prepare learnt of a text: whether Scan would find
// nothing in it, and which passes its full path needs otherwise.
type Prepared struct {
	quick  int
	resume resume
}

// Clean reports that Scan finds nothing in the text.
func (p Prepared) Clean() bool { return p.quick == quickClean }

// Prepare runs Scan's clean-path check on text, so that a caller can skip
// its own work (taking buffers) on a clean text; ScanPrepared continues
// from it. It does not allocate.
func (s *Scanner) Prepare(text string) Prepared {
	q, res := s.quick(text)
	return Prepared{quick: q, resume: res}
}

// ScanPrepared is Scan of a text that Prepare has seen, with its result.
func (s *Scanner) ScanPrepared(text string, p Prepared, dst []Finding) []Finding {
	switch p.quick {
	case quickClean:
		return dst
	case quickDetect:
		return s.scan(text, dst, false, resume{at: -1}) // quick proved that no keyword, homophone or allow phrase matches
	}
	return s.scan(text, dst, true, p.resume)
}

// codeSpecial marks, in Scanner.fast, a rune that quick looks up out of
// line (special): it carries detector hints, folds to another rune, or
// expands to several. Letter codes stop below it (build refuses alphabets of
// codeSep-1 letters or more): codeSpecial, codeSep and codeSkip are the
// three codes from codeSpecial up, which hanLane tells from the letters in
// one test.
const codeSpecial = codeSep - 1

// Results of quick.
const (
	quickSlow   = iota // take the full path
	quickClean         // no finding at all
	quickDetect        // no keyword finding; the detectors must still run
)

// buildFast fills s.fast from the folding tables, s.alpha and the
// homophone codes: for each BMP rune that needs no folding other than
// dropping, its letter code (or codeReset, codeSkip, codeSep) in the low
// half and its homophone code in the high half, so that both automata take
// their codes from one cache line; codeSpecial for the other runes.
func (s *Scanner) buildFast() {
	t := s.norm.t
	s.fast = new([0x10000]uint32)
	for r := range s.fast {
		e := t.bmp[r]
		m := rune(e & runeMask)
		switch Class(e >> classShft & classMask) {
		case classDrop:
			// Removed by the folding: the automata never see it, and a
			// skipped rune leaves them where they were too.
			s.fast[r] = codeSkip
			continue
		case classExpand:
			s.fast[r] = codeSpecial
			continue
		}
		switch {
		case uint8(e>>hintShift) != 0 || m >= 0x10000 || isForeignFiller(rune(r)):
			// Fillers too (filler.go): quick tests them out of line.
			s.fast[r] = codeSpecial
		case isLineBreak(m) && m != rune(r):
			s.fast[r] = codeSpecial // crossSeparator tells line breaks by the folded rune
		case (s.alpha[m] == codeSkip || s.alpha[m] == codeSep) && !isHan(m):
			s.fast[r] = uint32(s.alpha[m]) // noise and separators, whatever they fold to
		case m != rune(r):
			s.fast[r] = codeSpecial // the automata must see the folded rune
		default:
			s.fast[r] = uint32(s.alpha[m]) | s.homBits(m)
		}
	}
}

// homFromRoot marks, in a fast entry, a letter whose homophone code
// moves the homophone automaton from its root: in the root (most of the
// time) a letter without it leaves the automaton there, and quick skips
// the step, whose outcome the branch predictor cannot guess.
const homFromRoot = 1 << 31

// homBits is the high half of a letter's fast entry: its homophone code,
// and homFromRoot when some homophone starts with it.
func (s *Scanner) homBits(m rune) uint32 {
	hc := s.homCode(m)
	if hc == codeReset {
		return 0
	}
	b := uint32(hc) << 16 // hc < 1<<15: one code per syllable, a few hundred
	nodes := s.hom.ac.nodes
	if t := nodes[root].base&baseMask + int32(hc); uint(t) < uint(len(nodes)) && nodes[t].check == root {
		b |= homFromRoot
	}
	return b
}

// homCode is the homophone code of a letter (0 without homophones).
func (s *Scanner) homCode(m rune) uint16 {
	if s.hom != nil && uint32(m-hanBase) <= hanEnd-hanBase {
		return s.hom.han[m-hanBase]
	}
	return codeReset
}

// special is the out-of-line lookup of a rune marked codeSpecial or above
// the BMP: the folded rune, its code, its hints and whether it counts as a
// digit. ok is false when the rune expands to several (quick gives up).
// text[k:] is what follows the rune.
//
//go:noinline
func (s *Scanner) special(r rune, text string, k int) (m rune, c uint32, hints uint8, digit int, ok bool) {
	e := s.norm.t.lookup(r)
	m = rune(e & runeMask)
	hints = uint8(e >> hintShift)
	switch Class(e >> classShft & classMask) {
	case classDrop:
		return r, codeSkip, 0, 0, true
	case classExpand:
		return r, 0, 0, 0, false
	}
	if isJia(m) {
		// 加, + and ➕ wake the WeChat detector only before a trigger,
		// whose first character carries the hint itself
		// (TestTriggersCarryTheirHint): alone (加班, 参加) they need no
		// detector. A homophone of a trigger (加胃) carries none: 加
		// keeps the hint before one (detect_wechat_hom.go).
		if !s.homophoneTriggerFollows(text, k) {
			hints &^= hintTrigger
		}
	}
	return m, uint32(s.code(m)) | s.homBits(m), hints, int(hints & hintDigit), true
}

func isJia(r rune) bool { return r == '加' || r == '+' || r == '➕' }

// mayFollowHouseNumber is afterHouseNumber's test (detect_address.go) of
// the unit character u after the rune p (0: none): false when u cannot end
// a house number there, and the address detector has nothing to start
// from (会议室, 楼下, 几号, 小组). quick asks it only when nothing was
// skipped between them (an invisible rune disappears from the runes the
// detector reads).
func mayFollowHouseNumber(u, p rune) bool {
	switch {
	case p == 0:
		return false
	case u == '元':
		return p == '单'
	case u == '楼' && p == '号':
		return false
	}
	return addressNumeral(p) || isLower(p) && (u == '座' || u == '栋' || u == '幢')
}

// quick reads text as Scan's clean path (see the top of the file). It
// mirrors the decisions matchWords and matchHomophones take on their
// ordinary paths, and returns quickSlow wherever they would do anything
// else: report a word, or ask a structural rule (crossSeparator,
// insertion, the repeat and retro-insertion checks of miss) that might
// rewrite the runes. The structural rules' cheapest refusals are checked
// here, on the next letter, so ordinary punctuation does not send every
// message down the full path. One rewrite it follows itself: a repeated
// ASCII letter miss skips (e@e in someone@example.com, @ being noise),
// until the clause ends or anything looks back at it (rw).
func (s *Scanner) quick(text string) (int, resume) {
	nodes, fail, fast := s.ac.nodes, s.ac.fail, s.fast
	var hnodes []acNode
	var hfail []int32
	if s.hom != nil {
		hnodes, hfail = s.hom.ac.nodes, s.hom.ac.fail
	}
	state, hstate := int32(root), int32(root)
	// States waiting for the next letter: crossSeparator asked at a
	// separator (sep), insertion asked at a rune no word holds (ins), and
	// continues asked after a failed transition (cont). Each gives up only
	// if that letter lets its rule look on: it continues the state (sep,
	// ins), or it does not (cont) — or, for cont, it also continues the
	// word before the repeat (contFrom), and miss looks further
	// (repeatInside).
	sep, ins, cont, contFrom := int32(-1), int32(-1), int32(-1), int32(-1)
	// insertion asked after a failed transition from a Han character to
	// another letter: it looks on unless continues does (from insNext;
	// continues never moves from the root).
	insNext, insFrom := int32(-1), int32(-1)
	// rw: miss has skipped a repeated ASCII letter in this clause (the
	// full path overwrote it with markSkip, someone@example.com). Up to the
	// next separator, where the runes it changed could matter (a
	// structural rule looks back over them, a word ends and its span is
	// walked back), quick gives up, and it gives no resume.
	rw := false
	// The last three runes that were not noise, the current one included
	// (retroInsertion looks back two).
	var last, b1, b2 rune
	skipped := false // noise or an invisible rune right before r
	// What crossSeparator counts: the letters since the last separator,
	// and, for the pending separator run, the letters before it and its
	// line breaks and other separators.
	letters, before, breaks, others := 0, 0, 0, 0
	var sepR rune // the last separator that is no line break, as written
	var prev rune
	var hints uint8
	digits := 0
	alnums := 0 // runs of ASCII letters and digits, folded
	inAlnum := false
	ri := int32(-1) // the rune index of r in text
	for k := 0; k < len(text); {
		if text[k]-0xE4 <= 0xE9-0xE4 && sep < 0 && ins < 0 && cont < 0 && insNext < 0 && (state == root || isHan(prev)) {
			// The Han lane: a run of plain CJK characters after a Han
			// letter, which is most of Chinese chat, in a loop of its own
			// with the few variables it changes (the loop below keeps two
			// dozen live, and spends more on moving them to and from the
			// stack than on the automata). It is entered only where the
			// next byte can lead a character of U+4E00–U+9FFF (E4–E9):
			// a call that takes nothing still moves them all.
			p := last // the rune mayFollowHouseNumber looks at before the lane's first
			if skipped {
				p = -1
			}
			k0 := k
			var found uint32
			var stop int
			k, state, hstate, prev, found, stop = s.hanLane(text, k, state, hstate, prev, p)
			if n := int32(k-k0) / 3; n > 0 {
				if stop == laneWord {
					if rw {
						return quickSlow, resume{at: -1}
					}
					return quickSlow, resume{at: ri + n, state: state, prev: prev, hstate: hstate}
				}
				ri += n
				letters += int(n)
				skipped, inAlnum = false, false
				hints |= uint8(found)
				digits += int(found >> 8)
				// The last three runes, each three bytes, read back from
				// one slice of the text (one bounds check, not one a byte),
				// here rather than in a function: a call spills every
				// value quick keeps live (1.8 % of quick's instructions).
				switch {
				case n >= 3:
					t := text[k-9 : k]
					last, b1, b2 = rune3(t[6], t[7], t[8]), rune3(t[3], t[4], t[5]), rune3(t[0], t[1], t[2])
				case n == 2:
					t := text[k-6 : k]
					last, b1, b2 = rune3(t[3], t[4], t[5]), rune3(t[0], t[1], t[2]), last
				default:
					t := text[k-3 : k]
					last, b1, b2 = rune3(t[0], t[1], t[2]), last, b1
				}
			}
			if stop == laneHom {
				return quickSlow, resume{at: -1}
			}
			if k >= len(text) {
				break
			}
		}
		ri++
		// The decoding of appendCount (normalize.go).
		var r rune
		if b := text[k]; b < 0x80 {
			r = rune(b)
			k++
		} else if b&0xF0 == 0xE0 && k+2 < len(text) && text[k+1]&0xC0 == 0x80 && text[k+2]&0xC0 == 0x80 {
			r = rune(b&0x0F)<<12 | rune(text[k+1]&0x3F)<<6 | rune(text[k+2]&0x3F)
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				r = 0xFFFD
				k++
			} else {
				k += 3
			}
		} else {
			r, k = decodeAt(text, k)
		}
		e := uint32(codeSpecial)
		if r < 0x10000 {
			e = fast[r]
		}
		if e == codeSpecial {
			if state != root && isForeignFiller(r) && isHan(last) && s.fillerFollows(text, k) {
				// A run of foreign fillers right after a Han character
				// inside a word (filler.go; buildFast marks every filler
				// special): the full path may skip it, by insertion from
				// this state or by retroFiller from one the failure links
				// reach inside the run (赌赌ᵇβ博: 赌赌 fails on b, and 赌b
				// begins a pinyin spelling), whatever follows the run.
				return quickSlow, resume{at: -1}
			}
			var h uint8
			var d int
			var ok bool
			if r, e, h, d, ok = s.special(r, text, k); !ok {
				return quickSlow, resume{at: -1}
			}
			if h&hintAddress != 0 && !skipped && !mayFollowHouseNumber(r, last) {
				h &^= hintAddress
			}
			if inAlnum && isLower(r) {
				// Neither the WeChat detector's latin triggers (v, q, wx)
				// nor www. and " dot " start inside a latin word
				// (review, now, overview).
				h &^= hintTrigger | hintDot
			}
			hints |= h
			digits += d
		}
		// Runs of ASCII letters and digits, noise letters included (the
		// detectors read them); a dropped rune may split a run in two,
		// which only counts more.
		al := r < 0x80 && isASCIIAlnum(r)
		if al && !inAlnum {
			alnums++
		}
		inAlnum = al
		c := uint16(e)
		if c == codeSkip {
			skipped = true
			continue
		}
		b2, b1, last, skipped = b1, last, r, false
		if hnodes != nil && (hstate != root || e&homFromRoot != 0) {
			if hstate = stepHom(hnodes, hfail, hstate, e); hnodes[hstate].base < 0 {
				return quickSlow, resume{at: -1} // a homophone ends here
			}
		}
		if c == codeSep {
			if b1 < 0x80 && isASCIIAlnum(b1) && rune(s.norm.t.lookup(r)&runeMask) == '。' {
				// bet365。com (stopAfterLabel), and what folds to 。
				// (｡, ︒): a separator keeps its rune as written here.
				hints |= hintDot
			}
			if state != root && sep < 0 {
				if rw {
					return quickSlow, resume{at: -1}
				}
				sep, before, breaks, others = state, letters, 0, 0
			}
			rw = false
			if isLineBreak(r) {
				breaks++
			} else {
				others++
				sepR = r
			}
			state, ins, insNext, letters = root, -1, -1, 0
			if cont >= 0 {
				return quickSlow, resume{at: -1} // continues found no next letter
			}
			continue
		}
		if cont >= 0 && prev < 0x80 && !rw && !s.moves(cont, c) {
			// continues is false on an ASCII repeat, and retroInsertion
			// needs a Han character: miss skipped the repeat and stayed in
			// the state before it (someone@example.com).
			state, cont, rw = contFrom, -1, true
		}
		if sep >= 0 || ins >= 0 || cont >= 0 || insNext >= 0 {
			if sep >= 0 && (mayCross(before, breaks, others) && (others == 0 || s.noLetterFollows(text, k)) && s.moves(sep, c) ||
				others == 1 && before != 1 && breaks == 0 && s.firstLetterCross(sep, c, text, k, sepR)) ||
				ins >= 0 && isHan(r) && s.moves(ins, c) || cont >= 0 && (!s.moves(cont, c) || s.moves(contFrom, c)) ||
				insNext >= 0 && (insNext == root || !s.moves(insNext, c)) && isHan(r) && s.moves(insFrom, c) {
				return quickSlow, resume{at: -1}
			}
			sep, ins, cont, insNext = -1, -1, -1, -1
		}
		letters++
		if c == codeReset {
			if r < 0x3400 && state != root && isHan(prev) && insertable(r) {
				if rw {
					return quickSlow, resume{at: -1}
				}
				ins = state
			}
			state = root
			continue
		}
		from, pv := state, prev
		t := nodes[state].base&baseMask + int32(c)
		if uint(t) < uint(len(nodes)) && nodes[t].check == state {
			state = t
		} else {
			// miss: fall back along the failure links.
			next := follow(nodes, fail, state, c)
			if state != root && (r == prev || isHan(r) != isHan(prev)) {
				// miss's structural checks run unless continues; which
				// of them can apply depends on the change.
				switch {
				case r == prev:
					// A repeat, unless of a character ordinary Chinese
					// doubles (retroInsertion and insertion need a change
					// between Han and other letters).
					if isOrdinaryDouble(r) {
						if nodes[state].check != root && !strings.ContainsRune(kinshipDoubles, r) {
							// Inside a word: miss may read it as a repeat
							// when the word goes on (doubleInside).
							return quickSlow, resume{at: -1}
						}
					} else {
						switch {
						case rw:
							return quickSlow, resume{at: -1}
						case next != root:
							cont, contFrom = next, state
						case r >= 0x80:
							return quickSlow, resume{at: -1} // continues is false
						default:
							// continues is false and retroInsertion needs
							// a Han character: miss skips the repeat and
							// stays in state.
							next, rw = state, true
						}
					}
				case isHan(r):
					// Other letters, then Han: only retroInsertion applies,
					// when a Han character precedes them and the word goes
					// on from before them.
					if rw || b1 != prev || isHan(b2) && s.retroMoves(state, c) {
						return quickSlow, resume{at: -1}
					}
				default:
					// Han, then another letter: only insertion applies.
					if insertable(r) {
						if rw {
							return quickSlow, resume{at: -1}
						}
						insNext, insFrom = next, state
					}
				}
			}
			state = next
		}
		prev = r
		if nodes[state].base < 0 {
			// A word ends here: everything before went the ordinary way,
			// so matchWords may start at this rune (see resume).
			res := resume{at: ri, state: from, prev: pv, hstate: hstate}
			if rw {
				res.at = -1
			}
			if !isHan(r) {
				res.hstate = -1
			}
			return quickSlow, res
		}
	}
	if cont >= 0 {
		return quickSlow, resume{at: -1}
	}
	if hints&hintMarkup != 0 {
		return quickSlow, resume{at: -1} // markup is rewritten before matching
	}
	if digits < minNumberDigits {
		hints &^= hintDigit
	}
	if alnums < 2 {
		// Every e-mail address and URL the detectors report has two runs
		// of ASCII letters or digits at least (a local part and a
		// top-level domain, two labels, an IP host), which starts with
		// one: with fewer, 点 and . (晚点, 十点开会, 有点问题 ok) and 艾 wake
		// them for nothing.
		hints &^= hintAt | hintDot
	}
	if hints&hintAddress != 0 && !s.mayNamePlace(text) {
		hints &^= hintAddress
	}
	if s.detectors != 0 && hints != 0 {
		return quickDetect, resume{at: -1}
	}
	return quickClean, resume{at: -1}
}

// mayNamePlace reports whether text, folded, holds a character that can
// begin a place name's suffix (suffixStart: 路, 区, 小区, 大厦 …). Every
// address the detector reports starts with a named component, which ends
// in such a suffix: without one, 二楼会议室 or 3号楼 are no address. It
// runs only when a unit character after a number woke the detector.
func (s *Scanner) mayNamePlace(text string) bool {
	for _, r := range text {
		if suffixStart(rune(s.norm.t.lookup(r) & runeMask)) {
			return true
		}
	}
	return false
}

// stepHom is matchHomophones' step on the homophone code in the high half
// of a fast entry e: Han runes move by their syllable, other letters and
// separators reset to the root (which reports nothing: no word is empty).
func stepHom(nodes []acNode, fail []int32, state int32, e uint32) int32 {
	if hc := uint16(e>>16) &^ (homFromRoot >> 16); hc != codeReset {
		return follow(nodes, fail, state, hc)
	}
	return root
}

// resume is where matchWords may start on a text quick gave up on: at the
// rune of text at rune index at (at < 0: from the start), in state, with
// prev the last letter it moved on. quick gives it when it stops at a word
// ending, the first place where the full path does anything but what quick
// did; markup voids it (scan rewrites the runes first).
//
// The homophone matcher may start right after that rune, in hstate, when
// the rune is Han (else hstate is -1): the keyword matcher rewrites runes
// behind the one it reads only in retroInsertion, and only the non-Han
// letters right after a Han character, so nothing up to a Han rune
// changes.
//
// Four fields at most, so that the compiler keeps a resume, and a
// Prepared, in registers: a larger struct lives in memory, and the clean
// path of rules.Engine.Evaluate stalled on copying it (written by fields,
// read back 16 bytes at a time), about a tenth of its time.
type resume struct {
	at     int32
	state  int32
	prev   rune
	hstate int32
}

// moves reports whether state has a transition on the letter code c.
func (s *Scanner) moves(state int32, c uint16) bool {
	_, ok := s.step(state, c)
	return ok
}

// insertable is the test insertion (structure.go) makes of the rune it
// would skip, apart from the next letter.
func insertable(r rune) bool {
	return !isHan(r) && (unicode.IsLetter(r) || unicode.IsDigit(r) || isKana(r))
}

// decodeAt decodes the rune at byte k of text as range does, and returns
// the byte after it.
func decodeAt(text string, k int) (rune, int) {
	r, size := utf8.DecodeRuneInString(text[k:])
	return r, k + size
}
