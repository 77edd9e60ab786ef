package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// compareAndDelete deletes KEYS[1] only while it still holds ARGV[1], so a
// replica never drops a token (or a lock) that another one has just renewed.
var compareAndDelete = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// GetToken returns the cached access token named key; ok is false when none
// is cached. The Store's own token methods keep the token as given, in
// plain text: serve wires AccessTokens, which seals it, and tests may use
// these.
func (s *Store) GetToken(ctx context.Context, key string) (token string, ok bool, err error) {
	k := s.keyToken(key)
	token, err = s.rdb.Get(ctx, k).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get token %q: %w", k, err)
	}
	return token, true, nil
}

// SetToken caches token under key for ttl.
func (s *Store) SetToken(ctx context.Context, key, token string, ttl time.Duration) error {
	k := s.keyToken(key)
	if err := s.rdb.Set(ctx, k, token, ttl).Err(); err != nil {
		return fmt.Errorf("set token %q: %w", k, err)
	}
	return nil
}

// DeleteToken drops the cached token under key if it is still token.
func (s *Store) DeleteToken(ctx context.Context, key, token string) error {
	k := s.keyToken(key)
	if err := compareAndDelete.Run(ctx, s.rdb, []string{k}, token).Err(); err != nil {
		return fmt.Errorf("delete token %q: %w", k, err)
	}
	return nil
}

// Lock takes the refresh lock of key for at most ttl. ok is false when
// another holder has it; unlock releases it only if this caller still holds it.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error) {
	k := s.keyTokenLock(key)
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, false, fmt.Errorf("lock %q: random owner: %w", k, err)
	}
	owner := hex.EncodeToString(b[:])
	ok, err = s.rdb.SetNX(ctx, k, owner, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("lock %q: %w", k, err)
	}
	if !ok {
		return nil, false, nil
	}
	return func() {
		// A fresh context: the caller's may be cancelled, and a lock left
		// behind only delays the next refresh until its ttl ends.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = compareAndDelete.Run(ctx, s.rdb, []string{k}, owner).Err()
	}, true, nil
}
