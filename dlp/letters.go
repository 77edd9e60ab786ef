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
	// three[r^threeXor] is bmp[r] for the runes encoded in three bytes
	// and expandBit (leave the fast loop) for the values a three-byte
	// sequence must not hold: overlong ones (under U+0800) and surrogates
	// (U+D800–U+DFFF), which the general loop reads as utf8.RuneError.
	// Indexed so, the fast loop neither decodes a rune nor tests its
	// range: see fold.
	three  [0x10000]uint32
	expand []rune
	// wide has a bit for each (lead, second) byte pair, lead from 0xC0,
	// that begins a rune folding to more letters than it has bytes (㌖:
	// three bytes, キロメートル; ﷺ: fifteen letters): only a text holding
	// one can have more letters than bytes (mayOutgrow).
	wide [(0x100 - 0xC0) * 0x100 / 64]uint64
	norm *moderation.Normalizer
}

const expandBit = 1 << 31

// threeXor: for a three-byte sequence c, b1, b2 (1110aaaa 10bbbbbb
// 10cccccc), the low 16 bits of c<<12 ^ b1<<6 ^ b2 are its rune
// aaaabbbbbbcccccc with the continuation bytes' leading 1s xored in, at
// bits 13 and 7: the rune xor threeXor.
const threeXor = 0x2080

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
		for i := range t.three {
			r := rune(i ^ threeXor)
			t.three[i] = t.bmp[r]
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				t.three[i] = expandBit
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
// three-byte sequences that fold to one letter or none, while three bytes
// are left. It stops at anything else (other sequences, invalid bytes,
// runes that fold to several letters), which fold's general loop takes
// one rune at a time. buf has room for a letter a byte of text.
//
// A function of its own, without calls, so that only its own variables
// are live and they stay in registers: as a loop inside fold, a
// continuation byte was written to the stack and read back at every Han
// character (dlp-measured.md, Issue 15, sixth round). A three-byte
// sequence is recognized by one mask of its three bytes (lead 1110xxxx,
// two continuations 10xxxxxx) and folded by the table three, indexed by
// its bytes (threeXor) without decoding it: 39 instructions a Han
// character under callgrind inside fold, against 57 with byte by byte
// tests and the rune's range test (the fourth round); about 36 here.
//
//go:noinline
func (t *letters) foldCommon(text string, k int, buf []rune, n int) (int, int) {
	bmp, three := &t.bmp, &t.three // t's nil check once, not at every rune
	for end := len(text) - 2; k < end; {
		c, size := uint32(text[k]), 1
		var e uint32
		if c < utf8.RuneSelf {
			e = bmp[c]
		} else {
			b1, b2 := uint32(text[k+1]), uint32(text[k+2])
			if c&0xF0 != 0xE0 || (b1^0x80)|(b2^0x80) >= 0x40 {
				break
			}
			e = three[(c<<12^b1<<6^b2)&0xFFFF]
			size = 3
		}
		if e&expandBit != 0 {
			break
		}
		buf[n] = rune(e)
		if e != 0 {
			n++
		}
		k += size
	}
	return k, n
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
