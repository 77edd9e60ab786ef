package dlp

import (
	"math/bits"
	"slices"

	"github.com/wecom-guard/wecom-guard/rules"
)

// The check of a message against the protected documents: the message's
// letters folded, winnowed and keyed, looked up in the index's table of
// fingerprints, and the hits chained per document (chain.go).

type docScratch struct {
	letters []rune        // the message's, folded
	keys    []uint64      // the mixed hash of each k-gram, under the key (formats 2 and 3)
	keys1   []uint64      // the same unkeyed (format 1)
	fps     []Fingerprint // selected under the key (formats 2 and 3), hashes not yet sealed
	fps1    []Fingerprint // selected unkeyed (format 1), while such documents are protected
	// every holds the k-grams of a short message (at most maxDenseProbe
	// letters) that the filter of the documents of formats 3 to 5 lets through,
	// while such documents are protected: such a message is looked up at
	// every k-gram in them (passDense), not only at the fingerprints it
	// selects.
	every  []Fingerprint
	dense  denseProbe // how every was filled, if it was
	cand   []uint32   // the k-grams the probe tags let through (sealTagged)
	sealed []uint64   // the fingerprints' stored form, of one format
	first  []uint64
	hits   []docHit
	want   []int32  // letter indices whose rune offsets are wanted
	block  [16]byte // AES's (format 1): on the stack, it would escape through cipher.Block
}

type docHit struct {
	doc    uint32
	msg    int32 // index into the message's fingerprints
	docPos uint32
	post   uint32 // index into postings
}

// Documents appends the protected documents text reproduces: for each, the
// longest stretch of the message whose fingerprints are the document's in
// order (gaps of an edit allowed), if it reaches the document's
// threshold. Text with fewer normalized characters than MinSpan is not
// hashed.
func (x *Index) Documents(text string, dst []rules.DataMatch) []rules.DataMatch {
	if !x.MayReachMinSpan(text) {
		return dst
	}
	tab := letterTable()
	n := len(dst)
	sc := x.pool.Get().(*docScratch)
	defer x.pool.Put(sc)
	sc.letters = tab.fold(text, sc.letters)
	if len(sc.letters) < x.minSpan {
		return dst
	}
	sc.hits = sc.hits[:0]
	sc.fps, sc.fps1 = sc.fps[:0], sc.fps1[:0]
	switch {
	case x.dense > 0 && len(sc.letters) <= maxDenseProbe:
		sc.dense = denseEvery
	case len(x.gramBits) > 0: // documents of format 5, with their tags
		sc.dense = denseTagged
	default:
		sc.dense = denseNone
	}
	if x.formats&(1<<PrintsFormatSipHash|1<<PrintsFormatDense|1<<PrintsFormatTagged) != 0 {
		sc.fps, sc.keys = winnow(x.key.sel, sc.letters, sc.keys, sc.fps)
		x.seal(sc, sc.fps)
		x.probe(sc, passKeyed)
	}
	switch sc.dense {
	case denseEvery:
		x.sealDense(sc)
		x.probe(sc, passDense)
	case denseTagged:
		x.sealTagged(sc)
		x.probe(sc, passDense)
	}
	if x.formats&(1<<PrintsFormatAES) != 0 {
		sc.fps1, sc.keys1 = winnow(unkeyed, sc.letters, sc.keys1, sc.fps1)
		sc.sealed = sc.sealed[:0]
		for _, f := range sc.fps1 {
			sc.sealed = append(sc.sealed, x.key.fingerprintAES(f.Hash, &sc.block))
		}
		x.loadFirst(sc)
		x.probe(sc, passLegacy)
	}
	if len(sc.hits) == 0 {
		return dst
	}
	slices.SortFunc(sc.hits, func(a, b docHit) int {
		if a.doc != b.doc {
			return int(a.doc) - int(b.doc)
		}
		if a.msg != b.msg {
			return int(a.msg - b.msg)
		}
		return int(a.docPos) - int(b.docPos)
	})
	for i := 0; i < len(sc.hits); {
		j := i
		for j < len(sc.hits) && sc.hits[j].doc == sc.hits[i].doc {
			j++
		}
		if m, ok := x.bestChain(sc, sc.hits[i:j]); ok {
			dst = append(dst, m)
		}
		i = j
	}
	// The matches' spans are in letters so far: one more pass over the
	// text turns them into rune offsets.
	if len(dst) > n {
		sc.want = sc.want[:0]
		for _, m := range dst[n:] {
			sc.want = append(sc.want, int32(m.Start), int32(m.End-1))
		}
		tab.runeOffsets(text, sc.want)
		for i := range dst[n:] {
			dst[n+i].Start, dst[n+i].End = int(sc.want[2*i]), int(sc.want[2*i+1])+1
		}
	}
	return dst
}

// maxDenseProbe is the longest message (in letters) SipHashed at every
// k-gram while documents of format 3 (without probe tags) are protected:
// at most 121 SipHashes (BenchmarkShortMessages: a message of 120
// characters 2.4–2.8 µs instead of 1.0–1.1, under the 2 KB message's
// budget). A longer message is looked up in those documents at its
// fingerprints only, which finds an edited copy (one character changed)
// of a document of 47 characters or more for certain (a run of 23 is left
// unbroken, which holds a fingerprint of the message, and the walk from
// it confirms the rest) and of a shorter one often, but not always (20 of
// 200 copies of 24 characters missed, TestEstimateOverKeys before format
// 4). In documents of format 5 a message of any length is looked up at
// every k-gram through their probe tags (sealTagged).
const maxDenseProbe = 2 * DenseChars

// A pass is one set of the message's values looked up in the table, and
// the documents it is for.
type pass uint8

const (
	// passKeyed: the fingerprints the message selects under the key
	// (sc.fps), for the documents of format 2, and of format 3 unless
	// passDense runs.
	passKeyed pass = iota
	// passDense: every k-gram of the message (sc.every), for the
	// documents of formats 3 to 5 (sealDense or sealTagged).
	passDense
	// passLegacy: the fingerprints selected unkeyed and keyed with AES
	// (sc.fps1), for the documents of format 1.
	passLegacy
)

// denseProbe is how the message was looked up in the documents that
// have a fingerprint at every k-gram (formats 3 to 5).
type denseProbe uint8

const (
	// denseNone: at its fingerprints only (passKeyed), as in documents of
	// format 2: no such document is protected.
	denseNone denseProbe = iota
	// denseEvery: every k-gram keyed with SipHash, for the documents of
	// formats 3 to 5 (a message of at most maxDenseProbe letters while a
	// document of format 3 is protected).
	denseEvery
	// denseTagged: the k-grams whose probe tag a document of format 5 has
	// (sealTagged), for those documents; documents of format 3 at the
	// message's fingerprints (passKeyed).
	denseTagged
)

// passOf returns the pass whose hits are matched against d.
func (sc *docScratch) passOf(d *docInfo) pass {
	switch {
	case d.legacy:
		return passLegacy
	case d.dense && (sc.dense == denseEvery || sc.dense == denseTagged && d.tagged):
		return passDense
	}
	return passKeyed
}

// The table is far larger than the caches: the first slot of each of the
// message's values is loaded (sc.first) before any is looked at, without a
// branch on what was read, so the memory accesses of all the values
// overlap; only those whose first slot is taken are looked at further
// (probe).

// seal sets sc.sealed to the stored form (formats 2 and 3) of fps and
// loads their first slots (loadFirst). Loaded in the same loop as the
// SipHashes, the table's cache misses held up the arithmetic behind them
// (the whole check took a fifth longer); two SipHashes written out side
// by side were a tenth faster alone and no faster in the whole check.
//
// The SipHashes are computed by sealPrints, a loop of its own.
func (x *Index) seal(sc *docScratch, fps []Fingerprint) {
	sc.sealed = slices.Grow(sc.sealed[:0], len(fps))[:len(fps)]
	sealPrints(x.key.fpK0, x.key.fpK1, fps, sc.sealed)
	x.loadFirst(sc)
}

// sealPrints writes to out[i] the stored form of fps[i] (formats 2 and 3,
// Key.fingerprint under the key k0, k1). The SipHash-2-4 is written out
// here, the key in registers, rather than called: sipHash64 is beyond the
// inliner's budget, and appending the values one by one to the scratch
// through the call kept seal's variables on the stack (45 instructions a
// fingerprint besides the SipHash's 155; dlp-measured.md, Issue 15, sixth
// round). The half of the first round that reads only the key (v0 and
// v1) is computed once. A fingerprint whose hash is the one before's
// takes its stored form: a message repeating a short phrase (哈哈哈…,
// 好的好的…) selects the same minimum once a period, a 2 KB one several
// hundred times, which then cost no SipHash each (the same values).
// TestSealPrints checks it against Key.fingerprint.
//
//go:noinline
func sealPrints(k0, k1 uint64, fps []Fingerprint, out []uint64) {
	out = out[:len(fps)]
	i0, i1 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d
	i2, i3 := k0^0x6c7967656e657261, k1^0x7465646279746573
	// The first round's steps on v0 and v1 alone: the same for every value.
	s0 := i0 + i1
	s1 := bits.RotateLeft64(i1, 13) ^ s0
	s0 = bits.RotateLeft64(s0, 32)
	var prevM, prevOut uint64
	for i, f := range fps {
		m := f.Hash
		if i > 0 && m == prevM {
			out[i] = prevOut
			continue
		}
		v0, v1, v2, v3 := s0, s1, i2, i3
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
		// top byte and no message bytes left (as sipHash64). The first
		// round's rest, after its first four steps (s0, s1).
		v3 ^= m
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
		prevM, prevOut = m, nonZero(v0^v1^v2^v3)
		out[i] = prevOut
	}
}

// buildDenseSet fills x.denseBits with the fingerprints of the documents
// of formats 3 to 5.
func (x *Index) buildDenseSet(docs []LoadedDoc) {
	n := 0
	for _, d := range docs {
		if f := d.Prints.Format; f == PrintsFormatDense || f == PrintsFormatMixTags || f == PrintsFormatTagged {
			n += len(d.Prints.Prints)
		}
	}
	if n == 0 {
		return
	}
	size := tableSize(32 * n) // bits
	x.denseBits, x.denseShift = make([]uint64, size/64), uint(64-bits.Len(uint(size-1)))
	for _, d := range docs {
		if f := d.Prints.Format; f == PrintsFormatDense || f == PrintsFormatMixTags || f == PrintsFormatTagged {
			for _, f := range d.Prints.Prints {
				b := f.Hash >> x.denseShift
				x.denseBits[b/64] |= 1 << (b % 64)
			}
		}
	}
}

// mayBeDense reports whether the filter lets the stored value h through:
// always when a document of format 3, 4 or 5 has it, rarely otherwise.
func (x *Index) mayBeDense(h uint64) bool {
	b := h >> x.denseShift
	return x.denseBits[b/64]&(1<<(b%64)) != 0
}

// sealDense keys every k-gram of a short message (sc.keys) and keeps in
// sc.every and sc.sealed those a document of format 3, 4 or 5 has, with their
// first slots in the table (passDense). Looking each up in the small
// filter denseBits first, rather than in the table of all fingerprints,
// leaves the SipHashes as most of what the pass costs
// (BenchmarkShortMessages).
func (x *Index) sealDense(sc *docScratch) {
	sc.every, sc.sealed = sc.every[:0], sc.sealed[:0]
	for p, k := range sc.keys {
		if h := x.key.fingerprint(k); x.mayBeDense(h) {
			sc.every = append(sc.every, Fingerprint{Hash: k, Pos: uint32(p)})
			sc.sealed = append(sc.sealed, h)
		}
	}
	x.loadFirst(sc)
}

// loadFirst sets sc.first to the first slot of each of sc.sealed.
func (x *Index) loadFirst(sc *docScratch) {
	mask := uint64(len(x.fpKeys) - 1)
	sc.first = sc.first[:0]
	for _, h := range sc.sealed {
		sc.first = append(sc.first, x.fpKeys[h&mask])
	}
}

// probe appends to sc.hits the postings of the message's values whose
// stored form (sc.sealed, index for index with the values of the pass:
// sc.fps, sc.every or sc.fps1; their first slots in sc.first) the table
// holds, for the documents of that pass.
func (x *Index) probe(sc *docScratch, ps pass) {
	mask := uint64(len(x.fpKeys) - 1)
	first := sc.first[:len(sc.sealed)]
	for mi, h := range sc.sealed {
		if first[mi] == 0 {
			continue
		}
		for i := h & mask; ; i = (i + 1) & mask {
			if k := x.fpKeys[i]; k == 0 {
				break
			} else if k != h {
				continue
			}
			if x.fpCounts[i] > maxPostings {
				break // boilerplate
			}
			for p := x.fpHeads[i]; p != 0; {
				post := x.postings[p-1]
				// Only the documents of this pass: a value of one format
				// equal by chance to a stored value of another would index
				// the other format's fingerprints.
				if sc.passOf(&x.docs[post.doc]) == ps {
					sc.hits = append(sc.hits, docHit{doc: post.doc, msg: int32(mi), docPos: post.pos, post: p - 1})
				}
				p = post.next
			}
			break
		}
	}
}
