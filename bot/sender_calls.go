package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// ActWeComCall is a WeCom API call queued by another part of the service
// (the intercept-rule sync, the leavers' handover; bot/outcall): the
// sender makes it through the handler registered under its name in
// SenderConfig.Calls, with the outbox's retries, backoff and dead letters.
const ActWeComCall ActionKind = outcall.Kind

// startCalls starts the round's calls on the call workers and returns at
// once: a call is not paced per recipient, never joins a digest, and a
// slow WeCom API must not hold up the next round's alerts. A call found
// while every worker is busy goes back to the queue for BusyWait (no
// attempt counted; another replica may take it meanwhile); one this
// replica is making already (read again) is left to that worker.
func (s *Sender) startCalls(ctx context.Context, calls []store.OutboxEntry) error {
	var full []store.OutboxEntry
	for _, e := range calls {
		if _, making := s.inCall.LoadOrStore(e.StreamID, true); making {
			continue
		}
		select {
		case s.callSlots <- struct{}{}:
		default:
			s.inCall.Delete(e.StreamID)
			full = append(full, e)
			continue
		}
		s.calls.Add(1)
		go func() {
			defer func() {
				s.inCall.Delete(e.StreamID)
				<-s.callSlots
				s.calls.Done()
			}()
			if err := s.keptCall(ctx, e); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn().Err(err).Str("key", e.Key).Msg("call not settled; taken up again after ClaimIdle")
			}
		}()
	}
	if len(full) == 0 {
		return nil
	}
	s.cfg.Logger.Debug().Int("calls", len(full)).Msg("call workers busy; calls put back")
	return s.cfg.Store.RescheduleAll(ctx, full, s.cfg.Now().Add(s.cfg.BusyWait))
}

// WaitCalls waits for the calls in progress (Run does before it returns).
func (s *Sender) WaitCalls() { s.calls.Wait() }

// keptCall makes call e while keeping its entry pending here (KeepPending
// every third of ClaimIdle), so that another replica does not take a slow
// call over and make it a second time concurrently. Should the entry be
// taken over all the same (this replica could not reach Redis for
// ClaimIdle), the handlers' own claims keep the second delivery from
// changing anything twice (bot/intercept: a claim per rule; bot/handover:
// the items' call key, and WeCom's answer for a customer in transfer).
func (s *Sender) keptCall(ctx context.Context, e store.OutboxEntry) error {
	done := make(chan struct{})
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		t := time.NewTicker(max(s.cfg.ClaimIdle/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			held, err := s.cfg.Store.KeepPending(ctx, s.cfg.Consumer, e)
			switch {
			case err != nil:
				s.cfg.Logger.Warn().Err(err).Str("key", e.Key).Msg("call in progress: claim not renewed")
			case !held:
				s.cfg.Logger.Warn().Str("key", e.Key).Msg("call in progress was taken over by another replica")
				return
			}
		}
	}()
	err := s.wecomCall(ctx, e)
	close(done)
	<-kept
	return err
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
		return s.unhandled(ctx, e, "call", env.Call, now)
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
	if errors.Is(cause, outcall.ErrBusy) {
		// Waiting its turn is no failure: the handler has nothing to record.
		s.cfg.Logger.Debug().Str("key", e.Key).Str("call", env.Call).Time("retry_at", due).Err(cause).Msg("call waits its turn")
		return s.cfg.Store.Reschedule(ctx, next, due)
	}
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

// unhandled puts back a call this replica has no handler for, or an
// action of a kind it does not know (what is "call" or "action", name the
// call or the kind): during a rolling deploy another replica has it. Only
// after UnhandledFor since it was queued is it dead-lettered (an operator
// may retry it from there).
func (s *Sender) unhandled(ctx context.Context, e store.OutboxEntry, what, name string, now time.Time) error {
	if !e.Enqueued.IsZero() && now.Sub(e.Enqueued) < s.cfg.UnhandledFor {
		due := now.Add(s.cfg.UnhandledWait)
		s.cfg.Logger.Warn().Str("key", e.Key).Str(what, name).Time("retry_at", due).Msg(what + " put back: no handler on this replica")
		return s.cfg.Store.Reschedule(ctx, e, due)
	}
	s.cfg.Logger.Error().Str("key", e.Key).Str(what, name).Dur("for", s.cfg.UnhandledFor).Msg(what + " dead-lettered: no replica handled it")
	label := callLabels[name]
	switch {
	case what != "call":
		label = "新版本的通知"
	case label == "":
		label = "新版本的企业微信接口调用"
	}
	return s.cfg.Store.DeadLetter(ctx, e, fmt.Sprintf("无法投递：等待 %d 分钟仍没有一台服务能处理「%s」（服务正在升级，或该功能未启用）", int(s.cfg.UnhandledFor.Minutes()), label), now)
}

// callLabels name the calls (intercept.CallName, handover.CallName) for HR
// reading a dead letter's reason: never the call's code.
var callLabels = map[string]string{"intercept": "客户聊天拦截规则同步", "handover": "离职继承转接"}
