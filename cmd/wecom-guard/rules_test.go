package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestRulesExportImport(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("rules export/import work on the Redis shared with `serve`: set REDIS_URL")
	}
	st := storetest.New(t)
	t.Setenv("REDIS_PREFIX", st.Prefix())
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"rules", "export", t.TempDir()}, nil, &out, &errOut); err == nil {
		t.Fatal("export of an empty Redis succeeded")
	}
	// Seed from the embedded default, as serve does, by importing it.
	src := t.TempDir()
	files, err := readRuleFiles("")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	os.WriteFile(filepath.Join(src, "lists", "secrets", "hr-added.txt"), []byte("蓝鲸暗号\n"), 0o644)
	if err := run(ctx, []string{"rules", "import", src}, nil, &out, &errOut); err != nil {
		t.Fatalf("import: %v", err)
	}
	if !strings.Contains(out.String(), "rule set version 1") {
		t.Fatalf("import printed %q", out.String())
	}
	dst := t.TempDir()
	out.Reset()
	if err := run(ctx, []string{"rules", "export", dst}, nil, &out, &errOut); err != nil {
		t.Fatalf("export: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dst, "lists", "secrets", "hr-added.txt"))
	if err != nil || string(got) != "蓝鲸暗号\n" {
		t.Fatalf("exported list %q, %v", got, err)
	}
	// A broken rule set is refused with its file and line, and nothing changes.
	os.WriteFile(filepath.Join(src, "policy.yaml"), []byte("version: 1\nrules:\n  - id: x\n    severity: loud\n"), 0o644)
	err = run(ctx, []string{"rules", "import", src}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "policy.yaml:") {
		t.Fatalf("broken import: %v, want an error naming policy.yaml and a line", err)
	}
	if _, v, _ := st.Rules(ctx); v != 1 {
		t.Fatalf("version %d after a refused import, want 1", v)
	}
}
