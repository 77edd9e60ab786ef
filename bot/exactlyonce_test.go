package bot_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// refOf is the reference every message shows for the action with key
// (bot's Action.ref): how a test tells, from what recipients saw, which
// alerts arrived.
func refOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

var refPattern = regexp.MustCompile(`记录 ([0-9a-f]{8})`)

// seenRefs counts each alert reference in the messages recipients saw:
// those the fake delivered, not the resends its duplicate check swallowed.
func seenRefs(fake *wecomtest.Server) map[string]int {
	out := map[string]int{}
	for _, m := range fake.Sent() {
		for _, g := range refPattern.FindAllStringSubmatch(m.Content, -1) {
			out[g[1]]++
		}
	}
	return out
}

// expectedKeys lists the outbox actions one processed message queued.
func expectedKeys(msgID string, st bot.Step) []string {
	var out []string
	if st.Warn {
		out = append(out, msgID+"/"+string(bot.ActWarnSender))
	}
	if st.AlertOwner {
		out = append(out, msgID+"/"+string(bot.ActAlertOwner))
	}
	if st.EscalateHR {
		out = append(out, msgID+"/"+string(bot.ActEscalateHR))
	}
	return out
}

// TestDigestsUnderFaultsExactlyOnce is issue 11's finding 1: many alerts
// for one owner and for HR, so they travel in digests, under the fault mix
// of TestFaultsEveryAlertExactlyOnce (busy, frequency and concurrency
// limits, HTTP 500, replies lost after delivery), two senders running while
// the alerts still arrive, several seeds. Each alert must be seen exactly
// once by its recipient: a digest that failed ambiguously must be resent as
// the same message, which WeCom's duplicate check then recognises.
func TestDigestsUnderFaultsExactlyOnce(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			digestsUnderFaults(t, seed)
		})
	}
}

func digestsUnderFaults(t *testing.T, seed uint64) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrdigest0", Creator: "owner7"})
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrdigest1", Creator: "owner8"})
	h.fake.SetFaults(wecomtest.Faults{Seed: seed, Busy: 0.08, RateLimit: 0.06, Concurrency: 0.04, HTTP500: 0.07, LostReply: 0.05})

	var wg sync.WaitGroup
	for _, name := range []string{"r1", "r2"} {
		s := h.senderWith(name, func(c *bot.SenderConfig) {
			c.MaxAttempts = 0 // retried until delivered: a dead letter is a loss here
			c.MaxAge = time.Hour
			// Failed attempts take pacing slots too; below the client's
			// 30/min, so the burst is not held back a minute.
			c.PerMinute = 28
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Run(ctx)
		}()
	}

	// 10 members offend 5 times each in two groups, while the senders
	// work: 50 warnings, 15 alerts to each owner, 10 notices to HR.
	want := map[string]string{} // ref → key
	t0 := time.Now()
	var mu sync.Mutex
	for j := 0; j < 5; j++ {
		// A wave: the members' messages at once, so that the senders find
		// several alerts for one recipient together and digests form.
		var wave sync.WaitGroup
		for i, u := range users(10) {
			wave.Add(1)
			go func() {
				defer wave.Done()
				id := fmt.Sprintf("x%d-%d", i, j)
				res, err := h.pipeline.Process(ctx, archived(id, u, "wrdigest"+strconv.Itoa(i%2), insult, t0.Add(time.Duration(j)*time.Minute)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, k := range expectedKeys("msg:"+id, res.Step) {
					want[refOf(k)] = k
				}
			}()
		}
		wave.Wait()
		if j%2 == 1 {
			// The senders take a round meanwhile. (Not after every wave:
			// more, smaller messages would exceed the pacing of 28 a
			// minute to an owner and hold the test back a minute.)
			time.Sleep(15 * time.Millisecond)
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		stats, err := h.st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Queued == 0 && stats.Pending == 0 && stats.Delayed == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained: %+v", stats)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()

	if dead, _ := h.st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("%d dead letters, first: %s", len(dead), dead[0].Reason)
	}
	if d := h.fake.Dropped(); len(d) != 0 {
		t.Errorf("%d messages dropped by WeCom's frequency limit", len(d))
	}
	seen := seenRefs(h.fake)
	var lost, dup []string
	for ref, key := range want {
		switch n := seen[ref]; {
		case n == 0:
			lost = append(lost, key)
		case n > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", key, n))
		}
	}
	for ref := range seen {
		if _, ok := want[ref]; !ok {
			t.Errorf("a message shows reference %s of no queued action", ref)
		}
	}
	sort.Strings(lost)
	sort.Strings(dup)
	if len(lost) > 0 || len(dup) > 0 {
		t.Errorf("%d alerts: %d lost %v, %d seen more than once %v", len(want), len(lost), lost, len(dup), dup)
	}
	digests := 0
	for _, m := range h.fake.Sent() {
		if len(refPattern.FindAllString(m.Content, -1)) > 1 {
			digests++
		}
	}
	if digests == 0 {
		t.Errorf("no digest was sent: the test does not exercise combined messages")
	}
	t.Logf("%d alerts in %d messages (%d digests; per recipient %v); %d resends swallowed by the duplicate check",
		len(want), len(h.fake.Sent()), digests, sentTo(h.fake), len(h.fake.Duplicates()))
}
