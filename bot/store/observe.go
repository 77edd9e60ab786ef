package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// What operators watch of the store: command latency (a go-redis hook),
// the outbox's oldest entry, and go-redis's own log lines. Only this
// package imports go-redis, so the cmd wires these through here.

// CommandObserver is told each Redis command's name ("get", "evalsha",
// "pipeline" for a pipeline or transaction), how long it took and whether
// it failed; redis.Nil ("absent") is not a failure.
type CommandObserver func(command string, took time.Duration, failed bool)

// ObserveCommands calls obs after every command of this store's client.
// Call it once, right after Open.
func (s *Store) ObserveCommands(obs CommandObserver) {
	s.rdb.AddHook(commandHook{obs: obs})
}

type commandHook struct{ obs CommandObserver }

func (h commandHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h commandHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.obs(strings.ToLower(cmd.Name()), time.Since(start), err != nil && !errors.Is(err, redis.Nil))
		return err
	}
}

func (h commandHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.obs("pipeline", time.Since(start), err != nil && !errors.Is(err, redis.Nil))
		return err
	}
}

// SetLibraryLogger sends go-redis's own log lines (connection pool
// retries and the like) to log instead of the standard logger's plain
// text on stderr. go-redis keeps one logger for the whole process, so the
// program calls this once, in main.
func SetLibraryLogger(log func(ctx context.Context, msg string)) {
	redis.SetLogger(libraryLogger(log))
}

type libraryLogger func(ctx context.Context, msg string)

func (l libraryLogger) Printf(ctx context.Context, format string, v ...any) {
	l(ctx, fmt.Sprintf(format, v...))
}

// OutboxOldest returns when the oldest entry at the head of the outbox was
// first enqueued: the first entry of the stream (new or held by a sender)
// or of the delayed set, whichever is older. ok is false for an empty
// outbox. Entries keep their first enqueue time across retries, so the
// age grows while an entry keeps failing.
func (s *Store) OutboxOldest(ctx context.Context) (enqueued time.Time, ok bool, err error) {
	pipe := s.rdb.Pipeline()
	head := pipe.XRangeN(ctx, s.keyOutbox(), "-", "+", 1)
	delayed := pipe.ZRangeWithScores(ctx, s.keyOutboxDelayed(), 0, 0)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, false, fmt.Errorf("outbox oldest entry: %w", err)
	}
	var raws []string
	for _, m := range head.Val() {
		if raw, _ := m.Values["e"].(string); raw != "" {
			raws = append(raws, raw)
		}
	}
	for _, z := range delayed.Val() {
		if raw, _ := z.Member.(string); raw != "" {
			raws = append(raws, raw)
		}
	}
	for _, raw := range raws {
		var e OutboxEntry
		if json.Unmarshal([]byte(raw), &e) != nil || e.Enqueued.IsZero() {
			continue // an undecodable entry is the sender's to dead-letter
		}
		if !ok || e.Enqueued.Before(enqueued) {
			enqueued, ok = e.Enqueued, true
		}
	}
	return enqueued, ok, nil
}
