package dlp

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestNormalizePlainPhone checks Normalize's shortcut for 11 ASCII digits
// against moderation.NumberValue, which it replaces for them: the same
// value and validity for every such string a phone finding or a record
// file can hold, and the shortcut taken for none other.
func TestNormalizePlainPhone(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	digits := "0123456789"
	for i := range 200_000 {
		b := make([]byte, 11)
		for j := range b {
			b[j] = digits[r.IntN(10)]
		}
		if i%2 == 0 {
			b[0] = '1' // mostly valid mobile numbers
		}
		raw := string(b)
		got, ok := Normalize(KindPhone, raw, []byte("x"))
		want := moderation.NumberValue(moderation.KindPhone, raw, []byte("x"))
		v := want[1:]
		wantOK := len(v) == 11 && v[0] == '1' && v[1] >= '3'
		if !bytes.Equal(got, want) || ok != wantOK {
			t.Fatalf("Normalize(phone, %q) = %q, %v; NumberValue gives %q, %v", raw, got, ok, want, wantOK)
		}
	}
	for _, raw := range []string{"1391234567", "139123456789", "139 1234 5678", "1391234567X", "１３９１２３４５６７８", "+8613912345678", "1391234567:", "1391234567/"} {
		if plainPhone(raw) {
			t.Errorf("plainPhone(%q) is true", raw)
		}
	}
}
