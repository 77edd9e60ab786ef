package rules

import (
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
