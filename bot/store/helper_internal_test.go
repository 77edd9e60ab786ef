package store

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"
)

// newTestStore opens a store on the deployment the environment names, the
// way storetest.New does (which this package's own tests cannot import):
// REDIS_CLUSTER_ADDRS, else REDIS_SENTINEL_MASTER/ADDRS, else REDIS_URL,
// else embedded; with a fresh prefix removed when the test ends.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	split := func(v string) []string {
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	o := Options{Prefix: "wgtest:" + rand.Text() + ":", Username: os.Getenv("REDIS_USERNAME"), Password: os.Getenv("REDIS_PASSWORD")}
	switch {
	case os.Getenv("REDIS_CLUSTER_ADDRS") != "":
		o.ClusterAddrs = split(os.Getenv("REDIS_CLUSTER_ADDRS"))
	case os.Getenv("REDIS_SENTINEL_MASTER") != "":
		o.SentinelMaster, o.SentinelAddrs = os.Getenv("REDIS_SENTINEL_MASTER"), split(os.Getenv("REDIS_SENTINEL_ADDRS"))
	default:
		o.URL = os.Getenv("REDIS_URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.DeleteAll(context.Background()); _ = s.Close() })
	return s
}
