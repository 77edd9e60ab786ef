package bot_test

import (
	"context"
	"encoding/json"
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

// countingCall fails its first fails deliveries with a retryable error.
type countingCall struct {
	mu        sync.Mutex
	fails     int
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
	for _, c := range []struct{ call, key string }{{"flaky", "k1"}, {"refused", "k2"}, {"nobody", "k3"}} {
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
	if len(dead) != 2 || !strings.Contains(reasons["k2"], "尝试 3 次") || !strings.Contains(reasons["k3"], "nobody") {
		t.Errorf("dead letters %+v; want the refused call and the one without a handler", reasons)
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
