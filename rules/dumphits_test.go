package rules

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

// TestDumpHits writes every hit of the default engine and of the default
// policy with the generated 35k lexicon, in work and external chat, on
// 20,000 generated lines, rules/testdata/*.txt and the WG_BENCH_TEXT
// corpus, to the file WG_DUMP_HITS names: a differential check for
// changes that must not change a finding (rules/SPEED.md), by comparing
// the files of two builds with cmp. Without WG_DUMP_HITS it is skipped.
func TestDumpHits(t *testing.T) {
	out := os.Getenv("WG_DUMP_HITS")
	if out == "" {
		t.Skip("WG_DUMP_HITS not set")
	}
	texts := moderationtest.Messages(20000, benchSeed)
	files, _ := filepath.Glob("testdata/*.txt")
	if p := os.Getenv("WG_BENCH_TEXT"); p != "" {
		files = append(files, p)
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			texts = append(texts, sc.Text())
		}
		f.Close()
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	big, _ := withLexicon(t, moderationtest.Lexicon(35000, benchSeed))
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	n := 0
	for ei, rs := range []*RuleSet{def, big} {
		e, err := Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []ChatKind{ChatWork, ChatExternal} {
			for li, text := range texts {
				v := e.Evaluate(text, Context{ChatKind: kind})
				for _, h := range v.Hits {
					n++
					fmt.Fprintf(w, "%d %v %d\t%s %s %v %d-%d %q %v %v %v %q %v %d %q %v\n", ei, kind, li,
						h.Category, h.Rule, h.Kind, h.Start, h.End, h.Masked, h.Severity, h.Action, h.Shadow,
						h.List, h.Form, h.Confidence, h.Context, h.Held)
				}
			}
		}
	}
	t.Logf("%d texts, %d hits written to %s", len(texts), n, out)
}
