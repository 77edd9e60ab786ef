package store

import (
	"context"
	"fmt"
	"time"
)

// ArmConfirmation remembers token as the one that confirms action on case
// caseID within ttl (a second confirmation: the console shows what will
// happen, HR confirms with the token). Arming again replaces the token.
func (s *Store) ArmConfirmation(ctx context.Context, action, caseID, token string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.keyConfirm(action, caseID), token, ttl).Err(); err != nil {
		return fmt.Errorf("arm %s of case %s: %w", action, caseID, err)
	}
	return nil
}

// TakeConfirmation uses up the token of action on caseID: true only for
// the armed token, once, within its time.
func (s *Store) TakeConfirmation(ctx context.Context, action, caseID, token string) (bool, error) {
	if token == "" {
		return false, nil
	}
	n, err := compareAndDelete.Run(ctx, s.rdb, []string{s.keyConfirm(action, caseID)}, token).Int()
	if err != nil {
		return false, fmt.Errorf("confirm %s of case %s: %w", action, caseID, err)
	}
	return n == 1, nil
}
