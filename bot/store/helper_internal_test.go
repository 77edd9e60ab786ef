package store

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// TestMigrateLayout: a server holding cases, admin tokens and statistics
// under the earlier layout's names finds them under the new ones after Open, with
// their expiry, once.
func TestMigrateLayout(t *testing.T) {
	s := newTestStore(t)
	if s.Cluster() {
		t.Skip("the earlier layout never ran on a cluster")
	}
	ctx := context.Background()
	p := s.prefix
	must(t, s.rdb.Set(ctx, p+"case:C1", `{"id":"C1","status":"open"}`, 0).Err())
	must(t, s.rdb.ZAdd(ctx, p+"cases:open", redis.Z{Score: 1, Member: "C1"}).Err())
	must(t, s.rdb.ZAdd(ctx, p+"cases:all", redis.Z{Score: 1, Member: "C1"}).Err())
	must(t, s.rdb.Set(ctx, p+"admin:token:abc", `{"id":"t1","user":"hr","role":"hr"}`, time.Hour).Err())
	must(t, s.rdb.HSet(ctx, p+"admin:tokens", "t1", "abc").Err())
	must(t, s.rdb.HSet(ctx, p+"stats:2026-11-30", "total", 3).Err())
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, cst)
	must(t, s.rdb.ZAdd(ctx, s.keyViolationIndex(), redis.Z{Score: float64(at.UnixMilli()), Member: "v1"}).Err())
	must(t, s.rdb.Del(ctx, s.keyLayout()).Err())
	r, err := Open(ctx, s.opts)
	must(t, err)
	defer r.Close()
	if c, ok, err := r.Case(ctx, "C1"); err != nil || !ok || c.Status != "open" {
		t.Fatalf("case after migration = %+v, %v, %v", c, ok, err)
	}
	if ids, _ := r.OpenCases(ctx); len(ids) != 1 {
		t.Fatalf("open cases after migration %v", ids)
	}
	toks, err := r.Tokens(ctx)
	if err != nil || len(toks) != 1 || toks[0].ID != "t1" {
		t.Fatalf("tokens after migration %+v, %v", toks, err)
	}
	if ttl := r.rdb.TTL(ctx, r.keyTokenHash("abc")).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("token ttl after migration %v, want its hour kept", ttl)
	}
	if st, err := r.Stats(ctx, time.Date(2026, 11, 30, 12, 0, 0, 0, cst), 1); err != nil || st[0].Total != 3 {
		t.Errorf("statistics after migration %+v, %v; want the day's total of 3", st, err)
	}
	if n := r.rdb.Exists(ctx, p+"case:C1").Val() + r.rdb.Exists(ctx, p+"admin:tokens").Val() + r.rdb.Exists(ctx, p+"stats:2026-11-30").Val(); n != 0 {
		t.Errorf("%d old keys left", n)
	}
}
