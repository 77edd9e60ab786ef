package rules

import (
	"bufio"
	"maps"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/importcjj/sensitive"

	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
)

const benchSeed = 1

// benchSet is a rule set with its messages, and every word it matches for
// the baseline.
type benchSet struct {
	name     string
	rs       *RuleSet
	words    []string
	messages []string
}

// withLexicon returns the default policy with lexicon added as the list
// illegal/bench, so the illegal-content rule enforces it.
func withLexicon(tb testing.TB, lexicon []string) (*RuleSet, []string) {
	tb.Helper()
	rs, err := Default()
	if err != nil {
		tb.Fatal(err)
	}
	// Entries a list file could not hold (sentence punctuation, too long)
	// are dropped, as loading would reject them.
	var l loader
	list := List{Name: "bench", File: "lists/illegal/bench.txt"}
	dropped := 0
	for i, w := range lexicon {
		if l.checkWord(w) != "" {
			dropped++
			continue
		}
		list.Words = append(list.Words, Word{Text: w, Line: i + 1})
	}
	if dropped > 0 {
		tb.Logf("lexicon: dropped %d of %d entries a word list cannot hold", dropped, len(lexicon))
	}
	var words []string
	for ci := range rs.Categories {
		if rs.Categories[ci].Name == "illegal" {
			rs.Categories[ci].Lists = append(rs.Categories[ci].Lists, list)
		}
		for _, l := range rs.Categories[ci].Lists {
			for _, w := range l.Words {
				words = append(words, w.Text)
			}
		}
	}
	return rs, words
}

func benchSets(b *testing.B) []benchSet {
	b.Helper()
	messages := moderationtest.Messages(10000, benchSeed)
	var sets []benchSet
	for _, n := range []int{35000, 100000} {
		rs, words := withLexicon(b, moderationtest.Lexicon(n, benchSeed))
		sets = append(sets, benchSet{name: "generated-" + strconv.Itoa(n/1000) + "k", rs: rs, words: words, messages: messages})
	}
	if lexicon, msgs, ok := moderationtest.FromEnv(); ok {
		rs, words := withLexicon(b, lexicon)
		sets = append(sets, benchSet{name: "env", rs: rs, words: words, messages: msgs})
	}
	return sets
}

// BenchmarkEvaluate measures the whole check per message: normalization,
// keyword matching, detectors and the rules, with the default policy plus
// a generated lexicon (and the WG_BENCH_LEXICON/WG_BENCH_TEXT data when
// set), on realistic chat messages in a work group.
func BenchmarkEvaluate(b *testing.B) {
	for _, s := range benchSets(b) {
		e, err := Compile(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		mc := Context{ChatKind: ChatWork}
		var clean []string
		for _, m := range s.messages {
			if len(e.Evaluate(m, mc).Hits) == 0 {
				clean = append(clean, m)
			}
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e.Evaluate(s.messages[i%len(s.messages)], mc)
			}
		})
		// Typical chat messages (the median is ~36 bytes): the ones of up to
		// 64 bytes, hits included.
		typical := typicalMessages(s.messages)
		b.Run(s.name+"-typical", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e.Evaluate(typical[i%len(typical)], mc)
			}
		})
		// The same without the ordinary-word pass, to show what it costs.
		without, err := Compile(s.rs)
		if err != nil {
			b.Fatal(err)
		}
		without.prec = nil
		b.Run(s.name+"-typical-no-ordinary-words", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				without.Evaluate(typical[i%len(typical)], mc)
			}
		})
		// Messages without hits, which must not allocate.
		b.Run(s.name+"-clean", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				e.Evaluate(clean[i%len(clean)], mc)
			}
		})
	}
}

// BenchmarkBaselineImportcjj is importcjj/sensitive's FindIn (its default
// noise handling) with the same words on the same messages: no positions,
// no detectors, no rules.
func BenchmarkBaselineImportcjj(b *testing.B) {
	for _, s := range benchSets(b) {
		f := sensitive.New()
		f.AddWord(s.words...)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				f.FindIn(s.messages[i%len(s.messages)])
			}
		})
		typical := typicalMessages(s.messages)
		b.Run(s.name+"-typical", func(b *testing.B) {
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				f.FindIn(typical[i%len(typical)])
			}
		})
	}
}

// versusBlock is how many messages each side checks before the other
// takes its turn in BenchmarkVersusImportcjj.
const versusBlock = 256

// BenchmarkVersusImportcjj runs the whole check and importcjj's FindIn on
// the same typical messages in alternating blocks of versusBlock, so that
// both see the same load on a shared machine (separate benchmarks minutes
// apart do not); which side runs a block first alternates too, since the
// first finds the block's messages out of cache and the second in it. It reports each side's CPU time per message, read from
// the thread's CPU clock so that time spent waiting for a core is not
// counted (check-cpu-ns, importcjj-cpu-ns), the ratio (x-importcjj: how
// many times faster the whole check is), and the wall-time ratio
// (x-importcjj-wall). ns/op is both sides together, in wall time.
func BenchmarkVersusImportcjj(b *testing.B) {
	for _, s := range benchSets(b) {
		typical := typicalMessages(s.messages)
		var e *Engine
		f := sensitive.New()
		f.AddWord(s.words...)
		b.Run(s.name+"-typical", func(b *testing.B) {
			if e == nil {
				var err error
				if e, err = Compile(s.rs); err != nil {
					b.Fatal(err)
				}
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			mc := Context{ChatKind: ChatWork}
			b.ReportAllocs()
			b.ResetTimer()
			var check, base, checkWall, baseWall time.Duration
			runCheck := func(i, n int) (time.Duration, time.Duration) {
				c0, t0 := threadCPU(), time.Now()
				for k := range n {
					e.Evaluate(typical[(i+k)%len(typical)], mc)
				}
				return threadCPU() - c0, time.Since(t0)
			}
			runBase := func(i, n int) (time.Duration, time.Duration) {
				c0, t0 := threadCPU(), time.Now()
				for k := range n {
					f.FindIn(typical[(i+k)%len(typical)])
				}
				return threadCPU() - c0, time.Since(t0)
			}
			for i := 0; i < b.N; i += versusBlock {
				n := min(versusBlock, b.N-i)
				// The side that goes first reads the block's messages from
				// memory, the other finds them in cache: take turns.
				var cc, cw, bc, bw time.Duration
				if (i/versusBlock)%2 == 0 {
					cc, cw = runCheck(i, n)
					bc, bw = runBase(i, n)
				} else {
					bc, bw = runBase(i, n)
					cc, cw = runCheck(i, n)
				}
				check, base = check+cc, base+bc
				checkWall, baseWall = checkWall+cw, baseWall+bw
			}
			b.ReportMetric(float64(check.Nanoseconds())/float64(b.N), "check-cpu-ns")
			b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "importcjj-cpu-ns")
			b.ReportMetric(float64(base)/float64(max(check, 1)), "x-importcjj")
			b.ReportMetric(float64(baseWall)/float64(max(checkWall, 1)), "x-importcjj-wall")
		})
	}
}

// BenchmarkCompile measures building an Engine, which happens on every
// policy edit while the old Engine still serves.
func BenchmarkCompile(b *testing.B) {
	for _, s := range benchSets(b)[:2] {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := Compile(s.rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompile200k measures building an Engine for the default policy
// with 200k generated entries added (the target is at most 2 s), and the
// heap it keeps (retained-MiB) and allocates on the way (alloc-MiB), and
// the process's CPU time per build, garbage collection included (cpu-s:
// on a shared, loaded machine wall time counts the waits for a core). The
// segmenter's dictionary is loaded before the timer starts: a process
// loads it once (BenchmarkDictionaryLoad), not on every build.
func BenchmarkCompile200k(b *testing.B) {
	rs, _ := withLexicon(b, moderationtest.Lexicon(200000, benchSeed))
	if _, err := loadDictionary(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var retained, allocated float64
	var cpu time.Duration
	for range b.N {
		var before, after runtime.MemStats
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		c0 := processCPU()
		b.StartTimer()
		e, err := Compile(rs)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += processCPU() - c0
		runtime.ReadMemStats(&after)
		allocated = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
		runtime.KeepAlive(e)
		b.StartTimer()
	}
	b.ReportMetric(retained, "retained-MiB")
	b.ReportMetric(allocated, "alloc-MiB")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
}

// TestCleanMessagesDoNotAllocate checks that the whole check allocates
// nothing on messages without hits, with the default policy and a 35k
// generated lexicon: generated work chat, and messages whose only keyword
// finding the precision pass drops (so the segmentation runs too).
func TestCleanMessagesDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	rs, _ := withLexicon(t, moderationtest.Lexicon(35000, benchSeed))
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	precise, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	precise.prec = nil
	mc := Context{ChatKind: ChatWork}
	var clean, dropped []string
	for _, m := range typicalMessages(moderationtest.Messages(3000, benchSeed)) {
		if len(e.Evaluate(m, mc).Hits) == 0 {
			clean = append(clean, m)
		}
	}
	for _, m := range []string{"今天下午支援交付团队上线", "白色情人节快乐", "我妈妈的生日是下周", "岗位需求：宣传/销售",
		"我们打赌博士毕业要几年", "这个人渣打银行的卡办好了吗", "突发情况请联系值班", "具体位置发群里"} {
		if len(precise.Evaluate(m, mc).Hits) > 0 && len(e.Evaluate(m, mc).Hits) == 0 {
			dropped = append(dropped, m)
		}
	}
	if len(dropped) < 2 {
		t.Fatalf("only %d messages whose keyword findings the precision pass drops: %q", len(dropped), dropped)
	}
	if len(clean) < 1000 {
		t.Fatalf("only %d clean messages", len(clean))
	}
	t.Logf("%d clean messages (300 checked), %d whose findings the precision pass drops: %q", len(clean), len(dropped), dropped)
	for _, m := range append(clean[:300], dropped...) {
		e.Evaluate(m, mc) // warm the pools
		if allocs := testing.AllocsPerRun(20, func() { e.Evaluate(m, mc) }); allocs != 0 {
			t.Errorf("%q: %v allocations per Evaluate, want 0", m, allocs)
		}
	}
}

// TestDefaultPolicyFalsePositives counts the messages of a benign corpus
// (WG_BENCH_TEXT, one message a line, e.g. ../shared/data/benign-zh-chat.txt)
// the default policy acts on in a work group. It is skipped without the
// corpus, which is never part of the repository.
func TestDefaultPolicyFalsePositives(t *testing.T) {
	path := os.Getenv("WG_BENCH_TEXT")
	if path == "" {
		t.Skip("WG_BENCH_TEXT is not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string]int{}
	messages, flagged, enforced := 0, 0, 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		messages++
		v := e.Evaluate(sc.Text(), Context{ChatKind: ChatWork})
		if len(v.Hits) > 0 {
			flagged++
		}
		if v.Action != ActionNone {
			enforced++
		}
		for _, h := range v.Hits {
			byRule[h.Rule]++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages: %d flagged (%.3f%%), %d acted on (%.3f%%); hits by rule: %v",
		messages, flagged, 100*float64(flagged)/float64(messages), enforced, 100*float64(enforced)/float64(messages), byRule)
	// A false positive costs trust: at most one message in a thousand.
	if enforced*1000 > messages {
		t.Errorf("the default policy acts on %d of %d benign messages, more than 0.1%%", enforced, messages)
	}
}

// typicalMessages keeps the messages of up to 64 bytes, as
// moderation's BenchmarkScanTypical does.
func typicalMessages(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if len(m) <= 64 {
			out = append(out, m)
		}
	}
	return out
}

// TestFormCosts measures, on the benign corpus of WG_BENCH_TEXT, how many
// more messages the default policy would act on in a work group if a
// category's lists also matched pinyin, initials or homophones: the
// figures rules/README.md quotes for turning a form on. Skipped without
// the corpus; it asserts nothing (the policy's own count is asserted by
// TestDefaultPolicyFalsePositives).
func TestFormCosts(t *testing.T) {
	path := os.Getenv("WG_BENCH_TEXT")
	if path == "" {
		t.Skip("WG_BENCH_TEXT is not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	acted := func(policy string) int {
		t.Helper()
		f := maps.Clone(files)
		f["policy.yaml"] = []byte(policy)
		rs, err := LoadFiles(f)
		if err != nil {
			t.Fatalf("LoadFiles: %v", err)
		}
		e, err := Compile(rs)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range lines {
			if e.Evaluate(l, Context{ChatKind: ChatWork}).Action != ActionNone {
				n++
			}
		}
		return n
	}
	base := string(files["policy.yaml"])
	baseline := acted(base)
	t.Logf("default policy: %d of %d messages acted on", baseline, len(lines))
	for _, c := range []string{"secrets", "customer_data", "illegal", "ads", "abuse", "off_topic"} {
		for _, form := range []string{"pinyin", "initials", "homophones"} {
			anchor := "  - name: " + c + "\n"
			if !strings.Contains(base, anchor) {
				t.Fatalf("policy.yaml has no category %s", c)
			}
			block, _, _ := strings.Cut(base[strings.Index(base, anchor)+len(anchor):], "  - name: ")
			if strings.Contains(block, "    "+form+": true") {
				t.Logf("%-13s %-10s on in the default policy", c, form)
				continue
			}
			n := acted(strings.Replace(base, anchor, anchor+"    "+form+": true\n", 1))
			t.Logf("%-13s %-10s +%d", c, form, n-baseline)
		}
	}
}

// TestOrdinaryWordsEffect measures the ordinary-word pass on the benign
// corpus of WG_BENCH_TEXT with the lexicon of WG_BENCH_LEXICON added to the
// default policy (as the benchmarks do): messages acted on with and
// without the pass. Skipped without both; it asserts nothing.
func TestOrdinaryWordsEffect(t *testing.T) {
	text, lex := os.Getenv("WG_BENCH_TEXT"), os.Getenv("WG_BENCH_LEXICON")
	if text == "" || lex == "" {
		t.Skip("WG_BENCH_TEXT and WG_BENCH_LEXICON are not both set")
	}
	data, err := os.ReadFile(text)
	if err != nil {
		t.Fatal(err)
	}
	words, err := os.ReadFile(lex)
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := withLexicon(t, strings.Split(string(words), "\n"))
	with, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	without, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	without.prec = nil
	lines := strings.Split(string(data), "\n")
	a, b := 0, 0
	for _, l := range lines {
		if with.Evaluate(l, Context{ChatKind: ChatWork}).Action != ActionNone {
			a++
		}
		if without.Evaluate(l, Context{ChatKind: ChatWork}).Action != ActionNone {
			b++
		}
	}
	t.Logf("%d messages: %d acted on with the ordinary-word pass, %d without", len(lines), a, b)
}
