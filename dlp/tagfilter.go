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

// tagProbes is how many bits of its block a tag sets; maxTagBlocks caps
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

func (f *tagFilter) add(tag uint32) {
	h := tagSpread(tag)
	blk := f.block(h)
	for i := range tagProbes {
		p := h >> (64 - 9*(i+1)) & 511
		blk[p>>6] |= 1 << (p & 63)
	}
}

// has reports whether every bit of tag is set (always for a tag added;
// for others about 2 % at 8 bits a value).
func (f *tagFilter) has(tag uint32) bool {
	if len(f.words) == 0 {
		return false
	}
	h := tagSpread(tag)
	blk := f.block(h)
	var missing uint64
	for i := range tagProbes {
		p := h >> (64 - 9*(i+1)) & 511
		missing |= ^blk[p>>6] & (1 << (p & 63))
	}
	return missing == 0
}

// kindIndex is the index of a column kind's filter (Index.tagFilters),
// or -1 for a kind that has none.
func kindIndex(k ColumnKind) int {
	if b := kindBit(k); b != 0 {
		return bits.TrailingZeros8(b)
	}
	return -1
}
