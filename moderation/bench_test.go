package moderation_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/importcjj/sensitive"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

const benchSeed = 20261127

// benchData is one lexicon and message set the benchmarks run on.
type benchData struct {
	name     string
	words    []string
	messages []string
}

// datasets returns the generated 35k and 100k sets and, when WG_BENCH_LEXICON
// and WG_BENCH_TEXT are set, the real files.
func datasets(tb testing.TB) []benchData {
	tb.Helper()
	msgs := moderationtest.Messages(10000, benchSeed)
	sets := []benchData{
		{name: "gen-35k", words: moderationtest.Lexicon(35000, benchSeed), messages: msgs},
		{name: "gen-100k", words: moderationtest.Lexicon(100000, benchSeed), messages: msgs},
	}
	if lex, text, ok := moderationtest.FromEnv(); ok {
		sets = append(sets, benchData{name: fmt.Sprintf("env-%d", len(lex)), words: usableWords(lex), messages: text})
	}
	return sets
}

// usableWords drops lexicon lines Compile would reject (empty after
// normalization, or containing sentence punctuation).
func usableWords(words []string) []string {
	n := moderation.NewNormalizer()
	out := words[:0:0]
	for _, w := range words {
		norm, _ := moderation.Normalize(w)
		if norm == "" || strings.ContainsFunc(norm, func(r rune) bool { return n.ClassOf(r) == moderation.ClassSeparator }) {
			continue
		}
		out = append(out, w)
	}
	return out
}

func entries(words []string) []moderation.Entry {
	out := make([]moderation.Entry, len(words))
	for i, w := range words {
		out[i] = moderation.Entry{Word: w, Tag: int32(i)}
	}
	return out
}

func mustCompile(tb testing.TB, words []string) *moderation.Scanner {
	tb.Helper()
	s, err := moderation.Compile(entries(words), moderation.Options{Detectors: moderation.AllDetectors})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkScan measures the whole moderation check per message.
func BenchmarkScan(b *testing.B) {
	for _, d := range datasets(b) {
		s := mustCompile(b, d.words)
		b.Run(d.name, func(b *testing.B) {
			dst := make([]moderation.Finding, 0, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				dst = s.Scan(d.messages[i%len(d.messages)], dst[:0])
			}
		})
	}
}

// BenchmarkScanTypical measures messages of typical size (at most 64 bytes,
// about 90% of the generated set; the long tail is in BenchmarkScan).
func BenchmarkScanTypical(b *testing.B) {
	d := datasets(b)[0]
	s := mustCompile(b, d.words)
	var typical []string
	for _, m := range d.messages {
		if len(m) <= 64 {
			typical = append(typical, m)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	dst := make([]moderation.Finding, 0, 64)
	for i := range b.N {
		dst = s.Scan(typical[i%len(typical)], dst[:0])
	}
}

// BenchmarkScanBenignOnly measures messages without any finding, which
// must not allocate.
func BenchmarkScanBenignOnly(b *testing.B) {
	d := datasets(b)[0]
	s := mustCompile(b, d.words)
	var clean []string
	for _, m := range d.messages {
		if len(s.Scan(m, nil)) == 0 {
			clean = append(clean, m)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	dst := make([]moderation.Finding, 0, 64)
	for i := range b.N {
		dst = s.Scan(clean[i%len(clean)], dst[:0])
	}
}

// BenchmarkBaselineImportcjj is importcjj/sensitive's FindIn (its default
// noise handling) with the same words on the same messages.
func BenchmarkBaselineImportcjj(b *testing.B) {
	for _, d := range datasets(b) {
		f := sensitive.New()
		f.AddWord(d.words...)
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				f.FindIn(d.messages[i%len(d.messages)])
			}
		})
	}
}

// BenchmarkNormalize measures folding with the offset map, per message.
func BenchmarkNormalize(b *testing.B) {
	msgs := moderationtest.Messages(10000, benchSeed)
	n := moderation.NewNormalizer()
	runes := make([]rune, 0, 4096)
	offs := make([]int32, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		runes, offs, _ = n.Append(msgs[i%len(msgs)], runes[:0], offs[:0])
	}
}

// BenchmarkCompile measures build time and the heap the Scanner keeps.
func BenchmarkCompile(b *testing.B) {
	moderation.NewNormalizer() // the shared tables are built once per process
	for _, d := range datasets(b) {
		es := entries(d.words)
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			var heap float64
			for range b.N {
				var before, after runtime.MemStats
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()
				s, err := moderation.Compile(es, moderation.Options{Detectors: moderation.AllDetectors})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.StartTimer()
				heap = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(heap, "heap-MiB")
		})
	}
}

// TestFalsePositives counts benign messages with any finding, using the real
// lexicon and chat corpus named by WG_BENCH_LEXICON and WG_BENCH_TEXT.
func TestFalsePositives(t *testing.T) {
	lex, text, ok := moderationtest.FromEnv()
	if !ok {
		t.Skip("set WG_BENCH_LEXICON and WG_BENCH_TEXT to count false positives")
	}
	words := usableWords(lex)
	s := mustCompile(t, words)
	f := sensitive.New()
	f.AddWord(words...)
	byKind := map[moderation.Kind]int{}
	any, baseline := 0, 0
	var dst []moderation.Finding
	for _, m := range text {
		dst = s.Scan(m, dst[:0])
		if len(dst) > 0 {
			any++
		}
		seen := map[moderation.Kind]bool{}
		for _, fd := range dst {
			if !seen[fd.Kind] {
				seen[fd.Kind] = true
				byKind[fd.Kind]++
			}
		}
		if hit, _ := f.FindIn(m); hit {
			baseline++
		}
	}
	t.Logf("lexicon %d usable of %d entries; %d messages", len(words), len(lex), len(text))
	t.Logf("messages with any finding: %d (%.2f%%); importcjj FindIn flags %d (%.2f%%)",
		any, 100*float64(any)/float64(len(text)), baseline, 100*float64(baseline)/float64(len(text)))
	for k, n := range byKind {
		t.Logf("  %-10s %d", k, n)
	}
	// Public lexicons hold single characters and compatibility forms (㈠
	// folds to 一): count again without entries of one character after
	// normalization, the kind of entry a list linter should question.
	var multi []string
	for _, w := range words {
		if norm, _ := moderation.Normalize(w); utf8.RuneCountInString(norm) > 1 {
			multi = append(multi, w)
		}
	}
	s = mustCompile(t, multi)
	any = 0
	for _, m := range text {
		if dst = s.Scan(m, dst[:0]); len(dst) > 0 {
			any++
		}
	}
	t.Logf("without %d one-character entries: %d messages with any finding (%.2f%%)",
		len(words)-len(multi), any, 100*float64(any)/float64(len(text)))
}

// BenchmarkCompile200k measures the build of 200k generated entries (the
// target is at most 2 s).
func BenchmarkCompile200k(b *testing.B) {
	moderation.NewNormalizer()
	es := entries(moderationtest.Lexicon(200000, benchSeed))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := moderation.Compile(es, moderation.Options{Detectors: moderation.AllDetectors}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanTypicalForms is BenchmarkScanTypical with every tenth entry
// opted in to pinyin, initials and homophones, as lists that use the forms
// would be; the homophone matcher is a second pass over the message.
func BenchmarkScanTypicalForms(b *testing.B) {
	d := datasets(b)[0]
	es := entries(d.words)
	for i := range es {
		if i%10 == 0 {
			es[i].Pinyin, es[i].Initials, es[i].Homophones = true, true, true
		}
	}
	s, err := moderation.Compile(es, moderation.Options{Detectors: moderation.AllDetectors})
	if err != nil {
		b.Fatal(err)
	}
	var typical []string
	for _, m := range d.messages {
		if len(m) <= 64 {
			typical = append(typical, m)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	dst := make([]moderation.Finding, 0, 64)
	for i := range b.N {
		dst = s.Scan(typical[i%len(typical)], dst[:0])
	}
}
