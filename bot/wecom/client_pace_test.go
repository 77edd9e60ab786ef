package wecom_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest/contract"
)

func TestMemoryPacer(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		p        *wecom.MemoryPacer
		before   int           // admissions for "a", one a second from t0
		at       time.Duration // when the next one is asked for, from t0
		members  []string
		wantOK   bool
		wantWait time.Duration
	}{
		{"room left", &wecom.MemoryPacer{}, 29, 29 * time.Second, []string{"a"}, true, 0},
		{"minute full", &wecom.MemoryPacer{}, 30, 30 * time.Second, []string{"a"}, false, 30 * time.Second},
		{"first one left the minute", &wecom.MemoryPacer{}, 30, 60*time.Second + time.Nanosecond, []string{"a"}, true, 0},
		{"one full member holds the message", &wecom.MemoryPacer{}, 30, 45 * time.Second, []string{"b", "a"}, false, 15 * time.Second},
		{"other members free", &wecom.MemoryPacer{}, 30, 45 * time.Second, []string{"b", "c"}, true, 0},
		{"hour limit", &wecom.MemoryPacer{PerMinute: 100, PerHour: 5}, 5, 10 * time.Second, []string{"a"}, false, time.Hour - 10*time.Second},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.before {
				if ok, _, _ := tc.p.Admit(ctx, []string{"a"}, t0.Add(time.Duration(i)*time.Second)); !ok {
					t.Fatalf("admission %d refused", i)
				}
			}
			ok, wait, err := tc.p.Admit(ctx, tc.members, t0.Add(tc.at))
			if err != nil || ok != tc.wantOK || wait != tc.wantWait {
				t.Fatalf("Admit = %v, %v, %v; want %v, %v", ok, wait, err, tc.wantOK, tc.wantWait)
			}
		})
	}
}

// TestPacingLosesNothing sends a burst to one member: WeCom would drop the
// excess silently, so the client refuses it with a retryable *PaceError and
// every message the fake accepts is delivered.
func TestPacingLosesNothing(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := newFake(t, func(c *wecomtest.Config) { c.Now = clk })
	c := newClient(t, fake.URL(), &wecom.MemoryTokenStore{Now: clk}, func(cfg *wecom.ClientConfig) { cfg.Now = clk })
	ctx := context.Background()
	var paced []int
	for i := range 35 {
		_, err := c.SendText(ctx, alice, fmt.Sprint("alert ", i), wecom.SendOptions{})
		var pe *wecom.PaceError
		switch {
		case errors.As(err, &pe):
			if !wecom.Retryable(err) || pe.Wait <= 0 || pe.Wait > time.Minute {
				t.Fatalf("alert %d: %v (wait %s), want retryable within a minute", i, err, pe.Wait)
			}
			paced = append(paced, i)
		case err != nil:
			t.Fatalf("alert %d: %v", i, err)
		}
	}
	if len(paced) != 5 || paced[0] != 30 {
		t.Fatalf("paced %v, want alerts 30..34", paced)
	}
	if d := fake.Dropped(); len(d) != 0 {
		t.Fatalf("WeCom dropped %d messages", len(d))
	}
	mu.Lock()
	now = now.Add(time.Minute + time.Second)
	mu.Unlock()
	for _, i := range paced {
		if _, err := c.SendText(ctx, alice, fmt.Sprint("alert ", i), wecom.SendOptions{}); err != nil {
			t.Fatalf("resend alert %d: %v", i, err)
		}
	}
	if n, d := len(fake.Sent()), len(fake.Dropped()); n != 35 || d != 0 {
		t.Fatalf("delivered %d, dropped %d; want 35 and 0", n, d)
	}
	if got := fake.Calls(wecomtest.APIMessageSend); got != 35 {
		t.Fatalf("message/send calls %d, want 35: paced messages never reach WeCom", got)
	}
}

func TestMemoryPacerContract(t *testing.T) {
	contract.Pacer(t, func(*testing.T) wecom.Pacer { return &wecom.MemoryPacer{} })
}
