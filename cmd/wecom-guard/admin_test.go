package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestAdminTokenCLI(t *testing.T) {
	if os.Getenv("REDIS_URL") == "" {
		t.Skip("admin tokens need a Redis server shared with `serve`: set REDIS_URL")
	}
	t.Setenv("REDIS_PREFIX", storetest.New(t).Prefix())
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "token", "create", "--user", "wangfang", "--role", "hr"}, nil, &out, &errOut); err != nil {
		t.Fatalf("create: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	secret := lines[len(lines)-1]
	if !strings.HasPrefix(secret, "wgt_") {
		t.Fatalf("create printed %q, want the secret on the last line", out.String())
	}
	id := strings.Fields(lines[0])[1]
	out.Reset()
	if err := run(ctx, []string{"admin", "token", "list"}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), id) || !strings.Contains(out.String(), "wangfang") || strings.Contains(out.String(), secret) ||
		!strings.Contains(out.String(), "LAST_USED") {
		t.Fatalf("list printed %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "token", "revoke", id}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"admin", "token", "revoke", id}, nil, &out, &errOut); err == nil {
		t.Fatal("revoking twice succeeded")
	}
	if err := run(ctx, []string{"admin", "token", "create", "--user", "x", "--role", "boss"}, nil, &out, &errOut); err == nil {
		t.Fatal("unknown role accepted")
	}
}
