package rules

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// lineHunk is the edit from old to next as ListHunk takes it: the lines
// between their common leading and trailing lines (as the store's delta).
func lineHunk(old, next []byte) ListHunk {
	a, b := bytes.SplitAfter(old, []byte("\n")), bytes.SplitAfter(next, []byte("\n"))
	p := 0
	for p < len(a) && p < len(b) && bytes.Equal(a[p], b[p]) && bytes.HasSuffix(a[p], []byte("\n")) {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && bytes.Equal(a[len(a)-1-s], b[len(b)-1-s]) {
		s++
	}
	at := len(bytes.Join(a[:p], nil))
	return ListHunk{Data: next, At: at, Removed: bytes.Join(a[p:len(a)-s], nil), Added: bytes.Join(b[p:len(b)-s], nil)}
}

// entries is what of rs's lists matching depends on: by list, each word's
// severity.
func entries(rs *RuleSet) map[string]map[string]Severity {
	out := map[string]map[string]Severity{}
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			m := map[string]Severity{}
			for _, w := range l.Words {
				m[w.Text] = w.Severity
			}
			out[c.Name+"/"+l.Name] = m
		}
	}
	return out
}

// TestListHunksEquivalentToFullRead is the differential proof of edits
// applied as hunks: after each of a series of edits of a generated list
// (words added, removed, given another severity, a duplicate line removed
// or added, a word another list holds added, many words at once,
// comments), the rule set WithListHunks gives lists what loading the files
// gives, it names the words that changed as comparing the lists does, and
// the engine UpdateWords layers over the previous one (each edit over the
// last) answers as the edited files compiled in full.
func TestListHunksEquivalentToFullRead(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	const path = "lists/illegal/bench.txt"
	var l loader
	var lexicon []string
	for _, w := range moderationtest.Lexicon(4000, benchSeed) {
		if l.checkWord(w) == "" {
			lexicon = append(lexicon, w)
		}
	}
	var list strings.Builder
	list.WriteString("# generated\n")
	for i, w := range lexicon[:3000] {
		list.WriteString(w)
		if i%500 == 7 {
			list.WriteString("\thigh\t有备注")
		}
		list.WriteString("\n")
	}
	// A duplicate of an early word, with another severity: ignored while
	// the first stands.
	dup := lexicon[20]
	list.WriteString(dup + "\tcritical\n")
	files[path] = []byte(list.String())
	rs, err := LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	other := strings.TrimSpace(strings.Split(string(files["lists/ads/spam.txt"]), "\n")[len(strings.Split(string(files["lists/ads/spam.txt"]), "\n"))/2])
	replace := func(data, old, next string) string {
		if !strings.Contains(data, old) {
			t.Fatalf("%q is not in the list", old)
		}
		return strings.Replace(data, old, next, 1)
	}
	many := strings.Join(lexicon[3000:3030], "\n") + "\n"
	edits := []struct {
		name string
		edit func(data string) string
	}{
		{"one word added", func(d string) string { return d + "新加的违禁词\n" }},
		{"one removed, two added in its place", func(d string) string {
			return replace(d, "\n"+lexicon[1000]+"\n", "\n替换词一号\n替换词二号\n")
		}},
		{"severity changed", func(d string) string { return replace(d, "\n"+lexicon[1500]+"\n", "\n"+lexicon[1500]+"\tcritical\n") }},
		{"the first of a duplicate removed", func(d string) string { return replace(d, "\n"+dup+"\n", "\n") }},
		{"a duplicate of a listed word added", func(d string) string {
			return replace(d, "\n"+lexicon[5]+"\n", "\n"+lexicon[5]+"\n"+lexicon[2500]+"\tlow\n")
		}},
		{"a word of another list added", func(d string) string { return d + other + "\n" }},
		{"many words added, several removed", func(d string) string {
			for _, w := range lexicon[100:106] {
				d = replace(d, "\n"+w+"\n", "\n")
			}
			return d + many
		}},
		{"a comment", func(d string) string {
			return replace(d, "\n"+lexicon[300]+"\n", "\n# 一行注释\n"+lexicon[300]+"\n")
		}},
		{"the added word removed again", func(d string) string { return replace(d, "\n新加的违禁词\n", "\n") }},
	}
	messages := moderationtest.Messages(500, benchSeed)
	for _, w := range append([]string{"新加的违禁词", "替换词一号", "替换词二号", dup, other, lexicon[1000], lexicon[1500], lexicon[5], lexicon[2500], lexicon[100]}, lexicon[3000:3030]...) {
		messages = append(messages, w, "你好，"+w+"。", "请看 "+w+" 这个")
	}
	layered := engine
	for n, e := range edits {
		before := files[path]
		next := maps.Clone(files)
		next[path] = []byte(e.edit(string(before)))
		got, changed, ok := layered.RuleSet().WithListHunks(map[string]ListHunk{path: lineHunk(before, next[path])})
		if !ok {
			t.Fatalf("edit %d (%s): WithListHunks refused it", n+1, e.name)
		}
		want, err := LoadFiles(next)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := entries(got), entries(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("edit %d (%s): the lists differ from the files loaded", n+1, e.name)
		}
		wantChanged, _ := changedWords(layered.RuleSet(), want, 0)
		if !maps.Equal(changed, wantChanged) {
			t.Errorf("edit %d (%s): changed %v, comparing the lists gives %v", n+1, e.name, slices.Sorted(maps.Keys(changed)), slices.Sorted(maps.Keys(wantChanged)))
		}
		if layered, ok, err = layered.UpdateWords(got, changed); err != nil || !ok {
			t.Fatalf("edit %d (%s): UpdateWords = %v, %v", n+1, e.name, ok, err)
		}
		full, err := Compile(want)
		if err != nil {
			t.Fatal(err)
		}
		if layered.Words() != full.Words() {
			t.Errorf("edit %d (%s): Words() = %d, full compile %d", n+1, e.name, layered.Words(), full.Words())
		}
		differ := 0
		for _, m := range messages {
			mc := Context{ChatKind: ChatWork}
			if g, w := layered.Evaluate(m, mc), full.Evaluate(m, mc); !reflect.DeepEqual(g, w) {
				if differ++; differ <= 3 {
					t.Errorf("edit %d (%s): %q:\nlayered %+v\nfull    %+v", n+1, e.name, m, g, w)
				}
			}
		}
		files = next
	}
	if v := layered.Evaluate("请看 替换词一号 这个", Context{ChatKind: ChatWork}); len(v.Hits) == 0 {
		t.Error("an added word is not found: the comparison is vacuous")
	}
}

// TestListHunksRefused: an edit WithListHunks cannot apply alone is left
// to the loader, which says what is wrong.
func TestListHunksRefused(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	const path = "lists/ads/spam.txt"
	data := files[path]
	for name, c := range map[string]struct {
		path string
		next []byte
	}{
		"invalid entry":   {path, append(slices.Clone(data), "坏，词\n"...)},
		"bad severity":    {path, append(slices.Clone(data), "好词\tsevere\n"...)},
		"first line":      {path, append([]byte("刷单返现\n"), data...)},
		"allow list":      {"lists/allow/common.txt", append(slices.Clone(files["lists/allow/common.txt"]), "新的放行词\n"...)},
		"not in the set":  {"lists/ads/other.txt", []byte("x\n")},
		"not a list file": {"policy.yaml", append(slices.Clone(files["policy.yaml"]), "\n"...)},
	} {
		old := files[c.path]
		if _, _, ok := rs.WithListHunks(map[string]ListHunk{c.path: lineHunk(old, c.next)}); ok {
			t.Errorf("%s: WithListHunks applied it", name)
		}
	}
}
