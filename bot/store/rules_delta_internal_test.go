package store

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFileEditWholeLines: the edit between two contents, applied to the
// first, gives the second, and cuts and inserts whole lines only.
func TestFileEditWholeLines(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 6))
	words := []string{"刷单", "返利", "代开发票", "# 注释", "", "赌博\thigh\t备注", "刷单"}
	text := func(n int) []byte {
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))] + "\n")
		}
		s := b.String()
		if r.IntN(4) == 0 {
			s = strings.TrimSuffix(s, "\n") // no newline at the end
		}
		return []byte(s)
	}
	lineStart := func(b []byte, i int) bool { return i == 0 || i == len(b) || b[i-1] == '\n' }
	for i := range 2000 {
		old := text(r.IntN(12))
		lines := bytes.SplitAfter(old, []byte("\n"))
		// Insert, remove or replace a few lines somewhere.
		at := r.IntN(len(lines) + 1)
		del := r.IntN(min(3, len(lines)-at) + 1)
		next := bytes.Join(lines[:at], nil)
		next = append(next, text(r.IntN(3))...)
		if len(next) > 0 && next[len(next)-1] != '\n' && at+del < len(lines) {
			next = append(next, '\n')
		}
		next = append(next, bytes.Join(lines[at+del:], nil)...)
		e := fileEdit("lists/ads/a.txt", old, next)
		got, err := e.Apply(old)
		if err != nil || !bytes.Equal(got, next) {
			t.Fatalf("case %d: %q → %q: edit %+v gives %q, %v", i, old, next, e, got, err)
		}
		if !lineStart(old, e.At) || !lineStart(old, e.At+e.Cut) || !lineStart(next, e.At) || !lineStart(next, e.At+len(e.Insert)) {
			t.Fatalf("case %d: %q → %q: edit %+v does not fall on line starts", i, old, next, e)
		}
		if _, err := e.Apply(append(old, "多余\n"...)); err == nil {
			t.Fatalf("case %d: the edit applied to other content", i)
		}
	}
}

// TestRulesDeltaHistoryBounded: the deltas of the last rulesDeltaHistory
// versions are kept, no more.
func TestRulesDeltaHistoryBounded(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.SeedRules(ctx, map[string][]byte{"lists/ads/a.txt": []byte("刷单\n")}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 * rulesDeltaHistory {
		files, v, err := s.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files["lists/ads/a.txt"] = append(files["lists/ads/a.txt"], strings.Repeat("词", i+1)+"\n"...)
		if _, err := s.SaveRules(ctx, files, v); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.rdb.HLen(ctx, s.keyRulesDeltas()).Result(); err != nil || n != rulesDeltaHistory {
		t.Fatalf("%d deltas kept (%v), want %d", n, err, rulesDeltaHistory)
	}
}
