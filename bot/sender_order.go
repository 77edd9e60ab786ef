package bot

import (
	"context"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// A recipient's alerts go out in the order they were queued, whichever
// replica reads them and however far the stream is behind. An entry put
// back to wait (paced, parked here, a message retried after a failed send)
// returns at the end of the stream, behind alerts queued meanwhile, and
// when the stream holds more than a round reads (Batch) those are read
// before it; two replicas reading one recipient's fresh alerts in the same
// moment send them at once. So once a round knows its entries' recipients
// it notes them all in Redis, by their place in their recipient's order
// (store.NoteRound, outbox_note.go), where they stay while they are put
// back and while their sealed message is sent, and the round's entries for
// a recipient with older entries noted outside the round are parked behind
// those. An entry another replica has read but not noted yet may be any
// recipient's: the round's entries placed after it wait until it is. The
// replica's queue (sender_pacing.go) only saves round trips; this is what
// keeps the order, for every replica.

// waitersAsked is how many of a recipient's oldest waiting entries a round
// reads: more are only needed when that many are in the round itself.
const waitersAsked = 64

// waitStale is how long after its due time a waiting entry that was not
// moved on since (put back, sealed, dead-lettered) is taken for gone, so
// that a lost entry does not hold its recipient back for ever: a live one
// is read, or claimed from a dead replica (ClaimIdle), well within it.
func (s *Sender) waitStale() time.Duration { return max(5*time.Minute, 3*s.cfg.ClaimIdle) }

// orderOf is the order recipient's entries keep: its own (a robot's
// recipient names its secret key and paces itself: none).
func orderOf(recipient string) string {
	if strings.HasPrefix(recipient, "webhook") {
		return ""
	}
	return recipient
}

// waitIn marks es as waiting in recipient's order while they are put back.
func waitIn(recipient string, es []store.OutboxEntry) []store.OutboxEntry {
	out := make([]store.OutboxEntry, len(es))
	for i, e := range es {
		e.Waits = orderOf(recipient)
		out[i] = e
	}
	return out
}

// resolveTries is how many times more a round notes its entries when
// another replica holds older entries it has not noted yet (read, its
// lookups not done), a short pause apart, before it parks the entries
// placed after them for a poll.
const resolveTries = 3

// resolvePause is the pause between those tries: a fifth of Poll, between
// 1 and 50 ms (a round's lookups mostly take less).
func (s *Sender) resolvePause() time.Duration {
	return min(max(s.cfg.Poll/5, time.Millisecond), 50*time.Millisecond)
}

// keepOrder notes the round's entries in their recipients' order (calls
// by their stream id only), and parks those that have older entries of
// their recipient waiting outside the round: each until the last of those
// is due (after it in the stream), and for a poll those placed after an
// entry another replica read and has not noted yet. One round trip for
// all, more only while another replica's round is between its read and
// its note.
func (s *Sender) keepOrder(ctx context.Context, now time.Time, rcpts []string, jobs map[string]*recipientJob, groups map[batchKey][]pending, calls []store.OutboxEntry) error {
	var notes []store.RoundNote
	for _, r := range rcpts {
		j := jobs[r]
		waits := orderOf(r)
		for i := range j.carriers {
			j.carriers[i].entry.Waits = waits
			notes = append(notes, store.RoundNote{Recipient: waits, Entry: j.carriers[i].entry})
		}
		for _, k := range j.groups {
			ps := groups[k]
			for i := range ps {
				ps[i].entry.Waits = waits
				notes = append(notes, store.RoundNote{Recipient: waits, Entry: ps[i].entry})
			}
		}
	}
	for _, e := range calls {
		notes = append(notes, store.RoundNote{Entry: e})
	}
	if len(notes) == 0 {
		return nil
	}
	// An unresolved entry holds back only the round's entries placed after
	// it: none when it is the newest of them (NoteRound's bound on what it
	// looks at), and then noting again would only wait.
	newest := 0.0
	for _, n := range notes {
		if n.Recipient != "" {
			newest = max(newest, store.PlaceScore(n.Entry.Place()))
		}
	}
	holds := func(n store.RoundNoted) bool {
		return n.Unresolved != "" && store.PlaceScore(n.Unresolved) < newest
	}
	noted, err := s.cfg.Store.NoteRound(ctx, s.cfg.Consumer, notes, now, s.waitStale(), waitersAsked)
	for try := 0; err == nil && holds(noted) && try < resolveTries && ctx.Err() == nil; try++ {
		sleep(ctx, s.resolvePause())
		now = s.cfg.Now()
		noted, err = s.cfg.Store.NoteRound(ctx, s.cfg.Consumer, notes, now, s.waitStale(), waitersAsked)
	}
	if err != nil {
		return err
	}
	unresolved := 0.0
	if holds(noted) {
		unresolved = store.PlaceScore(noted.Unresolved)
	}
	var parked []store.OutboxEntry
	var dues []time.Time
	for _, r := range rcpts {
		if orderOf(r) == "" {
			continue
		}
		w := noted.Waiting[r]
		if len(w.Oldest) == 0 && unresolved == 0 {
			continue
		}
		j := jobs[r]
		// Beyond the oldest read, more may wait: an entry placed after
		// them waits a slot, not knowing.
		beyond := 0.0
		if w.More && len(w.Oldest) > 0 {
			beyond = w.Oldest[len(w.Oldest)-1].Place
		}
		behind := func(e store.OutboxEntry) (time.Time, bool) {
			p := store.PlaceScore(e.Place())
			var until time.Time
			found := false
			for _, x := range w.Oldest {
				if x.Place < p {
					found = true
					// One whose time has come is back in the stream or held
					// by a replica (claimed from a dead one only after
					// ClaimIdle): looked at again after a poll, not parked
					// for now and read again by the next round, back to back.
					due := x.Due
					if !due.After(now) {
						due = now.Add(s.cfg.Poll)
					}
					until = later(until, due)
				}
			}
			if beyond > 0 && p > beyond {
				found = true
				until = later(until, now.Add(s.slotGap()))
			}
			// Read elsewhere and not noted yet: maybe this recipient's.
			if unresolved > 0 && p > unresolved {
				found = true
				until = later(until, now.Add(s.cfg.Poll))
			}
			// With the last of them, not after it: back in one round, they
			// make one digest, and the older are read first or park it again.
			return later(until, now), found
		}
		park := func(e store.OutboxEntry) bool {
			until, ok := behind(e)
			if ok {
				parked = append(parked, e)
				dues = append(dues, until)
			}
			return ok
		}
		carriers := j.carriers[:0]
		for _, c := range j.carriers {
			if !park(c.entry) {
				carriers = append(carriers, c)
			}
		}
		j.carriers = carriers
		keys := j.groups[:0]
		for _, k := range j.groups {
			ps := groups[k][:0]
			for _, p := range groups[k] {
				if !park(p.entry) {
					ps = append(ps, p)
				}
			}
			groups[k] = ps
			if len(ps) > 0 {
				keys = append(keys, k)
			}
		}
		j.groups = keys
	}
	if len(parked) > 0 {
		s.cfg.Logger.Debug().Int("entries", len(parked)).Bool("unresolved", unresolved > 0).
			Msg("outbox entries parked behind their recipients' older ones")
	}
	return s.cfg.Store.RescheduleAt(ctx, parked, dues)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
