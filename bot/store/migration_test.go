package store_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
)

// TestOutboxSurvivesSlotMigration moves the {outbox} slot to another
// master while entries are queued, pending at a consumer that died, and
// being enqueued and delivered — the way redis-cli --cluster reshard does
// it (SETSLOT IMPORTING/MIGRATING, MIGRATE key by key, SETSLOT NODE) — and
// checks docs/redis.md's claim: no entry is lost, the pending ones are
// still pending (and taken over) on the new master, and an entry is
// delivered twice only where a failure came between its send and its
// delivered mark. It runs on a cluster only (.ci/run's cluster run), and
// must not run in parallel with other tests of the outbox: every prefix's
// outbox shares the {outbox} slot it moves.
func TestOutboxSurvivesSlotMigration(t *testing.T) {
	opts := storetest.Options()
	if len(opts.ClusterAddrs) == 0 {
		t.Skip("REDIS_CLUSTER_ADDRS is not set")
	}
	s := storetest.New(t)
	ctx := context.Background()
	admin := redis.NewClusterClient(&redis.ClusterOptions{Addrs: opts.ClusterAddrs, Username: opts.Username, Password: opts.Password})
	defer admin.Close()
	slot := int(admin.ClusterKeySlot(ctx, "{outbox}").Val())
	src, dst, others := slotOwners(t, ctx, admin, slot)
	node := func(n redis.ClusterNode) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: n.Addr, Username: opts.Username, Password: opts.Password})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	srcC, dstC := node(src), node(dst)
	now := time.Now()
	if err := s.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}

	want := map[string]bool{}
	// enqueue adds alerts; one that fails (TRYAGAIN while the slot's keys
	// are split between the masters: nothing ran) is left in refused, as
	// the callback would answer 5xx and WeCom send it again.
	var refused []string
	enqueue := func(keys ...string) {
		for _, k := range keys {
			if _, err := s.Enqueue(ctx, k, []byte(`{}`), now); err != nil {
				refused = append(refused, k)
				continue
			}
			want[k] = true
		}
	}
	alerts := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("alert-%03d", i))
		}
		return out
	}
	sends := map[string]int{}
	explained := map[string]int{} // sends followed by a failed mark or ack
	errs := 0
	// deliver is one sender round, as bot.Sender does it: claim, read,
	// skip what is marked delivered, send, mark, acknowledge. Errors end
	// the round; the entries stay pending for the next.
	deliver := func(consumer string, claimIdle time.Duration) {
		es, err := s.ClaimStale(ctx, consumer, claimIdle, 100)
		if err != nil {
			errs++
			return
		}
		fresh, err := s.ReadOutbox(ctx, consumer, 10, 0)
		if err != nil {
			errs++
			return
		}
		for _, e := range append(es, fresh...) {
			done, err := s.Delivered(ctx, e.Key)
			if err != nil {
				errs++
				return
			}
			if !done {
				sends[e.Key]++
				if err := s.MarkDelivered(ctx, e.Key); err != nil {
					explained[e.Key]++
					errs++
					return
				}
			}
			if err := s.AckOutbox(ctx, e); err != nil {
				errs++
				return
			}
		}
	}

	enqueue(alerts(0, 40)...)
	if len(refused) != 0 {
		t.Fatalf("refused before the move: %v", refused)
	}
	if got, err := s.ReadOutbox(ctx, "died", 15, 0); err != nil || len(got) != 15 {
		t.Fatalf("the dying consumer read %d, %v; want 15", len(got), err)
	}

	// The move starts: half of the slot's keys go over.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(dstC.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", src.ID).Err())
	must(srcC.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst.ID).Err())
	host, port, _ := net.SplitHostPort(dst.Addr)
	migrate := func(keys []string) {
		if len(keys) == 0 {
			return
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(srcC.Do(ctx, args...).Err())
	}
	moved := false
	finish := func() {
		if moved {
			return
		}
		moved = true
		keys, err := srcC.ClusterGetKeysInSlot(ctx, slot, 100000).Result()
		must(err)
		migrate(keys)
		for _, n := range append([]redis.ClusterNode{dst, src}, others...) {
			must(node(n).Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", dst.ID).Err())
		}
	}
	t.Cleanup(finish) // a failed test leaves no slot half moved
	keys, err := srcC.ClusterGetKeysInSlot(ctx, slot, 100000).Result()
	must(err)
	migrate(keys[:len(keys)/2])
	// Meanwhile alerts keep coming and a sender keeps delivering.
	enqueue(alerts(40, 60)...)
	for range 5 {
		deliver("live", time.Hour)
	}
	finish()
	if n, _ := dstC.ClusterCountKeysInSlot(ctx, slot).Result(); n == 0 {
		t.Fatal("nothing arrived at the new master")
	}
	retried := len(refused)
	again := refused
	refused = nil
	enqueue(again...) // WeCom's retries of the refused callbacks
	if len(refused) != 0 {
		t.Fatalf("refused after the move: %v", refused)
	}
	enqueue(alerts(60, 70)...)
	// The dead consumer's entries are still pending, now on the new master.
	if st, err := s.OutboxStats(ctx); err != nil || st.Pending < 15 {
		t.Fatalf("after the move: %+v, %v; want the dead consumer's 15 still pending", st, err)
	}
	for range 50 {
		deliver("live", 0)
		st, err := s.OutboxStats(ctx)
		if err == nil && st.Queued == 0 && st.Pending == 0 {
			break
		}
	}
	for k := range want {
		if sends[k] == 0 {
			t.Errorf("%s was never delivered", k)
		}
		if sends[k] > 1+explained[k] {
			t.Errorf("%s delivered %d times with %d failures after a send", k, sends[k], explained[k])
		}
	}
	if st, _ := s.OutboxStats(ctx); st.Queued != 0 || st.Pending != 0 {
		t.Errorf("outbox not empty after the move: %+v", st)
	}
	if len(want) != 70 {
		t.Errorf("%d alerts enqueued, want 70", len(want))
	}
	t.Logf("slot %d moved %s → %s; %d alerts; during the move %d enqueues were refused (sent again after) and %d sender operations failed (retried)", slot, src.Addr, dst.Addr, len(want), retried, errs)
}

// slotOwners returns the master owning slot, another master to move it to,
// and the remaining masters.
func slotOwners(t *testing.T, ctx context.Context, c *redis.ClusterClient, slot int) (src, dst redis.ClusterNode, others []redis.ClusterNode) {
	t.Helper()
	ranges, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	var masters []redis.ClusterNode
	seen := map[string]bool{}
	for _, r := range ranges {
		m := r.Nodes[0]
		if r.Start <= slot && slot <= r.End {
			src = m
		}
		if !seen[m.ID] {
			seen[m.ID] = true
			masters = append(masters, m)
		}
	}
	if src.ID == "" || len(masters) < 2 {
		t.Fatalf("slot %d: owner %q among %d masters; want a cluster of two or more", slot, src.ID, len(masters))
	}
	for _, m := range masters {
		switch {
		case m.ID == src.ID:
		case dst.ID == "":
			dst = m
		default:
			others = append(others, m)
		}
	}
	return src, dst, others
}
