package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestTokens(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	tok, secret, err := s.CreateToken(ctx, "wangfang", "hr", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "wgt_") || len(secret) < 30 || strings.Contains(tok.ID, secret) {
		t.Fatalf("token %+v secret %q", tok, secret)
	}
	got, ok, err := s.LookupToken(ctx, secret)
	if err != nil || !ok || got.User != "wangfang" || got.Role != "hr" {
		t.Fatalf("LookupToken = %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := s.LookupToken(ctx, secret+"x"); ok {
		t.Fatal("a wrong secret was accepted")
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].ID != tok.ID {
		t.Fatalf("Tokens = %+v, %v", list, err)
	}
	if ok, err := s.RevokeToken(ctx, tok.ID); err != nil || !ok {
		t.Fatalf("RevokeToken = %v, %v", ok, err)
	}
	if _, ok, _ := s.LookupToken(ctx, secret); ok {
		t.Fatal("a revoked token still works")
	}
	if ok, _ := s.RevokeToken(ctx, tok.ID); ok {
		t.Fatal("revoked twice")
	}
}

func TestAuditLogAppendOnlyNewestFirst(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for i, action := range []string{"list.add", "rules.update", "case.resolve"} {
		e := store.AuditEntry{Time: time.Unix(int64(1000+i), 0), User: "hr1", Role: "hr", Action: action,
			Before: json.RawMessage(`{"n":1}`), After: json.RawMessage(`{"n":2}`)}
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AuditLog(ctx, 2, "")
	if err != nil || len(got) != 2 || got[0].Action != "case.resolve" || got[1].Action != "rules.update" {
		t.Fatalf("AuditLog = %+v, %v", got, err)
	}
	older, err := s.AuditLog(ctx, 10, got[1].ID)
	if err != nil || len(older) != 1 || older[0].Action != "list.add" || string(older[0].After) != `{"n":2}` {
		t.Fatalf("AuditLog before %s = %+v, %v", got[1].ID, older, err)
	}
}
