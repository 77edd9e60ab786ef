package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

func TestMarkSeenOnce(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	first, err := s.MarkSeen(ctx, "msg:1", time.Hour)
	if err != nil || !first {
		t.Fatalf("first MarkSeen = %v, %v; want true, nil", first, err)
	}
	for i := 0; i < 2; i++ {
		again, err := s.MarkSeen(ctx, "msg:1", time.Hour)
		if err != nil || again {
			t.Fatalf("repeat MarkSeen = %v, %v; want false, nil", again, err)
		}
	}
	if err := s.ForgetSeen(ctx, "msg:1"); err != nil {
		t.Fatal(err)
	}
	if first, _ := s.MarkSeen(ctx, "msg:1", time.Hour); !first {
		t.Fatal("MarkSeen after ForgetSeen = false, want true")
	}
}

func TestMarkSeenConcurrentReplicas(t *testing.T) {
	a := storetest.New(t)
	ctx := context.Background()
	// A second connection with the same prefix stands for another replica.
	b := storetest.Replica(t, a)
	var mu sync.Mutex
	firsts := 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := s.MarkSeen(ctx, "msg:race", time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("%d callers saw the message first, want exactly 1", firsts)
	}
}

func TestTokenStore(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, ok, err := s.GetToken(ctx, "corp/1"); ok || err != nil {
		t.Fatalf("GetToken on empty = %v, %v; want false, nil", ok, err)
	}
	if err := s.SetToken(ctx, "corp/1", "tok-a", time.Minute); err != nil {
		t.Fatal(err)
	}
	// Deleting someone else's token is a no-op.
	if err := s.DeleteToken(ctx, "corp/1", "tok-other"); err != nil {
		t.Fatal(err)
	}
	if tok, ok, _ := s.GetToken(ctx, "corp/1"); !ok || tok != "tok-a" {
		t.Fatalf("GetToken = %q, %v; want tok-a, true", tok, ok)
	}
	if err := s.DeleteToken(ctx, "corp/1", "tok-a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.GetToken(ctx, "corp/1"); ok {
		t.Fatal("token still cached after DeleteToken")
	}
}

func TestLock(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	unlock, ok, err := s.Lock(ctx, "corp/1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("Lock = %v, %v; want true, nil", ok, err)
	}
	if _, ok, _ := s.Lock(ctx, "corp/1", time.Minute); ok {
		t.Fatal("second Lock succeeded while the first holds it")
	}
	unlock()
	unlock2, ok, err := s.Lock(ctx, "corp/1", time.Minute)
	if err != nil || !ok {
		t.Fatalf("Lock after unlock = %v, %v; want true, nil", ok, err)
	}
	unlock2()
}

func TestValidateURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		ok   bool
		hide string
	}{
		{"redis://127.0.0.1:6379/0", true, ""},
		{"rediss://user:pw@redis.example.com:6380/2", true, ""},
		{"http://127.0.0.1:6379", false, ""},
		{"redis://u:sekret@host:port/0", false, "sekret"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := store.ValidateURL(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
			if err != nil && tc.hide != "" && strings.Contains(err.Error(), tc.hide) {
				t.Fatalf("error %q shows the password", err)
			}
		})
	}
}

func TestEmbedded(t *testing.T) {
	s, err := store.Open(context.Background(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Embedded() {
		t.Fatal("Open without URL is not embedded")
	}
	if first, err := s.MarkSeen(context.Background(), "x", time.Hour); err != nil || !first {
		t.Fatalf("MarkSeen on embedded = %v, %v", first, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    store.Options
		want string // substring of the error; "" for valid
	}{
		{"embedded", store.Options{}, ""},
		{"url", store.Options{URL: "redis://127.0.0.1:6379/0"}, ""},
		{"cluster url", store.Options{URL: "redis://127.0.0.1:7101?addr=127.0.0.1:7102&addr=127.0.0.1:7103"}, ""},
		{"cluster url bad", store.Options{URL: "redis://127.0.0.1:7101?addr=127.0.0.1:7102&bogus=1"}, "cluster url"},
		{"cluster", store.Options{ClusterAddrs: []string{"127.0.0.1:7101", "127.0.0.1:7102"}}, ""},
		{"cluster bad addr", store.Options{ClusterAddrs: []string{"127.0.0.1"}}, `cluster address "127.0.0.1"`},
		{"sentinel", store.Options{SentinelMaster: "mymaster", SentinelAddrs: []string{"10.0.0.1:26379"}}, ""},
		{"sentinel without addrs", store.Options{SentinelMaster: "mymaster"}, "sentinels' addresses"},
		{"sentinel without master", store.Options{SentinelAddrs: []string{"10.0.0.1:26379"}}, "master name"},
		{"two at once", store.Options{URL: "redis://a:1", ClusterAddrs: []string{"b:2"}}, "only one"},
		{"brace prefix", store.Options{Prefix: "wg{x}:"}, "brace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestReplicaSharesData: storetest.Replica reaches the same data, on
// whichever deployment the environment names.
func TestReplicaSharesData(t *testing.T) {
	a := storetest.New(t)
	b := storetest.Replica(t, a)
	ctx := context.Background()
	if first, err := a.MarkSeen(ctx, "shared", time.Hour); err != nil || !first {
		t.Fatalf("MarkSeen on a = %v, %v", first, err)
	}
	if seen, err := b.Seen(ctx, "shared"); err != nil || !seen {
		t.Fatalf("Seen on the replica = %v, %v; want true", seen, err)
	}
	if a.Cluster() != b.Cluster() {
		t.Fatal("the replica is on another kind of deployment")
	}
}

// TestClusterURL: go-redis's cluster URL form in Options.URL opens a
// cluster client (run on a cluster, as .ci/run does).
func TestClusterURL(t *testing.T) {
	addrs := storetest.Options().ClusterAddrs
	if len(addrs) == 0 {
		t.Skip("REDIS_CLUSTER_ADDRS is not set")
	}
	u := "redis://" + addrs[0]
	for i, a := range addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + a
	}
	if len(addrs) == 1 {
		u += "?addr=" + addrs[0]
	}
	s, err := store.Open(context.Background(), store.Options{URL: u, Prefix: "wgtest:clusterurl:"})
	if err != nil {
		t.Fatalf("Open(%s): %v", u, err)
	}
	defer s.Close()
	if !s.Cluster() {
		t.Fatalf("Open(%s) is not a cluster client", u)
	}
	if err := s.DeleteAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}
