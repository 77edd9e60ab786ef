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
