package dlp

import "math/bits"

// sipHash64 is SipHash-2-4 of the 8 bytes of m (little-endian) under the
// key k0, k1: what siphash.Hash(k0, k1, m's bytes) returns
// (TestSipHash64), without the byte slice and the loop over blocks, so
// that it is inlined into the loop sealing a message's fingerprints.
func sipHash64(k0, k1, m uint64) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
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
	// The message block, then the last block: the length (8) in the top
	// byte and no message bytes left.
	for _, b := range [2]uint64{m, 8 << 56} {
		v3 ^= b
		round()
		round()
		v0 ^= b
	}
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}

// sipHash13 is SipHash-1-3 of the 8 bytes of m (little-endian) under the
// key k0, k1: SipHash with one compression round a block and three
// finalization rounds (Aumasson and Bernstein's parameters c and d),
// five SipRounds where SipHash-2-4 has eight. It keys the probe tags of
// short documents (gramKey), computed at every eighth k-gram of a message
// (TestSipHash13 checks it against the specification's algorithm with
// c = 1, d = 3, which gives siphash.Hash with c = 2, d = 4).
func sipHash13(k0, k1, m uint64) uint64 {
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
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
	v3 ^= m
	round()
	v0 ^= m
	const last = 8 << 56 // the length (8) in the top byte, no bytes left
	v3 ^= last
	round()
	v0 ^= last
	v2 ^= 0xff
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
