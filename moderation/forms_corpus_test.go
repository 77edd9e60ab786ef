package moderation_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// TestFormsBenignCorpus measures, on the benign chat corpus named by
// WG_BENCH_TEXT, how many lines each form finds with the default word lists
// of package rules (every list opted in to the form under test). The
// always-on forms (structure, look-alike) must stay below one line in ten
// thousand; the opt-in forms are only logged, for the lists' README.
func TestFormsBenignCorpus(t *testing.T) {
	path := os.Getenv("WG_BENCH_TEXT")
	if path == "" {
		t.Skip("WG_BENCH_TEXT not set")
	}
	files, err := filepath.Glob("../rules/lists/*/*.txt")
	if err != nil || len(files) == 0 {
		t.Skipf("no default lists: %v", err)
	}
	var allow, words, lists []string
	for _, f := range files {
		list := strings.TrimSuffix(strings.TrimPrefix(f, "../rules/lists/"), ".txt")
		for _, w := range readListFile(t, f) {
			if strings.HasPrefix(list, "allow/") {
				allow = append(allow, w)
			} else {
				words, lists = append(words, w), append(lists, list)
			}
		}
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	for _, mode := range []string{"always-on", "pinyin", "initials", "homophones"} {
		es := make([]moderation.Entry, len(words))
		for i, w := range words {
			es[i] = moderation.Entry{Word: w, Tag: int32(i), Pinyin: mode == "pinyin", Initials: mode == "initials", Homophones: mode == "homophones"}
		}
		s, err := moderation.Compile(es, moderation.Options{Allow: allow})
		if err != nil {
			t.Fatal(err)
		}
		byForm := map[moderation.Form]int{}
		byList := map[string]int{}
		examples := map[moderation.Form][]string{}
		var dst []moderation.Finding
		for _, l := range lines {
			seen := map[moderation.Form]bool{}
			dst = s.Scan(l, dst[:0])
			for _, f := range dst {
				if f.Kind != moderation.KindKeyword || f.Form == moderation.FormExact || f.Form == moderation.FormFolded || seen[f.Form] {
					continue
				}
				seen[f.Form] = true
				byForm[f.Form]++
				byList[f.Form.String()+" "+lists[f.Tag]]++
				if len(examples[f.Form]) < 8 {
					examples[f.Form] = append(examples[f.Form], words[f.Tag]+"←"+string([]rune(l)[f.Start:f.End]))
				}
			}
		}
		t.Logf("%s: %d lines; lines by form %v; by form and list %v; examples %v", mode, len(lines), byForm, byList, examples)
		if mode == "always-on" {
			for _, f := range []moderation.Form{moderation.FormStructure, moderation.FormLookalike} {
				if byForm[f]*10000 > len(lines) {
					t.Errorf("%s finds %d of %d benign lines, more than 0.01%%", f, byForm[f], len(lines))
				}
			}
		}
	}
}

func readListFile(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
