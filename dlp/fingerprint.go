package dlp

import (
	"github.com/wecom-guard/wecom-guard/moderation"
)

// Fingerprinting parameters. A k-gram is K normalized characters (letters,
// Han characters and digits after moderation's folding; punctuation,
// spaces and symbols dropped), so spacing, punctuation, width, case and
// traditional characters never change a k-gram. Winnowing keeps the
// smallest hash of every W consecutive k-grams, which guarantees that any
// shared run of W+K-1 = Guarantee normalized characters shares at least
// one fingerprint, while keeping about 2/(W+1) of the positions.
const (
	K         = 8
	W         = 16
	Guarantee = W + K - 1
)

// Fingerprint is one winnowing fingerprint: the keyed hash of a k-gram and
// the k-gram's position in the normalized text.
type Fingerprint struct {
	Hash uint64
	Pos  uint32
}

// normText is text folded for fingerprinting: the letters, with the rune
// offset in the original text each came from.
type normText struct {
	runes []rune
	offs  []int32
}

// fold appends the letters of text (moderation's normalization, noise and
// separators dropped) to nt.
func (nt *normText) fold(n *moderation.Normalizer, text string, base int32) {
	start := len(nt.runes)
	nt.runes, nt.offs, _ = n.Append(text, nt.runes, nt.offs)
	out := start
	for i := start; i < len(nt.runes); i++ {
		r := nt.runes[i]
		if n.ClassOf(r) != moderation.ClassLetter {
			continue
		}
		nt.runes[out], nt.offs[out] = r, nt.offs[i]+base
		out++
	}
	nt.runes, nt.offs = nt.runes[:out], nt.offs[:out]
}

// kgramBase is the multiplier of the rolling k-gram hash (odd, so the hash
// is a bijection of the last rune given the others).
const kgramBase = 0x100000001b3

// kgramPow is kgramBase^(K-1), which removes the oldest rune from the hash.
var kgramPow = func() uint64 {
	p := uint64(1)
	for range K - 1 {
		p *= kgramBase
	}
	return p
}()

// mix64 is the finalizer of MurmurHash3: it spreads the rolling hash so
// that winnowing's minima are uniformly placed.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// winnow appends the winnowing fingerprints of runes to dst (robust
// winnowing: in each window the rightmost minimal hash, recorded once
// while it stays the minimum). Texts shorter than K have none.
func winnow(key *Key, runes []rune, dst []Fingerprint) []Fingerprint {
	n := len(runes) - K + 1
	if n <= 0 {
		return dst
	}
	var (
		ring    [W]uint64
		h       uint64
		minPos  = -1
		lastPos = -1
		buf     [16]byte
	)
	for i, r := range runes {
		if i >= K {
			h -= uint64(runes[i-K]) * kgramPow
		}
		h = h*kgramBase + uint64(r)
		if i < K-1 {
			continue
		}
		p := i - K + 1 // k-gram position
		ring[p%W] = mix64(h)
		if p < W-1 && p < n-1 {
			continue
		}
		// The window ends at p and starts at max(0, p-W+1).
		lo := max(0, p-W+1)
		if minPos < lo {
			minPos = lo
			for q := lo + 1; q <= p; q++ {
				if ring[q%W] <= ring[minPos%W] {
					minPos = q
				}
			}
		} else if ring[p%W] <= ring[minPos%W] {
			minPos = p
		}
		if minPos != lastPos {
			dst = append(dst, Fingerprint{Hash: key.fingerprint(ring[minPos%W], &buf), Pos: uint32(minPos)})
			lastPos = minPos
		}
	}
	return dst
}
