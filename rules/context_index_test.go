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
