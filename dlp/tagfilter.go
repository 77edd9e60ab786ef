package dlp

import "math/bits"

// tagFilter is the prefilter of the values of one column kind: a blocked
// Bloom filter of their tags (Key.recordTag) in which all the bits of a
// tag are in one block of 512 bits, one 64-byte cache line, so a lookup
// whose block is not cached costs one memory access.
//
// Why this layout (docs/dlp-measured.md, Issue 15, fourth round): the
// filter of issue 15's second round set two bits of one 64-bit word a tag
// (one access too) at 8–16 bits a value, and about 5 % of the values that
// are no customer's passed it and paid the HMAC (about 3,000 instructions
// and, uncached, a probe of the table of hashes). Five bits in a block of
// 512 at the same size let about 2 % through. And there is one filter a
// kind: a phone number is looked up among the phone numbers only, in a
// filter of their size (1 MiB for 1,000,000 numbers instead of 2 MiB for
// them and the ID cards beside them). Hand-written (about 40 lines): the
// maintained Go filters at hand are a plain Bloom filter
// (bits-and-blooms/bloom: one access a probe) and xor / binary fuse
// filters (FastFilter/xorfilter: three accesses a lookup, in three lines).
type tagFilter struct {
	words []uint64 // 8 a block
	mask  uint64   // blocks - 1
}

// tagProbes is how many bits of its block a tag sets (probeShifts); maxTagBlocks caps
// a filter at 8 MiB (2¹⁷ blocks: the block index takes 17 of the 64 bits
// tagSpread gives, the five bit positions 45 more).
const (
	tagProbes    = 5
	maxTagBlocks = 1 << 17
)

// newTagFilter returns an empty filter for n values: 8 to 16 bits a value
// (at most 8 MiB), as the word-blocked filter had.
func newTagFilter(n int) tagFilter {
	blocks := min(max(tableSize(n)/128, 1), maxTagBlocks)
	return tagFilter{words: make([]uint64, 8*blocks), mask: uint64(blocks - 1)}
}

// tagSpread spreads a tag's 32 bits over 64 (the MurmurHash3 finalizer, a
// bijection): the tag is already a keyed PRF's output, so an unkeyed mix
// is enough to pick its block and bits.
func tagSpread(tag uint32) uint64 {
	h := uint64(tag)
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// block returns the block of h: its low bits.
func (f *tagFilter) block(h uint64) *[8]uint64 {
	b := (h & f.mask) * 8
	return (*[8]uint64)(f.words[b : b+8])
}

// probeShifts place the five bit positions (0–511) of a tag spread to h
// in its block: nine of its top 45 bits each, h>>shift&511.
var probeShifts = [tagProbes]uint{55, 46, 37, 28, 19}

// probe returns the word of its block and the bit in it of the probe of h
// at shift (one of probeShifts).
func probe(h uint64, shift uint) (uint64, uint64) {
	return h >> (shift + 6) & 7, bitOf[h>>shift&63]
}

func (f *tagFilter) add(tag uint32) {
	h := tagSpread(tag)
	blk := f.block(h)
	for _, s := range probeShifts {
		w, b := probe(h, s)
		blk[w] |= b
	}
}

// has reports whether every bit of tag is set (always for a tag added;
// for others about 2 % at 8 bits a value). The five probes are written
// out with constant shifts (probeShifts) and the bits taken from bitOf: in
// a loop, the shifts by a variable went through CX and a lookup cost 140
// instructions under callgrind.
func (f *tagFilter) has(tag uint32) bool {
	if len(f.words) == 0 {
		return false
	}
	h := tagSpread(tag)
	blk := f.block(h)
	w0, b0 := probe(h, 55)
	w1, b1 := probe(h, 46)
	w2, b2 := probe(h, 37)
	w3, b3 := probe(h, 28)
	w4, b4 := probe(h, 19)
	return ^blk[w0]&b0|^blk[w1]&b1|^blk[w2]&b2|^blk[w3]&b3|^blk[w4]&b4 == 0
}

// kindIndex is the index of a column kind's filter (Index.tagFilters),
// or -1 for a kind that has none.
func kindIndex(k ColumnKind) int {
	if b := kindBit(k); b != 0 {
		return bits.TrailingZeros8(b)
	}
	return -1
}
