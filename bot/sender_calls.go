package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// ActWeComCall is a WeCom API call queued by another part of the service
// (the intercept-rule sync, the leavers' handover; bot/outcall): the
// sender makes it through the handler registered under its name in
// SenderConfig.Calls, with the outbox's retries, backoff and dead letters.
const ActWeComCall ActionKind = outcall.Kind

// startCalls makes the round's calls, one after another, beside the
// round's messages (a call is not paced per recipient and never joins a
// digest); the returned function waits for them.
func (s *Sender) startCalls(ctx context.Context, calls []store.OutboxEntry) (wait func() error) {
	if len(calls) == 0 {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		var errs []error
		for _, e := range calls {
			if err := s.wecomCall(ctx, e); err != nil {
				errs = append(errs, err)
			}
		}
		done <- errors.Join(errs...)
	}()
	return func() error { return <-done }
}

// wecomCall delivers one call entry: acknowledged when its handler succeeds,
// rescheduled with backoff or dead-lettered (the handler told first, so
// its state shows the failure) when it fails.
func (s *Sender) wecomCall(ctx context.Context, e store.OutboxEntry) error {
	var env outcall.Envelope
	now := s.cfg.Now()
	if err := json.Unmarshal(e.Payload, &env); err != nil {
		return s.cfg.Store.DeadLetter(ctx, e, "undecodable call: "+err.Error(), now)
	}
	h := s.cfg.Calls[env.Call]
	if h == nil {
		s.cfg.Logger.Error().Str("key", e.Key).Str("call", env.Call).Msg("call dead-lettered: no handler on this replica")
		return s.cfg.Store.DeadLetter(ctx, e, fmt.Sprintf("无法投递：本服务未启用「%s」", env.Call), now)
	}
	cause := h.Deliver(ctx, env.Args, e.Attempt)
	if cause == nil {
		return s.cfg.Store.AckOutbox(ctx, e)
	}
	if ctx.Err() != nil {
		return ctx.Err() // left pending: taken up again after ClaimIdle
	}
	now = s.cfg.Now()
	next, due, reason := s.verdict(e, cause, now)
	f := outcall.Failure{Err: cause, Attempt: next.Attempt, Retry: due, Dead: reason != "", Reason: reason}
	if err := h.Failed(ctx, env.Args, f); err != nil {
		return fmt.Errorf("record failed call %s: %w", e.Key, err)
	}
	if f.Dead {
		s.cfg.Logger.Error().Str("key", e.Key).Str("call", env.Call).Str("reason", reason).Msg("call dead-lettered")
		return s.cfg.Store.DeadLetter(ctx, next, reason, now)
	}
	s.cfg.Logger.Warn().Str("key", e.Key).Str("call", env.Call).Int("attempt", next.Attempt).Time("retry_at", due).Err(cause).Msg("call failed; will retry")
	return s.cfg.Store.Reschedule(ctx, next, due)
}
