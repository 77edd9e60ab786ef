package rules

import (
	"strings"
	"testing"
)

// togetherPolicy is validPolicy with spam/ads.txt a together list of
// threshold n.
func togetherPolicy(t *testing.T, n string) string {
	return replace(t, "  - name: spam\n", "  - name: spam\n    together_lists: {ads: "+n+"}\n")
}

func TestTogetherListLoads(t *testing.T) {
	rs, err := LoadDir(policyFS(togetherPolicy(t, "2")))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rs.Categories {
		for _, li := range c.Lists {
			want := 0
			if c.Name == "spam" && li.Name == "ads" {
				want = 2
			}
			if li.Together != want {
				t.Errorf("%s/%s: Together = %d, want %d", c.Name, li.Name, li.Together, want)
			}
		}
	}
}

// A category's intercept leaves its together lists out.
func TestTogetherListNotIntercepted(t *testing.T) {
	rs, err := LoadDir(policyFS(replace(t, "  - name: spam\n", "  - name: spam\n    together_lists: {ads: 2}\n    intercept: warn\n"),
		"lists/spam/more.txt", "代开发票\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rs.Categories {
		for _, li := range c.Lists {
			if c.Name != "spam" {
				continue
			}
			if want := map[string]Intercept{"ads": InterceptOff, "more": InterceptWarn}[li.Name]; li.Intercept != want {
				t.Errorf("spam/%s: Intercept = %v, want %v", li.Name, li.Intercept, want)
			}
		}
	}
}

func TestTogetherListProblems(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		extra  []string
		want   string
	}{
		{"unknown list", replace(t, "  - name: spam\n", "  - name: spam\n    together_lists: {adz: 2}\n"), nil,
			`together_lists names "adz" but there is no lists/spam/adz.txt`},
		{"one word", togetherPolicy(t, "1"), nil, `together_lists gives "ads" 1; give how many different words`},
		{"too many", togetherPolicy(t, "9"), nil, `together_lists gives "ads" 9`},
		{"word in two lists", togetherPolicy(t, "2"), []string{"lists/spam/more.txt", "刷单\n"},
			`"刷单" is in together list spam/ads and in list spam/more`},
		{"word in another category's list", togetherPolicy(t, "2"), []string{"lists/bad/more.txt", "刷单\n"},
			`"刷单" is in together list spam/ads and in list bad/more`},
		{"intercepted", replace(t, "  - name: spam\n", "  - name: spam\n    together_lists: {ads: 2}\n    intercept_lists: {ads: warn}\n"), nil,
			`list "ads" is both a together list and a WeCom intercept list`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadDir(policyFS(tc.policy, tc.extra...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadDir: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestTogetherListEvaluate(t *testing.T) {
	rs, err := LoadDir(policyFS(togetherPolicy(t, "2"), "lists/spam/ads.txt", "刷单\n兼职日结\n日赚\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		hits int // hits of spam/ads
	}{
		{"今天刷单了吗", 0},          // one word: ordinary alone
		{"刷单刷单，刷单", 0},         // one word repeated is still one
		{"刷单，兼职日结", 2},         // two different words: both hits
		{"刷单，兼职日结，日赚三百，刷单", 4}, // every hit of the list stands
		{"赌博", 0},              // another list's hit is untouched
	}
	for _, tc := range tests {
		v := e.Evaluate(tc.text, Context{ChatKind: ChatWork})
		n := 0
		for _, h := range v.Hits {
			if h.List == "spam/ads" {
				n++
			}
		}
		if n != tc.hits {
			t.Errorf("%q: %d hits of spam/ads, want %d: %+v", tc.text, n, tc.hits, v.Hits)
		}
		if (n > 0) != (v.Action == ActionWarn) && !strings.Contains(tc.text, "赌博") {
			t.Errorf("%q: action %v with %d hits", tc.text, v.Action, n)
		}
	}
	if v := e.Evaluate("赌博，刷单", Context{ChatKind: ChatWork}); v.Action != ActionAlertOwner || len(v.Hits) != 1 {
		t.Errorf("赌博，刷单: %+v, want the one hit of bad/words", v)
	}
}

// A word added to a together list by an edit (a layered engine) counts
// with the words of the base, as the engine compiled in full counts them.
func TestTogetherListLayered(t *testing.T) {
	policy := togetherPolicy(t, "2")
	base, err := LoadDir(policyFS(policy, "lists/spam/ads.txt", "刷单\n兼职日结\n"))
	if err != nil {
		t.Fatal(err)
	}
	next, err := LoadDir(policyFS(policy, "lists/spam/ads.txt", "刷单\n兼职日结\n日赚\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(base)
	if err != nil {
		t.Fatal(err)
	}
	layered, ok, err := e.Update(next)
	if err != nil || !ok || layered.layer == nil {
		t.Fatalf("Update: ok %v, err %v", ok, err)
	}
	full, err := Compile(next)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"日赚三百", "刷单，日赚三百", "兼职日结，日赚", "刷单", "刷单，兼职日结"} {
		got, want := layered.Evaluate(text, Context{ChatKind: ChatWork}), full.Evaluate(text, Context{ChatKind: ChatWork})
		if got.Action != want.Action || len(got.Hits) != len(want.Hits) {
			t.Errorf("%q: layered %+v, compiled in full %+v", text, got, want)
		}
	}
	if v := layered.Evaluate("刷单，日赚三百", Context{ChatKind: ChatWork}); v.Action != ActionWarn {
		t.Errorf("刷单，日赚三百 on the layered engine: %+v, want a warning", v)
	}
}

// One word written twice, once in pinyin, counts once; a held hit does
// not count toward the threshold (review revtg).
func TestTogetherListCountsListedEnforcedWords(t *testing.T) {
	policy := replace(t, "  - name: spam\n", "  - name: spam\n    pinyin: true\n    together_lists: {ads: 2}\n")
	rs, err := LoadDir(policyFS(policy))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	count := func(e *Engine, text string) int {
		n := 0
		for _, h := range e.Evaluate(text, Context{ChatKind: ChatWork}).Hits {
			if h.List == "spam/ads" {
				n++
			}
		}
		return n
	}
	if n := count(e, "刷单，shuadan"); n != 0 {
		t.Errorf("刷单，shuadan: %d hits of spam/ads, want 0 (one word in two spellings)", n)
	}
	if n := count(e, "刷单，jianzhirijie"); n != 2 {
		t.Errorf("刷单，jianzhirijie: %d hits of spam/ads, want 2", n)
	}
	// The rule enforces exact forms only: the pinyin hit is held.
	rs, err = LoadDir(policyFS(strings.Replace(policy, "    allow: [刷单软件]\n", "    allow: [刷单软件]\n    forms: [exact]\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if e, err = Compile(rs); err != nil {
		t.Fatal(err)
	}
	if n := count(e, "刷单，jianzhirijie"); n != 0 {
		t.Errorf("刷单，jianzhirijie with pinyin held: %d hits of spam/ads, want 0", n)
	}
	if n := count(e, "刷单，兼职日结"); n != 2 {
		t.Errorf("刷单，兼职日结: %d hits of spam/ads, want 2", n)
	}
}
