package rules

import (
	"strings"
	"testing"
)

// evasion is one line of testdata/evasions-zh.txt.
type evasion struct {
	family  string
	pending bool // needs a form package moderation does not match yet
	text    string
}

func readEvasions(t testing.TB) []evasion {
	t.Helper()
	var out []evasion
	for _, l := range readLines(t, "testdata/evasions-zh.txt") {
		family, text, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("evasion line %q has no TAB", l)
		}
		e := evasion{family: family, text: text}
		if f, ok := strings.CutPrefix(family, "pending: "); ok {
			e.family, e.pending = f, true
		}
		out = append(out, e)
	}
	return out
}

// TestEvasions wants the default policy to act on every evasion of the
// families it handles (in a work group, where ads rules apply), with at
// least ten examples a family, and counts the pending families.
func TestEvasions(t *testing.T) {
	e := defaultEngine(t)
	perFamily := map[string]int{}
	caught := map[string]int{}
	for _, ev := range readEvasions(t) {
		perFamily[ev.family]++
		v := e.Evaluate(ev.text, Context{ChatKind: ChatWork, Explain: true})
		if v.Action != ActionNone {
			caught[ev.family]++
		}
		if ev.pending {
			continue
		}
		if v.Action == ActionNone {
			var why []string
			for _, h := range v.Hits {
				why = append(why, h.Explanation)
			}
			t.Errorf("%s: %q not acted on (hits: %v)", ev.family, ev.text, why)
		}
	}
	for family, n := range perFamily {
		if n < 10 {
			t.Errorf("family %s has %d examples, want at least 10", family, n)
		}
		t.Logf("%-10s %2d of %2d acted on", family, caught[family], n)
	}
}

// TestContextRulesRecall measures what the context rules and the
// precision pass cost on evasions: every example of the handled families
// is acted on (TestEvasions), and none of their hits is lowered by a
// context rule.
func TestContextRulesRecall(t *testing.T) {
	e := defaultEngine(t)
	lowered, total := 0, 0
	for _, ev := range readEvasions(t) {
		v := e.Evaluate(ev.text, Context{ChatKind: ChatWork})
		for _, h := range v.Hits {
			total++
			if h.Context == "" {
				continue
			}
			lowered++
			if !ev.pending {
				t.Errorf("%s: %q: hit %q lowered by context rule %q", ev.family, ev.text, h.Masked, h.Context)
			}
		}
	}
	t.Logf("context rules lowered %d of %d hits on the evasions", lowered, total)
}
