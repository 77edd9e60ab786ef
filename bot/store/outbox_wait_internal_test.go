package store

import (
	"context"
	"testing"
	"time"
)

// waitingKeys returns the keys waiting for recipient r, oldest first, and
// whether the index names r.
func waitingKeys(t *testing.T, s *Store, r string, now time.Time) ([]string, bool) {
	t.Helper()
	ctx := context.Background()
	listed, err := s.rdb.SIsMember(ctx, s.keyOutboxWaiting(), r).Result()
	if err != nil {
		t.Fatal(err)
	}
	ws, err := s.Waiters(ctx, []string{r}, now, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, w := range ws[r].Oldest {
		keys = append(keys, w.Key)
	}
	return keys, listed
}

func readN(t *testing.T, s *Store, n int) []OutboxEntry {
	t.Helper()
	es, err := s.ReadOutbox(context.Background(), "c1", n, 0)
	if err != nil || len(es) != n {
		t.Fatalf("read %d entries, %v; want %d", len(es), err, n)
	}
	return es
}

// TestWaitingFollowsTheEntry: an entry put back for a recipient is noted
// in its waiting set, by its first place, until it is sealed, dead-lettered
// or acknowledged, in the scripts that move it; a message retried after a
// failed send waits there too. The recipient leaves the index with its
// last waiting entry.
func TestWaitingFollowsTheEntry(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	for _, k := range []string{"a", "b", "c", "d"} {
		if _, err := s.Enqueue(ctx, k, []byte("{}"), now); err != nil {
			t.Fatal(err)
		}
	}
	es := readN(t, s, 4)
	for i := range es {
		es[i].Waits = "hr"
	}
	// Put back newest first: the set orders them by place, not by when.
	if err := s.RescheduleAt(ctx, []OutboxEntry{es[3], es[1], es[0]}, []time.Time{now, now, now}); err != nil {
		t.Fatal(err)
	}
	if keys, listed := waitingKeys(t, s, "hr", now); !listed || len(keys) != 3 || keys[0] != "a" || keys[1] != "b" || keys[2] != "d" {
		t.Fatalf("waiting %v (listed %v); want a b d, listed", keys, listed)
	}
	// Back in the stream they keep their first place and still wait.
	if _, err := s.PromoteDue(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	back := readN(t, s, 3)
	for _, e := range back {
		if e.Waits != "hr" || e.Order == "" || e.Order == e.StreamID {
			t.Fatalf("entry %s came back waiting for %q at %q (stream id %s); want hr at its first place", e.Key, e.Waits, e.Order, e.StreamID)
		}
	}
	if keys, _ := waitingKeys(t, s, "hr", now); len(keys) != 3 {
		t.Fatalf("waiting %v after the promotion; want all three still", keys)
	}
	byKey := map[string]OutboxEntry{}
	for _, e := range back {
		byKey[e.Key] = e
	}
	// Sealed: a and b leave; the carrier, retried, waits at a's place.
	carrier := OutboxEntry{Key: "batch/ab", Payload: []byte(`{"batch":{}}`), Order: byKey["a"].Place()}
	l, lost, err := s.SealBatch(ctx, "c1", []OutboxEntry{byKey["a"], byKey["b"]}, carrier, now, now.Add(time.Minute))
	if err != nil || len(lost) > 0 {
		t.Fatalf("seal: lost %v, %v", lost, err)
	}
	if keys, _ := waitingKeys(t, s, "hr", now); len(keys) != 1 || keys[0] != "d" {
		t.Fatalf("waiting %v after the seal; want d", keys)
	}
	retry := l.Entry
	retry.Attempt, retry.Waits = 1, "hr"
	if held, err := s.RetryLease(ctx, l, retry, now); !held || err != nil {
		t.Fatalf("RetryLease = %v, %v", held, err)
	}
	if keys, _ := waitingKeys(t, s, "hr", now); len(keys) != 2 || keys[0] != "batch/ab" || keys[1] != "d" {
		t.Fatalf("waiting %v after the retry; want the carrier, then d", keys)
	}
	// Dead-lettered and acknowledged entries leave too.
	if err := s.DeadLetter(ctx, byKey["d"], "gone", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PromoteDue(ctx, now, 10); err != nil {
		t.Fatal(err)
	}
	c := readN(t, s, 1)[0]
	if c.Key != "batch/ab" || c.Waits != "hr" {
		t.Fatalf("read %s waiting for %q; want the carrier, waiting for hr", c.Key, c.Waits)
	}
	if err := s.AckOutbox(ctx, c); err != nil {
		t.Fatal(err)
	}
	if keys, listed := waitingKeys(t, s, "hr", now); len(keys) != 0 || listed {
		t.Fatalf("waiting %v (listed %v) when all moved on; want none, and hr out of the index", keys, listed)
	}
}

// TestStaleWaiterIsDropped: a waiting member whose entry is gone (lost by
// a bug or an operator, so no script moved it on) holds its recipient back
// only until stale after its due time; then Waiters drops it, and the
// recipient leaves the index.
func TestStaleWaiterIsDropped(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := s.Enqueue(ctx, "lost", []byte("{}"), now); err != nil {
		t.Fatal(err)
	}
	e := readN(t, s, 1)[0]
	e.Waits = "user:zhangsan"
	if err := s.Reschedule(ctx, e, now); err != nil {
		t.Fatal(err)
	}
	// The entry disappears behind the scripts' back.
	if err := s.rdb.Del(ctx, s.keyOutboxDelayed()).Err(); err != nil {
		t.Fatal(err)
	}
	const stale = 5 * time.Minute
	ws, err := s.Waiters(ctx, []string{"user:zhangsan"}, now.Add(stale-time.Second), stale, 10)
	if err != nil || len(ws["user:zhangsan"].Oldest) != 1 {
		t.Fatalf("Waiters within the bound = %+v, %v; want the member still", ws, err)
	}
	ws, err = s.Waiters(ctx, []string{"user:zhangsan"}, now.Add(stale+time.Second), stale, 10)
	if err != nil || len(ws) != 0 {
		t.Fatalf("Waiters past the bound = %+v, %v; want none", ws, err)
	}
	if _, listed := waitingKeys(t, s, "user:zhangsan", now); listed {
		t.Fatal("the recipient is still in the index after its last member was dropped")
	}
}

// TestPlaceScoreOrdersLikeStreamIDs: places compare as the stream ids do,
// across a change in the number of digits of the sequence.
func TestPlaceScoreOrdersLikeStreamIDs(t *testing.T) {
	ids := []string{"1764633600000-0", "1764633600000-9", "1764633600000-10", "1764633600001-0", "1764633600001-2"}
	for i := 1; i < len(ids); i++ {
		if PlaceScore(ids[i-1]) >= PlaceScore(ids[i]) {
			t.Errorf("PlaceScore(%s) = %v, not below PlaceScore(%s) = %v", ids[i-1], PlaceScore(ids[i-1]), ids[i], PlaceScore(ids[i]))
		}
	}
}
