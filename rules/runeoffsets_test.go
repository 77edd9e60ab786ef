package rules

import (
	"math/rand/v2"
	"testing"
)

// rangeByteOffsets is runeByteOffsets as it was written before
// (range over the string), the reference it is checked against.
func rangeByteOffsets(text string, start, end int) (int, int) {
	bs, be, i := len(text), len(text), 0
	for b := range text {
		if i == start {
			bs = b
		}
		if i == end {
			be = b
			break
		}
		i++
	}
	return bs, be
}

// TestRuneByteOffsetsIsRange checks runeByteOffsets against range over
// the string on random texts of ASCII, Han, other multi-byte runes,
// truncated sequences, overlong forms, surrogates and stray bytes, for
// every pair of offsets (including ones outside the text).
func TestRuneByteOffsetsIsRange(t *testing.T) {
	pieces := []string{"a", "1", " ", "客", "户", "电", "é", "€", "𠮷", "\xe0\xa0\x80", "\xe0\x80\x80", "\xed\x9f\xbf", "\xed\xa0\x80",
		"\xef\xbf\xbf", "\xe1\x80", "\xe4", "\x80", "\xbf", "\xff", "\xc3", "\xf0\x9f\x98", "\xee\x80\x80"}
	r := rand.New(rand.NewPCG(15, 16))
	for range 3000 {
		var text string
		for range r.IntN(12) {
			text += pieces[r.IntN(len(pieces))]
		}
		for start := -1; start <= len(text)+1; start++ {
			for end := -1; end <= len(text)+1; end++ {
				bs, be := runeByteOffsets(text, start, end)
				ws, we := rangeByteOffsets(text, start, end)
				if bs != ws || be != we {
					t.Fatalf("runeByteOffsets(%q, %d, %d) = %d, %d; range gives %d, %d", text, start, end, bs, be, ws, we)
				}
			}
		}
	}
}

func FuzzRuneByteOffsets(f *testing.F) {
	f.Add("客户电话 13912345678 请回电", 5, 16)
	f.Add("\xe1\x80\xed\xa0\x80", 0, 2)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		bs, be := runeByteOffsets(text, start, end)
		ws, we := rangeByteOffsets(text, start, end)
		if bs != ws || be != we {
			t.Fatalf("runeByteOffsets(%q, %d, %d) = %d, %d; range gives %d, %d", text, start, end, bs, be, ws, we)
		}
	})
}
