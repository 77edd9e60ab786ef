package bot_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestMeasureRuleEdits is issue 13's measurement of item 6, run on demand
// (WG_MEASURE_EDITS=1, with REDIS_URL; it logs figures and asserts only
// that every edit is enforced): a 200k-word list in the default policy; a
// replica follows the stored rule set (pub/sub and the version check); 20
// times, one word is added to the list through the store as the admin API
// does, and the time from the save's answer until the replica enforces the
// word is taken. The process's RSS is sampled every 5 ms throughout and
// compared with the idle figure (200k compiled, after a GC). The full
// compile of the same set, what every edit cost before, is timed in the
// same run for comparison.
func TestMeasureRuleEdits(t *testing.T) {
	if os.Getenv("WG_MEASURE_EDITS") == "" {
		t.Skip("WG_MEASURE_EDITS is not set")
	}
	// The loader's limits: 200,000 entries in all, 50,000 a list file.
	n := 199000
	if v, err := strconv.Atoi(os.Getenv("WG_MEASURE_WORDS")); err == nil && v > 0 {
		n = v
	}
	files := defaultFiles(t)
	lexicon := moderationtest.Lexicon(n, 1)
	const perFile = 49750
	for f := 0; f*perFile < len(lexicon); f++ {
		var list strings.Builder
		list.WriteString("# generated\n")
		for _, w := range lexicon[f*perFile : min((f+1)*perFile, len(lexicon))] {
			list.WriteString(w + "\n")
		}
		files["lists/illegal/generated-"+strconv.Itoa(f+1)+".txt"] = []byte(list.String())
	}
	const path = "lists/illegal/generated-1.txt"
	full := time.Now()
	if _, err := bot.CompileFiles(files); err != nil {
		t.Fatal(err)
	}
	t.Logf("load and compile of the whole set (before: every edit, every replica): %v", time.Since(full))

	writer := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := writer.SeedRules(ctx, files); err != nil {
		t.Fatal(err)
	}
	rst := storetest.Replica(t, writer)
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: rst, Logger: zerolog.Nop(), Poll: time.Second, FoldAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	runtime.GC()
	idle := rss(t)
	var peak atomic.Int64
	peak.Store(idle)
	var wg sync.WaitGroup
	sampling, stop := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for sampling.Err() == nil {
			if r := rss(t); r > peak.Load() {
				peak.Store(r)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	mc := rules.Context{ChatKind: rules.ChatWork}
	var took, saves []time.Duration
	for i := range 20 {
		word := "测量专用违禁词" + string(rune(0x4e00+i*7)) + string(rune(0x4e10+i*3))
		stored, v, err := writer.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stored[path] = append(slices.Clone(stored[path]), []byte(word+"\n")...)
		save := time.Now()
		if _, err := writer.SaveRules(ctx, stored, v); err != nil {
			t.Fatal(err)
		}
		saves = append(saves, time.Since(save))
		start := time.Now()
		// The word's own hit: a generated word inside the message would
		// otherwise count as the edit enforced.
		for !slices.ContainsFunc(p.Engine().Evaluate("今天说"+word+"了", mc).Hits, func(h rules.Hit) bool { return h.List == "illegal/generated-1" && h.Start == 3 }) {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("edit %d not enforced after 30 s", i+1)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	fold := time.Now()
	p.Fold()
	foldTook := time.Since(fold)
	stop()
	wg.Wait()
	sorted := slices.Clone(took)
	slices.Sort(sorted)
	t.Logf("%d words; edit → enforced by the replica: min %v, p50 %v, max %v (all: %v)", p.Engine().Words(), sorted[0], sorted[len(sorted)/2], sorted[len(sorted)-1], took)
	slices.Sort(saves)
	t.Logf("SaveRules (the writer, before the API answers): min %v, p50 %v, max %v", saves[0], saves[len(saves)/2], saves[len(saves)-1])
	t.Logf("RSS idle with the set %d MiB, peak through 20 edits and the fold %d MiB (%.2f×); fold (full compile in the background) %v",
		idle>>20, peak.Load()>>20, float64(peak.Load())/float64(idle), foldTook)
}

// rss is the process's resident set size in bytes (Linux).
func rss(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range bytes.Lines(data) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}
