package dlp

// The implementations of fold, winnow and the fingerprints' SipHash as
// they were before issue 15's seventh round (main at 0079c28, the sixth
// round's code), verbatim but for their names and for the table three,
// built here (the code no longer keeps it): the differential tests in
// diff7_test.go compare the current ones with them.

import (
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"
)

// threeXor: for a three-byte sequence c, b1, b2 (1110aaaa 10bbbbbb
// 10cccccc), the low 16 bits of c<<12 ^ b1<<6 ^ b2 are its rune
// aaaabbbbbbcccccc with the continuation bytes' leading 1s xored in, at
// bits 13 and 7: the rune xor threeXor.
const threeXor = 0x2080

var (
	threeOnce  sync.Once
	threeTable *[0x10000]uint32
)

// threeRound6 is the sixth round's table three: three[r^threeXor] is
// bmp[r] for the runes encoded in three bytes and expandBit for overlong
// values and surrogates.
func (t *letters) threeRound6() *[0x10000]uint32 {
	threeOnce.Do(func() {
		three := new([0x10000]uint32)
		for i := range three {
			r := rune(i ^ threeXor)
			three[i] = t.bmp[r]
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				three[i] = expandBit
			}
		}
		threeTable = three
	})
	return threeTable
}

func (t *letters) foldRound6(text string, buf []rune) []rune {
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
		k, n = t.foldCommonRound6(text, k, buf, n)
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

func (t *letters) foldCommonRound6(text string, k int, buf []rune, n int) (int, int) {
	bmp, three := &t.bmp, t.threeRound6() // t's nil check once, not at every rune
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

func rollMinimaRound6(h, x, m uint64, runes []rune, keys []uint64, out []Fingerprint) int {
	n := len(keys)
	// The first window (all the k-grams when there are fewer than W): the
	// rune entering k-gram p is runes[p+K-1], the one leaving it
	// runes[p-1].
	minPos, minV := 0, keys[0]
	w := min(W, n)
	{
		in, old, ks := runes[K:K+w-1], runes[:w-1], keys[1:w]
		old, ks = old[:len(in)], ks[:len(in)]
		for i := range in {
			h = h*kgramBase + (uint64(in[i]) - uint64(old[i])*kgramPowK)
			v := h ^ x
			v ^= v >> 33
			v *= m
			v ^= v >> 33
			v *= 0xc4ceb9fe1a85ec53
			v ^= v >> 33
			ks[i] = v
			if v <= minV {
				minPos, minV = i+1, v
			}
		}
	}
	out[0] = Fingerprint{Hash: minV, Pos: uint32(minPos)}
	if n <= W {
		return 1
	}
	// Then k-gram p = W+i: in[i] enters, old[i] leaves, its hash is ks[i].
	in, old, ks := runes[K+W-1:], runes[W-1:], keys[W:]
	old, ks = old[:len(in)], ks[:len(in)]
	j := 1
	for i := range in {
		h = h*kgramBase + (uint64(in[i]) - uint64(old[i])*kgramPowK)
		v := h ^ x
		v ^= v >> 33
		v *= m
		v ^= v >> 33
		v *= 0xc4ceb9fe1a85ec53
		v ^= v >> 33
		ks[i] = v
		// A fingerprint whenever the minimum moves: it left the window
		// (found again in it, always at a later position) or this k-gram's
		// hash is at most it (the rightmost minimum).
		if minPos <= i { // minPos+W <= W+i: the minimum left the window
			// Find the window's rightmost minimum again (about one
			// k-gram in 10).
			minPos, minV = rescan((*[W]uint64)(keys[i+1 : i+1+W]))
			minPos += i + 1
		} else if v <= minV {
			minPos, minV = W+i, v
		} else {
			continue
		}
		out[j] = Fingerprint{Hash: minV, Pos: uint32(minPos)}
		j++
	}
	return j
}

func winnowRound6(sel selection, runes []rune, keys []uint64, dst []Fingerprint) ([]Fingerprint, []uint64) {
	n := len(runes) - K + 1
	if n <= 0 {
		return dst, keys
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
	// At most one fingerprint a k-gram: room for all of them is made
	// first and they are written by index, so the loop makes no call
	// (append's growth path made it keep its variables on the stack).
	dst = slices.Grow(dst, n)
	out := dst[len(dst) : len(dst)+n]
	j := rollMinimaRound6(h, sel.x, sel.m, runes, keys, out)
	dst = dst[:len(dst)+j]
	return dst, keys
}

func sealPrintsRound6(k0, k1 uint64, fps []Fingerprint, out []uint64) {
	out = out[:len(fps)]
	i0, i1 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d
	i2, i3 := k0^0x6c7967656e657261, k1^0x7465646279746573
	for i, f := range fps {
		m := f.Hash
		v0, v1, v2, v3 := i0, i1, i2, i3
		round := func() {
			v0 += v1
			v1 = bits.RotateLeft64(v1, 13)
			v1 ^= v0
			v0 = bits.RotateLeft64(v0, 32)
			v2 += v3
			v3 = bits.RotateLeft64(v3, 16)
			v3 ^= v2
			v0 += v3
			v3 = bits.RotateLeft64(v3, 21)
			v3 ^= v0
			v2 += v1
			v1 = bits.RotateLeft64(v1, 17)
			v1 ^= v2
			v2 = bits.RotateLeft64(v2, 32)
		}
		// The message block, then the last block: the length (8) in the
		// top byte and no message bytes left (as sipHash64).
		v3 ^= m
		round()
		round()
		v0 ^= m
		v3 ^= 8 << 56
		round()
		round()
		v0 ^= 8 << 56
		v2 ^= 0xff
		round()
		round()
		round()
		round()
		out[i] = nonZero(v0 ^ v1 ^ v2 ^ v3)
	}
}
