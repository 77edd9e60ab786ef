package moderation_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/moderation"
)

func readList(t *testing.T, p string) []string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func TestMeasureForms(t *testing.T) {
	files, _ := filepath.Glob("../rules/lists/*/*.txt")
	var allow []string
	type src struct{ word, list string }
	var words []src
	for _, f := range files {
		if strings.Contains(f, "/allow/") {
			allow = append(allow, readList(t, f)...)
			continue
		}
		for _, w := range readList(t, f) {
			words = append(words, src{w, strings.TrimPrefix(f, "../rules/lists/")})
		}
	}
	text, _ := os.ReadFile("/work/shared/data/benign-zh-chat.txt")
	lines := strings.Split(string(text), "\n")
	for _, mode := range []string{"none", "pinyin", "initials", "homophones"} {
		var es []moderation.Entry
		for i, w := range words {
			es = append(es, moderation.Entry{Word: w.word, Tag: int32(i), Pinyin: mode == "pinyin", Initials: mode == "initials", Homophones: mode == "homophones"})
		}
		s, err := moderation.Compile(es, moderation.Options{Allow: allow})
		if err != nil {
			t.Fatal(err)
		}
		byForm := map[string]int{}
		byList := map[string]int{}
		examples := map[string][]string{}
		for _, l := range lines {
			seen := map[string]bool{}
			r := []rune(l)
			for _, f := range s.Scan(l, nil) {
				if f.Form == moderation.FormExact || f.Form == moderation.FormFolded {
					continue
				}
				k := f.Form.String()
				if !seen[k] {
					seen[k] = true
					byForm[k]++
					byList[k+" "+words[f.Tag].list]++
					if len(examples[k]) < 12 {
						examples[k] = append(examples[k], fmt.Sprintf("%s@%q", words[f.Tag].word, string(r[f.Start:f.End])))
					}
				}
			}
		}
		_ = bufio.ScanLines
		fmt.Println(mode, byForm, byList)
		for k, v := range examples {
			fmt.Println("  ", k, v)
		}
	}
}
