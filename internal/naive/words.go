package naive

import (
	"fmt"
	"os"
	"strings"

	"github.com/wecom-guard/wecom-guard/rules"
)

// PolicyWords returns every word of every category list of rs: what the naive server's filter holds to be compared with the
// engine compiled from rs.
func PolicyWords(rs *rules.RuleSet) []string {
	var words []string
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			for _, w := range l.Words {
				words = append(words, w.Text)
			}
		}
	}
	return words
}

// WithLexicon returns rs with the entries of lexicon (one a line, as in a
// list file) that a list file can hold added to its illegal category as
// the list "illegal/bench", and how many were dropped; the benchmarks and
// the naive server's --lexicon use it so that both sides hold the same
// words.
func WithLexicon(rs *rules.RuleSet, lexicon []byte) (*rules.RuleSet, int, error) {
	const file = "lists/illegal/bench.txt"
	entries, problems := rules.ParseList(file, lexicon)
	list := rules.List{Name: "bench", File: file}
	for i, e := range entries {
		list.Words = append(list.Words, rules.Word{Text: e.Word, Severity: e.Severity, Line: i + 1})
	}
	for ci := range rs.Categories {
		if rs.Categories[ci].Name == "illegal" {
			rs.Categories[ci].Lists = append(rs.Categories[ci].Lists, list)
			return rs, len(problems), nil
		}
	}
	return nil, 0, fmt.Errorf("add lexicon: the rule set has no illegal category")
}

// ReadLexicon reads a lexicon file.
func ReadLexicon(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	return data, nil
}

// GeneratedLexicon formats words as a lexicon file.
func GeneratedLexicon(words []string) []byte {
	return []byte(strings.Join(words, "\n") + "\n")
}
