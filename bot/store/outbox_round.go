package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A sender round's Redis work, gathered so that it does not grow with the
// number of alerts: the start (due retries back, stale entries taken
// over) is one round trip, and everything the round must know about the
// entries it read (delivered before? the chats' owners as HR set them and
// as last noted, the cached owners and names) is one more.

// PromoteAndClaim is PromoteDue and ClaimStale in one round trip: up to
// max due retries go back into the stream, then up to count entries that
// another consumer has held unacknowledged for minIdle are taken over.
func (s *Store) PromoteAndClaim(ctx context.Context, now time.Time, max int, consumer string, minIdle time.Duration, count int) (promoted int, claimed []OutboxEntry, err error) {
	err = s.withGroup(ctx, func() error {
		var prom *redis.Cmd
		var claim *redis.XAutoClaimCmd
		err := s.pipelineScripts(ctx, func(p redis.Pipeliner, run scriptRunner) {
			prom = run(promoteScript, []string{s.keyOutbox(), s.keyOutboxDelayed(), s.keyOutboxNoted()}, now.UnixMilli(), max)
			claim = p.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream: s.keyOutbox(), Group: outboxGroup, Consumer: consumer,
				MinIdle: minIdle, Start: "0-0", Count: int64(count),
			})
		})
		if err != nil {
			return err
		}
		promoted, _ = prom.Int()
		msgs, _, _ := claim.Result()
		claimed = decodeEntries(msgs)
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("promote and claim outbox entries: %w", err)
	}
	return promoted, claimed, nil
}

// RoundLookup names what a sender round reads at once.
type RoundLookup struct {
	Delivered []string // idempotency keys: delivered before?
	Chats     []string // chat ids: HR's settings and the noted owner
	Cache     []string // cached lookups (CacheGet's keys)
}

// RoundLooked is what LookupRound found.
type RoundLooked struct {
	Delivered []bool              // by RoundLookup.Delivered
	Chats     map[string]ChatInfo // the chats HR set (absent: none)
	Owners    map[string]string   // chat → owner last noted (NoteOwnedChat)
	// Cache holds the cached lookups found, as stored (JSON); a key
	// asked for and absent here is not cached.
	Cache map[string][]byte
}

// LookupRound reads everything q names in one round trip (one pipeline;
// on a cluster each node gets its part at once).
func (s *Store) LookupRound(ctx context.Context, q RoundLookup) (RoundLooked, error) {
	out := RoundLooked{Chats: map[string]ChatInfo{}, Owners: map[string]string{}, Cache: map[string][]byte{}}
	if len(q.Delivered)+len(q.Chats)+len(q.Cache) == 0 {
		return out, nil
	}
	delivered := make([]*redis.IntCmd, len(q.Delivered))
	cached := make([]*redis.StringCmd, len(q.Cache))
	var chats, owners *redis.SliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range q.Delivered {
			delivered[i] = p.Exists(ctx, s.keyOutboxDelivered(k))
		}
		if len(q.Chats) > 0 {
			chats = p.HMGet(ctx, s.keyChats(), q.Chats...)
			owners = p.HMGet(ctx, s.keyChatOwners(), q.Chats...)
		}
		for i, k := range q.Cache {
			cached[i] = p.Get(ctx, s.keyCache(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return out, fmt.Errorf("look up %d outbox entries: %w", len(q.Delivered), err)
	}
	out.Delivered = make([]bool, len(q.Delivered))
	for i, c := range delivered {
		out.Delivered[i] = c.Val() == 1
	}
	if chats != nil {
		for i, v := range chats.Val() {
			raw, ok := v.(string)
			if !ok {
				continue
			}
			var c ChatInfo
			if err := json.Unmarshal([]byte(raw), &c); err != nil {
				return out, fmt.Errorf("decode chat %q: %w", q.Chats[i], err)
			}
			out.Chats[q.Chats[i]] = c
		}
		for i, v := range owners.Val() {
			if o, ok := v.(string); ok {
				out.Owners[q.Chats[i]] = o
			}
		}
	}
	for i, c := range cached {
		if b, err := c.Bytes(); err == nil {
			out.Cache[q.Cache[i]] = b
		}
	}
	return out, nil
}

// CacheWrite is one cached lookup to write (CacheSetMany): Data is the
// value's JSON, as CacheSet stores it.
type CacheWrite struct {
	Key  string
	Data []byte
	TTL  time.Duration
}

// CacheSetMany is CacheSet for every write, in one round trip (a pipeline:
// cache keys carry no hash tag, so on a cluster each SET goes to its own
// slot's node): a sender round caches what its lookups found at once.
func (s *Store) CacheSetMany(ctx context.Context, writes []CacheWrite) error {
	if len(writes) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, w := range writes {
			p.Set(ctx, s.keyCache(w.Key), w.Data, w.TTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %d cached lookups: %w", len(writes), err)
	}
	return nil
}
