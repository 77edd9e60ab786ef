package dlp

// The implementations of fold and winnow as they were before issue 15's
// fourth round (f0bfb88), verbatim but for their names: the differential
// tests in diff15_test.go compare the current ones with them.

import (
	"slices"
	"unicode/utf8"
)

func (t *letters) foldBefore15(text string, buf []rune) []rune {
	// A rune of one to three bytes gives at most one letter outside the
	// rare branch, which makes room again for the rest of text.
	if cap(buf) < len(text)+1 {
		buf = make([]rune, len(text)+len(text)/4+1)
	}
	buf = buf[:cap(buf)]
	n := 0
	var tmp [8]rune
	for k := 0; k < len(text); {
		// The common runes first, in a loop of their own without calls, so
		// that its state stays in registers (with the rare cases in the
		// same loop, its variables were written to the stack at every
		// rune): ASCII and valid three-byte sequences that fold to one
		// letter or none. Anything else leaves it for one rune of the
		// general loop below.
		for k < len(text) {
			var r rune
			size := 1
			if c := text[k]; c < utf8.RuneSelf {
				r = rune(c)
			} else if c&0xF0 == 0xE0 && k+2 < len(text) && text[k+1]&0xC0 == 0x80 && text[k+2]&0xC0 == 0x80 {
				r = rune(c&0x0F)<<12 | rune(text[k+1]&0x3F)<<6 | rune(text[k+2]&0x3F)
				if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
					break
				}
				size = 3
			} else {
				break
			}
			e := t.bmp[r&0xFFFF]
			if e&expandBit != 0 {
				break
			}
			buf[n] = rune(e)
			if e != 0 {
				n++
			}
			k += size
		}
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

var kgramPowKBefore15 = func() uint64 {
	p := uint64(1)
	for range K {
		p *= kgramBase
	}
	return p
}()

func kgramsBefore15(sel selection, runes []rune, keys []uint64) []uint64 {
	n := len(runes) - K + 1
	if n <= 0 {
		return keys[:0]
	}
	if cap(keys) < n {
		keys = make([]uint64, n+n/4)
	}
	keys = keys[:n]
	var h uint64
	for _, r := range runes[:K] {
		h = h*kgramBase + uint64(r)
	}
	keys[0] = sel.mix(h)
	in, out := runes[K:], runes[:len(runes)-K]
	in = in[:len(out)]
	rest := keys[1:]
	rest = rest[:len(out)]
	for p := range rest {
		h = h*kgramBase + (uint64(in[p]) - uint64(out[p])*kgramPowKBefore15)
		rest[p] = sel.mix(h)
	}
	return keys
}
func winnowBefore15(sel selection, runes []rune, keys []uint64, dst []Fingerprint) ([]Fingerprint, []uint64) {
	n := len(runes) - K + 1
	if n <= 0 {
		return dst, keys
	}
	keys = kgramsBefore15(sel, runes, keys)
	// The first window (all the k-grams when there are fewer than W).
	first := keys[:min(W, n)]
	minPos, minV := 0, first[0]
	for q, v := range first {
		if v <= minV {
			minPos, minV = q, v
		}
	}
	dst = append(dst, Fingerprint{Hash: minV, Pos: uint32(minPos)})
	lastPos := minPos
	for p := W; p < n; p++ {
		if minPos+W <= p {
			// The minimum left the window: find the window's rightmost
			// minimum again (one k-gram in about W/2).
			win := keys[p+1-W : p+1]
			minPos, minV = p+1-W, win[0]
			for q, v := range win {
				if v <= minV {
					minPos, minV = p+1-W+q, v
				}
			}
		} else if v := keys[p]; v <= minV {
			minPos, minV = p, v
		}
		if minPos != lastPos {
			dst = append(dst, Fingerprint{Hash: minV, Pos: uint32(minPos)})
			lastPos = minPos
		}
	}
	return dst, keys
}
