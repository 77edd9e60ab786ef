package dlp

import (
	"math"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// letters is moderation's folding restricted to what fingerprints read
// (the letters: noise and separators dropped), as one table lookup per
// rune of the Basic Multilingual Plane. It is built once from
// moderation.Normalizer itself (whose folding is rune by rune, without
// context), so it is the same folding as normText.fold, which documents
// are fingerprinted with; TestLettersAreFold checks every rune. It exists
// because the check of a message must cost a few nanoseconds a character:
// Normalizer.Append writes every rune and its offset, and the letters are
// then picked out in a second pass; here one loop decodes and folds,
// writing only the letters (their offsets are found again for a hit only).
type letters struct {
	// bmp[r] is 0 when r folds to no letter, the letter r folds to, or,
	// with expandBit, the index in expand of a count and that many
	// letters.
	bmp [0x10000]uint32
	// threeIndex[threeSlot(w)] is bmp[r] for the rune r whose three-byte
	// sequence is the low three bytes of w, and expandBit (leave the fast
	// loop) for the values a three-byte sequence must not hold: overlong
	// ones (under U+0800) and surrogates (U+D800–U+DFFF), which the
	// general loop reads as utf8.RuneError. Indexed so, the fast loop
	// neither decodes a rune nor tests its range: see foldCommon.
	threeIndex [0x10000]uint32
	expand     []rune
	// wide has a bit for each (lead, second) byte pair, lead from 0xC0,
	// that begins a rune folding to more letters than it has bytes (㌖:
	// three bytes, キロメートル; ﷺ: fifteen letters): only a text holding
	// one can have more letters than bytes (mayOutgrow).
	wide [(0x100 - 0xC0) * 0x100 / 64]uint64
	norm *moderation.Normalizer
}

const expandBit = 1 << 31

// threeSlot returns the index in letters.threeIndex of the three-byte
// sequence in the low three bytes of w (little-endian: lead byte lowest),
// whatever the bytes above: the low 16 bits of w ^ w>>6. For a lead byte
// 1110aaaa and continuations 10bbbbbb, 10cccccc those bits are a
// bijection of the sequence's 16 free bits (TestThreeSlotIsBijective):
// each free bit of b is found alone in one of them (bits 4–9) and then
// unpicks the bits of a and c it is xored with. It costs a shift and an
// xor, where c<<12 ^ b<<6 ^ c' needs each byte loaded or shifted out
// first; two sequences in one 64-bit word share the shift and the xor
// (the second's slot is the same bits 24 higher).
func threeSlot(w uint64) uint32 { return uint32(w^w>>6) & 0xFFFF }

var (
	lettersOnce  sync.Once
	lettersTable *letters
)

// letterTable returns the process's letters table, built on first use
// (NewIndex builds it when documents are protected, so no message waits
// for it). The Normalizer folds the whole Basic Multilingual Plane in one
// call, its offsets saying which character each output came from.
func letterTable() *letters {
	lettersOnce.Do(func() {
		t := &letters{norm: moderation.NewNormalizer()}
		src := make([]rune, 0, 0x10000)
		for r := rune(0); r < 0x10000; r++ {
			if r < 0xD800 || r > 0xDFFF { // surrogates are never decoded: their bytes read as utf8.RuneError
				src = append(src, r)
			}
		}
		runes, offs, _ := t.norm.Append(string(src), nil, nil)
		var out []rune
		for j := 0; j < len(runes); {
			k := j
			out = out[:0]
			for ; k < len(runes) && offs[k] == offs[j]; k++ {
				if t.norm.ClassOf(runes[k]) == moderation.ClassLetter {
					out = append(out, runes[k])
				}
			}
			var e uint32
			switch len(out) {
			case 0:
			case 1:
				e = uint32(out[0])
			default:
				e = expandBit | uint32(len(t.expand))
				t.expand = append(t.expand, rune(len(out)))
				t.expand = append(t.expand, out...)
			}
			t.bmp[src[offs[j]]] = e
			j = k
		}
		for _, r := range src {
			n := 0
			switch e := t.bmp[r]; {
			case e&expandBit != 0:
				n = int(t.expand[e&^expandBit])
			case e != 0:
				n = 1
			}
			if n > utf8.RuneLen(r) {
				var b [4]byte
				utf8.EncodeRune(b[:], r)
				i := int(b[0]-0xC0)<<8 | int(b[1])
				t.wide[i/64] |= 1 << (i % 64)
			}
		}
		for i := range t.threeIndex {
			t.threeIndex[i] = expandBit
		}
		for r := rune(0x800); r < 0x10000; r++ {
			var b [3]byte
			utf8.EncodeRune(b[:], r) // surrogates encode as U+FFFD: set by U+FFFD itself
			if r < 0xD800 || r > 0xDFFF {
				t.threeIndex[threeSlot(uint64(b[0])|uint64(b[1])<<8|uint64(b[2])<<16)] = t.bmp[r]
			}
		}
		lettersTable = t
	})
	return lettersTable
}

// mayOutgrow reports whether text may fold to more letters than it has
// bytes: it holds a rune that does (wide) or an astral rune (folded through
// the Normalizer, not the table: taken as one that may). Every other rune
// folds to at most as many letters as it has bytes, invalid bytes to at
// most one each.
func (t *letters) mayOutgrow(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < 0xC0 {
			continue
		}
		if c >= 0xF0 {
			return true
		}
		if i+1 < len(text) {
			if j := int(c-0xC0)<<8 | int(text[i+1]); t.wide[j/64]&(1<<(j%64)) != 0 {
				return true
			}
		}
	}
	return false
}

// astral appends the letters an astral rune folds to (rare: emoji,
// mathematical alphanumerics, rare Han), through the Normalizer.
func (t *letters) astral(r rune, dst []rune) []rune {
	var buf [4]byte
	var tmp [8]rune
	var offs [8]int32
	runes, _, _ := t.norm.Append(string(buf[:utf8.EncodeRune(buf[:], r)]), tmp[:0], offs[:0])
	for _, l := range runes {
		if t.norm.ClassOf(l) == moderation.ClassLetter {
			dst = append(dst, l)
		}
	}
	return dst
}

// fold writes the letters of text to buf (grown as needed; its contents
// are not kept) and returns them, as normText.fold folds them: it decodes
// UTF-8 as moderation.Normalizer does (ASCII and three-byte sequences
// inline, anything else through utf8.DecodeRuneInString) and folds each
// rune through the table. A rune's letter is stored whatever it is and
// kept by a conditional move, so punctuation costs no mispredicted
// branch. It is one loop with the rare cases (astral runes, runes that fold
// to several letters) in branches of its own on purpose: called a letter at
// a time, the same steps cost three times as much.
func (t *letters) fold(text string, buf []rune) []rune {
	// A rune of one to three bytes gives at most one letter outside the
	// rare branch, which makes room again for the rest of text.
	if cap(buf) < len(text)+1 {
		buf = make([]rune, len(text)+len(text)/4+1)
	}
	buf = buf[:cap(buf)]
	n := 0
	var tmp [8]rune
	for k := 0; k < len(text); {
		// The common runes first, in a function of its own (foldCommon).
		// Anything else comes back for one rune of the general loop below.
		k, n = t.foldCommon(text, k, buf, n)
		if k >= len(text) {
			break
		}
		// The same inline decoding as moderation's normalize loop: as a
		// shared function it costs 191 against the inliner's budget of 80,
		// and a call a rune is what this loop exists to avoid.
		var r rune
		if c := text[k]; c < utf8.RuneSelf {
			r = rune(c)
			k++
		} else if c&0xF0 == 0xE0 && k+2 < len(text) && text[k+1]&0xC0 == 0x80 && text[k+2]&0xC0 == 0x80 {
			r = rune(c&0x0F)<<12 | rune(text[k+1]&0x3F)<<6 | rune(text[k+2]&0x3F)
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				r = utf8.RuneError
				k++
			} else {
				k += 3
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[k:])
			k += size
		}
		e := uint32(expandBit) // astral runes go the rare way
		if r < 0x10000 {
			e = t.bmp[r&0xFFFF]
		}
		if e&expandBit == 0 {
			buf[n] = rune(e)
			if e != 0 {
				n++
			}
			continue
		}
		var more []rune
		if r >= 0x10000 {
			more = t.astral(r, tmp[:0])
		} else {
			idx := e &^ expandBit
			more = t.expand[idx+1 : idx+1+uint32(t.expand[idx])]
		}
		buf = append(buf[:n], more...)
		n = len(buf)
		buf = slices.Grow(buf, len(text)-k+1)
		buf = buf[:cap(buf)]
	}
	return buf[:n]
}

// foldCommon folds the common runes of text from byte k on into buf from
// letter n on, and returns where it stopped in both: ASCII and valid
// three-byte sequences that fold to one letter or none, while eight bytes
// are left. It stops at anything else (other sequences, invalid bytes,
// runes that fold to several letters) and before the last seven bytes,
// which fold's general loop takes one rune at a time. buf has room for a
// letter a byte of text.
//
// It reads eight bytes at a time into one word (the compiler makes the
// eight byte loads one) and takes from it two three-byte sequences (a Han
// character and the next, or a Chinese punctuation mark) or else one, or
// an ASCII byte, each recognized by one mask and compare of the word; a
// sequence is folded through threeIndex at its threeSlot, so no rune is
// decoded and no range tested (dlp-measured.md, Issue 15, seventh round:
// 40 instructions a Han character before, about 20 now). A function of its
// own, without calls, so that only its own variables are live and they
// stay in registers (the sixth round).
//
//go:noinline
func (t *letters) foldCommon(text string, k int, buf []rune, n int) (int, int) {
	bmp, three := &t.bmp, &t.threeIndex // t's nil check once, not at every rune
	rest := text[k:]                    // advanced by constants: no check of the next eight bytes
	for len(rest) >= 8 {
		w := uint64(rest[0]) | uint64(rest[1])<<8 | uint64(rest[2])<<16 | uint64(rest[3])<<24 |
			uint64(rest[4])<<32 | uint64(rest[5])<<40 | uint64(rest[6])<<48 | uint64(rest[7])<<56
		if w&0xC0C0F0C0C0F0 == 0x8080E08080E0 { // two three-byte sequences
			y := w ^ w>>6 // threeSlot of both
			e0, e1 := three[uint16(y)], three[uint16(y>>24)]
			if (e0|e1)&expandBit != 0 {
				break
			}
			buf[n] = rune(e0)
			if e0 != 0 {
				n++
			}
			buf[n] = rune(e1)
			if e1 != 0 {
				n++
			}
			rest = rest[6:]
			continue
		}
		var e uint32
		if w&0xC0C0F0 == 0x8080E0 { // one
			if e = three[threeSlot(w)]; e&expandBit != 0 {
				break
			}
			rest = rest[3:]
		} else if w&0x80 == 0 { // ASCII
			if e = bmp[w&0x7F]; e&expandBit != 0 {
				break
			}
			rest = rest[1:]
		} else {
			break
		}
		buf[n] = rune(e)
		if e != 0 {
			n++
		}
	}
	return len(text) - len(rest), n
}

// runeOffsets replaces each letter index in idx (letters of text, as fold
// gives them) by the rune offset in text of the character it comes from,
// as normText.fold gives it. Only a hit needs them: one more pass, which
// decodes as fold does and looks at idx only when a rune reaches the
// nearest index not found yet, and stops when all are found.
func (t *letters) runeOffsets(text string, idx []int32) {
	const none = int32(math.MaxInt32)
	next := none // the smallest index not found yet; all are at least seen
	for _, l := range idx {
		next = min(next, l)
	}
	var tmp [8]rune
	seen, ri, done := int32(0), int32(0), 0 // letters before the rune, rune index
	for k := 0; k < len(text) && done < len(idx); ri++ {
		// fold's inline decoding gives what DecodeRuneInString gives; off
		// the hot path, the call is fine.
		r, size := utf8.DecodeRuneInString(text[k:])
		k += size
		e := uint32(expandBit)
		if r < 0x10000 {
			e = t.bmp[r&0xFFFF]
		}
		var cnt int32
		switch {
		case e == 0:
			continue
		case e&expandBit == 0:
			cnt = 1
		case r >= 0x10000:
			cnt = int32(len(t.astral(r, tmp[:0])))
		default:
			cnt = int32(t.expand[e&^expandBit])
		}
		if seen+cnt > next {
			next = none
			for i, l := range idx {
				switch {
				case l < 0: // found before
				case l < seen+cnt:
					idx[i] = -1 - ri // marked found (negative), decoded below
					done++
				default:
					next = min(next, l)
				}
			}
		}
		seen += cnt
	}
	for i, v := range idx {
		if v >= 0 {
			idx[i] = max(ri-1, 0) // beyond the letters (cannot happen): the last rune
			continue
		}
		idx[i] = -1 - v
	}
}
