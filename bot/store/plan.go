package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Plan marks: a violating message in two round trips instead of three.
//
// With plan marks on, the dedup mark of a violating message is written in
// RecordViolation's pipeline, as its first command, and its value is the
// whole Record (a JSON object; a finished clean message's mark is "1").
// The mark then says "decided, and stored at least in part": whoever sees
// it completes the message from the plan — the same record, case and
// outbox entries, by the same idempotent writes — without deciding again,
// downloading or reading an image again, or needing the counters. On one
// server a pipeline runs in order, so a replica that dies anywhere in it
// leaves either nothing of it or the plan; on a cluster, where the nodes
// run their parts in any order, a record stored without its mark is found
// by the next TallyViolation and its decision kept (Tally.Stored).
//
// A release that predates plan marks takes any dedup mark for "done", so
// it would never complete a plan whose pipeline was cut short: plan marks
// stay off until every replica reads them, and an operator turns them on
// (EnablePlanMarks; docs/redis.md). The switch is read in TallyViolation's
// pipeline, so it costs no round trip and takes effect at once.

// planMarksOn is the switch's value when plan marks are on.
const planMarksOn = "on"

// keyPlanMarks is the switch of plan marks (see above).
func (s *Store) keyPlanMarks() string { return s.prefix + "record:planmarks" }

// EnablePlanMarks turns plan marks on (or off), for every replica at once.
// Turn them on only when no replica of a release without them runs; off
// again is always safe (plans already written are still completed).
func (s *Store) EnablePlanMarks(ctx context.Context, on bool) error {
	var err error
	if on {
		err = s.rdb.Set(ctx, s.keyPlanMarks(), planMarksOn, 0).Err()
	} else {
		err = s.rdb.Del(ctx, s.keyPlanMarks()).Err()
	}
	if err != nil {
		return fmt.Errorf("switch plan marks: %w", err)
	}
	return nil
}

// PlanMarks reports whether plan marks are on (EnablePlanMarks).
func (s *Store) PlanMarks(ctx context.Context) (bool, error) {
	val, err := s.rdb.Get(ctx, s.keyPlanMarks()).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read plan marks switch: %w", err)
	}
	return val == planMarksOn, nil
}

// planMarkExpiry is when the plan mark of r expires: its DedupTTL (at
// least MinDedupTTL, at most the record's retention) counted from r.Now,
// the time the plan was made — an absolute time, so that completing the
// plan later never keeps the mark longer. The outbox entries' enqueue
// marks expire OutboxKeyTTL after the same r.Now (RecordViolation), and
// bot.New refuses a DedupTTL above OutboxKeyTTL: a plan never outlives the
// marks that keep its actions from being queued twice.
func planMarkExpiry(r Record) time.Time {
	ttl := min(max(r.DedupTTL, MinDedupTTL), max(r.Retention, 24*time.Hour), OutboxKeyTTL)
	return r.Now.Add(ttl)
}

// planJSON is a Record as stored in a plan mark.
type planJSON struct {
	Violation Violation     `json:"v"`
	Retention time.Duration `json:"ret"`
	Case      *Case         `json:"case,omitempty"`
	Actions   []Action      `json:"acts,omitempty"`
	Now       time.Time     `json:"now"`
	DedupTTL  time.Duration `json:"ttl"`
}

func encodePlan(r Record) ([]byte, error) {
	data, err := json.Marshal(planJSON{r.Violation, r.Retention, r.Case, r.Actions, r.Now, r.DedupTTL})
	if err != nil {
		return nil, fmt.Errorf("encode plan of %s: %w", r.Violation.ID, err)
	}
	return data, nil
}

// decodeMark reads a dedup mark's value: a plan (a JSON object) or not.
func decodeMark(val string) (*Record, error) {
	if len(val) == 0 || val[0] != '{' {
		return nil, nil
	}
	var p planJSON
	if err := json.Unmarshal([]byte(val), &p); err != nil {
		return nil, fmt.Errorf("decode plan mark: %w", err)
	}
	return &Record{Violation: p.Violation, Retention: p.Retention, Case: p.Case, Actions: p.Actions,
		Now: p.Now, DedupTTL: p.DedupTTL}, nil
}

// SeenPlan reports whether id was marked as processed and, when its mark
// is a plan (a violating message maybe stored in part), the plan, for the
// caller to complete with RecordViolation.
func (s *Store) SeenPlan(ctx context.Context, id string) (seen bool, plan *Record, err error) {
	key := s.keyDedup(id)
	defer s.dedupBusy.Add(-1)
	val, err := s.dedupClient().Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("check dedup mark %q: %w", key, err)
	}
	plan, err = decodeMark(val)
	if err != nil {
		return true, nil, fmt.Errorf("check dedup mark %q: %w", key, err)
	}
	return true, plan, nil
}

// MarkSeenPlan is MarkSeen that also returns the plan when the mark it
// found is one: a message decided violating before (and maybe stored in
// part) that is now decided otherwise — a policy edit, an image whose
// text was not read this time — must be completed from its plan all the
// same. One command (SET NX GET), as MarkSeen.
func (s *Store) MarkSeenPlan(ctx context.Context, id string, ttl time.Duration) (first bool, plan *Record, err error) {
	ttl = max(ttl, MinDedupTTL)
	key := s.keyDedup(id)
	defer s.dedupBusy.Add(-1)
	val, err := s.dedupClient().SetArgs(ctx, key, 1, redis.SetArgs{Mode: "NX", TTL: ttl, Get: true}).Result()
	if errors.Is(err, redis.Nil) {
		return true, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("set dedup mark %q: %w", key, err)
	}
	plan, err = decodeMark(val)
	if err != nil {
		return false, nil, fmt.Errorf("set dedup mark %q: %w", key, err)
	}
	return false, plan, nil
}
