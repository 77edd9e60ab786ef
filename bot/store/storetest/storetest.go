// Package storetest opens a store for tests: the Redis Cluster named by
// REDIS_CLUSTER_ADDRS when it is set (comma-separated host:port, as .ci/run
// sets for its cluster run), else the Sentinel-managed master named by
// REDIS_SENTINEL_MASTER and REDIS_SENTINEL_ADDRS, else the real Redis
// named by REDIS_URL (CI sets it), else an embedded miniredis. Each call
// gets its own key prefix, removed when the test ends, so parallel tests
// and packages never see each other's keys.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// Options are the store options the environment names, without a prefix.
func Options() store.Options {
	split := func(v string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	o := store.Options{Username: os.Getenv("REDIS_USERNAME"), Password: os.Getenv("REDIS_PASSWORD")}
	switch {
	case os.Getenv("REDIS_CLUSTER_ADDRS") != "":
		o.ClusterAddrs = split(os.Getenv("REDIS_CLUSTER_ADDRS"))
	case os.Getenv("REDIS_SENTINEL_MASTER") != "":
		o.SentinelMaster = os.Getenv("REDIS_SENTINEL_MASTER")
		o.SentinelAddrs = split(os.Getenv("REDIS_SENTINEL_ADDRS"))
	default:
		o.URL = os.Getenv("REDIS_URL")
	}
	return o
}

// New opens a store for t with a fresh key prefix.
func New(t testing.TB) *store.Store {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random prefix: %v", err)
	}
	opts := Options()
	opts.Prefix = "wgtest:" + hex.EncodeToString(b[:]) + ":"
	s := open(t, opts)
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

// Replica opens a second connection to s's data (same deployment, same
// prefix), as another replica of the service would; it is closed when the
// test ends, and its keys are removed with s's.
func Replica(t testing.TB, s *store.Store) *store.Store {
	t.Helper()
	r := open(t, s.Options())
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func open(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatalf("open test store (%s): %v", describe(opts), err)
	}
	return s
}

// describe names the deployment of opts without its password.
func describe(o store.Options) string {
	switch {
	case len(o.ClusterAddrs) > 0:
		return "REDIS_CLUSTER_ADDRS=" + strings.Join(o.ClusterAddrs, ",")
	case o.SentinelMaster != "":
		return "REDIS_SENTINEL_MASTER=" + o.SentinelMaster + " REDIS_SENTINEL_ADDRS=" + strings.Join(o.SentinelAddrs, ",")
	case o.URL == "":
		return "embedded"
	}
	return "REDIS_URL set"
}
