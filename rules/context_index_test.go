package rules

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCueIndex checks the one-pass cue index against a search for the
// first character of every cue, on every clause of the committed corpora.
func TestCueIndex(t *testing.T) {
	firsts := make([]string, len(contextRules))
	for i, r := range contextRules {
		for _, c := range r.Cues {
			first, _ := utf8.DecodeRuneInString(c)
			firsts[i] += string(first)
		}
	}
	clauses, cued := 0, 0
	for _, line := range latticeLines(t) {
		for _, clause := range strings.FieldsFunc(line, isClauseEnd) {
			clauses++
			got := cueIndex().present(clause)
			for i := range contextRules {
				want := firsts[i] != "" && strings.ContainsAny(clause, firsts[i])
				if (got&(1<<i) != 0) != want {
					t.Errorf("%q: rule %s cued %v, want %v", clause, contextRules[i].Name, !want, want)
				}
				if want {
					cued++
				}
			}
		}
	}
	if cued == 0 || clauses < 1000 {
		t.Fatalf("%d clauses, %d cued", clauses, cued)
	}
}

// TestWordIndex checks each rule's word index against a search for every
// word, on every line of the committed corpora (and each rule's own words,
// so that every word is found at least once).
func TestWordIndex(t *testing.T) {
	lines := latticeLines(t)
	found := 0
	for i, r := range contextRules {
		own := append(append([]string{}, lines...), r.Around...)
		own = append(own, r.Unless...)
		for _, list := range []struct {
			words []string
			ix    *wordIndex
		}{{r.Around, contextWords()[i].around}, {r.Unless, contextWords()[i].unless}} {
			for _, s := range own {
				got, want := list.ix.in(s), containsAny(s, list.words)
				if got != want {
					t.Errorf("rule %s: %q: index %v, search %v", r.Name, s, got, want)
				}
				if got {
					found++
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no word found")
	}
}

// TestWordIndexRandom checks wordIndex against a search for every word on
// random word lists and texts drawn from a small alphabet, so that most
// texts hold a word or the start of one: Chinese characters at both ends
// of the indexed block and just outside it, ASCII, full-width letters,
// an emoji and an invalid byte. The seed is fixed: a failure reproduces.
func TestWordIndexRandom(t *testing.T) {
	alphabet := []string{"\u4e00", "\u9fff", "\ua000", "\u4dff", "赌", "博", "加", "我", "微", "信",
		"a", "V", "x", "1", " ", "，", "ｖ", "😀", "\xff"}
	rng := rand.New(rand.NewPCG(9, 13))
	draw := func(max int) string {
		var b strings.Builder
		for n := rng.IntN(max + 1); n > 0; n-- {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	found, missed := 0, 0
	for round := 0; round < 2000; round++ {
		words := make([]string, 1+rng.IntN(12))
		for i := range words {
			words[i] = draw(3)
			if words[i] == "" && rng.IntN(4) > 0 {
				words[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		ix := newWordIndex(words)
		for k := 0; k < 20; k++ {
			s := draw(10)
			got, want := ix.in(s), containsAny(s, words)
			if got != want {
				t.Fatalf("words %q, text %q: index %v, search %v", words, s, got, want)
			}
			if got {
				found++
			} else {
				missed++
			}
		}
	}
	if found == 0 || missed == 0 {
		t.Fatalf("found %d, missed %d: the draw does not exercise both answers", found, missed)
	}
}
