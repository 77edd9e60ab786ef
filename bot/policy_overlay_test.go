package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestListEditLayeredThenFolded: a word added to an existing list through
// one replica is enforced by the other without a full compile (the edit is
// layered over the engine in force), a second edit is layered over the
// same base, and the fold compiles the result in full, which enforces the
// same.
func TestListEditLayeredThenFolded(t *testing.T) {
	a := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := storetest.Replica(t, a)
	seed := defaultFiles(t)
	list := firstList(t, seed, "secrets")
	p, err := bot.NewPolicy(ctx, bot.PolicyConfig{Store: b, Seed: seed, Logger: zerolog.Nop(), Poll: 50 * time.Millisecond, FoldAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	go p.Run(ctx)
	mc := rules.Context{ChatKind: rules.ChatWork}
	edit := func(word string) {
		t.Helper()
		files, v, err := a.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files[list] = append(slices.Clone(files[list]), []byte("\n"+word+"\n")...)
		nv, err := a.SaveRules(ctx, files, v)
		if err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); p.Version() != nv; time.Sleep(5 * time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the replica is still at version %d after 5 s, want %d", p.Version(), nv)
			}
		}
	}
	words := []string{"蓝鲸暗号", "白鲸项目代号"}
	for i, w := range words {
		if v := p.Engine().Evaluate("今天的"+w+"是什么", mc); len(v.Hits) != 0 {
			t.Fatalf("%s matches before it was added: %+v", w, v.Hits)
		}
		edit(w)
		if n := p.Engine().Layered(); n != i+1 {
			t.Errorf("after edit %d the engine layers %d words, want %d (no full compile)", i+1, n, i+1)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, w := range words {
			v := p.Engine().Evaluate("今天的"+w+"是什么", mc)
			if len(v.Hits) == 0 || v.Hits[0].Category != "secrets" {
				t.Errorf("%s: %s is not enforced: %+v", when, w, v)
			}
		}
	}
	check("layered")
	p.Fold()
	if n := p.Engine().Layered(); n != 0 {
		t.Errorf("after the fold %d words are still layered", n)
	}
	check("folded")
}

// firstList returns the first (by name) list file of category in files,
// failing the test when it has none.
func firstList(t *testing.T, files map[string][]byte, category string) string {
	t.Helper()
	var list string
	for name := range files {
		if strings.HasPrefix(name, "lists/"+category+"/") && (list == "" || name < list) {
			list = name
		}
	}
	if list == "" {
		t.Fatalf("the default policy has no %s list", category)
	}
	return list
}
