package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The session key holds only the hash of the id, and expires.
func TestSessionStoredHashedWithTTL(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	tok, _, err := s.CreateToken(ctx, "li", "auditor", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := s.CreateSession(ctx, tok, 8*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	err = s.forEachKey(ctx, s.prefix+"admin:session:", func(k string) { keys = append(keys, k) })
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("session keys %v, want one", keys)
	}
	if strings.Contains(keys[0], id) {
		t.Errorf("key %q holds the session id itself", keys[0])
	}
	ttl, err := s.rdb.TTL(ctx, keys[0]).Result()
	if err != nil || ttl <= 7*time.Hour || ttl > 8*time.Hour {
		t.Errorf("ttl %v, %v; want about 8h", ttl, err)
	}
	val, _ := s.rdb.Get(ctx, keys[0]).Result()
	if strings.Contains(val, id) {
		t.Errorf("value %q holds the session id", val)
	}
}

// waitGone waits (bounded) until Redis itself has expired key.
func waitGone(t *testing.T, s *Store, key string) {
	t.Helper()
	ctx := context.Background()
	if s.embedded != nil {
		s.embedded.FastForward(time.Second) // miniredis expires keys only when told time passed
	}
	for range 500 {
		if s.rdb.Exists(ctx, key).Val() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("key %q did not expire", key)
}

// TestSessionEndsWithItsToken (issue 11 item 3): when an expiring token's
// record lapses, its console session ends at once and the token leaves
// the listing; a revoked token ends its session too; and a session never
// gets a lifetime beyond its token's.
func TestSessionEndsWithItsToken(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()

	tok, secret, err := s.CreateExpiringToken(ctx, "hr1", "hr", now, time.Hour)
	must(t, err)
	if !tok.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("Expires = %v, want %v", tok.Expires, now.Add(time.Hour))
	}
	looked, ok, err := s.LookupToken(ctx, secret)
	if err != nil || !ok {
		t.Fatalf("LookupToken = %v, %v", ok, err)
	}
	id, _, err := s.CreateSession(ctx, looked, 8*time.Hour)
	must(t, err)
	if ttl := s.rdb.PTTL(ctx, s.keySession(hashToken(id))).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("session ttl %v, want at most the token's hour", ttl)
	}
	if _, _, live, err := s.Session(ctx, id); err != nil || !live {
		t.Fatalf("Session before expiry = %v, %v; want live", live, err)
	}

	// The token's record lapses the way Redis expires it.
	must(t, s.rdb.PExpire(ctx, s.keyTokenHash(hashToken(secret)), time.Millisecond).Err())
	waitGone(t, s, s.keyTokenHash(hashToken(secret)))
	if _, _, live, err := s.Session(ctx, id); err != nil || live {
		t.Fatalf("Session after the token expired = %v, %v; want ended", live, err)
	}
	if listed := s.rdb.HExists(ctx, s.keyTokens(), tok.ID).Val(); listed {
		t.Error("the expired token is still in the listing")
	}
	toks, err := s.Tokens(ctx)
	if err != nil || len(toks) != 0 {
		t.Errorf("Tokens after expiry = %+v, %v; want none", toks, err)
	}

	// An expired token never signs in again.
	looked.Expires = now.Add(-time.Second)
	if _, _, err := s.CreateSession(ctx, looked, 8*time.Hour); err == nil {
		t.Error("CreateSession for an expired token succeeded")
	}

	// Revoking ends the session of a token that does not expire.
	tok2, secret2, err := s.CreateToken(ctx, "hr2", "hr", now)
	must(t, err)
	looked2, _, _ := s.LookupToken(ctx, secret2)
	id2, _, err := s.CreateSession(ctx, looked2, 8*time.Hour)
	must(t, err)
	if _, err := s.RevokeToken(ctx, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, live, err := s.Session(ctx, id2); err != nil || live {
		t.Fatalf("Session after revoke = %v, %v; want ended", live, err)
	}

	// The listing itself expiring a token that the session copy says is
	// past its time also ends it, even while Redis has not yet removed it.
	tok3, secret3, err := s.CreateExpiringToken(ctx, "hr3", "hr", now, time.Hour)
	must(t, err)
	looked3, _, _ := s.LookupToken(ctx, secret3)
	id3, _, err := s.CreateSession(ctx, looked3, time.Hour)
	must(t, err)
	var sess session
	_, _ = s.getJSON(ctx, s.keySession(hashToken(id3)), &sess)
	sess.Token.Expires = time.Now().Add(-time.Minute)
	data, _ := json.Marshal(sess)
	must(t, s.rdb.Set(ctx, s.keySession(hashToken(id3)), data, time.Hour).Err())
	if _, _, live, _ := s.Session(ctx, id3); live {
		t.Errorf("Session of token %s past its expiry is live", tok3.ID)
	}
}
