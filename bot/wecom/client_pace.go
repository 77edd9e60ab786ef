package wecom

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// WeCom's limits on what one app sends to one member. Past them WeCom still
// answers errcode 0 but drops the message silently, so the client refuses
// to send rather than lose it.
const (
	MemberPerMinute = 30
	MemberPerHour   = 1000
)

// Pacer admits app messages per member so the app stays within WeCom's
// per-member limits. Replicas must share one (bot/store implements it on
// Redis); MemoryPacer serves one process.
type Pacer interface {
	// Admit records one message to each of members at now if every one of
	// them has room, and otherwise records nothing and says how long to
	// wait before the fullest member has room again.
	Admit(ctx context.Context, members []string, now time.Time) (ok bool, wait time.Duration, err error)
}

// PaceError is returned, before anything is sent, when a message would push
// a member past WeCom's per-member limit. It is Retryable after Wait; a
// caller with many messages for one member should merge them into a digest.
type PaceError struct {
	// Members are the message's paced recipients (lowercased userids).
	Members []string
	Wait    time.Duration
}

// Error names the members and the wait.
func (e *PaceError) Error() string {
	return fmt.Sprintf("wecom: per-member limit reached for %s: retry in %s", strings.Join(e.Members, ","), e.Wait)
}

// MemoryPacer is an in-process Pacer with sliding windows. Its zero value
// applies WeCom's limits; it is safe for concurrent use.
type MemoryPacer struct {
	// PerMinute and PerHour override MemberPerMinute and MemberPerHour.
	PerMinute int
	PerHour   int

	mu   sync.Mutex
	sent map[string][]time.Time // member → send times within the last hour
}

var _ Pacer = (*MemoryPacer)(nil)

// Admit implements Pacer.
func (p *MemoryPacer) Admit(_ context.Context, members []string, now time.Time) (bool, time.Duration, error) {
	perMinute, perHour := p.PerMinute, p.PerHour
	if perMinute <= 0 {
		perMinute = MemberPerMinute
	}
	if perHour <= 0 {
		perHour = MemberPerHour
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent == nil {
		p.sent = make(map[string][]time.Time)
	}
	var wait time.Duration
	for _, m := range members {
		times := slices.DeleteFunc(p.sent[m], func(t time.Time) bool { return !t.After(now.Add(-time.Hour)) })
		if len(times) == 0 {
			delete(p.sent, m)
		} else {
			p.sent[m] = times
		}
		if len(times) >= perHour {
			wait = max(wait, times[len(times)-perHour].Add(time.Hour).Sub(now))
		}
		inMinute := times[countBefore(times, now.Add(-time.Minute)):]
		if len(inMinute) >= perMinute {
			wait = max(wait, inMinute[len(inMinute)-perMinute].Add(time.Minute).Sub(now))
		}
	}
	if wait > 0 {
		return false, wait, nil
	}
	for _, m := range members {
		p.sent[m] = append(p.sent[m], now)
	}
	return true, 0, nil
}

// countBefore counts the sorted times not after t.
func countBefore(times []time.Time, t time.Time) int {
	n, _ := slices.BinarySearchFunc(times, t, func(a, b time.Time) int {
		if a.After(b) {
			return 1
		}
		return -1
	})
	return n
}

// pace admits a message/send to target's members. Departments, tags and
// "@all" cannot be expanded here and are not paced.
func (c *Client) pace(ctx context.Context, target SendTarget) error {
	members := make([]string, 0, len(target.ToUser))
	for _, u := range target.ToUser {
		if u != "@all" {
			members = append(members, strings.ToLower(u))
		}
	}
	if len(members) == 0 {
		return nil
	}
	ok, wait, err := c.pacer.Admit(ctx, members, c.now())
	if err != nil {
		return fmt.Errorf("pace members: %w", err)
	}
	if !ok {
		return &PaceError{Members: members, Wait: wait}
	}
	return nil
}
