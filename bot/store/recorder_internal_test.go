package store

// The recording go-redis hook of TestEveryOperationIsSlotSafe, and the key
// positions of the commands the store sends.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// recorder is a go-redis hook that keeps every command the store sends,
// and the transactions (MULTI…EXEC, with the keys WATCHed before them) as
// one unit.
type recorder struct {
	mu      sync.Mutex
	units   [][][]any // each unit: the commands' args that must share a slot
	watched [][]any   // WATCH commands since the last EXEC or UNWATCH
	all     [][]any   // every command, for the key hygiene checks
	evals   map[string]bool
}

func (r *recorder) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (r *recorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.note([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (r *recorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.note(cmds)
		return next(ctx, cmds)
	}
}

func (r *recorder) note(cmds []redis.Cmder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.evals == nil {
		r.evals = map[string]bool{}
	}
	for _, c := range cmds {
		r.all = append(r.all, c.Args())
		switch strings.ToLower(c.Name()) {
		case "evalsha":
			r.evals[fmt.Sprint(c.Args()[1])] = true
		case "eval":
			sum := sha1.Sum([]byte(fmt.Sprint(c.Args()[1])))
			r.evals[hex.EncodeToString(sum[:])] = true
		}
	}
	if len(cmds) > 0 && strings.EqualFold(cmds[0].Name(), "multi") {
		unit := slices.Clone(r.watched)
		for _, c := range cmds {
			unit = append(unit, c.Args())
		}
		r.units = append(r.units, unit)
		r.watched = nil
		return
	}
	for _, c := range cmds {
		switch strings.ToLower(c.Name()) {
		case "watch":
			r.watched = append(r.watched, c.Args())
		case "unwatch":
			r.watched = nil
		}
		r.units = append(r.units, [][]any{c.Args()})
	}
}

// keysOf returns the keys a command names, by the key specifications of
// the commands the store uses. An unknown command fails the test, so a
// new command cannot slip past the slot check.
func keysOf(t *testing.T, args []any) []string {
	t.Helper()
	str := func(from, to int) []string {
		var out []string
		for i := from; i < to && i < len(args); i++ {
			out = append(out, fmt.Sprint(args[i]))
		}
		return out
	}
	name := strings.ToLower(fmt.Sprint(args[0]))
	switch name {
	case "ping", "multi", "exec", "discard", "unwatch", "scan", "cluster", "publish", "subscribe",
		"unsubscribe", "psubscribe", "punsubscribe", "info", "hello", "client", "select", "auth",
		"script", "readonly", "command", "asking":
		return nil
	case "get", "set", "setnx", "setex", "psetex", "getdel", "incr", "incrby", "expire", "pexpire",
		"pexpireat", "expireat", "ttl", "pttl", "type", "hget", "hset", "hsetnx", "hdel", "hexists",
		"hgetall", "hincrby", "hlen", "hkeys", "hmget", "zadd", "zrem", "zrange", "zrangebyscore",
		"zrevrange", "zrevrangebyscore", "zcard", "zcount", "zremrangebyscore", "zscore", "sadd",
		"srem", "smembers", "sismember", "scard", "xadd", "xlen", "xpending", "xrange", "xrevrange",
		"xack", "xdel", "xautoclaim", "xclaim", "xtrim", "xinfo":
		return str(1, 2)
	case "mget", "del", "unlink", "exists", "watch", "touch":
		return str(1, len(args))
	case "rename", "renamenx":
		return str(1, 3)
	case "xgroup":
		return str(2, 3)
	case "eval", "evalsha", "eval_ro", "evalsha_ro":
		n, err := strconv.Atoi(fmt.Sprint(args[2]))
		if err != nil {
			t.Fatalf("%s without numkeys: %v", name, args[:3])
		}
		return str(3, 3+n)
	case "xreadgroup", "xread":
		for i, a := range args {
			if strings.EqualFold(fmt.Sprint(a), "streams") {
				rest := len(args) - i - 1
				return str(i+1, i+1+rest/2)
			}
		}
		t.Fatalf("%s without STREAMS: %v", name, args)
	}
	t.Fatalf("keysOf does not know the command %q (args %.200v): add its key positions", name, args)
	return nil
}
