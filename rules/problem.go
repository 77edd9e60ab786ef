package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a rule directory: where it is and what to
// do about it.
type Problem struct {
	File string // path inside the rule directory, e.g. "policy.yaml"
	Line int    // 1-based; 0 when the problem is about the whole file
	Msg  string
}

// String formats p as "file:line: message" (or "file: message").
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// ValidationError lists every problem found in a rule directory, in file
// and line order.
type ValidationError struct {
	Problems []Problem
}

// Error returns all problems, one a line.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// sortProblems puts problems in file and line order.
func sortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
}
