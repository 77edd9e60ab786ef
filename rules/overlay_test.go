package rules

import (
	"reflect"
	"slices"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// edited returns a copy of rs whose lists edit may change.
func edited(rs *RuleSet, edit func(rs *RuleSet)) *RuleSet {
	c := *rs
	c.Categories = slices.Clone(rs.Categories)
	for i := range c.Categories {
		c.Categories[i].Lists = slices.Clone(c.Categories[i].Lists)
		for j := range c.Categories[i].Lists {
			c.Categories[i].Lists[j].Words = slices.Clone(c.Categories[i].Lists[j].Words)
		}
	}
	c.Rules = slices.Clone(rs.Rules)
	edit(&c)
	return &c
}

// list returns the list named cat/name of rs.
func list(t *testing.T, rs *RuleSet, cat, name string) *List {
	t.Helper()
	for ci := range rs.Categories {
		for li := range rs.Categories[ci].Lists {
			if rs.Categories[ci].Name == cat && rs.Categories[ci].Lists[li].Name == name {
				return &rs.Categories[ci].Lists[li]
			}
		}
	}
	t.Fatalf("no list %s/%s", cat, name)
	return nil
}

// TestUpdateEquivalentToCompile is the differential proof of the overlay:
// after words are added, removed, moved between lists and given another
// severity — one edit, then another layered over the same base — the
// layered engine's verdicts equal those of the edited set compiled in
// full, on generated chat messages and on messages holding the edited
// words in every form.
func TestUpdateEquivalentToCompile(t *testing.T) {
	lexicon := moderationtest.Lexicon(35000, benchSeed)
	rs, _ := withLexicon(t, lexicon)
	base, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	bench := list(t, rs, "illegal", "bench")
	removed := bench.Words[100].Text
	moved := bench.Words[200].Text
	reweighed := bench.Words[300].Text
	added := []string{"翻墙软件下载站", "代开发票找我", "fanqiangruanjian"}
	first := edited(rs, func(rs *RuleSet) {
		l := list(t, rs, "illegal", "bench")
		for _, w := range added {
			l.Words = append(l.Words, Word{Text: w, Line: 99999})
		}
		l.Words = slices.DeleteFunc(l.Words, func(w Word) bool { return w.Text == removed || w.Text == moved })
		i := slices.IndexFunc(l.Words, func(w Word) bool { return w.Text == reweighed })
		l.Words[i].Severity = SeverityCritical
		abuse := list(t, rs, rs.Categories[0].Name, rs.Categories[0].Lists[0].Name)
		abuse.Words = append(abuse.Words, Word{Text: moved})
	})
	second := edited(first, func(rs *RuleSet) {
		l := list(t, rs, "illegal", "bench")
		l.Words = slices.DeleteFunc(l.Words, func(w Word) bool { return w.Text == added[0] })
		l.Words = append(l.Words, Word{Text: "第二次加的词"})
	})
	messages := moderationtest.Messages(3000, benchSeed)
	for _, w := range append(slices.Clone(added), removed, moved, reweighed, "第二次加的词", lexicon[5]) {
		messages = append(messages, w, "你好，"+w+"。", "请看 "+w+" 这个", "这是"+w+"吗")
	}
	layered := base
	for n, next := range []*RuleSet{first, second} {
		var ok bool
		layered, ok, err = layered.Update(next)
		if err != nil || !ok {
			t.Fatalf("edit %d: Update = %v, %v; want layered", n+1, ok, err)
		}
		if layered.layer.base.unmasked != base {
			t.Fatalf("edit %d: layered over another layer, not the base", n+1)
		}
		full, err := Compile(next)
		if err != nil {
			t.Fatal(err)
		}
		if layered.Words() != full.Words() {
			t.Errorf("edit %d: Words() = %d, full compile %d", n+1, layered.Words(), full.Words())
		}
		differ := 0
		for _, m := range messages {
			for _, kind := range []ChatKind{ChatWork, ChatDirect} {
				mc := Context{ChatKind: kind}
				got, want := layered.Evaluate(m, mc), full.Evaluate(m, mc)
				if !reflect.DeepEqual(got, want) {
					differ++
					if differ <= 5 {
						t.Errorf("edit %d: %q in %v:\nlayered %+v\nfull    %+v", n+1, m, kind, got, want)
					}
				}
			}
		}
		if differ > 0 {
			t.Errorf("edit %d: %d of %d verdicts differ", n+1, differ, 2*len(messages))
		}
	}
	// The edits are enforced at all (the comparison above is not vacuous).
	if v := layered.Evaluate("请看 "+added[1]+" 这个", Context{ChatKind: ChatWork}); len(v.Hits) == 0 {
		t.Errorf("the added word %q is not found", added[1])
	}
	if v := base.Evaluate(removed, Context{ChatKind: ChatWork}); len(v.Hits) == 0 {
		t.Fatalf("the base does not find %q: pick a word it finds", removed)
	}
}

// TestUpdateRefusesOtherChanges: anything but list words is compiled in
// full (Update says no), and so is an edit of more than MaxOverlayWords.
func TestUpdateRefusesOtherChanges(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(rs *RuleSet){
		"rule shadow": func(rs *RuleSet) { rs.Rules[0].Shadow = !rs.Rules[0].Shadow },
		"list flag":   func(rs *RuleSet) { rs.Categories[0].Lists[0].Pinyin = !rs.Categories[0].Lists[0].Pinyin },
		"allow":       func(rs *RuleSet) { rs.Allow = append(rs.Allow, Word{Text: "新的放行词"}) },
		"new list":    func(rs *RuleSet) { rs.Categories[0].Lists = append(rs.Categories[0].Lists, List{Name: "x"}) },
		"label":       func(rs *RuleSet) { rs.Categories[0].Label = "别的" },
		"too many words": func(rs *RuleSet) {
			for i := range MaxOverlayWords + 1 {
				rs.Categories[0].Lists[0].Words = append(rs.Categories[0].Lists[0].Words, Word{Text: "词" + string(rune(0x4e00+i))})
			}
		},
	} {
		if _, ok, err := e.Update(edited(rs, edit)); ok || err != nil {
			t.Errorf("%s: Update = %v, %v; want a full compile", name, ok, err)
		}
	}
	if _, ok, err := e.Update(edited(rs, func(*RuleSet) {})); !ok || err != nil {
		t.Errorf("no change: Update = %v, %v; want layered", ok, err)
	}
}

// TestCloneCopiesEveryField: the masked base shares every field of the
// engine it masks but the per-word table (and its own pool): a field added
// to Engine must be added to cloneWith too.
func TestCloneCopiesEveryField(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	c := e.cloneWith(slices.Clone(e.keywords))
	ve, vc := reflect.ValueOf(e).Elem(), reflect.ValueOf(c).Elem()
	for i := range ve.NumField() {
		name := ve.Type().Field(i).Name
		switch name {
		case "pool", "layer":
			continue
		}
		if ve.Field(i).IsZero() {
			continue
		}
		if vc.Field(i).IsZero() {
			t.Errorf("cloneWith does not copy Engine.%s", name)
		}
	}
}
