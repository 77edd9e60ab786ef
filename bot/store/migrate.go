package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// layoutVersion names the key layout of this version: 2 moved the cases,
// the admin tokens and the day statistics under hash tags ({cases},
// {admin}, {stats:<day>}), which a Redis Cluster needs for their
// transactions and scripts.
const layoutVersion = "2"

func (s *Store) keyLayout() string { return s.prefix + "layout" }

// migrate renames the keys of an earlier layout on one server, once per
// prefix (the layout key remembers it). It finds them through the earlier
// layout's own indexes — every case is in cases:all, every token in
// admin:tokens, and the statistics days span the violation index — so it
// never scans the keyspace. RENAMENX keeps their expiry and never
// overwrites a key already written under the new name; replicas starting
// together may both run it, a key one of them moved is simply gone for
// the other. A cluster never ran the earlier layout's transactions, so
// nothing is moved there.
func (s *Store) migrate(ctx context.Context) error {
	if s.Cluster() {
		return nil
	}
	p := s.prefix
	var layout *redis.StringCmd
	var oldCases, oldTokens, violations *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		layout = pipe.Get(ctx, s.keyLayout())
		oldCases = pipe.Exists(ctx, p+"cases:all")
		oldTokens = pipe.Exists(ctx, p+"admin:tokens")
		violations = pipe.Exists(ctx, s.keyViolationIndex())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read key layout: %w", err)
	}
	if layout.Val() == layoutVersion {
		return nil
	}
	var renames [][2]string // old, new (after the prefix)
	if oldCases.Val() == 1 {
		ids, err := s.rdb.ZRange(ctx, p+"cases:all", 0, -1).Result()
		if err != nil {
			return fmt.Errorf("migrate cases: %w", err)
		}
		for _, id := range ids {
			renames = append(renames, [2]string{"case:" + id, "{cases}:case:" + keyPart(id)})
		}
		renames = append(renames, [2]string{"cases:open", "{cases}:open"}, [2]string{"cases:all", "{cases}:all"})
	}
	if oldTokens.Val() == 1 {
		hashes, err := s.rdb.HVals(ctx, p+"admin:tokens").Result()
		if err != nil {
			return fmt.Errorf("migrate admin tokens: %w", err)
		}
		for _, h := range hashes {
			renames = append(renames, [2]string{"admin:token:" + h, "{admin}:token:" + keyPart(h)})
		}
		renames = append(renames, [2]string{"admin:tokens", "{admin}:tokens"})
	}
	if violations.Val() == 1 {
		days, err := s.indexedDays(ctx)
		if err != nil {
			return err
		}
		for _, d := range days {
			renames = append(renames, [2]string{"stats:" + d, "{stats:" + d + "}"})
		}
	}
	if len(renames) > 0 {
		cmds, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, r := range renames {
				pipe.RenameNX(ctx, p+r[0], p+r[1])
			}
			return nil
		})
		if err != nil {
			// A key that is gone (moved by another replica, expired) is
			// fine; anything else is not.
			for _, c := range cmds {
				if e := c.Err(); e != nil && !strings.Contains(e.Error(), "no such key") {
					return fmt.Errorf("migrate keys to layout %s: %w", layoutVersion, e)
				}
			}
		}
	}
	if err := s.rdb.Set(ctx, s.keyLayout(), layoutVersion, 0).Err(); err != nil {
		return fmt.Errorf("record key layout: %w", err)
	}
	return nil
}

// indexedDays lists the statistics days (China Standard Time) from the
// oldest to the newest violation in the index: the days whose statistics
// can still exist, as they expire with the violations.
func (s *Store) indexedDays(ctx context.Context) ([]string, error) {
	first, err := s.rdb.ZRangeWithScores(ctx, s.keyViolationIndex(), 0, 0).Result()
	if err != nil {
		return nil, fmt.Errorf("migrate statistics: %w", err)
	}
	last, err := s.rdb.ZRangeWithScores(ctx, s.keyViolationIndex(), -1, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("migrate statistics: %w", err)
	}
	if len(first) == 0 || len(last) == 0 {
		return nil, nil
	}
	from := time.UnixMilli(int64(first[0].Score)).In(cst)
	to := time.UnixMilli(int64(last[0].Score)).In(cst)
	var days []string
	for d := from; !d.After(to.AddDate(0, 0, 1)) && len(days) < 3660; d = d.AddDate(0, 0, 1) {
		days = append(days, statsDay(d))
	}
	return days, nil
}
