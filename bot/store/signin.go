package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// SignInState is a WeCom sign-in between the redirect to WeCom and its
// return: where the user was going and how they sign in.
type SignInState struct {
	// Return is the console path to open once signed in (already checked).
	Return string `json:"return"`
	// Via is "web" (网页授权, WeCom's in-app browser) or "qr" (扫码登录).
	Via     string    `json:"via"`
	Created time.Time `json:"created"`
}

// SaveSignInState keeps st under the OAuth state for ttl. Only the SHA-256
// of the state is stored; a state already in use is refused.
func (s *Store) SaveSignInState(ctx context.Context, state string, st SignInState, ttl time.Duration) error {
	if state == "" || ttl <= 0 {
		return fmt.Errorf("save sign-in state: empty state or ttl %v", ttl)
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save sign-in state: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, s.keySignInState(hashToken(state)), data, ttl).Result()
	if err != nil {
		return fmt.Errorf("save sign-in state: %w", err)
	}
	if !ok {
		return fmt.Errorf("save sign-in state: state already in use")
	}
	return nil
}

// TakeSignInState returns and deletes the sign-in of state in one step, so
// a state works once even when two replicas receive the same callback; ok
// is false for an unknown, used or expired state.
func (s *Store) TakeSignInState(ctx context.Context, state string) (st SignInState, ok bool, err error) {
	if state == "" {
		return SignInState{}, false, nil
	}
	data, err := s.rdb.GetDel(ctx, s.keySignInState(hashToken(state))).Bytes()
	if errors.Is(err, redis.Nil) {
		return SignInState{}, false, nil
	}
	if err != nil {
		return SignInState{}, false, fmt.Errorf("take sign-in state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return SignInState{}, false, fmt.Errorf("take sign-in state: %w", err)
	}
	return st, true, nil
}

// TouchToken records that token id was used at t (shown as 最近使用 in the
// console). Only the latest use is kept.
func (s *Store) TouchToken(ctx context.Context, id string, t time.Time) error {
	if err := s.rdb.HSet(ctx, s.keyTokenUse(), id, t.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("record use of token %s: %w", id, err)
	}
	return nil
}

// tokenUses reads every token's last use.
func (s *Store) tokenUses(ctx context.Context) (map[string]time.Time, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keyTokenUse()).Result()
	if err != nil {
		return nil, fmt.Errorf("read token uses: %w", err)
	}
	out := make(map[string]time.Time, len(raw))
	for id, v := range raw {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue // not written by TouchToken: no use to show
		}
		out[id] = time.UnixMilli(ms)
	}
	return out, nil
}
