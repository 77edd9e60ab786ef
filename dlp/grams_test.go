package dlp

import (
	"math/rand/v2"
	"testing"
)

// TestStrideAtTheShortestDocuments: gramStride's argument where it is
// tightest — a document of 23 letters (Guarantee, the shortest uploaded)
// keeps, after one edit, two runs of 4 k-grams — and at the message's
// ends: every character of documents of 23 to 30 letters changed, left
// out and added, the copy at the start, the end and the middle of a long
// message at each of gramStride alignments, under four secrets. Wherever
// the copy alone matches, the long message matches. The copy alone
// matches for every edit but a character left out of a document of 23
// letters (22 letters cannot reach its threshold, its whole length).
func TestStrideAtTheShortestDocuments(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	letters := func(n int) string { return string(foldLetters(genParagraph(r, n+3))[:n]) }
	for _, n := range []int{Guarantee, Guarantee + 1, Guarantee + 3, Guarantee + 7} {
		for k := range 4 {
			key := randomKey(t, r)
			doc := []rune(letters(n))
			x := docIndex(t, key, map[string][]string{"d": {string(doc)}})
			for j := range doc {
				for how, edit := range []string{"changed", "left out", "added"} {
					var e []rune
					e = append(e, doc[:j]...)
					if how != 1 {
						e = append(e, '品')
					}
					if how == 2 {
						e = append(e, doc[j:]...)
					} else {
						e = append(e, doc[j+1:]...)
					}
					copied := string(e)
					if len(x.Documents(copied, nil)) != 1 {
						if n != Guarantee || how != 1 {
							t.Errorf("%d letters, key %d, character %d %s: the copy alone missed", n, k, j, edit)
						}
						continue
					}
					for align := range gramStride {
						for _, msg := range []string{letters(200+align) + copied, copied + letters(200+align), letters(140+align) + copied + letters(140)} {
							if m := x.Documents(msg, nil); len(m) != 1 || m[0].Set != "d" {
								t.Errorf("%d letters, key %d, character %d %s, in %d letters: %+v", n, k, j, edit, len(foldLetters(msg)), m)
							}
						}
					}
				}
			}
		}
	}
}

// TestKgramPowK: the constant is kgramBase to the power K.
func TestKgramPowK(t *testing.T) {
	p := uint64(1)
	for range K {
		p *= kgramBase
	}
	if p != kgramPowK {
		t.Fatalf("kgramPowK %#x, kgramBase^K %#x", uint64(kgramPowK), p)
	}
}
