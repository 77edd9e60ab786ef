// Package outcalltest runs the real sender (bot.Sender) over a test's
// outbox, so that tests of the packages whose WeCom calls travel through
// the outbox (bot/intercept, bot/handover) deliver them the way the
// service does: with the sender's retries, backoff and dead letters.
package outcalltest

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

// Config is a test sender's.
type Config struct {
	Store *store.Store
	API   bot.WeComAPI
	Calls map[string]outcall.Handler
	// HR receives HR notices (default the member "hr1").
	HR bot.Recipients
	// Now is the sender's clock (default time.Now); retries come due on it.
	Now func() time.Time
	// MaxAttempts bounds the tries before a dead letter (default: the
	// sender's, by age only).
	MaxAttempts int
	// UnhandledFor is how long a call without a handler is put back
	// before it is dead-lettered (default: the sender's).
	UnhandledFor time.Duration
}

// Sender is a test's sender.
type Sender struct {
	*bot.Sender
	st *store.Store
}

// New builds a sender with a fast backoff (100 ms doubling to 400 ms,
// with jitter; a call waiting its turn waits 20 ms): a test on its own clock advances it by a second.
func New(t testing.TB, cfg Config) *Sender {
	t.Helper()
	if cfg.HR.Empty() {
		cfg.HR = bot.Recipients{Users: []string{"hr1"}}
	}
	s, err := bot.NewSender(bot.SenderConfig{
		Store: cfg.Store, API: cfg.API, Consumer: "test", HR: cfg.HR, Calls: cfg.Calls, Now: cfg.Now,
		BaseBackoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, MaxAttempts: cfg.MaxAttempts,
		Poll: 5 * time.Millisecond, BusyWait: 20 * time.Millisecond, UnhandledFor: cfg.UnhandledFor,
		Logger: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Store.EnsureOutboxGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &Sender{Sender: s, st: cfg.Store}
}

// Round runs sender rounds until one finds nothing due, and returns how
// many entries they handled.
func (s *Sender) Round(t testing.TB) int {
	t.Helper()
	n := 0
	for {
		got, err := s.Sender.Round(context.Background())
		if err != nil {
			t.Fatalf("sender round: %v", err)
		}
		s.WaitCalls() // the round's calls run beside it

		if got == 0 {
			return n
		}
		n += got
	}
}

// Drain runs rounds until the outbox holds nothing queued, pending or
// delayed (retries come due on the real clock), at most 10 s.
func (s *Sender) Drain(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.Round(t)
		st, err := s.st.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Queued+st.Pending+st.Delayed == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain: %+v", st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Dead returns the dead letters, newest first.
func (s *Sender) Dead(t testing.TB) []store.DeadLetter {
	t.Helper()
	d, err := s.st.DeadLetters(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
