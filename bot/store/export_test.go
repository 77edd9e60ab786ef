package store

import (
	"context"
	"time"
)

// ViolationTTL is how long the record of violation id has left, for tests
// that check retention without building key names themselves.
func ViolationTTL(ctx context.Context, s *Store, id string) (time.Duration, error) {
	return s.rdb.PTTL(ctx, s.keyViolation(id)).Result()
}

// SessionTTL is how long session id has left.
func SessionTTL(ctx context.Context, s *Store, id string) (time.Duration, error) {
	return s.rdb.PTTL(ctx, s.keySession(hashToken(id))).Result()
}
