package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// InterceptState returns the intercept-rule sync document (its format
// belongs to bot/intercept); found is false before the first sync.
func (s *Store) InterceptState(ctx context.Context) (data []byte, found bool, err error) {
	data, err = s.rdb.Get(ctx, s.keyInterceptState()).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read intercept state: %w", err)
	}
	return data, true, nil
}

// SetInterceptState replaces the intercept-rule sync document.
func (s *Store) SetInterceptState(ctx context.Context, data []byte) error {
	if err := s.rdb.Set(ctx, s.keyInterceptState(), data, 0).Err(); err != nil {
		return fmt.Errorf("write intercept state: %w", err)
	}
	return nil
}

// UpdateInterceptState applies change to the intercept-rule sync document
// atomically (optimistic WATCH on its one key, retried on a concurrent
// change): change gets the current document (nil before the first sync)
// and returns the new one. The syncing replica and the sender's deliveries
// of the sync's calls both change it.
func (s *Store) UpdateInterceptState(ctx context.Context, change func(old []byte) ([]byte, error)) error {
	key := s.keyInterceptState()
	txf := func(tx *redis.Tx) error {
		old, err := tx.Get(ctx, key).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		next, err := change(old)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, next, 0)
			return nil
		})
		return err
	}
	for range 20 {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return fmt.Errorf("update intercept state: %w", err)
		}
		return nil
	}
	return fmt.Errorf("update intercept state: changed concurrently 20 times: %w", redis.TxFailedErr)
}

// Handover returns the handover document of leaver (its format belongs to
// bot/handover); found is false when there is none.
func (s *Store) Handover(ctx context.Context, leaver string) (data []byte, found bool, err error) {
	data, err = s.rdb.Get(ctx, s.keyHandover(leaver)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read handover of %q: %w", leaver, err)
	}
	return data, true, nil
}

// UpdateHandover applies change to leaver's handover document atomically
// (optimistic WATCH, retried on a concurrent change): change gets the
// current document (nil when there is none) and returns the new one and
// whether the handover is still open (listed by OpenHandovers).
func (s *Store) UpdateHandover(ctx context.Context, leaver string, change func(old []byte) (next []byte, open bool, err error)) error {
	key := s.keyHandover(leaver)
	txf := func(tx *redis.Tx) error {
		old, err := tx.Get(ctx, key).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		next, open, err := change(old)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, next, 0)
			if open {
				p.ZAddNX(ctx, s.keyHandoverOpen(), redis.Z{Score: float64(time.Now().UnixMilli()), Member: leaver})
			} else {
				p.ZRem(ctx, s.keyHandoverOpen(), leaver)
			}
			return nil
		})
		return err
	}
	for range 10 {
		err := s.rdb.Watch(ctx, txf, key, s.keyHandoverOpen())
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return fmt.Errorf("update handover of %q: %w", leaver, err)
		}
		return nil
	}
	return fmt.Errorf("update handover of %q: changed concurrently 10 times: %w", leaver, redis.TxFailedErr)
}

// OpenHandovers lists the leavers whose handover is open, oldest first.
func (s *Store) OpenHandovers(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.keyHandoverOpen(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list open handovers: %w", err)
	}
	return ids, nil
}
