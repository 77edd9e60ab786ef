package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// maxRecallRetries bounds the optimistic transaction of MarkRecalled; it
// only loses the race to a concurrent write of the same record.
const maxRecallRetries = 5

// MarkRecalled sets Recalled on the stored violation violationID, keeping
// its expiry, and reports whether there was such a record. Marking twice is
// harmless. The record is JSON, so it is read, changed and written back
// under WATCH: a concurrent rewrite makes the transaction retry rather than
// lose either change.
func (s *Store) MarkRecalled(ctx context.Context, violationID string) (bool, error) {
	key := s.keyViolation(violationID)
	var found bool
	txf := func(tx *redis.Tx) error {
		found = false
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		var v Violation
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("decode %q: %w", key, err)
		}
		found = true
		if v.Recalled {
			return nil
		}
		v.Recalled = true
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %q: %w", key, err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, out, redis.SetArgs{KeepTTL: true})
			return nil
		})
		return err
	}
	for range maxRecallRetries {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("mark violation %s recalled: %w", violationID, err)
		}
		return found, nil
	}
	return false, fmt.Errorf("mark violation %s recalled: record kept changing (%d attempts): %w", violationID, maxRecallRetries, redis.TxFailedErr)
}

// advanceSeq stores ARGV[1] in KEYS[1] unless the stored value is larger,
// and returns the value now stored. Seqs are uint64, beyond the 2^53 that
// Lua numbers hold exactly, so they are compared as decimal strings
// without leading zeros: a longer string is larger, equal lengths compare
// lexically.
var advanceSeq = redis.NewScript(`
local cur = redis.call("GET", KEYS[1])
local new = ARGV[1]
if cur and (#cur > #new or (#cur == #new and cur >= new)) then
  return cur
end
redis.call("SET", KEYS[1], new)
return new`)

// SetArchiveSeq records seq as the last ingested archive seq of corpID. It
// only ever moves forward: a smaller seq (a late or replayed batch) leaves
// the stored one.
func (s *Store) SetArchiveSeq(ctx context.Context, corpID string, seq uint64) error {
	key := s.keyArchiveSeq(corpID)
	if err := advanceSeq.Run(ctx, s.rdb, []string{key}, strconv.FormatUint(seq, 10)).Err(); err != nil {
		return fmt.Errorf("advance archive seq %q: %w", key, err)
	}
	return nil
}

// ArchiveSeq returns the last ingested archive seq of corpID, 0 when none
// was stored: a puller starts from it (GetChatData returns what follows).
func (s *Store) ArchiveSeq(ctx context.Context, corpID string) (uint64, error) {
	key := s.keyArchiveSeq(corpID)
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get archive seq %q: %w", key, err)
	}
	seq, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("decode archive seq %q: %w", key, err)
	}
	return seq, nil
}

// CountNotify counts one msgaudit_notify event (WeCom's poke that new
// archive data is ready) and returns the count so far.
func (s *Store) CountNotify(ctx context.Context) (int64, error) {
	key := s.keyArchiveNotify()
	n, err := s.rdb.Incr(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("count msgaudit_notify %q: %w", key, err)
	}
	return n, nil
}

// NotifyCount returns how many msgaudit_notify events were counted.
func (s *Store) NotifyCount(ctx context.Context) (int64, error) {
	key := s.keyArchiveNotify()
	n, err := s.rdb.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("get msgaudit_notify count %q: %w", key, err)
	}
	return n, nil
}
