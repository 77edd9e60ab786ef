package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestFoldSurvivesAnUnchangedSave: a save that changes no file, arriving
// while a fold compiles, moves the version but not the rules. The fold
// was thrown away and none was scheduled, so the engine stayed layered
// until the next edit of words; now the fold goes in under the new
// version.
func TestFoldSurvivesAnUnchangedSave(t *testing.T) {
	a := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := storetest.Replica(t, a)
	seed := defaultFiles(t)
	list := firstList(t, seed, "secrets")
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: b, Seed: seed, Logger: zerolog.Nop(), Poll: 20 * time.Millisecond, FoldAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	follow := func(nv int64) {
		t.Helper()
		for start := time.Now(); p.Version() != nv; time.Sleep(5 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the replica is still at version %d after 5 s, want %d", p.Version(), nv)
			}
		}
	}
	save := func(edit func(map[string][]byte)) int64 {
		t.Helper()
		files, v, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		edit(files)
		nv, err := a.SaveRules(ctx, files, v)
		if err != nil {
			t.Fatal(err)
		}
		return nv
	}
	follow(save(func(f map[string][]byte) { f[list] = append(f[list], []byte("\n蓝鲸暗号\n")...) }))
	if p.Engine().Layered() == 0 {
		t.Fatal("the edit of one word was not layered")
	}
	var unchanged int64
	bot.SetFoldCompiled(p, func() {
		unchanged = save(func(map[string][]byte) {})
		follow(unchanged)
	})
	p.Fold()
	if n := p.Engine().Layered(); n != 0 {
		t.Errorf("after a fold that an unchanged save overtook, %d words are still layered", n)
	}
	if p.Version() != unchanged {
		t.Errorf("version in force %d, want the unchanged save's %d", p.Version(), unchanged)
	}
}
