package store

import (
	"context"
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
