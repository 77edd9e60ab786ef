package rules

import (
	"strings"
	"testing"
)

// TestSplitOnlyLists checks the policy option split_only_lists: the list
// is marked SplitOnly and kept out of WeCom's intercept rules, its words
// match only in split characters, and a word another list of the rule set
// holds as written still matches as written.
func TestSplitOnlyLists(t *testing.T) {
	policy := replace(t, "  - name: bad\n    severity: high\n", "  - name: bad\n    severity: high\n    intercept: block\n    split_only_lists: [split]\n")
	rs, err := LoadDir(policyFS(policy, "lists/bad/split.txt", "枪\n婊子\n大麻\n"))
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			wantOnly := c.Name+"/"+l.Name == "bad/split"
			if l.SplitOnly != wantOnly {
				t.Errorf("%s/%s: SplitOnly = %v, want %v", c.Name, l.Name, l.SplitOnly, wantOnly)
			}
			if c.Name == "bad" && (l.Intercept == InterceptOff) != wantOnly {
				t.Errorf("%s/%s: intercept %v; a split-only list is off, the others block", c.Name, l.Name, l.Intercept)
			}
		}
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	for _, tc := range []struct {
		text string
		want string // the hit's evidence as written, "" for none
	}{
		{"有木仓吗", "木仓"},
		{"你个女表子", "女表子"},
		{"枪支管理", ""},
		{"婊子", ""},
		{"卖大麻", "大麻"}, // bad/words.txt holds it as written
	} {
		v := e.Evaluate(tc.text, Context{ChatKind: ChatWork})
		var got []string
		for _, h := range v.Hits {
			got = append(got, string([]rune(tc.text)[h.Start:h.End]))
		}
		if g := strings.Join(got, ","); g != tc.want {
			t.Errorf("Evaluate(%q) hits %q, want %q", tc.text, g, tc.want)
		}
	}
}

// TestSplitOnlyListsUnknown: a list name that is no file of the category
// is a problem that says what to write.
func TestSplitOnlyListsUnknown(t *testing.T) {
	policy := replace(t, "  - name: bad\n    severity: high\n", "  - name: bad\n    severity: high\n    split_only_lists: [nosuch]\n")
	_, err := LoadDir(policyFS(policy))
	if err == nil || !strings.Contains(err.Error(), `split_only_lists names "nosuch" but there is no lists/bad/nosuch.txt`) {
		t.Fatalf("LoadDir: %v, want a problem naming split_only_lists", err)
	}
}
