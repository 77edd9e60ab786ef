package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAccessTokenSealed (issue 11 item 6): Redis never holds the WeCom
// access token in plain text; replicas with the app's secret share it, and
// anything else reads as absent.
func TestAccessTokenSealed(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	const token = "ACCESS_TOKEN_9f8e7d6c5b4a"
	a, err := s.AccessTokens("app-secret")
	must(t, err)
	must(t, a.SetToken(ctx, "wwcorp:1000002", token, time.Hour))

	raw, err := s.rdb.Get(ctx, s.keyToken("wwcorp:1000002")).Result()
	must(t, err)
	if strings.Contains(raw, token) || strings.Contains(raw, "9f8e7d6c5b4a") || !strings.HasPrefix(raw, sealedPrefix) {
		t.Fatalf("Redis holds %q: the token in plain text", raw)
	}
	if ttl := s.rdb.TTL(ctx, s.keyToken("wwcorp:1000002")).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("ttl %v, want the token's hour", ttl)
	}

	// Another replica with the same secret reads it.
	r, err := Open(ctx, s.opts)
	must(t, err)
	defer r.Close()
	ra, err := r.AccessTokens("app-secret")
	must(t, err)
	if got, ok, err := ra.GetToken(ctx, "wwcorp:1000002"); err != nil || !ok || got != token {
		t.Fatalf("replica GetToken = %q, %v, %v; want the token", got, ok, err)
	}
	// A different secret, another app's key, or an earlier plain value:
	// absent, so the client fetches a fresh token.
	other, err := s.AccessTokens("other-secret")
	must(t, err)
	if _, ok, err := other.GetToken(ctx, "wwcorp:1000002"); err != nil || ok {
		t.Fatalf("GetToken with another secret = %v, %v; want absent", ok, err)
	}
	must(t, s.rdb.Set(ctx, s.keyToken("wwcorp:1000003"), raw, time.Hour).Err())
	if _, ok, _ := a.GetToken(ctx, "wwcorp:1000003"); ok {
		t.Fatal("a sealed value copied under another key opened")
	}
	must(t, s.SetToken(ctx, "wwcorp:1000004", "plain-old", time.Hour))
	if _, ok, _ := a.GetToken(ctx, "wwcorp:1000004"); ok {
		t.Fatal("a plain value from an earlier version was accepted")
	}
	// Two seals of one token differ (fresh nonce).
	must(t, a.SetToken(ctx, "wwcorp:1000002", token, time.Hour))
	if raw2 := s.rdb.Get(ctx, s.keyToken("wwcorp:1000002")).Val(); raw2 == raw {
		t.Error("sealing twice gave the same value")
	}
	// DeleteToken leaves a fresher token alone and drops its own.
	must(t, a.DeleteToken(ctx, "wwcorp:1000002", "stale-token"))
	if _, ok, _ := a.GetToken(ctx, "wwcorp:1000002"); !ok {
		t.Fatal("DeleteToken of a stale token removed the fresh one")
	}
	must(t, a.DeleteToken(ctx, "wwcorp:1000002", token))
	if _, ok, _ := a.GetToken(ctx, "wwcorp:1000002"); ok {
		t.Fatal("DeleteToken left the token")
	}
	if _, err := s.AccessTokens(""); err == nil {
		t.Error("AccessTokens with an empty secret succeeded")
	}
}
