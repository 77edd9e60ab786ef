package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// outboxSlotOps runs the outbox's operations (outbox*.go, pacer and send
// window), in slotOps' order: after RecordViolation, whose two entries
// they read with their own.
func outboxSlotOps(now time.Time) []slotOp {
	var entries []OutboxEntry
	var leases []Lease
	return []slotOp{
		{"Store.EnsureOutboxGroup", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.EnsureOutboxGroup(ctx)) }},
		{"Store.Enqueue", func(t *testing.T, ctx context.Context, s *Store) {
			for _, k := range []string{hostile, "k2", "k3", "k4"} {
				_, err := s.Enqueue(ctx, k, []byte("{}"), now)
				must(t, err)
			}
		}},
		{"Store.ReadOutbox", func(t *testing.T, ctx context.Context, s *Store) {
			var err error
			entries, err = s.ReadOutbox(ctx, hostile, 10, 0)
			must(t, err)
			if len(entries) != 6 {
				t.Fatalf("read %d entries, want 6 (4 here, 2 of RecordViolation)", len(entries))
			}
		}},
		{"Store.ClaimStale", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.ClaimStale(ctx, "other", 0, 10)
			must(t, err)
		}},
		{"Store.KeepPending", func(t *testing.T, ctx context.Context, s *Store) {
			if held, err := s.KeepPending(ctx, "other", entries[5]); !held || err != nil {
				t.Fatalf("KeepPending by its holder = %v, %v; want held", held, err)
			}
			if held, err := s.KeepPending(ctx, hostile, entries[5]); held || err != nil {
				t.Fatalf("KeepPending by a former holder = %v, %v; want not held", held, err)
			}
		}},
		// Entries put back wait in their recipients' order (outbox_wait.go),
		// hostile recipients among them.
		{"Store.AckOutbox", func(t *testing.T, ctx context.Context, s *Store) {
			e := entries[0]
			e.Waits = hostile
			must(t, s.AckOutbox(ctx, e))
		}},
		{"Store.Reschedule", func(t *testing.T, ctx context.Context, s *Store) {
			e := entries[1]
			e.Waits = hostile
			must(t, s.Reschedule(ctx, e, now))
		}},
		{"Store.RescheduleAll", func(t *testing.T, ctx context.Context, s *Store) {
			es := slices.Clone(entries[3:5])
			es[0].Waits, es[1].Waits = hostile, "hr"
			must(t, s.RescheduleAll(ctx, es, now))
		}},
		{"Store.RescheduleAt", func(t *testing.T, ctx context.Context, s *Store) {
			must(t, s.RescheduleAt(ctx, entries[5:6], []time.Time{now}))
		}},
		{"Store.Waiters", func(t *testing.T, ctx context.Context, s *Store) {
			ws, err := s.Waiters(ctx, []string{hostile, "hr", "nobody"}, now, time.Minute, 10)
			must(t, err)
			if len(ws[hostile].Oldest) != 2 || len(ws["hr"].Oldest) != 1 || len(ws) != 2 {
				t.Fatalf("Waiters = %+v; want two waiting for the hostile recipient, one for hr", ws)
			}
		}},
		{"Store.PromoteDue", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.PromoteDue(ctx, now, 10); must(t, err) }},
		{"Store.PromoteAndClaim", func(t *testing.T, ctx context.Context, s *Store) {
			_, _, err := s.PromoteAndClaim(ctx, now, 10, "other", time.Hour, 10)
			must(t, err)
		}},
		{"Store.LookupRound", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.LookupRound(ctx, RoundLookup{Delivered: []string{hostile, "k2"}, Chats: []string{hostile, "wr1"}, Cache: []string{"user:" + hostile, "owner:x"}})
			must(t, err)
		}},
		{"Store.DeadLetter", func(t *testing.T, ctx context.Context, s *Store) {
			e := entries[2]
			e.Waits = hostile
			must(t, s.DeadLetter(ctx, e, "r", now))
		}},
		{"Store.DeadLetters", func(t *testing.T, ctx context.Context, s *Store) {
			dl, err := s.DeadLetters(ctx, 10)
			must(t, err)
			if len(dl) == 0 {
				t.Fatal("no dead letter")
			}
			entries = append(entries, OutboxEntry{StreamID: dl[0].ID})
		}},
		{"Store.RetryDeadLetter", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.RetryDeadLetter(ctx, entries[len(entries)-1].StreamID)
			must(t, err)
		}},
		// A round notes what it read (outbox_note.go): an entry another
		// consumer read and has not noted holds back the later ones.
		{"Store.NoteRound", func(t *testing.T, ctx context.Context, s *Store) {
			// What the operations before put back and promoted goes first.
			back, err := s.ReadOutbox(ctx, "noter0", 100, 0)
			must(t, err)
			must(t, s.AckOutbox(ctx, back...))
			for _, k := range []string{"n1", "n2"} {
				_, err := s.Enqueue(ctx, k, []byte("{}"), now)
				must(t, err)
			}
			first, err := s.ReadOutbox(ctx, "noter1", 1, 0)
			must(t, err)
			rest, err := s.ReadOutbox(ctx, "noter2", 10, 0)
			must(t, err)
			if len(first) != 1 || len(rest) == 0 {
				t.Fatalf("read %d and %d entries, want 1 and more", len(first), len(rest))
			}
			// A recipient of its own: the hostile one has entries waiting
			// from the operations before.
			noted := hostile + "/noted"
			notes := func(es []OutboxEntry) []RoundNote {
				var out []RoundNote
				for i, e := range es {
					r := noted
					if i%2 == 1 {
						r = ""
					}
					out = append(out, RoundNote{Recipient: r, Entry: e})
				}
				return out
			}
			got, err := s.NoteRound(ctx, "noter2", notes(rest), now, time.Minute, 10)
			must(t, err)
			if got.Unresolved != first[0].StreamID {
				t.Fatalf("NoteRound before the older entry was noted: unresolved %q, want %q", got.Unresolved, first[0].StreamID)
			}
			got, err = s.NoteRound(ctx, "noter1", notes(first), now, time.Minute, 10)
			must(t, err)
			if got.Unresolved != "" || len(got.Waiting[noted].Oldest) != 0 {
				t.Fatalf("NoteRound of the oldest: unresolved %q, %d waiting; want none", got.Unresolved, len(got.Waiting[noted].Oldest))
			}
			got, err = s.NoteRound(ctx, "noter2", notes(rest), now, time.Minute, 10)
			must(t, err)
			if w := got.Waiting[noted].Oldest; got.Unresolved != "" || len(w) != 1 || w[0].Key != first[0].Key {
				t.Fatalf("NoteRound after the older entry was noted: unresolved %q, %d waiting; want it alone waiting, nothing unresolved", got.Unresolved, len(w))
			}
			all := append(first, rest...)
			for i := range all {
				all[i].Waits = notes(all)[i].Recipient
			}
			must(t, s.AckOutbox(ctx, all...))
		}},
		{"Store.SealBatch", func(t *testing.T, ctx context.Context, s *Store) {
			for _, k := range []string{"s1", "s2", "s3"} {
				_, err := s.Enqueue(ctx, k, []byte("{}"), now)
				must(t, err)
			}
			held, err := s.ReadOutbox(ctx, "sealer", 10, 0)
			must(t, err)
			if len(held) < 3 {
				t.Fatalf("read %d entries, want at least 3", len(held))
			}
			held[0].Waits = hostile
			// Another consumer cannot seal them: every one comes back lost.
			_, lost, err := s.SealBatch(ctx, hostile, held, OutboxEntry{Key: "batch/" + hostile}, now, now.Add(time.Minute))
			if err != nil || len(lost) != len(held) {
				t.Fatalf("foreign seal: lost %d of %d, %v", len(lost), len(held), err)
			}
			for i, part := range [][]OutboxEntry{held[:1], held[1:2], held[2:]} {
				carrier := OutboxEntry{Key: fmt.Sprintf("batch/%d/%s", i, hostile), Payload: []byte(`{"batch":{}}`), Enqueued: now, Waits: hostile}
				l, lost, err := s.SealBatch(ctx, "sealer", part, carrier, now, now.Add(time.Minute))
				if err != nil || len(lost) != 0 {
					t.Fatalf("seal %d: lost %v, %v", i, lost, err)
				}
				leases = append(leases, l)
			}
		}},
		{"Store.RenewLease", func(t *testing.T, ctx context.Context, s *Store) {
			if ok, err := s.RenewLease(ctx, leases[0], now.Add(2*time.Minute)); !ok || err != nil {
				t.Fatalf("RenewLease = %v, %v; want held", ok, err)
			}
		}},
		{"Store.RetryLease", func(t *testing.T, ctx context.Context, s *Store) {
			e := leases[0].Entry
			e.Attempt, e.LastError, e.Waits = 1, "HTTP 502", hostile
			if ok, err := s.RetryLease(ctx, leases[0], e, now.Add(time.Hour)); !ok || err != nil {
				t.Fatalf("RetryLease = %v, %v; want held", ok, err)
			}
		}},
		{"Store.DeadLease", func(t *testing.T, ctx context.Context, s *Store) {
			if ok, err := s.DeadLease(ctx, leases[1], leases[1].Entry, hostile, now); !ok || err != nil {
				t.Fatalf("DeadLease = %v, %v; want held", ok, err)
			}
		}},
		{"Store.FinishLease", func(t *testing.T, ctx context.Context, s *Store) {
			if ok, err := s.FinishLease(ctx, leases[2], hostile, "k3"); !ok || err != nil {
				t.Fatalf("FinishLease = %v, %v; want held", ok, err)
			}
		}},
		{"Store.DeliveredMany", func(t *testing.T, ctx context.Context, s *Store) {
			done, err := s.DeliveredMany(ctx, leases[2].Entry.Key, hostile, "k3", "never")
			if err != nil || !slices.Equal(done, []bool{true, true, true, false}) {
				t.Fatalf("DeliveredMany = %v, %v", done, err)
			}
		}},
		{"Store.OutboxOldest", func(t *testing.T, ctx context.Context, s *Store) {
			// The retried carrier waits in the delayed set.
			if _, ok, err := s.OutboxOldest(ctx); !ok || err != nil {
				t.Fatalf("OutboxOldest = %v, %v; want an entry", ok, err)
			}
		}},
		{"Store.MarkDelivered", func(t *testing.T, ctx context.Context, s *Store) { must(t, s.MarkDelivered(ctx, hostile, "k2")) }},
		{"Store.Delivered", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.Delivered(ctx, hostile); must(t, err) }},
		{"Store.OutboxStats", func(t *testing.T, ctx context.Context, s *Store) { _, err := s.OutboxStats(ctx); must(t, err) }},
		{"Store.TakeSendSlot", func(t *testing.T, ctx context.Context, s *Store) {
			_, err := s.TakeSendSlot(ctx, hostile, "t1", now, 30, 1000)
			must(t, err)
		}},
		{"Store.SendSlotsFree", func(t *testing.T, ctx context.Context, s *Store) {
			free, err := s.SendSlotsFree(ctx, hostile, now, 5)
			must(t, err)
			if len(free) != 1 || !free[0].Equal(time.UnixMilli(now.UnixMilli()).Add(time.Minute)) {
				t.Fatalf("SendSlotsFree after one send = %v, want a minute after it", free)
			}
		}},
	}
}
