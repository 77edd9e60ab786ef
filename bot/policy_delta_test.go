package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/moderation/moderationtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// deltaStore is a replica's store whose announcements the test makes (so
// it decides when the policy reloads and how far behind it is), counting
// the reads of the whole rule set, and able to spoil the deltas it hands
// out.
type deltaStore struct {
	*store.Store
	mu       sync.Mutex
	announce func(int64)
	reads    atomic.Int32
	spoil    atomic.Int32 // 1: a checksum that does not fit; 2: undecodable
}

func (s *deltaStore) WatchRules(ctx context.Context, changed func(int64)) {
	s.mu.Lock()
	s.announce = changed
	s.mu.Unlock()
	<-ctx.Done()
}

func (s *deltaStore) Rules(ctx context.Context) (map[string][]byte, int64, error) {
	s.reads.Add(1)
	return s.Store.Rules(ctx)
}

func (s *deltaStore) RulesDelta(ctx context.Context, from int64) (int64, *store.RulesDelta, error) {
	v, d, err := s.Store.RulesDelta(ctx, from)
	switch s.spoil.Load() {
	case 1:
		if d != nil && len(d.Files) > 0 {
			d.Files[0].CRC++
		}
	case 2:
		if d != nil {
			return v, nil, fmt.Errorf("rule set version %d: %w", v, store.ErrInvalidDelta)
		}
	}
	return v, d, err
}

// TestListEditAppliedFromDelta: a replica one version behind applies the
// save's delta without reading the rule set (a word added, one removed, two
// edits in a row), and its engine answers as the stored files compiled in
// full; a replica that missed a version, or is handed a delta that does
// not fit or cannot be decoded, says so in its log and reads the whole
// set, with the same result.
func TestListEditAppliedFromDelta(t *testing.T) {
	a := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &deltaStore{Store: storetest.Replica(t, a)}
	seed := defaultFiles(t)
	const list = "lists/ads/spam.txt"
	var logs bytes.Buffer
	var logMu sync.Mutex
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: b, Seed: seed, Logger: zerolog.New(zerolog.SyncWriter(&lockedWriter{w: &logs, mu: &logMu})), Poll: time.Hour, FoldAfter: time.Hour})
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
	mc := rules.Context{ChatKind: rules.ChatWork}
	messages := moderationtest.Messages(300, 13)
	save := func(edit func(string) string) int64 {
		t.Helper()
		files, v, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files[list] = []byte(edit(string(files[list])))
		nv, err := a.SaveRules(ctx, files, v)
		if err != nil {
			t.Fatal(err)
		}
		return nv
	}
	// follow announces v and checks the replica is at v, read the whole
	// set reads times, and answers as the stored set compiled in full.
	follow := func(what string, v int64, reads int32, words ...string) {
		t.Helper()
		before := b.reads.Load()
		b.mu.Lock()
		b.announce(v)
		b.mu.Unlock()
		if p.Version() != v {
			t.Fatalf("%s: the replica is at version %d, want %d", what, p.Version(), v)
		}
		if n := b.reads.Load() - before; n != reads {
			t.Errorf("%s: the replica read the whole rule set %d times, want %d", what, n, reads)
		}
		files, _, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		full, err := bot.CompileFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		if p.Engine().Words() != full.Words() {
			t.Errorf("%s: %d words, the full compile %d", what, p.Engine().Words(), full.Words())
		}
		differ := 0
		for _, m := range append(slices.Clone(messages), words...) {
			if got, want := p.Engine().Evaluate("今天"+m+"了", mc), full.Evaluate("今天"+m+"了", mc); !reflect.DeepEqual(got, want) {
				if differ++; differ <= 3 {
					t.Errorf("%s: %q:\nreplica %+v\nfull    %+v", what, m, got, want)
				}
			}
		}
	}
	enforced := func(word string) bool { return len(p.Engine().Evaluate("今天"+word+"了", mc).Hits) > 0 }

	follow("a word added", save(func(d string) string { return d + "蓝鲸刷单群\n" }), 0, "蓝鲸刷单群")
	if !enforced("蓝鲸刷单群") {
		t.Fatal("the added word is not enforced")
	}
	if p.Engine().Layered() == 0 {
		t.Error("the edit was compiled in full, not layered")
	}
	follow("a word removed", save(func(d string) string { return strings.Replace(d, "\n刷单返利\n", "\n", 1) }), 0, "刷单返利")
	follow("a second word added", save(func(d string) string { return d + "白鲸兼职群\n" }), 0, "白鲸兼职群", "蓝鲸刷单群")
	if !enforced("白鲸兼职群") || !enforced("蓝鲸刷单群") {
		t.Fatal("the words of two edits in a row are not both enforced")
	}

	save(func(d string) string { return d + "灰鲸一号\n" })
	follow("a version missed", save(func(d string) string { return d + "灰鲸二号\n" }), 1, "灰鲸一号", "灰鲸二号")

	b.spoil.Store(1)
	follow("a delta that does not fit", save(func(d string) string { return d + "虎鲸三号\n" }), 1, "虎鲸三号")
	b.spoil.Store(2)
	follow("an undecodable delta", save(func(d string) string { return strings.Replace(d, "\n灰鲸一号\n", "\n", 1) }), 1, "灰鲸一号")
	logMu.Lock()
	log := logs.String()
	logMu.Unlock()
	for _, want := range []string{"rule set delta does not fit the rules in force", "rule set delta unusable"} {
		if !strings.Contains(log, want) {
			t.Errorf("no log line %q in:\n%s", want, log)
		}
	}
	if !enforced("虎鲸三号") || enforced("灰鲸一号") {
		t.Error("the edits read in full are not in force")
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
