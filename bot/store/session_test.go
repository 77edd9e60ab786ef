package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestSessions(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	tok, _, err := s.CreateToken(ctx, "wangfang", "hr", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, csrf, err := s.CreateSession(ctx, tok, time.Hour)
	if err != nil || len(id) < 40 || len(csrf) < 40 || id == csrf {
		t.Fatalf("CreateSession = %q, %q, %v", id, csrf, err)
	}
	id2, csrf2, err := s.CreateSession(ctx, tok, time.Hour)
	if err != nil || id2 == id || csrf2 == csrf {
		t.Fatalf("second session repeats the first: %q %q %v", id2, csrf2, err)
	}
	for _, tc := range []struct {
		name   string
		id     string
		wantOK bool
	}{
		{"live", id, true},
		{"other live", id2, true},
		{"unknown", id + "x", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gotCSRF, ok, err := s.Session(ctx, tc.id)
			if err != nil || ok != tc.wantOK {
				t.Fatalf("Session = %+v, %v, %v; want ok %v", got, ok, err, tc.wantOK)
			}
			if ok && (got.User != "wangfang" || got.Role != "hr" || got.ID != tok.ID || gotCSRF == "") {
				t.Fatalf("Session = %+v, %q", got, gotCSRF)
			}
		})
	}
	if _, c, _, _ := s.Session(ctx, id); c != csrf {
		t.Fatalf("csrf %q, want %q", c, csrf)
	}

	if err := s.DeleteSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s.Session(ctx, id); ok || err != nil {
		t.Fatalf("deleted session still there: %v %v", ok, err)
	}
	if err := s.DeleteSession(ctx, id); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}

	// Revoking the token ends the sessions it opened.
	if ok, err := s.RevokeToken(ctx, tok.ID); !ok || err != nil {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	if _, _, ok, err := s.Session(ctx, id2); ok || err != nil {
		t.Fatalf("session of a revoked token: %v %v", ok, err)
	}

	if _, _, err := s.CreateSession(ctx, store.APIToken{User: "x"}, 0); err == nil {
		t.Fatal("a session without a lifetime was created")
	}
}

func TestMemberSession(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Now()
	id, csrf, err := s.CreateMemberSession(ctx, "wangfang", "hr", now, time.Hour)
	if err != nil || id == "" || csrf == "" {
		t.Fatalf("CreateMemberSession = %q, %q, %v", id, csrf, err)
	}
	tok, gotCSRF, ok, err := s.Session(ctx, id)
	if err != nil || !ok || tok.User != "wangfang" || tok.Role != "hr" || tok.ID != "" || gotCSRF != csrf {
		t.Fatalf("Session = %+v, %q, %v, %v; want wangfang/hr without a token id", tok, gotCSRF, ok, err)
	}
	// The role changes in place (once), the expiry stays.
	for i, want := range []bool{true, false} {
		if changed, err := s.SetSessionRole(ctx, id, "employee"); err != nil || changed != want {
			t.Errorf("SetSessionRole #%d = %v, %v; want %v", i+1, changed, err, want)
		}
	}
	if tok, gotCSRF, ok, err := s.Session(ctx, id); err != nil || !ok || tok.Role != "employee" || gotCSRF != csrf {
		t.Errorf("Session after SetSessionRole = %+v, %v, %v", tok, ok, err)
	}
	if ttl, err := store.SessionTTL(ctx, s, id); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Errorf("session TTL %v, %v after SetSessionRole; want the hour it had", ttl, err)
	}
	if err := s.DeleteSession(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := s.Session(ctx, id); ok {
		t.Error("session still live after DeleteSession")
	}
	if changed, err := s.SetSessionRole(ctx, id, "hr"); err != nil || changed {
		t.Errorf("SetSessionRole of an ended session = %v, %v; want nothing", changed, err)
	}
	if _, _, ok, _ := s.Session(ctx, id); ok {
		t.Error("SetSessionRole brought an ended session back")
	}
	// A token's session keeps its token's role.
	tok0, _, err := s.CreateToken(ctx, "script", "auditor", now)
	if err != nil {
		t.Fatal(err)
	}
	tid, _, err := s.CreateSession(ctx, tok0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := s.SetSessionRole(ctx, tid, "hr"); err != nil || changed {
		t.Errorf("SetSessionRole of a token's session = %v, %v; want nothing", changed, err)
	}
	for _, bad := range [][2]string{{"", "hr"}, {"wangfang", ""}} {
		if _, _, err := s.CreateMemberSession(ctx, bad[0], bad[1], now, time.Hour); err == nil {
			t.Errorf("CreateMemberSession(%q, %q) = nil error", bad[0], bad[1])
		}
	}
}

func TestSignInStateWorksOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	st := store.SignInState{Return: "/ui/r/1d991024", Via: "web", Created: time.Now().UTC().Truncate(time.Second)}
	if err := s.SaveSignInState(ctx, "abc123", st, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSignInState(ctx, "abc123", st, time.Minute); err == nil {
		t.Error("a state in use was saved again")
	}
	got, ok, err := s.TakeSignInState(ctx, "abc123")
	if err != nil || !ok || got != st {
		t.Fatalf("TakeSignInState = %+v, %v, %v; want %+v", got, ok, err, st)
	}
	if _, ok, err := s.TakeSignInState(ctx, "abc123"); ok || err != nil {
		t.Errorf("second take = %v, %v; want absent", ok, err)
	}
	if _, ok, _ := s.TakeSignInState(ctx, "other"); ok {
		t.Error("unknown state taken")
	}
}

func TestTokenLastUse(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	a, _, err := s.CreateToken(ctx, "ci", "auditor", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.CreateToken(ctx, "ops", "hr", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	used := time.Date(2026, 12, 1, 6, 5, 0, 0, time.UTC)
	if err := s.TouchToken(ctx, a.ID, used); err != nil {
		t.Fatal(err)
	}
	toks, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]time.Time{}
	for _, tk := range toks {
		seen[tk.ID] = tk.LastUsed
	}
	if !seen[a.ID].Equal(used) || !seen[b.ID].IsZero() {
		t.Errorf("last use = %v / %v; want %v / never", seen[a.ID], seen[b.ID], used)
	}
	if _, err := s.RevokeToken(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	toks, _ = s.Tokens(ctx)
	for _, tk := range toks {
		if tk.ID == a.ID {
			t.Errorf("revoked token %s still listed", a.ID)
		}
	}
}
