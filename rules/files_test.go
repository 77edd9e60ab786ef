package rules

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestDefaultFiles(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatalf("DefaultFiles: %v", err)
	}
	for _, p := range []string{"policy.yaml", "lists/allow/common.txt", "lists/ads/spam.txt"} {
		if len(files[p]) == 0 {
			t.Errorf("DefaultFiles has no %s", p)
		}
	}
	for p := range files {
		if p != "policy.yaml" && !strings.HasPrefix(p, "lists/") {
			t.Errorf("DefaultFiles holds %q, which LoadFiles refuses", p)
		}
	}
	rs, err := LoadFiles(files)
	if err != nil {
		t.Fatalf("LoadFiles(DefaultFiles()): %v", err)
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rs.Summary(), def.Summary(); got != want {
		t.Errorf("LoadFiles(DefaultFiles()) differs from Default():\n%s\nwant\n%s", got, want)
	}
	if len(rs.Rules) != len(def.Rules) || len(rs.Allow) != len(def.Allow) || len(rs.Categories) != len(def.Categories) {
		t.Errorf("got %d rules, %d allow phrases, %d categories; want %d, %d, %d",
			len(rs.Rules), len(rs.Allow), len(rs.Categories), len(def.Rules), len(def.Allow), len(def.Categories))
	}
}

func TestLoadFiles(t *testing.T) {
	base := func() map[string][]byte {
		return map[string][]byte{
			"policy.yaml":            []byte(validPolicy),
			"lists/bad/words.txt":    []byte("赌博\n冰毒\tcritical\tdrugs\n"),
			"lists/spam/ads.txt":     []byte("刷单\n"),
			"lists/allow/common.txt": []byte("大麻烦\n"),
		}
	}
	tests := []struct {
		name   string
		edit   func(m map[string][]byte)
		want   []string // problems; none: the load succeeds
		verify func(t *testing.T, rs *RuleSet)
	}{
		{name: "with allow list", edit: func(map[string][]byte) {}, verify: func(t *testing.T, rs *RuleSet) {
			if len(rs.Allow) != 1 || rs.Allow[0].Text != "大麻烦" {
				t.Errorf("allow: got %+v", rs.Allow)
			}
		}},
		{name: "without allow lists", edit: func(m map[string][]byte) { delete(m, "lists/allow/common.txt") }, verify: func(t *testing.T, rs *RuleSet) {
			if len(rs.Allow) != 0 || len(rs.Categories[0].Lists) != 1 {
				t.Errorf("got allow %+v, lists %+v", rs.Allow, rs.Categories[0].Lists)
			}
		}},
		{name: "without any list", edit: func(m map[string][]byte) {
			for p := range m {
				if p != "policy.yaml" {
					delete(m, p)
				}
			}
			m["policy.yaml"] = []byte(strings.Replace(validPolicy, "      lists: [spam/ads]\n", "      categories: [spam]\n", 1))
		}, verify: func(t *testing.T, rs *RuleSet) {
			if len(rs.Rules) != 3 {
				t.Errorf("got %d rules, want 3", len(rs.Rules))
			}
		}},
		{name: "problems with file and line", edit: func(m map[string][]byte) {
			m["lists/spam/ads.txt"] = []byte("刷单\n~~\n")
			m["policy.yaml"] = []byte(validPolicy + "ladder:\n  hr_after: 0\n")
		}, want: []string{`lists/spam/ads.txt:2: entry "~~" is empty after normalization`, `policy.yaml:30: ladder: hr_after is 0`}},
		{name: "bad paths", edit: func(m map[string][]byte) {
			m["../evil.txt"] = []byte("x\n")
			m["/abs/policy.yaml"] = []byte("x\n")
			m["README.md"] = []byte("# rules\n")
			m["list/ads/x.txt"] = []byte("x\n")
		}, want: []string{
			`../evil.txt: is not a valid path in a rule directory`,
			`/abs/policy.yaml: is not a valid path`,
			`README.md: is neither policy.yaml nor a list under lists/`,
			`list/ads/x.txt: is neither policy.yaml nor a list under lists/`,
		}},
		{name: "bad path and bad content together", edit: func(m map[string][]byte) {
			m["notes.txt"] = nil
			m["lists/spam/ads.txt"] = []byte("x\tvery\n")
		}, want: []string{"2 problems:", `lists/spam/ads.txt:1: unknown severity "very"`, `notes.txt: is neither`}},
		{name: "no policy", edit: func(m map[string][]byte) { delete(m, "policy.yaml") },
			want: []string{`policy.yaml: cannot read the policy`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			rs, err := LoadFiles(m)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("LoadFiles: %v", err)
				}
				tc.verify(t, rs)
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || rs != nil {
				t.Fatalf("got %v, %v; want a *ValidationError", rs, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}

// TestEditedListIsEnforced goes the way of an admin edit: the default
// files, a word added with EditList, LoadFiles, Compile, and a message
// with the word.
func TestEditedListIsEnforced(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	files = maps.Clone(files)
	const p = "lists/ads/spam.txt"
	const msg = "周末一起去薅羊毛群"
	before := evaluate(t, files, msg)
	if before.Action != ActionNone {
		t.Fatalf("before the edit: got %v, want none", before.Action)
	}
	edited, problems := EditList(files[p], []ListEntry{{Word: "薅羊毛群", Severity: SeverityHigh, Note: "spam groups"}}, []string{"刷单"})
	if len(problems) > 0 {
		t.Fatalf("EditList: %q", problemStrings(problems))
	}
	files[p] = edited
	after := evaluate(t, files, msg)
	if after.Action != ActionWarn || after.Severity != SeverityHigh || len(after.Hits) != 1 || after.Hits[0].List != "ads/spam" {
		t.Errorf("after the edit: got %+v, want one warn hit of high severity from ads/spam", after)
	}
	if v := evaluate(t, files, "有人刷单吗"); slices.ContainsFunc(v.Hits, func(h Hit) bool { return h.List == "ads/spam" }) {
		t.Errorf("the removed word still hits: %+v", v.Hits)
	}
}

func evaluate(t *testing.T, files map[string][]byte, text string) Verdict {
	t.Helper()
	rs, err := LoadFiles(files)
	if err != nil {
		t.Fatalf("LoadFiles: %v", err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return e.Evaluate(text, Context{ChatKind: ChatWork})
}
