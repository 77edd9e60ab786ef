package store

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestNoteRoundFollowsTheReplicas: two consumers read one recipient's
// entries, the older by the first. Before the first notes it, the second
// learns that an older entry is read and not noted; once it is, the
// second finds it waiting, then its sealed carrier in its place, and
// nothing once the carrier is delivered. The noted ids go with the
// entries.
func TestNoteRoundFollowsTheReplicas(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	for _, k := range []string{"a", "b"} {
		if _, err := s.Enqueue(ctx, k, []byte("{}"), now); err != nil {
			t.Fatal(err)
		}
	}
	read := func(c string) OutboxEntry {
		t.Helper()
		es, err := s.ReadOutbox(ctx, c, 1, 0)
		if err != nil || len(es) != 1 {
			t.Fatalf("%s read %d entries, %v; want 1", c, len(es), err)
		}
		es[0].Waits = "hr"
		return es[0]
	}
	a, b := read("c1"), read("c2")
	note := func(c string, e OutboxEntry) RoundNoted {
		t.Helper()
		got, err := s.NoteRound(ctx, c, []RoundNote{{Recipient: "hr", Entry: e}}, now, time.Hour, 10)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	keys := func(n RoundNoted) []string {
		var out []string
		for _, w := range n.Waiting["hr"].Oldest {
			out = append(out, w.Key)
		}
		return out
	}
	if got := note("c2", b); got.Unresolved != a.StreamID || len(keys(got)) != 0 {
		t.Fatalf("b noted before a: unresolved %q, waiting %v; want a's id %s unresolved, none waiting", got.Unresolved, keys(got), a.StreamID)
	}
	if got := note("c1", a); got.Unresolved != "" || len(keys(got)) != 0 {
		t.Fatalf("a noted: unresolved %q, waiting %v; want nothing older", got.Unresolved, keys(got))
	}
	if got := note("c2", b); got.Unresolved != "" || len(keys(got)) != 1 || keys(got)[0] != "a" {
		t.Fatalf("b noted after a: unresolved %q, waiting %v; want a waiting", got.Unresolved, keys(got))
	}
	carrier := OutboxEntry{Key: "batch/a", Payload: []byte(`{"batch":{}}`), Order: a.Place(), Waits: "hr"}
	l, lost, err := s.SealBatch(ctx, "c1", []OutboxEntry{a}, carrier, now, now.Add(time.Minute))
	if err != nil || len(lost) > 0 {
		t.Fatalf("seal: lost %v, %v", lost, err)
	}
	got := note("c2", b)
	if k := keys(got); len(k) != 1 || k[0] != "batch/a" || got.Waiting["hr"].Oldest[0].Due.After(now) {
		t.Fatalf("b noted while a's carrier is sent: waiting %+v; want the carrier, due now", got.Waiting["hr"])
	}
	if held, err := s.FinishLease(ctx, l, "a"); !held || err != nil {
		t.Fatalf("FinishLease = %v, %v", held, err)
	}
	if got := note("c2", b); len(keys(got)) != 0 {
		t.Fatalf("b noted after the carrier was delivered: waiting %v; want none", keys(got))
	}
	if err := s.AckOutbox(ctx, b); err != nil {
		t.Fatal(err)
	}
	if n, err := s.rdb.ZCard(ctx, s.keyOutboxNoted()).Result(); err != nil || n != 0 {
		t.Fatalf("%d ids noted when nothing is pending (%v); want none", n, err)
	}
	if w, listed := waitingKeys(t, s, "hr", now); len(w) != 0 || listed {
		t.Fatalf("waiting %v (listed %v) when all moved on; want none", w, listed)
	}
}

// TestNoteRoundBoundHoldsBackNothingNoted: another consumer holds exactly
// as many entries as NoteRound looks at (notedScanned), all noted, and the
// round's own entry comes after them. Nothing is unresolved before the
// round's entry; it was the last one looked at, noted, that NoteRound
// returned, and the round's entry was parked for a poll every round.
func TestNoteRoundBoundHoldsBackNothingNoted(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Now()
	for i := range notedScanned + 1 {
		if _, err := s.Enqueue(ctx, "k"+strconv.Itoa(i), []byte("{}"), now); err != nil {
			t.Fatal(err)
		}
	}
	held, err := s.ReadOutbox(ctx, "x", notedScanned, 0)
	if err != nil || len(held) != notedScanned {
		t.Fatalf("x read %d entries, %v; want %d", len(held), err, notedScanned)
	}
	var notes []RoundNote
	for _, e := range held {
		notes = append(notes, RoundNote{Entry: e})
	}
	if _, err := s.NoteRound(ctx, "x", notes, now, time.Hour, 10); err != nil {
		t.Fatal(err)
	}
	mine, err := s.ReadOutbox(ctx, "y", 1, 0)
	if err != nil || len(mine) != 1 {
		t.Fatalf("y read %d entries, %v; want 1", len(mine), err)
	}
	got, err := s.NoteRound(ctx, "y", []RoundNote{{Recipient: "hr", Entry: mine[0]}}, now, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Unresolved != "" && PlaceScore(got.Unresolved) < PlaceScore(mine[0].StreamID) {
		t.Fatalf("unresolved %s, placed before the round's entry %s: every one before it is noted", got.Unresolved, mine[0].StreamID)
	}
}
