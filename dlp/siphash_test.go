package dlp

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/dchest/siphash"
)

// TestSipHash64: the fingerprints' SipHash is the library's on the value's
// 8 bytes.
func TestSipHash64(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 64))
	var b [8]byte
	for i := range 10000 {
		k0, k1, m := r.Uint64(), r.Uint64(), r.Uint64()
		if i < 3 {
			m = uint64(i) // 0, 1, 2
		}
		binary.LittleEndian.PutUint64(b[:], m)
		want := siphash.Hash(k0, k1, b[:])
		if got := sipHash64(k0, k1, m); got != want {
			t.Fatalf("sipHash64(%#x, %#x, %#x) = %#x, siphash.Hash %#x", k0, k1, m, got, want)
		}
	}
}

// sipHashSpec is SipHash-c-d of msg as its specification gives it
// (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): the
// reference the inlined versions are checked against.
func sipHashSpec(c, d int, k0, k1 uint64, msg []byte) uint64 {
	v := [4]uint64{k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d, k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573}
	round := func() {
		v[0] += v[1]
		v[1] = v[1]<<13 | v[1]>>51
		v[1] ^= v[0]
		v[0] = v[0]<<32 | v[0]>>32
		v[2] += v[3]
		v[3] = v[3]<<16 | v[3]>>48
		v[3] ^= v[2]
		v[0] += v[3]
		v[3] = v[3]<<21 | v[3]>>43
		v[3] ^= v[0]
		v[2] += v[1]
		v[1] = v[1]<<17 | v[1]>>47
		v[1] ^= v[2]
		v[2] = v[2]<<32 | v[2]>>32
	}
	compress := func(m uint64) {
		v[3] ^= m
		for range c {
			round()
		}
		v[0] ^= m
	}
	n := len(msg)
	for ; len(msg) >= 8; msg = msg[8:] {
		compress(binary.LittleEndian.Uint64(msg))
	}
	var tail [8]byte
	copy(tail[:], msg)
	tail[7] = byte(n)
	compress(binary.LittleEndian.Uint64(tail[:]))
	v[2] ^= 0xff
	for range d {
		round()
	}
	return v[0] ^ v[1] ^ v[2] ^ v[3]
}

// TestSipHash13: the probe tags' SipHash-1-3 is the specification's on the
// value's 8 bytes; the specification's algorithm is checked against the
// library with SipHash-2-4's parameters, on messages of 0 to 23 bytes.
func TestSipHash13(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	var b [23]byte
	for i := range 10000 {
		k0, k1, m := r.Uint64(), r.Uint64(), r.Uint64()
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		msg := b[:i%len(b)]
		if got, want := sipHashSpec(2, 4, k0, k1, msg), siphash.Hash(k0, k1, msg); got != want {
			t.Fatalf("specification's SipHash-2-4 of %x = %#x, siphash.Hash %#x", msg, got, want)
		}
		binary.LittleEndian.PutUint64(b[:8], m)
		if got, want := sipHash13(k0, k1, m), sipHashSpec(1, 3, k0, k1, b[:8]); got != want {
			t.Fatalf("sipHash13(%#x, %#x, %#x) = %#x, the specification's %#x", k0, k1, m, got, want)
		}
		if sipHash13(k0, k1, m) == sipHash64(k0, k1, m) {
			t.Fatalf("SipHash-1-3 equal to SipHash-2-4 for %#x", m)
		}
	}
}
