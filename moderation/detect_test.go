package moderation_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// actOn is the confidence from which a default policy acts on a detector
// finding; detectors rate what the context makes doubtful below it.
const actOn = 50

// dhit is an expected detector finding: its kind, the text it covers (the
// first occurrence of sub in the message), its form and whether its
// confidence is high enough to act on.
type dhit struct {
	kind moderation.Kind
	sub  string
	form moderation.Form
	low  bool // confidence below actOn
}

type dcase struct {
	name string
	text string
	hits []dhit
}

func detectScanner(t testing.TB) *moderation.Scanner {
	t.Helper()
	s, err := moderation.Compile(nil, moderation.Options{
		Detectors:       moderation.AllDetectors,
		URLAllowDomains: []string{"corp.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runDetect checks that Scan finds exactly the hits of each case, at the
// right positions, with the right form and confidence class.
func runDetect(t *testing.T, s *moderation.Scanner, cases []dcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Scan(tc.text, nil)
			var want []string
			for _, h := range tc.hits {
				i := strings.Index(tc.text, h.sub)
				if i < 0 {
					t.Fatalf("bad test: %q not in %q", h.sub, tc.text)
				}
				start := utf8.RuneCountInString(tc.text[:i])
				want = append(want, fmt.Sprintf("%s[%d,%d) %s low=%v", h.kind, start, start+utf8.RuneCountInString(h.sub), h.form, h.low))
			}
			var have []string
			runes := []rune(tc.text)
			for _, f := range got {
				if f.Confidence < 1 || f.Confidence > 100 {
					t.Errorf("finding %v: confidence %d outside 1–100", f, f.Confidence)
				}
				have = append(have, fmt.Sprintf("%s[%d,%d) %s low=%v", f.Kind, f.Start, f.End, f.Form, f.Confidence < actOn))
			}
			if strings.Join(have, "; ") != strings.Join(want, "; ") {
				var spans []string
				for _, f := range got {
					spans = append(spans, fmt.Sprintf("%q/%d", string(runes[f.Start:f.End]), f.Confidence))
				}
				t.Errorf("Scan(%q)\n got  %v %v\n want %v", tc.text, have, spans, want)
			}
		})
	}
}

// runTraps checks that no case yields a finding of kind that a policy would
// act on.
func runTraps(t *testing.T, s *moderation.Scanner, kind moderation.Kind, texts []string) {
	t.Helper()
	for _, text := range texts {
		for _, f := range s.Scan(text, nil) {
			if f.Kind == kind && f.Confidence >= actOn {
				t.Errorf("Scan(%q): %v %q at confidence %d, want none at %d or more",
					text, f.Kind, string([]rune(text)[f.Start:f.End]), f.Confidence, actOn)
			}
		}
	}
}
