// Package storetest opens a store for tests: the real Redis named by
// REDIS_URL when it is set (CI sets it), an embedded miniredis otherwise.
// Each call gets its own key prefix, removed when the test ends, so parallel
// tests and packages never see each other's keys.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// New opens a store for t with a fresh key prefix.
func New(t testing.TB) *store.Store {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random prefix: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := store.Open(ctx, store.Options{
		URL:    os.Getenv("REDIS_URL"),
		Prefix: "wgtest:" + hex.EncodeToString(b[:]) + ":",
	})
	if err != nil {
		t.Fatalf("open test store (REDIS_URL=%q): %v", os.Getenv("REDIS_URL"), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.DeleteAll(ctx); err != nil {
			t.Errorf("clean test keys: %v", err)
		}
		_ = s.Close()
	})
	return s
}
