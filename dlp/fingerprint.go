package dlp

import (
	"slices"

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

// kgramPowK is kgramBase^K (mod 2⁶⁴; K = 8, TestKgramPowK): the weight of
// the rune a k-gram's hash loses when the next k-gram's is computed from
// it. A constant, so that kgrams's loop holds it in a register rather than
// loading it from memory at every k-gram.
const kgramPowK = kgramBase * kgramBase * kgramBase * kgramBase * kgramBase * kgramBase * kgramBase * kgramBase % (1 << 64)

// selection is what decides which k-grams winnowing keeps: a mix of the
// rolling k-gram hash, whose smallest values in each window are the
// fingerprints. In fingerprint format 2 it is keyed (Key.sel, 127 bits
// derived from the secret); format 1 used it unkeyed (unkeyed), and
// messages are still winnowed that way too while a document of format 1 is
// protected.
//
// Why keyed: the positions of the kept k-grams are stored beside their
// SipHash, in the clear. With an unkeyed selection anyone who can read
// Redis could winnow a guessed document (or each of two versions of one
// that differ in a price) and compare the positions: SipHash hides the
// k-grams, but the positions alone would confirm the guess. Keyed, the
// positions of a text cannot be computed without the secret, so a guess
// has nothing to be checked against. The mix is the MurmurHash3 finalizer
// with its first multiplier replaced by a secret odd word and a secret
// word xored in first: one xor more than the unkeyed mix, so winnowing
// costs what it did, and the order of any two k-grams' values (what
// winnowing compares) depends on the whole key. It is no proven
// pseudorandom function: a SipHash of every k-gram would be one, but a
// 2 KB message has about 624 k-grams (and 72 fingerprints), so at the
// 15–21 ns a SipHash measured here (BenchmarkDocumentStages) that is
// 9–13 µs, about what the whole check costs. We know of no way to find the positions of a text without the
// key short of trying keys; someone holding a protected document's text
// and its stored positions could try to solve for the mix's key, which
// would then give the positions of other guesses (not the k-grams: the
// stored fingerprints are SipHash under a key of their own). Without the
// key the stored data still say what a document's length and paragraph
// starts say, how many fingerprints it has and where one repeats.
type selection struct {
	x, m uint64 // xored in, then the first multiplier (odd)
}

// unkeyed is the selection of fingerprint format 1: the MurmurHash3
// finalizer itself.
var unkeyed = selection{x: 0, m: 0xff51afd7ed558ccd}

// mix spreads the rolling hash h (so that winnowing's minima are
// uniformly placed) under the selection's key.
func (s selection) mix(h uint64) uint64 {
	h ^= s.x
	h ^= h >> 33
	h *= s.m
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// kgrams returns the mixed hash of every k-gram of runes under the
// selection sel, in keys (grown as needed): what winnowing compares, and
// what a short document stores the fingerprint of at every position
// (formats 3 to 5). Texts shorter than K have none.
//
// The k-gram hash is the polynomial sum of r[i]·kgramBase^(K-1-i) over
// its runes (mod 2⁶⁴), rolled from one k-gram to the next as
// h·kgramBase + (new rune − old rune·kgramBase^K): the old rune's term is
// computed off the chain of dependent steps, so each step waits for one
// multiplication and one addition only (a subtraction after the
// multiplication, as before, made the chain a fifth longer and kgrams
// 15 % slower). The values are the same (TestWinnowIsReference).
func kgrams(sel selection, runes []rune, keys []uint64) []uint64 {
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
	roll(h, sel.x, sel.m, in, out, rest)
	return keys
}

// roll writes to rest[p] the mixed hash (selection.mix under the key x, m)
// of the k-gram after the one whose rolling hash is h, then the next, as
// rune in[p] enters and out[p] leaves.
func roll(h, x, m uint64, in, out []rune, rest []uint64) {
	rollBy(h, x, m, kgramBase, kgramPowK, 0xc4ceb9fe1a85ec53, in, out, rest)
}

// rollBy is roll with its three constant multipliers as arguments: given
// as constants, the compiler loads each into a register again at every
// k-gram (it does not hoist constants out of a loop); as arguments they
// stay in registers (33 instructions a k-gram then, 28 now; TestKgramPowK
// checks the constants, TestWinnowIsRound6 the values). A function of its
// own, so that its loop has only its own variables live: inside kgrams it
// reloaded the returned slice from the stack at every k-gram. The runes
// are read as uint32 (they are never negative: the same values) because
// the compiler has an indexed form of that load and not of the
// sign-extending one.
//
//go:noinline
func rollBy(h, x, m, base, powK, c uint64, in, out []rune, rest []uint64) {
	in, out = in[:len(rest)], out[:len(rest)]
	for p := range rest {
		h = h*base + (uint64(uint32(in[p])) - uint64(uint32(out[p]))*powK)
		v := h ^ x
		v ^= v >> 33
		v *= m
		v ^= v >> 33
		v *= c
		rest[p] = v ^ v>>33
	}
}

// minima writes to out the robust winnowing fingerprints of the k-gram
// hashes keys (in each window of W the rightmost minimum, recorded once
// while it stays the minimum; at least one; out has room for one a
// k-gram) and returns how many there are.
//
// A pass of its own after roll, rather than in roll's loop (the sixth
// round's rollMinima): there the call to rescan made the compiler keep
// the hash's state on the stack, storing and reloading it at every
// k-gram, and the two loops apart count fewer instructions (for a 2 KB
// message 32.2 k for rollMinima, 15.5 k for rollBy and 7.5 k for this
// one, besides 4.4 k of rescans either way: dlp-measured.md, Issue 15,
// seventh round). Its inner loop does nothing but compare (four
// instructions and the loop's test a k-gram). A monotone deque does fewer
// comparisons, but its pops are unpredictable branches; a window is
// rescanned here only when its minimum leaves it (about one k-gram in 10).
// The fingerprints are those of the earlier minima (TestWinnowIsRound6,
// TestWinnowIsBefore15).
//
//go:noinline
func minima(keys []uint64, out []Fingerprint) int {
	n := len(keys)
	// The first window (all the k-grams when there are fewer than W).
	minPos, minV := 0, keys[0]
	first := keys[:min(W, n)]
	for q, v := range first {
		if v <= minV {
			minPos, minV = q, v
		}
	}
	out[0] = Fingerprint{Hash: minV, Pos: uint32(minPos)}
	if n <= W {
		return 1
	}
	// Then k-gram p = W+i, whose hash is ks[i]. The inner loop only
	// compares: up to the k-gram at which the minimum leaves the window
	// (i = minPos: minPos+W <= W+i) it stops at a hash at most the
	// minimum (the rightmost minimum moves there); at minPos the window's
	// rightmost minimum is found again (rescan, always at a later
	// position). Either way the minimum moved: a fingerprint.
	ks := keys[W:]
	out = out[:len(ks)+1]
	j := 1
	for i := 0; i < len(ks); i++ {
		stay := ks[:min(minPos, len(ks))]
		for i < len(stay) && stay[i] > minV {
			i++
		}
		switch {
		case i < len(stay):
			minPos, minV = W+i, ks[i]
		case i < len(ks):
			minPos, minV = rescan((*[W]uint64)(keys[i+1 : i+1+W]))
			minPos += i + 1
		default:
			return j
		}
		out[j] = Fingerprint{Hash: minV, Pos: uint32(minPos)}
		j++
	}
	return j
}

// rescan returns the position and value of the rightmost minimum of a
// window. The minimum is taken by a tree of min (conditional moves, four
// independent chains, no loop), then its rightmost position found from
// the right end: 68 instructions under callgrind, against 108 for one
// pass keeping both (dlp-measured.md, Issue 15, fourth round).
func rescan(w *[W]uint64) (int, uint64) {
	m := min(min(min(w[0], w[1]), min(w[2], w[3])), min(min(w[4], w[5]), min(w[6], w[7])),
		min(min(w[8], w[9]), min(w[10], w[11])), min(min(w[12], w[13]), min(w[14], w[15])))
	q := W - 1
	for w[q] != m {
		q--
	}
	return q, m
}

// winnow appends the winnowing fingerprints of runes to dst (robust
// winnowing: in each window the rightmost minimal hash, recorded once
// while it stays the minimum) under the selection sel, their hashes the
// mixed k-gram hashes (Key.fingerprint is applied after, to the few there
// are). Texts shorter than K have none.
// keys is scratch for the k-gram hashes, returned for reuse. Documents and
// messages are winnowed by this one function, over their folded letters.
//
// The k-grams are hashed first (roll), then their minima taken (minima),
// the window scanned again only when its minimum leaves it (a monotone
// deque does fewer comparisons, but its pops depend on the data and the
// branch mispredictions made it half again as slow; profiled on 2 KB
// messages). keys keeps every k-gram's hash: the rescans, the walks from
// a hit and the probe tags read them.
func winnow(sel selection, runes []rune, keys []uint64, dst []Fingerprint) ([]Fingerprint, []uint64) {
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
	in, old := runes[K:], runes[:len(runes)-K]
	roll(h, sel.x, sel.m, in[:len(old)], old, keys[1:])
	j := minima(keys, out)
	dst = dst[:len(dst)+j]
	return dst, keys
}
