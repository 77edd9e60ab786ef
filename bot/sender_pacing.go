package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

// A recipient whose pacing window is full (in sandbox mode every HR case
// goes to one member paced to 20 a minute) can have a backlog of many
// messages' worth of alerts. Put back whole until the next slot, all of it
// came back at every slot — read, decoded, its names resolved, rendered,
// split and put back again, to send one part — so a load run's backlog
// cost the server its CPU round after round for minutes. Instead, the parts
// that did not go are spread over the slots to come, one part a slot, and
// the recipient's new alerts wait at the end of that queue: each alert
// comes back about once, at its turn.
//
// The queue is this replica's knowledge only, a schedule and not a lock:
// the pacing window in Redis (TakeSendSlot) still decides every send, so a
// part that comes back early (another replica took the slot, the hour's
// limit binds) is put back until the window frees, and a part another
// replica took over is simply not there at its time. A recipient's older
// alerts are given the earlier turns; what keeps its order when they come
// back behind newer ones, or at another replica, is Redis's record of
// which of its entries wait (sender_order.go).

// pacing is one recipient's queue at this replica: when the alerts it put
// back come back, ascending.
type pacing struct {
	mu  sync.Mutex
	due []time.Time
}

// turn says whether the recipient's alerts of this round must wait, and
// until when. All of them wait at the end of its queue while none of its
// times has come. When one has (that part comes back in this round) and
// later ones are still queued, only the alerts that come back from waiting
// go (fresh says the others, newer than the queue, wait at its end); when
// nothing is queued any more, everything goes. Times that came are dropped.
func (s *Sender) turn(recipient string, now time.Time) (until time.Time, waiting, fresh bool) {
	v, ok := s.paced.Load(recipient)
	if !ok {
		return time.Time{}, false, false
	}
	p := v.(*pacing)
	p.mu.Lock()
	defer p.mu.Unlock()
	came := 0
	for came < len(p.due) && !now.Before(p.due[came]) {
		came++
	}
	p.due = p.due[came:]
	if len(p.due) == 0 {
		// Dropped when nothing waits, so the map holds only recipients with
		// alerts put back.
		s.paced.CompareAndDelete(recipient, v)
		return time.Time{}, false, false
	}
	return p.due[len(p.due)-1], came == 0, came > 0
}

// booked is the end of the recipient's queue, if it is after now.
func (s *Sender) booked(recipient string, now time.Time) (time.Time, bool) {
	v, ok := s.paced.Load(recipient)
	if !ok {
		return time.Time{}, false
	}
	p := v.(*pacing)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.due) == 0 || !p.due[len(p.due)-1].After(now) {
		return time.Time{}, false
	}
	return p.due[len(p.due)-1], true
}

// schedule adds times to the recipient's queue.
func (s *Sender) schedule(recipient string, times ...time.Time) {
	v, _ := s.paced.LoadOrStore(recipient, &pacing{})
	p := v.(*pacing)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range times {
		if i, found := slices.BinarySearchFunc(p.due, t, time.Time.Compare); !found {
			p.due = slices.Insert(p.due, i, t)
		}
	}
}

// putBack returns es to the queue until due, when the recipient's window
// has a slot again: not dropped and not a failure, and the recipient's
// later alerts join them (a digest). The sender remembers the time, so
// that its alerts of the next rounds go back without asking Redis again.
func (s *Sender) putBack(ctx context.Context, recipient string, es []store.OutboxEntry, due time.Time) error {
	s.schedule(recipient, due)
	return s.cfg.Store.RescheduleAll(ctx, waitIn(recipient, es), due)
}

// stagger puts parts back, one a slot from first on (after the end of the
// recipient's queue if that is later: what waits there is older), in one
// round trip.
func (s *Sender) stagger(ctx context.Context, recipient string, parts [][]pending, now, first time.Time) error {
	end, queued := s.booked(recipient, now)
	times := s.turns(ctx, recipient, now, first, end, queued, len(parts))
	var es []store.OutboxEntry
	var dues []time.Time
	for i, part := range parts {
		for _, p := range part {
			es = append(es, p.entry)
			dues = append(dues, times[i])
		}
	}
	s.schedule(recipient, times...)
	return s.cfg.Store.RescheduleAt(ctx, waitIn(recipient, es), dues)
}

// turns are n slots for the recipient's parts, from first on and after the
// end of its queue when queued: the window's slots as they free (a minute
// after each send of the last minute, and a minute after that for the parts
// sent then), so that a burst's slots, freeing together, serve a burst of
// parts again. When the window cannot be read they are spread one every
// slotGap. (The hour's limit is left to the window: a part that comes back
// too early is put back until it frees.)
func (s *Sender) turns(ctx context.Context, recipient string, now, first, end time.Time, queued bool, n int) []time.Time {
	after := first
	if queued && !end.Before(first) {
		after = end.Add(time.Millisecond)
	}
	free, err := s.cfg.Store.SendSlotsFree(ctx, recipient, now, s.cfg.PerMinute)
	out := make([]time.Time, 0, n)
	if err != nil || len(free) == 0 {
		if err != nil {
			s.cfg.Logger.Warn().Err(err).Msg("read a paced recipient's window; spreading its backlog evenly")
		}
		for i := range n {
			out = append(out, after.Add(time.Duration(i)*s.slotGap()))
		}
		return out
	}
	// Whole minutes before after are skipped at once: a queue can end
	// hours ahead.
	cycle := max(0, int(after.Sub(free[len(free)-1])/time.Minute))
	for ; len(out) < n; cycle++ {
		for _, f := range free {
			t := f.Add(time.Duration(cycle) * time.Minute)
			if t.Before(after) {
				continue
			}
			out = append(out, t)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// waitFresh puts back, until the end of the recipient's queue, the entries
// of ps that have not waited before, and returns the others.
func (s *Sender) waitFresh(ctx context.Context, recipient string, ps []pending, until time.Time) ([]pending, error) {
	var fresh []store.OutboxEntry
	back := ps[:0:0]
	for _, p := range ps {
		if p.entry.Waited {
			back = append(back, p)
		} else {
			fresh = append(fresh, p.entry)
		}
	}
	if len(fresh) == 0 {
		return ps, nil
	}
	return back, s.cfg.Store.RescheduleAll(ctx, waitIn(recipient, fresh), until)
}

// slotGap is how often a recipient whose window is full gets a slot when it
// keeps it full: a minute's worth of sends spread over the minute.
func (s *Sender) slotGap() time.Duration {
	return time.Minute / time.Duration(s.cfg.PerMinute)
}

// recipientJob is one recipient's share of a round.
type recipientJob struct {
	carriers []carried
	groups   []batchKey
}

// serve delivers recipient r's share of a round, j, in order: resends
// first, then its groups (of groups). promoted is the time the round
// promoted delayed entries at.
func (s *Sender) serve(ctx context.Context, promoted time.Time, r string, j *recipientJob, groups map[batchKey][]pending) error {
	// Whether it is r's turn is decided once for the job (turn): while
	// none of r's times has come everything of r waits at the end of its
	// queue; when one has, what comes back from waiting goes, and r's
	// fresh alerts wait at the end while more of r is queued. A time has
	// come when the round's promotion saw it, not when the round gets to
	// r: a time passed since (the round's read blocked, its lookups were
	// slow) has its part still delayed, and dropped now that part would
	// find no turn of its own in the next round and wait behind the later
	// parts (TestPacedTurnIsTheRoundsPromotion). A message whose send
	// failed holds the rest of the job back the same way, until it is
	// retried (TestOneReplicaKeepsEachRecipientsOrder: a later alert went
	// in the same round, before the retry).
	until, waiting, fresh := s.turn(r, promoted)
	for _, c := range j.carriers {
		if waiting {
			if err := s.cfg.Store.RescheduleAll(ctx, waitIn(r, []store.OutboxEntry{c.entry}), until); err != nil {
				return err
			}
			continue
		}
		paced, retry, err := s.resend(ctx, r, c)
		if err != nil {
			return err
		}
		if paced {
			until, waiting = s.booked(r, s.cfg.Now())
		}
		if !retry.IsZero() {
			until, waiting = later(until, retry), true
		}
	}
	for _, k := range j.groups {
		if waiting {
			if err := s.cfg.Store.RescheduleAll(ctx, waitIn(r, entriesOf(groups[k])), until); err != nil {
				return err
			}
			continue
		}
		ps := groups[k]
		if fresh {
			var err error
			if ps, err = s.waitFresh(ctx, r, ps, until); err != nil {
				return err
			}
			if len(ps) == 0 {
				continue
			}
		}
		paced, retry, err := s.send(ctx, k, ps)
		if err != nil {
			return err
		}
		if paced {
			until, waiting = s.booked(r, s.cfg.Now())
		}
		if !retry.IsZero() {
			until, waiting = later(until, retry), true
		}
	}
	return nil
}
