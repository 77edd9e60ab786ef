package store

import (
	"context"
	"hash/fnv"
	"strconv"
	"time"
)

// Appeal is an employee's appeal (申诉) against a violation: it joins the
// violation's case for HR, who accepts it (the violation is then a false
// alarm) or rejects it; the employee is told either way.
type Appeal struct {
	ID        string `json:"id"`
	Violation string `json:"violation"`
	Case      string `json:"case,omitempty"`
	User      string `json:"user"`
	Reason    string `json:"reason"`
	// Source is where it came from: "app" (the app chat), "aibot" (the
	// intelligent bot) or "console".
	Source    string    `json:"source"`
	MsgID     string    `json:"msg_id,omitempty"`
	Filed     time.Time `json:"filed"`
	Status    string    `json:"status"` // open, accepted, rejected
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// Answer is HR's reason, told to the employee.
	Answer string `json:"answer,omitempty"`
}

// AppealIDFor is the id of the appeal against violation vid: one appeal a
// violation, so a retried message files nothing twice.
func AppealIDFor(vid string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(vid))
	return "A" + strconv.FormatUint(h.Sum64(), 36)
}

// FileAppeal stores a (status open) unless an appeal with its id exists;
// created says which. It returns the stored appeal.
func (s *Store) FileAppeal(ctx context.Context, a Appeal) (Appeal, bool, error) {
	a.Status = ReviewOpen
	return fileOnce(ctx, s, a, s.keyAppeal(a.ID), s.keyOpenAppeals(), s.keyAllAppeals(), a.ID, a.Filed)
}

// Appeal returns the appeal id; ok is false when there is none.
func (s *Store) Appeal(ctx context.Context, id string) (a Appeal, ok bool, err error) {
	ok, err = s.getJSON(ctx, s.keyAppeal(id), &a)
	return a, ok, err
}

// Appeals lists appeals newest first: the open ones, or with all every one.
func (s *Store) Appeals(ctx context.Context, all bool, limit int) ([]Appeal, error) {
	idx := s.keyOpenAppeals()
	if all {
		idx = s.keyAllAppeals()
	}
	return listFiled[Appeal](ctx, s, idx, limit, s.keyAppeal)
}

// UpdateAppeal applies change to appeal id atomically; the open index
// follows its status.
func (s *Store) UpdateAppeal(ctx context.Context, id string, change func(a *Appeal) error) (before, after Appeal, err error) {
	return updateFiled(ctx, s, s.keyAppeal(id), s.keyOpenAppeals(), id, change,
		func(a Appeal) (bool, time.Time) { return a.Status == ReviewOpen, a.Filed })
}
