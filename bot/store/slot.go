package store

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of Redis Cluster hash slots.
const clusterSlots = 16384

// keySlot is the Redis Cluster hash slot of key: CRC16 (XMODEM) of its hash
// tag — the part between the first "{" and the next "}", if not empty — or
// of the whole key. Written out here (go-redis keeps its copy internal) so
// that MGETs can be split by slot and tests can check which keys share one.
func keySlot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % clusterSlots
}

// mget is MGET that a cluster accepts: the keys are grouped by slot, one
// MGET per slot, all in one pipeline (on a cluster go-redis sends each to
// its node). One server gets the same commands, so the tests that check
// slots on it check what a cluster would get. The answer is in the order of keys, nil for a missing key.
func (s *Store) mget(ctx context.Context, keys []string) ([]any, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	bySlot := map[int][]int{} // slot → indexes into keys
	var order []int
	for i, k := range keys {
		sl := keySlot(k)
		if _, ok := bySlot[sl]; !ok {
			order = append(order, sl)
		}
		bySlot[sl] = append(bySlot[sl], i)
	}
	cmds := make([]*redis.SliceCmd, len(order))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for n, sl := range order {
			group := make([]string, len(bySlot[sl]))
			for j, i := range bySlot[sl] {
				group[j] = keys[i]
			}
			cmds[n] = p.MGet(ctx, group...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]any, len(keys))
	for n, sl := range order {
		vals, err := cmds[n].Result()
		if err != nil {
			return nil, err
		}
		for j, i := range bySlot[sl] {
			out[i] = vals[j]
		}
	}
	return out, nil
}
