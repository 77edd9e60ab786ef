package bot_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestDeltaFollowerMatchesFullLoad is the differential test of a replica
// following edits by their deltas: a seeded series of 60 saves of word
// lists — words added at the end and between lines, lines removed, words
// removed and added again, severities changed, duplicates and words of
// other lists added, two lists in one save, versions missed (two saves
// before the announcement) and two writers saving at once — after each
// announcement the replica is at the stored version and its engine answers
// as the stored files compiled in full, on generated messages and every
// word the edits touched.
func TestDeltaFollowerMatchesFullLoad(t *testing.T) {
	a := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &deltaStore{Store: storetest.Replica(t, a)}
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: b, Seed: defaultFiles(t), Logger: zerolog.New(zerolog.NewTestWriter(t)), Poll: time.Hour, FoldAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		ready := b.announce != nil
		b.mu.Unlock()
		if ready {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the policy does not watch the rules")
		}
	}
	rng := rand.New(rand.NewPCG(4, 13))
	lists := []string{"lists/ads/spam.txt", "lists/illegal/fraud.txt", "lists/secrets/leak.txt"}
	heads := []rune("蓝白灰虎座鲸鲨豹狼鹰")
	tails := []string{"刷单群", "兼职号", "返利站", "代开票", "博彩网", "内部价"}
	fresh := func() string {
		return string(heads[rng.IntN(len(heads))]) + string(heads[rng.IntN(len(heads))]) + tails[rng.IntN(len(tails))]
	}
	sevs := []string{"", "\tlow", "\thigh", "\tcritical"}
	touched := map[string]bool{}
	var removed []string
	// lines are d's lines, each with its newline (the lists end in one).
	lines := func(d string) []string {
		ls := strings.SplitAfter(d, "\n")
		if ls[len(ls)-1] == "" {
			ls = ls[:len(ls)-1]
		}
		if !strings.HasSuffix(ls[len(ls)-1], "\n") {
			ls[len(ls)-1] += "\n"
		}
		return ls
	}
	word := func(line string) string { return strings.TrimSpace(strings.SplitN(line, "\t", 2)[0]) }
	// insert puts line w at a random place (one in ten before the first
	// line: an edit of the first line is read in full).
	insert := func(d, w string) string {
		ls := lines(d)
		i := 1 + rng.IntN(len(ls))
		if rng.IntN(10) == 0 {
			i = 0
		}
		return strings.Join(slices.Insert(ls, i, w+"\n"), "")
	}
	edit := func(files map[string][]byte, path string) {
		d := string(files[path])
		ls := lines(d)
		switch op := rng.IntN(7); {
		case op == 0:
			w := fresh()
			touched[w] = true
			d += w + sevs[rng.IntN(len(sevs))] + "\n"
		case op == 1:
			w := fresh()
			touched[w] = true
			d = insert(d, w+sevs[rng.IntN(len(sevs))])
		case op == 2 && len(ls) > 3:
			i := 1 + rng.IntN(len(ls)-1)
			if w := word(ls[i]); w != "" && !strings.HasPrefix(w, "#") {
				touched[w], removed = true, append(removed, w)
			}
			d = strings.Join(slices.Delete(ls, i, i+1), "")
		case op == 3 && len(removed) > 0:
			d = insert(d, removed[rng.IntN(len(removed))]+sevs[rng.IntN(len(sevs))])
		case op == 4:
			i := 1 + rng.IntN(len(ls)-1)
			if w := word(ls[i]); w != "" && !strings.HasPrefix(w, "#") {
				touched[w] = true
				ls[i] = w + sevs[rng.IntN(len(sevs))] + "\n"
			}
			d = strings.Join(ls, "")
		case op == 5:
			// A word another list holds, or this one (a duplicate line).
			other := lines(string(files[lists[rng.IntN(len(lists))]]))
			if w := word(other[1+rng.IntN(len(other)-1)]); w != "" && !strings.HasPrefix(w, "#") {
				touched[w] = true
				d = insert(d, w+sevs[rng.IntN(len(sevs))])
			}
		default:
			d = insert(d, "# 备注 "+fresh())
		}
		files[path] = []byte(d)
	}
	save := func(expect int64, paths ...string) {
		t.Helper()
		files, v, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			edit(files, path)
		}
		if expect == 0 {
			expect = v
		}
		if _, err := a.SaveRules(ctx, files, expect); err != nil {
			t.Fatal(err)
		}
	}
	mc := rules.Context{ChatKind: rules.ChatWork}
	messages := moderationtest.Messages(200, 4)
	deltas := 0
	for step := range 60 {
		before := b.reads.Load()
		var what string
		switch k := rng.IntN(10); {
		case k < 5:
			what = "one list"
			save(0, lists[rng.IntN(len(lists))])
		case k < 7:
			what = "two lists"
			save(0, lists[0], lists[1+rng.IntN(len(lists)-1)])
		case k < 9:
			what = "a version missed"
			save(0, lists[rng.IntN(len(lists))])
			save(0, lists[rng.IntN(len(lists))])
		default:
			what = "two writers at once"
			var wg sync.WaitGroup
			mu := sync.Mutex{} // rng and the edit's bookkeeping are not concurrent
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					files, _, err := a.Rules(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					edit(files, lists[rng.IntN(len(lists))])
					mu.Unlock()
					if _, err := a.SaveRules(ctx, files, -1); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		files, v, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.mu.Lock()
		b.announce(v)
		b.mu.Unlock()
		if p.Version() != v {
			t.Fatalf("step %d (%s): the replica is at version %d, want %d", step, what, p.Version(), v)
		}
		if b.reads.Load() == before {
			deltas++
		}
		full, err := bot.CompileFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		words := slices.Sorted(func(yield func(string) bool) {
			for w := range touched {
				if !yield(w) {
					return
				}
			}
		})
		differ := 0
		for _, m := range append(slices.Clone(messages), words...) {
			m = "今天" + m + "了"
			if got, want := p.Engine().Evaluate(m, mc), full.Evaluate(m, mc); !reflect.DeepEqual(got, want) {
				if differ++; differ <= 3 {
					t.Errorf("step %d (%s): %q:\nreplica %+v\nfull    %+v", step, what, m, got, want)
				}
			}
		}
		if differ > 0 {
			t.Fatalf("step %d (%s): %d messages answered otherwise than the full load", step, what, differ)
		}
	}
	t.Logf("60 steps, %d applied from the delta alone, %d words touched", deltas, len(touched))
	if deltas < 20 {
		t.Errorf("only %d of 60 steps applied a delta: the test does not exercise the delta path", deltas)
	}
}
