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
