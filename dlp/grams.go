package dlp

import "math/bits"

// Short documents in long messages: the probe tags of format 5.
//
// A document of format 3 has a fingerprint at every k-gram, but a message
// finds it only at the k-grams it keys with SipHash: every k-gram of a
// message of at most maxDenseProbe letters, and only the ~1 in 8.5 that
// winnowing selects of a longer one (a SipHash of each of a 2 KB
// message's ~624 k-grams would cost about 7 µs, more than the whole
// check). One changed character breaks the K k-grams around it and
// leaves a sentence of 24 characters two runs of 4 and 5 k-grams, which a
// long message's winnowing often selects none of: inside 300 characters
// of other text, 20 of 200 such copies were missed (5 of 30 characters;
// TestEstimateOverKeys).
//
// So a short document stores (format 5) besides its fingerprints a probe
// tag of each of its k-grams, 32 bits of SipHash-1-3 of the k-gram's
// mixed hash (which the message computes for winnowing anyway) under a
// key of its own. The index keeps a Bloom filter of the tags of all short
// documents, 32 to 64 bits a tag (small enough to stay in the caches: 16
// KiB for 100 short documents); every eighth k-gram of a message
// (gramStride: enough for a copy with an edit) is tagged and looked up in
// it, and only those whose bits are set (about 1 in 250 to 1 in 1,000 of
// the others) are keyed with SipHash-2-4 and looked up in the table
// (sealTagged); the walk from a hit checks every k-gram around it. So the
// message is looked up in the documents of format 5 as at every k-gram,
// whatever its length.
//
// What the tags tell: SipHash-1-3 is SipHash with one compression round
// and three finalization rounds instead of two and four (a smaller margin
// than the fingerprints' SipHash-2-4; the variant Rust's hash tables use
// against chosen inputs), a pseudorandom function on the evidence
// published, under a 128-bit key derived from the secret and used for
// nothing else. Without the key a tag cannot be computed for a guessed
// text; with the text of a protected document and its tags, finding the
// key is the cryptanalysis of SipHash-1-3, not the solving of equations.
// The tags are stored sorted, apart from the positions. Format 4's tags
// were the selection's keyed mix followed by one more secret xor and
// multiplication (PrintsFormatMixTags): two rounds of xor and multiply
// whose keys one known document's k-grams and tags were material enough
// to solve for, and no more; they are no longer read (TestMixTagsUnused).
// What the tags cost over format 4's: docs/dlp-measured.md (callgrind).
type gramKey struct {
	k0, k1 uint64 // SipHash-1-3's key
}

// tag returns the probe tag of a k-gram whose mixed hash (under the key's
// selection) is k.
func (g gramKey) tag(k uint64) uint32 {
	return uint32(sipHash13(g.k0, g.k1, k))
}

// gramWordBits is how many of a tag's 32 bits may pick its word of the
// filter: the top 12 pick its two bits in that word.
const gramWordBits = 20

// bitOf[i] is the word with bit i set: a table, not a shift by a variable,
// which on amd64 must go through CX and made sealTagged's loop write its
// variables to the stack.
var bitOf = func() (t [64]uint64) {
	for i := range t {
		t[i] = 1 << i
	}
	return t
}()

// buildGramFilter fills x.gramBits with the tags of the documents of
// format 5 (those of format 4 are not used, see PrintsFormatMixTags): a
// Bloom filter of 32 to 64 bits a tag in which a tag sets two bits of one
// word (its low bits pick the word, its top 12 the bits), so
// that about 1 in 250 to 1 in 1,000 of the other k-grams pass (with one
// bit a tag, 1 in 20 to 1 in 40 did, each then keyed with SipHash).
func (x *Index) buildGramFilter(docs []LoadedDoc) {
	n := 0
	for _, d := range docs {
		if d.Prints.Format == PrintsFormatTagged {
			n += len(d.Prints.Tags)
		}
	}
	if n == 0 {
		return
	}
	words := min(tableSize(n)/4, 1<<gramWordBits)
	x.gramBits = make([]uint64, words)
	for _, d := range docs {
		if d.Prints.Format == PrintsFormatTagged {
			for _, t := range d.Prints.Tags {
				w, b := x.gramWord(t)
				x.gramBits[w] |= b
			}
		}
	}
}

// gramWord returns the word of the filter of probe tags a tag is in, and
// the two bits it sets there.
func (x *Index) gramWord(t uint32) (uint32, uint64) {
	return t & uint32(len(x.gramBits)-1), bitOf[t>>20&63] | bitOf[t>>26&63]
}

// sealTagged keeps in sc.every and sc.sealed the k-grams of the message
// (sc.keys) whose tag is in the filter of the documents of format 5 and
// whose stored form passes the filter of the short documents' fingerprints
// too, with their first slots in the table (passDense). The filter is
// looked up by a function of its own, gramCandidates.
func (x *Index) sealTagged(sc *docScratch) {
	sc.every, sc.sealed = sc.every[:0], sc.sealed[:0]
	keys := sc.keys
	if cap(sc.cand) < len(keys) {
		sc.cand = make([]uint32, len(keys)+len(keys)/4)
	}
	cand := sc.cand[:len(keys)]
	c := gramCandidates(keys, cand, x.gramBits, x.key.gram)
	last := -1 // the k-grams up to last are looked up already
	for _, p := range cand[:c] {
		if !x.mayBeDense(x.key.fingerprint(keys[p])) {
			continue
		}
		// Most likely a k-gram of a short document: every k-gram as far
		// as a copy of one reaches around it is looked up, as if the
		// message were looked up at every k-gram (a copy's k-grams on the
		// other side of a character left out or added are at another
		// offset, which the walk from this one does not try). A k-gram
		// inside the window of one before it widens the window too: it
		// may be another document's, whose k-grams past a character left
		// out reach beyond (TestShortCopyPastAnotherWindow).
		lo, hi := max(int(p)-DenseChars, last+1), min(int(p)+DenseChars, len(keys)-1)
		for q := lo; q <= hi; q++ {
			if h := x.key.fingerprint(keys[q]); x.mayBeDense(h) {
				sc.every = append(sc.every, Fingerprint{Hash: keys[q], Pos: uint32(q)})
				sc.sealed = append(sc.sealed, h)
			}
		}
		last = max(last, hi)
	}
	x.loadFirst(sc)
}

// gramStride: the message's k-grams are tagged and looked up in the
// filter at every gramStride-th only (the document's are all stored).
// One edit breaks one block of at most K consecutive k-grams of a copy (K
// for a character changed or added, K-1 for one left out), and a block
// of K holds at most one multiple of K. A copy the estimate can match has
// at least 2K k-grams (Guarantee = 23 letters, 16 k-grams, changed; 24
// letters with one left out: 23 cannot reach a threshold of 23), among
// which at least two are at a multiple of K: one is left. Around a
// k-gram of a short document found so, sealTagged looks up every k-gram
// (the other side of the edit may be at another offset: a character left
// out or added). TestStrideAtTheShortestDocuments edits every position of
// documents of 23 to 30 letters at the start, end and middle of long
// messages, at every alignment (with K+1 it fails); format 4's every
// fourth k-gram, from the argument that one of the two runs an edit
// leaves is at least 4 long, was twice the work for nothing.
const gramStride = K

// gramCandidates writes to cand the indices of the k-gram hashes keys
// (every gramStride-th) whose tag under g is in filter, and returns how
// many there are. It is a function of its own, a loop without calls: in
// the same function as the SipHashes that follow, its variables were
// written to the stack and read back at every k-gram. The tag's
// SipHash-1-3 is written out here, from SipHash's state after the key is
// xored in (computed once), rather than called: sipHash13 is beyond the
// inliner's budget, and the call cost a sixth of the loop
// (TestGramCandidates checks it against gramKey.tag).
func gramCandidates(keys []uint64, cand []uint32, filter []uint64, g gramKey) int {
	mask := uint64(len(filter) - 1)
	cand = cand[:len(keys)]
	c := 0
	i0, i1 := g.k0^0x736f6d6570736575, g.k1^0x646f72616e646f6d
	i2, i3 := g.k0^0x6c7967656e657261, g.k1^0x7465646279746573
	for p := 0; p < len(keys); p += gramStride {
		m := keys[p]
		v0, v1, v2, v3 := i0, i1, i2, i3^m
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
		round()
		v0 ^= m
		v3 ^= 8 << 56
		round()
		v0 ^= 8 << 56
		v2 ^= 0xff
		round()
		round()
		round()
		t := uint64(uint32(v0 ^ v1 ^ v2 ^ v3)) // gramKey.tag, then gramWord
		b := bitOf[t>>20&63] | bitOf[t>>26&63]
		cand[c] = uint32(p)
		if filter[t&mask]&b == b {
			c++
		}
	}
	return c
}
