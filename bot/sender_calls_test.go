package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/outcall/outcalltest"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

// countingCall fails its first fails deliveries with a retryable error
// (failWith when set).
type countingCall struct {
	mu        sync.Mutex
	fails     int
	failWith  error
	delivered []int // the attempt of each Deliver
	failed    []outcall.Failure
	args      []string
}

func (c *countingCall) Deliver(_ context.Context, args json.RawMessage, attempt int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delivered = append(c.delivered, attempt)
	c.args = append(c.args, string(args))
	if len(c.delivered) <= c.fails {
		if c.failWith != nil {
			return c.failWith
		}
		return &wecom.APIError{Code: -1, Msg: "system busy"}
	}
	return nil
}

func (c *countingCall) Failed(_ context.Context, _ json.RawMessage, f outcall.Failure) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = append(c.failed, f)
	return nil
}

func TestSenderMakesQueuedCalls(t *testing.T) {
	if bot.ActWeComCall != outcall.Kind || string(bot.ActHRNotice) != outcall.HRNoticeKind {
		t.Fatalf("outcall's kinds %q, %q differ from the sender's", outcall.Kind, outcall.HRNoticeKind)
	}
	ctx := context.Background()
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "s", AgentID: 1000002})
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	flaky := &countingCall{fails: 2}
	refused := &countingCall{fails: 1 << 30}
	out := outcalltest.New(t, outcalltest.Config{Store: st, API: client, MaxAttempts: 3,
		Calls: map[string]outcall.Handler{"flaky": flaky, "refused": refused}})
	now := time.Now()
	for _, c := range []struct{ call, key string }{{"flaky", "k1"}, {"refused", "k2"}} {
		if added, err := outcall.Enqueue(ctx, st, c.call, c.key, "测试调用 "+c.key, map[string]string{"x": c.key}, now); err != nil || !added {
			t.Fatalf("enqueue %s: %v, %v", c.key, added, err)
		}
	}
	if added, _ := outcall.Enqueue(ctx, st, "flaky", "k1", "", nil, now); added {
		t.Error("a key queued twice")
	}
	out.Drain(t)
	if len(flaky.delivered) != 3 || flaky.delivered[2] != 2 || len(flaky.failed) != 2 || flaky.failed[1].Dead || flaky.failed[1].Retry.IsZero() {
		t.Errorf("flaky call: delivered %v, failed %+v; want two retried failures, then one delivery", flaky.delivered, flaky.failed)
	}
	if flaky.args[0] != `{"x":"k1"}` {
		t.Errorf("args %q", flaky.args[0])
	}
	if len(refused.delivered) != 3 || len(refused.failed) != 3 || !refused.failed[2].Dead || !refused.failed[2].Retry.IsZero() {
		t.Errorf("refused call: delivered %v, failed %+v; want dead at the third try", refused.delivered, refused.failed)
	}
	dead := out.Dead(t)
	reasons := map[string]string{}
	for _, d := range dead {
		reasons[d.Entry.Key] = d.Reason
	}
	if len(dead) != 1 || !strings.Contains(reasons["k2"], "尝试 3 次") {
		t.Errorf("dead letters %+v; want the refused call", reasons)
	}
	// HR reads a dead call in Chinese (发送失败), never its JSON.
	var a bot.Action
	if err := json.Unmarshal(dead[0].Entry.Payload, &a); err != nil {
		t.Fatal(err)
	}
	if bot.ActionKindLabel(a.Kind) != "企业微信接口调用（客户联系）" || bot.ActionRecipient(a) != "企业微信" || !strings.HasPrefix(bot.ActionText(a), "测试调用 k") {
		t.Errorf("dead call reads %q / %q / %q", bot.ActionKindLabel(a.Kind), bot.ActionRecipient(a), bot.ActionText(a))
	}
}

// A call waiting its turn (outcall.ErrBusy) is tried again after a short
// wait at the same attempt: waiting never counts towards MaxAttempts and
// never dead-letters it, and the handler is told of no failure.
func TestBusyCallIsNoFailedAttempt(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	waiting := &countingCall{fails: 5, failWith: fmt.Errorf("waits for intercept/x/001: %w", outcall.ErrBusy)}
	out := outcalltest.New(t, outcalltest.Config{Store: st, API: nopAPI{}, MaxAttempts: 3,
		Calls: map[string]outcall.Handler{"waiting": waiting}})
	if _, err := outcall.Enqueue(ctx, st, "waiting", "w1", "测试调用", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	out.Drain(t)
	if len(waiting.delivered) != 6 || slices.Max(waiting.delivered) != 0 || len(waiting.failed) != 0 {
		t.Errorf("busy call: delivered at attempts %v, failures %+v; want 6 deliveries, all at attempt 0, no failure", waiting.delivered, waiting.failed)
	}
	if dead := out.Dead(t); len(dead) != 0 {
		t.Errorf("a call that only waited was dead-lettered: %s", dead[0].Reason)
	}
}

// nopAPI is a WeCom API the call tests never reach.
type nopAPI struct{ bot.WeComAPI }

// blockingCall holds each delivery until release is closed.
type blockingCall struct {
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func newBlockingCall() *blockingCall {
	return &blockingCall{started: make(chan struct{}, 10), release: make(chan struct{})}
}

func (b *blockingCall) Deliver(ctx context.Context, _ json.RawMessage, _ int) error {
	b.mu.Lock()
	b.n++
	b.mu.Unlock()
	b.started <- struct{}{}
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *blockingCall) Failed(context.Context, json.RawMessage, outcall.Failure) error { return nil }

func (b *blockingCall) deliveries() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// A slow WeCom call holds up neither its round's alerts nor the next
// rounds', and while it is in progress its entry stays with its replica:
// another replica's rounds, long past ClaimIdle, do not make it again.
func TestSlowCallHoldsUpNoAlertAndIsMadeOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	slow, other := newBlockingCall(), &countingCall{}
	r1 := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Calls = map[string]outcall.Handler{"slow": slow}
		c.ClaimIdle = 150 * time.Millisecond
	})
	r2 := h.senderWith("r2", func(c *bot.SenderConfig) {
		c.Calls = map[string]outcall.Handler{"slow": other}
		c.ClaimIdle = 150 * time.Millisecond
	})
	if _, err := outcall.Enqueue(ctx, h.st, "slow", "slow/1", "测试调用", nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pipeline.Process(ctx, archived("m1", "zhangsan", "wrwork1", insult, time.Now())); err != nil {
		t.Fatal(err)
	}
	round := func(s *bot.Sender) {
		t.Helper()
		done := make(chan error, 1)
		go func() { _, err := s.Round(ctx); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round: %v", err)
			}
		case <-time.After(3 * time.Second):
			close(slow.release)
			t.Fatal("a round waited for a slow call")
		}
	}
	round(r1)
	<-slow.started
	if got := sentTo(h.fake)["zhangsan"]; got != 1 {
		t.Fatalf("warnings delivered while the call is slow: %d, want 1", got)
	}
	// A later alert goes out while the call still hangs.
	if _, err := h.pipeline.Process(ctx, archived("m2", "lisi", "wrwork1", insult, time.Now())); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(800 * time.Millisecond); time.Now().Before(end); {
		round(r1)
		round(r2)
		time.Sleep(20 * time.Millisecond)
	}
	if got := sentTo(h.fake)["lisi"]; got != 1 {
		t.Errorf("the next round's warning: %d delivered, want 1", got)
	}
	close(slow.release)
	r1.WaitCalls()
	r2.WaitCalls()
	if n := slow.deliveries() + len(other.delivered); n != 1 {
		t.Errorf("the slow call was made %d times (r1 %d, r2 %d), want once", n, slow.deliveries(), len(other.delivered))
	}
	h.drain(ctx, nil, r1, r2)
}

// During a rolling deploy a replica without a call's handler puts the call
// back for another replica instead of dead-lettering it; only a call no
// replica took for UnhandledFor is given up.
func TestUnhandledCallWaitsForAnotherReplica(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	newer := &countingCall{}
	old := h.senderWith("old", func(c *bot.SenderConfig) { c.Now = clock })
	upgraded := h.senderWith("new", func(c *bot.SenderConfig) {
		c.Now = clock
		c.Calls = map[string]outcall.Handler{"intercept": newer}
	})
	if _, err := outcall.Enqueue(ctx, h.st, "intercept", "ic/1", "测试调用", nil, clock()); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Round(ctx); err != nil {
		t.Fatal(err)
	}
	old.WaitCalls()
	if d, err := h.st.DeadLetters(ctx, 10); err != nil || len(d) != 0 {
		t.Fatalf("dead letters %+v, %v; want the call put back, not given up", d, err)
	}
	if st, _ := h.st.OutboxStats(ctx); st.Delayed != 1 {
		t.Fatalf("outbox %+v; want the call waiting in the delayed set", st)
	}
	advance(31 * time.Second)
	if _, err := upgraded.Round(ctx); err != nil {
		t.Fatal(err)
	}
	upgraded.WaitCalls()
	if len(newer.delivered) != 1 || newer.delivered[0] != 0 {
		t.Errorf("the upgraded replica made the call at attempts %v, want once at attempt 0", newer.delivered)
	}
	// So is an action of a kind this release does not know (a newer
	// replica queued it).
	if _, err := h.st.Enqueue(ctx, "fk/1", []byte(`{"kind":"future_kind","key":"fk/1","content":"新功能"}`), clock()); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := h.st.DeadLetters(ctx, 10); err != nil || len(d) != 0 {
		t.Fatalf("dead letters %+v, %v; want the unknown kind put back, not given up", d, err)
	}
	if st, _ := h.st.OutboxStats(ctx); st.Delayed != 1 {
		t.Fatalf("outbox %+v; want the unknown kind waiting in the delayed set", st)
	}
	advance(61 * time.Minute)
	if _, err := old.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := h.st.DeadLetters(ctx, 10); err != nil || len(d) != 1 || d[0].Entry.Key != "fk/1" {
		t.Fatalf("dead letters %+v, %v; want the unknown kind given up after an hour", d, err)
	}
	// A call nobody handled for an hour is given up, with a reason.
	if _, err := outcall.Enqueue(ctx, h.st, "nobody", "nb/1", "测试调用", nil, clock().Add(-61*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Round(ctx); err != nil {
		t.Fatal(err)
	}
	old.WaitCalls()
	d, err := h.st.DeadLetters(ctx, 10)
	if err != nil || len(d) != 2 || d[0].Entry.Key != "nb/1" || !strings.Contains(d[0].Reason, "「新版本的企业微信接口调用」") || strings.Contains(d[0].Reason, "nobody") {
		t.Fatalf("dead letters %+v, %v; want nb/1 given up after an hour", d, err)
	}
}

// At most CallWorkers calls are in progress on a replica; the calls read
// meanwhile go back to the queue at their attempt and are made later.
func TestCallWorkersBoundTheCallsInProgress(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	slow := newBlockingCall()
	s := h.senderWith("r1", func(c *bot.SenderConfig) {
		c.Calls = map[string]outcall.Handler{"slow": slow}
		c.CallWorkers = 2
		c.BusyWait = 20 * time.Millisecond
	})
	for i := range 5 {
		if _, err := outcall.Enqueue(ctx, h.st, "slow", fmt.Sprintf("slow/%d", i), "测试调用", nil, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Round(ctx); err != nil {
		t.Fatal(err)
	}
	<-slow.started
	<-slow.started
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
		if _, err := s.Round(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := slow.deliveries(); n != 2 {
		t.Errorf("%d calls in progress, want CallWorkers (2)", n)
	}
	st, err := h.st.OutboxStats(ctx)
	// Queued counts the stream, the calls in progress (pending) included.
	if err != nil || st.Pending != 2 || st.Delayed+st.Queued-st.Pending != 3 {
		t.Errorf("outbox %+v, %v; want 2 calls in progress and 3 waiting", st, err)
	}
	close(slow.release)
	h.drain(ctx, nil, s)
	s.WaitCalls()
	if n := slow.deliveries(); n != 5 {
		t.Errorf("%d calls made, want 5", n)
	}
	if d, _ := h.st.DeadLetters(ctx, 10); len(d) != 0 {
		t.Errorf("%d dead letters, want none", len(d))
	}
}
