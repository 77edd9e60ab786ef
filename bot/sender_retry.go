package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// What becomes of an entry whose delivery failed: retried with backoff,
// waiting without an attempt counted (paced, or a call waiting its turn),
// or dead-lettered.

// fail reschedules entries with backoff, or dead-letters them when the
// error is permanent or they ran out of attempts. It is for entries not
// yet sealed (their recipient could not be found): nothing was sent.
func (s *Sender) fail(ctx context.Context, ps []pending, cause error) error {
	now := s.cfg.Now()
	for _, p := range ps {
		e, due, reason := s.verdict(p.entry, cause, now)
		if reason != "" {
			s.cfg.Logger.Error().Str("key", e.Key).Str("kind", string(p.action.Kind)).Str("reason", reason).Msg("action dead-lettered")
			if err := s.cfg.Store.DeadLetter(ctx, e, reason, now); err != nil {
				return err
			}
			continue
		}
		if e.Attempt > p.entry.Attempt {
			s.cfg.Logger.Warn().Str("key", e.Key).Int("attempt", e.Attempt).Time("retry_at", due).Err(cause).Msg("delivery failed; will retry")
		}
		if err := s.cfg.Store.Reschedule(ctx, e, due); err != nil {
			return err
		}
	}
	return nil
}

// verdict decides what becomes of entry e after cause: retried at due as
// the returned entry, or dead-lettered for reason (non-empty).
func (s *Sender) verdict(e store.OutboxEntry, cause error, now time.Time) (store.OutboxEntry, time.Time, string) {
	if pe, ok := errors.AsType[*wecom.PaceError](cause); ok {
		// The client's pacer refused before sending: wait, not a failure.
		return e, now.Add(max(pe.Wait, time.Second)), ""
	}
	if errors.Is(cause, outcall.ErrBusy) {
		// A call waiting its turn (its plan's deletes, another delivery's
		// claim on its rule): not a failure either.
		return e, now.Add(s.cfg.BusyWait), ""
	}
	permanent := errors.Is(cause, errNoRecipient) || (wecom.Permanent(cause) && !wecom.Retryable(cause))
	e.Attempt++
	e.LastError = cause.Error()
	tooOld := !e.Enqueued.IsZero() && now.Sub(e.Enqueued) > s.cfg.MaxAge
	switch {
	case permanent:
		return e, time.Time{}, "无法投递（永久错误）：" + cause.Error()
	case tooOld || (s.cfg.MaxAttempts > 0 && e.Attempt >= s.cfg.MaxAttempts):
		return e, time.Time{}, fmt.Sprintf("尝试 %d 次、历时 %s 仍未送达：%v", e.Attempt, now.Sub(e.Enqueued).Round(time.Second), cause)
	}
	return e, now.Add(s.backoff(e.Attempt)), ""
}

// backoff is exponential with full jitter: a random wait in
// [base*2^(n-1)/2, base*2^(n-1)], capped.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.cfg.BaseBackoff << min(attempt-1, 20)
	if d <= 0 || d > s.cfg.MaxBackoff {
		d = s.cfg.MaxBackoff
	}
	return d/2 + time.Duration(s.cfg.Rand()*float64(d/2))
}
