package bot

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// seenRecorder is a GroupsSeenStore that fails while down and keeps what
// it was given otherwise.
type seenRecorder struct {
	down  bool
	calls int
	got   map[string]store.GroupSeen
}

func (r *seenRecorder) NoteGroupsSeen(_ context.Context, gs []store.GroupSeen, _ time.Time) error {
	r.calls++
	if r.down {
		return errors.New("redis down")
	}
	for _, g := range gs {
		old := r.got[g.ChatID]
		g.Messages += old.Messages
		r.got[g.ChatID] = g
	}
	return nil
}

// The batch is bounded, kept across a failed flush, and dropped after
// maxSeenFailures failures in a row (the listing is lossy by design).
func TestGroupsSeenBatchIsBoundedAndLossy(t *testing.T) {
	ctx := context.Background()
	rec := &seenRecorder{got: map[string]store.GroupSeen{}}
	g := newGroupsSeen(rec, time.Now)
	g.log = g.log.Level(99) // quiet
	t0 := time.Unix(1_800_000_000, 0)
	for i := range maxGroupsPending + 3 {
		g.note(fmt.Sprintf("wr%05d", i), "work", t0)
	}
	g.note("wr00000", "", t0.Add(time.Minute)) // a known chat is counted even when full
	g.note("", "work", t0)                     // a direct message is no group
	g.note(string(make([]byte, store.MaxGroupID+1)), "work", t0)
	if len(g.pending) != maxGroupsPending || g.dropped != 3 {
		t.Fatalf("pending %d, dropped %d; want %d and 3", len(g.pending), g.dropped, maxGroupsPending)
	}
	rec.down = true
	for i := 1; i < maxSeenFailures; i++ {
		if err := g.flush(ctx); err == nil {
			t.Fatal("flush to a store that is down succeeded")
		}
		if len(g.pending) != maxGroupsPending || g.pending["wr00000"].Messages != 2 {
			t.Fatalf("after failure %d: %d pending, wr00000 %+v; want the batch kept", i, len(g.pending), g.pending["wr00000"])
		}
	}
	if err := g.flush(ctx); err == nil || len(g.pending) != 0 {
		t.Fatalf("after %d failures: %v, %d pending; want the batch dropped", maxSeenFailures, err, len(g.pending))
	}
	rec.down = false
	g.note("wr00001", "private", t0)
	g.note("wr00001", "", t0.Add(-time.Hour))
	if err := g.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.got["wr00001"]; got.Messages != 2 || got.Kind != "private" || !got.LastSeen.Equal(t0) || len(rec.got) != 1 {
		t.Fatalf("recorded %+v; want wr00001: 2 messages, private, last at t0", rec.got)
	}
}
