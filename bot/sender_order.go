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
// before it. So the entries put back for a recipient are noted in Redis,
// by their place in its order (store.Waiters, outbox_wait.go), and a
// round's entries for a recipient with older entries waiting outside the
// round are parked behind those. The replica's queue (sender_pacing.go)
// only saves round trips; this is what keeps the order, for every replica.

// waitersAsked is how many of a recipient's oldest waiting entries a round
// reads: more are only needed when that many are in the round itself.
const waitersAsked = 64

// waitStale is how long after its due time a waiting entry that was not
// moved on since (put back, sealed, dead-lettered) is taken for gone, so
// that a lost entry does not hold its recipient back for ever: a live one
// is read, or claimed from a dead replica (ClaimIdle), well within it.
func (s *Sender) waitStale() time.Duration { return max(5*time.Minute, 3*s.cfg.ClaimIdle) }

// waitIn marks es as waiting in recipient's order while they are put back
// (a robot's recipient names its secret key and paces itself: none).
func waitIn(recipient string, es []store.OutboxEntry) []store.OutboxEntry {
	out := make([]store.OutboxEntry, len(es))
	for i, e := range es {
		if !strings.HasPrefix(recipient, "webhook") {
			e.Waits = recipient
		}
		out[i] = e
	}
	return out
}

// keepOrder parks, of the round's jobs, the entries that have older
// entries of their recipient waiting outside the round: each until the
// last of those is due (after it in the stream). waiting names the
// recipients with entries waiting (LookupRound); only the round's among
// them cost a round trip, one for all.
func (s *Sender) keepOrder(ctx context.Context, now time.Time, waiting, rcpts []string, jobs map[string]*recipientJob, groups map[batchKey][]pending) error {
	listed := make(map[string]bool, len(waiting))
	for _, r := range waiting {
		listed[r] = true
	}
	var ask []string
	for _, r := range rcpts {
		if listed[r] {
			ask = append(ask, r)
		}
	}
	if len(ask) == 0 {
		return nil
	}
	ws, err := s.cfg.Store.Waiters(ctx, ask, now, s.waitStale(), waitersAsked)
	if err != nil {
		return err
	}
	var parked []store.OutboxEntry
	var dues []time.Time
	for _, r := range ask {
		w, ok := ws[r]
		if !ok {
			continue
		}
		j := jobs[r]
		in := map[string]bool{}
		for _, c := range j.carriers {
			in[c.entry.Key] = true
		}
		for _, k := range j.groups {
			for _, p := range groups[k] {
				in[p.entry.Key] = true
			}
		}
		var outside []store.Waiter
		for _, x := range w.Oldest {
			if !in[x.Key] {
				outside = append(outside, x)
			}
		}
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
			for _, x := range outside {
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
			// With the last of them, not after it: back in one round, they
			// make one digest, and the older are read first or park it again.
			return later(until, now), found
		}
		park := func(e store.OutboxEntry) bool {
			until, ok := behind(e)
			if ok {
				parked = append(parked, waitIn(r, []store.OutboxEntry{e})[0])
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
		s.cfg.Logger.Debug().Int("entries", len(parked)).Msg("outbox entries parked behind their recipients' older ones")
	}
	return s.cfg.Store.RescheduleAt(ctx, parked, dues)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
