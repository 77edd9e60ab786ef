package moderation

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/runenames"
)

// TestSmallCapitalsFold checks smallCapitals against Unicode's names: every
// Latin small capital of one letter, plain or with a mark that still reads
// as the letter, folds to that letter (ꞯ U+A7AF was missed: held9f), and
// the Greek letters confusables.txt maps to a Latin small capital or ĸ fold
// on to ASCII (κ, τ, ᴩ).
func TestSmallCapitalsFold(t *testing.T) {
	n := NewNormalizer()
	fold := func(r rune) string {
		out, _, _ := n.Append(string(r), nil, nil)
		return string(out)
	}
	name := regexp.MustCompile(`^(?:LATIN|MODIFIER) LETTER SMALL CAPITAL (?:BARRED )?([A-Z])(?: WITH (?:HOOK|STROKE|BELT|RIGHT LEG))?$|^LATIN SMALL CAPITAL LETTER ([A-Z]) WITH STROKE$`)
	seen := 0
	for r := rune(0x80); r < 0x20000; r++ {
		m := name.FindStringSubmatch(runenames.Name(r))
		if m == nil {
			continue
		}
		seen++
		if want := strings.ToLower(m[1] + m[2]); fold(r) != want {
			t.Errorf("%U %c (%s) folds to %q, want %q", r, r, runenames.Name(r), fold(r), want)
		}
	}
	if seen < 30 {
		t.Fatalf("only %d small capitals found by name", seen)
	}
	for _, c := range []struct {
		r    rune
		want string
	}{{'κ', "k"}, {'ϰ', "k"}, {'τ', "t"}, {'ᴩ', "p"}, {'Κ', "k"}, {'Τ', "t"}, {'ĸ', "k"}} {
		if got := fold(c.r); got != c.want {
			t.Errorf("%U %c folds to %q, want %q", c.r, c.r, got, c.want)
		}
	}
}
