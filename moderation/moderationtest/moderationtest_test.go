package moderationtest

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"unicode/utf8"
)

func TestLexicon(t *testing.T) {
	a, b := Lexicon(5000, 7), Lexicon(5000, 7)
	if !slices.Equal(a, b) {
		t.Fatal("Lexicon is not deterministic")
	}
	if got := Lexicon(1000, 7); !slices.Equal(got, a[:1000]) {
		t.Error("Lexicon(1000) is not a prefix of Lexicon(5000)")
	}
	if slices.Equal(a, Lexicon(5000, 8)) {
		t.Error("different seeds give the same lexicon")
	}
	seen := map[string]bool{}
	lens := make([]int, 0, len(a))
	for _, w := range a {
		if seen[w] {
			t.Fatalf("duplicate %q", w)
		}
		seen[w] = true
		if n := utf8.RuneCountInString(w); n < 2 {
			t.Errorf("%q is shorter than 2 characters", w)
		}
		lens = append(lens, len(w))
	}
	sort.Ints(lens)
	if med := lens[len(lens)/2]; med < 6 || med > 12 {
		t.Errorf("median entry %d bytes, want about 9", med)
	}
}

func TestMessages(t *testing.T) {
	a := Messages(5000, 7)
	if !slices.Equal(a, Messages(5000, 7)) {
		t.Fatal("Messages is not deterministic")
	}
	lens := make([]int, 0, len(a))
	for _, m := range a {
		if !utf8.ValidString(m) || m == "" {
			t.Fatalf("bad message %q", m)
		}
		lens = append(lens, len(m))
	}
	sort.Ints(lens)
	if med := lens[len(lens)/2]; med < 25 || med > 50 {
		t.Errorf("median message %d bytes, want about 36", med)
	}
	if longest := lens[len(lens)-1]; longest < 1000 || longest > 2100 {
		t.Errorf("longest message %d bytes, want some up to 2 KB", longest)
	}
}

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	lex, text := filepath.Join(dir, "lex.txt"), filepath.Join(dir, "text.txt")
	if err := os.WriteFile(lex, []byte("赌博\n\n大麻\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte("你好\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		lex, text string
		ok        bool
	}{
		{"both set", lex, text, true},
		{"one unset", lex, "", false},
		{"missing file", lex, filepath.Join(dir, "nope"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("WG_BENCH_LEXICON", tc.lex)
			t.Setenv("WG_BENCH_TEXT", tc.text)
			l, m, ok := FromEnv()
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (!slices.Equal(l, []string{"赌博", "大麻"}) || !slices.Equal(m, []string{"你好"})) {
				t.Errorf("got %q, %q", l, m)
			}
		})
	}
}
