package bot_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

func defaultFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(rules.DefaultFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[p], err = fs.ReadFile(rules.DefaultFS(), p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestHotReloadAcrossReplicas: two replicas on one Redis; a word added
// through one is enforced by both within a second.
func TestHotReloadAcrossReplicas(t *testing.T) {
	a := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := store.Open(ctx, store.Options{URL: urlOf(t, a), Prefix: a.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	seed := defaultFiles(t)
	var replicas []*bot.Policy
	for _, st := range []*store.Store{a, b} {
		p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: seed, Logger: zerolog.Nop(), Poll: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		go p.Run(ctx)
		replicas = append(replicas, p)
	}
	const word = "蓝鲸暗号"
	for i, p := range replicas {
		if v := p.Engine().Evaluate("今天的"+word+"是什么", rules.Context{ChatKind: rules.ChatWork}); len(v.Hits) != 0 {
			t.Fatalf("replica %d matches %s before it was added: %+v", i, word, v.Hits)
		}
	}
	files, v, err := a.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files["lists/secrets/added.txt"] = []byte("# added by HR\n" + word + "\n")
	if _, err := bot.CompileFiles(files); err != nil {
		t.Fatalf("the edited rule set does not compile: %v", err)
	}
	nv, err := a.SaveRules(ctx, files, v)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i, p := range replicas {
		for p.Version() != nv {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("replica %d still at version %d after 5 s, want %d", i, p.Version(), nv)
			}
			time.Sleep(10 * time.Millisecond)
		}
		hit := p.Engine().Evaluate("今天的"+word+"是什么", rules.Context{ChatKind: rules.ChatWork})
		if len(hit.Hits) == 0 || hit.Hits[0].Category != "secrets" {
			t.Fatalf("replica %d does not enforce the new word: %+v", i, hit)
		}
	}
	t.Logf("both replicas enforce the new word %v after the save", time.Since(start))
}

func TestBadStoredRulesKeepTheOldOnes(t *testing.T) {
	st := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: st, Seed: defaultFiles(t), Logger: zerolog.Nop(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	before := p.Version()
	// Someone writes a broken rule set straight into Redis.
	if _, err := st.SaveRules(ctx, map[string][]byte{"policy.yaml": []byte("rules: [oops")}, -1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if p.Version() != before || p.Engine() == nil {
		t.Fatalf("a broken rule set replaced the one in force (version %d → %d)", before, p.Version())
	}
	if v := p.Engine().Evaluate("你真是个傻逼", rules.Context{ChatKind: rules.ChatWork}); !strings.Contains(v.Action.String(), "warn") {
		t.Fatalf("the old rules stopped working: %+v", v)
	}
}
