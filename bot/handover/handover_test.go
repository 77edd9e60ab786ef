package handover_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/handover"
	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/outcall/outcalltest"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

type env struct {
	t    *testing.T
	fake *wecomtest.Server
	svc  *handover.Service
	out  *outcalltest.Sender
	st   *store.Store
	now  time.Time
	mu   sync.Mutex
}

// notes are HR's reminders the fake WeCom received.
func (e *env) notes() []string {
	var out []string
	for _, m := range e.fake.Sent() {
		if strings.Contains(m.Content, "离职继承提醒") {
			out = append(out, m.Content)
		}
	}
	return out
}

func newEnv(t *testing.T, defaults map[int64]string) *env {
	t.Helper()
	e := &env{t: t, now: time.Date(2026, 12, 1, 6, 5, 0, 0, time.UTC)}
	clock := func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
	e.fake = wecomtest.New(wecomtest.Config{CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Now: clock})
	t.Cleanup(e.fake.Close)
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.New(t)
	e.svc, err = handover.New(handover.Config{Client: c, Store: st, Logger: zerolog.Nop(), Defaults: defaults, Now: clock, Remind: true})
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	e.out = outcalltest.New(t, outcalltest.Config{Store: st, API: c, Now: clock, Calls: map[string]outcall.Handler{handover.CallName: e.svc.Handler()}})
	return e
}

func (e *env) advance(d time.Duration) { e.mu.Lock(); e.now = e.now.Add(d); e.mu.Unlock() }

func states(t *testing.T, e *env, leaver string) map[string]string {
	t.Helper()
	h, err := e.svc.Get(context.Background(), leaver)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range h.Items {
		out[it.ID] = it.State
	}
	return out
}

func want(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// work runs a round of the worker, then of the sender, which makes the
// transfers and sends the reminders it queued (what is due on the test's
// clock), then a round of the worker again (so a transfer's outcome is
// polled, as the next round would).
func work(t *testing.T, e *env) {
	t.Helper()
	if err := e.svc.Work(context.Background()); err != nil {
		t.Fatalf("Work: %v", err)
	}
	e.out.Round(t)
}

// assignToZhaoliu makes lisi a leaver with the given customers, as WeCom
// lists them, and has HR (hr1) hand them all to zhaoliu.
func assignToZhaoliu(t *testing.T, e *env, customers ...string) {
	t.Helper()
	ctx := context.Background()
	e.fake.SetLeaver("lisi", e.now, customers...)
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestHandoverEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.fake.SetLeaver("lisi", e.now.Add(-time.Hour), "wmA", "wmB", "wmC")
	e.fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG1", Name: "华东客户群", Owner: "lisi"})
	e.fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG2", Name: "别人的群", Owner: "wangwu"})
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "unassigned", "wmB": "unassigned", "wmC": "unassigned", "wrG1": "unassigned"})
	if s := states(t, e, "lisi"); len(s) != 4 {
		t.Errorf("items %v; want 3 customers and wrG1 only", s)
	}
	if _, _, err := e.svc.Assign(ctx, "lisi", "lisi", "hr1", nil, nil); !errors.Is(err, handover.ErrInvalid) {
		t.Errorf("the leaver as successor: %v", err)
	}
	if _, _, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", []string{"wmZ"}, nil); !errors.Is(err, handover.ErrInvalid) {
		t.Errorf("an unknown customer: %v", err)
	}
	_, n, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", nil, nil)
	if err != nil || n != 4 {
		t.Fatalf("Assign = %d, %v; want 4 queued", n, err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting", "wmB": "waiting", "wmC": "waiting", "wrG1": "taken"})
	if owner, _, _ := e.fake.Transfer("lisi", "wmA"); owner != "zhaoliu" {
		t.Errorf("WeCom's transfer of wmA goes to %q", owner)
	}
	// Assigning and working again transfers nothing twice.
	if _, n, _ := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", nil, nil); n != 0 {
		t.Errorf("a second Assign queued %d items", n)
	}
	work(t, e)
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 1 {
		t.Errorf("%d transfer calls; want 1", n)
	}
	if n := e.fake.Calls(wecomtest.APIGroupChatTransfer); n != 1 {
		t.Errorf("%d group transfer calls; want 1", n)
	}
	audit, err := e.st.AuditLog(ctx, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var audited []string
	for _, a := range audit {
		audited = append(audited, a.Action+" "+a.Target+" "+string(a.After))
	}
	customerCall := regexp.MustCompile(`handover\.transfer lisi \{"takeover":"zhaoliu","call":"handover/lisi/customer/1-[0-9a-f]{12}","items":3,"waiting":3\}`)
	if len(audit) != 2 || !customerCall.MatchString(strings.Join(audited, "\n")) {
		t.Errorf("audit log %q; want each transfer once", audited)
	}

	e.fake.DecideTransfer("lisi", "wmA", true)
	e.fake.DecideTransfer("lisi", "wmB", false)
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "taken", "wmB": "refused", "wmC": "waiting"})
	if len(e.notes()) != 1 || !strings.Contains(e.notes()[0], "拒绝接替的客户 1 位") || !strings.Contains(e.notes()[0], "2026-12-01 13:05") {
		t.Errorf("reminders %q; want one naming the refusal, with the local time the member left", e.notes())
	}
	// After WeCom's 24 h the waiting customer is taken over by default.
	e.advance(handover.AcceptWindow)
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmC": "taken"})
	if len(e.notes()) != 2 {
		t.Errorf("%d reminders; want a second one a day later for wmB", len(e.notes()))
	}
	// HR gives the refusing customer to someone else.
	if _, n, err := e.svc.Assign(ctx, "lisi", "wangwu", "hr1", []string{"wmB"}, nil); err != nil || n != 1 {
		t.Fatalf("re-assign wmB: %d, %v", n, err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmB": "waiting"})
	e.fake.DecideTransfer("lisi", "wmB", true)
	work(t, e)
	h, _ := e.svc.Get(ctx, "lisi")
	if h.Open() {
		t.Errorf("handover still open: %v", states(t, e, "lisi"))
	}
	if open, _ := e.svc.List(ctx); len(open) != 0 {
		t.Errorf("List = %d open handovers, want none", len(open))
	}
}

// TestHandoverLostReplyNoDoubleTransfer: WeCom took the transfer but the
// answer was lost; the retry finds the customer in transfer (40100) and
// waits for it rather than failing or transferring again.
func TestHandoverLostReplyNoDoubleTransfer(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	assignToZhaoliu(t, e, "wmA")
	e.fake.SetFaults(wecomtest.Faults{LostReply: 1, APIs: []string{wecomtest.APIResignedTransfer}})
	work(t, e)
	// The outbox retries it: the item stays sending under its call.
	h, _ := e.svc.Get(ctx, "lisi")
	if it := h.Items["customer:wmA"]; it.State != handover.StateSending || it.Attempts != 1 || it.NextTry.IsZero() || it.Call == "" {
		t.Errorf("after the lost reply: %+v", it)
	}
	e.fake.SetFaults(wecomtest.Faults{})
	work(t, e) // before the backoff: nothing sent
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 1 {
		t.Errorf("%d calls before the backoff ended; want 1", n)
	}
	e.advance(time.Minute)
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting"})
	if _, st, _ := e.fake.Transfer("lisi", "wmA"); st != wecomtest.TransferWaiting {
		t.Errorf("WeCom's transfer status %d", st)
	}
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 2 {
		t.Errorf("%d transfer calls; want the lost one and its retry", n)
	}
}

// TestHandoverRetriedThroughTheOutbox: WeCom is busy three times; the
// outbox retries the transfer with backoff, and the customer is
// transferred exactly once.
func TestHandoverRetriedThroughTheOutbox(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	assignToZhaoliu(t, e, "wmA", "wmB")
	e.fake.SetFaults(wecomtest.Faults{Busy: 1, Times: 3, APIs: []string{wecomtest.APIResignedTransfer}})
	for range 4 {
		work(t, e)
		e.advance(time.Second) // past the test sender's backoff
	}
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting", "wmB": "waiting"})
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 4 {
		t.Errorf("%d transfer requests; want 3 refused and 1 made", n)
	}
	for range 3 { // more rounds send nothing
		work(t, e)
		e.advance(time.Second)
	}
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 4 {
		t.Errorf("%d transfer requests after more rounds; want 4", n)
	}
	if d := e.out.Dead(t); len(d) != 0 {
		t.Errorf("dead letters %+v", d)
	}
	h, _ := e.svc.Get(ctx, "lisi")
	if it := h.Items["customer:wmA"]; it.Call != "" || it.Attempts != 0 || it.ErrCode != 0 {
		t.Errorf("item %+v; want the call settled", it)
	}
}

// TestHandoverDeadLetterShowsReason: WeCom refuses the whole transfer for
// good; the entry is dead-lettered and each customer shows the errcode
// and the reason in Chinese.
func TestHandoverDeadLetterShowsReason(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	assignToZhaoliu(t, e, "wmA")
	e.fake.SetFaults(wecomtest.Faults{Refused: 1, Errcode: 40097, APIs: []string{wecomtest.APIResignedTransfer}})
	work(t, e)
	dead := e.out.Dead(t)
	if len(dead) != 1 || !strings.Contains(dead[0].Reason, "40097") {
		t.Fatalf("dead letters %+v; want the transfer, refused with 40097", dead)
	}
	h, _ := e.svc.Get(ctx, "lisi")
	if it := h.Items["customer:wmA"]; it.State != handover.StateFailed || it.ErrCode != 40097 || !strings.Contains(it.Reason, "在职继承") {
		t.Errorf("item %+v; want failed with 40097 and its reason", it)
	}
	// An operator retries the dead letter once WeCom accepts: sent again.
	e.fake.SetFaults(wecomtest.Faults{})
	if ok, err := e.st.RetryDeadLetter(ctx, dead[0].ID); err != nil || !ok {
		t.Fatalf("retry the dead letter: %v, %v", ok, err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting"})
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 2 {
		t.Errorf("%d transfer requests; want the refused one and the retried one", n)
	}
}

// TestHandoverReassignAfterAGivenUpCall: HR assigns a failed customer
// again; the given-up call, retried later from the dead letters, sends
// nothing twice.
func TestHandoverReassignAfterAGivenUpCall(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	assignToZhaoliu(t, e, "wmA")
	e.fake.SetFaults(wecomtest.Faults{Refused: 1, Errcode: 40097, APIs: []string{wecomtest.APIResignedTransfer}})
	work(t, e)
	e.fake.SetFaults(wecomtest.Faults{})
	if _, n, err := e.svc.Assign(ctx, "lisi", "wangwu", "hr1", nil, nil); err != nil || n != 1 {
		t.Fatalf("re-assign: %d, %v", n, err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting"})
	dead := e.out.Dead(t)
	if len(dead) != 1 {
		t.Fatalf("dead letters %+v", dead)
	}
	if ok, err := e.st.RetryDeadLetter(ctx, dead[0].ID); err != nil || !ok {
		t.Fatal(err)
	}
	work(t, e)
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 2 {
		t.Errorf("%d transfer requests; want the refused one and HR's new one only", n)
	}
	if owner, _, _ := e.fake.Transfer("lisi", "wmA"); owner != "wangwu" {
		t.Errorf("transferred to %q; want HR's new choice", owner)
	}
}

func TestHandoverFailuresHaveReasons(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.fake.SetLeaver("lisi", e.now, "wmA")
	e.fake.SetLeaver("wangwu", e.now, "wmB")
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// A successor who left too is refused by WeCom for every customer.
	if _, _, err := e.svc.Assign(ctx, "lisi", "wangwu", "hr1", nil, nil); err != nil {
		t.Fatal(err)
	}
	work(t, e)
	h, _ := e.svc.Get(ctx, "lisi")
	it := h.Items["customer:wmA"]
	if it.State != handover.StateFailed || it.ErrCode != wecomtest.CodeUserNotFound || !strings.Contains(it.Reason, "接替成员不存在或已离职") {
		t.Errorf("item %+v; want failed with the reason in Chinese", it)
	}
}

func TestHandoverDefaultSuccessor(t *testing.T) {
	e := newEnv(t, map[int64]string{2: "manager"})
	ctx := context.Background()
	if err := e.svc.NoteLeaver(ctx, "lisi", []int64{5, 2}); err != nil {
		t.Fatal(err)
	}
	e.fake.SetLeaver("lisi", e.now, "wmA")
	e.fake.SetGroupChat(wecomtest.GroupChat{ChatID: "wrG1", Owner: "lisi"})
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting", "wrG1": "taken"})
	if owner, _, _ := e.fake.Transfer("lisi", "wmA"); owner != "manager" {
		t.Errorf("successor %q, want the department's default", owner)
	}
	h, _ := e.svc.Get(ctx, "lisi")
	if h.ChosenBy != "default" || h.Takeover != "manager" {
		t.Errorf("chosen by %q: %q", h.ChosenBy, h.Takeover)
	}
}

// TestHandoverBatches: 250 customers go in calls of at most 100.
func TestHandoverBatches(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var custs []string
	for i := range 250 {
		custs = append(custs, fmt.Sprintf("wm%04d", i))
	}
	e.fake.SetLeaver("lisi", e.now, custs...)
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, n, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", nil, nil); err != nil || n != 250 {
		t.Fatalf("Assign = %d, %v", n, err)
	}
	work(t, e)
	if n := e.fake.Calls(wecomtest.APIResignedTransfer); n != 3 {
		t.Errorf("%d transfer calls for 250 customers; want 3", n)
	}
	for id, st := range states(t, e, "lisi") {
		if st != handover.StateWaiting {
			t.Fatalf("%s: %s, want waiting", id, st)
		}
	}
}

// TestHandoverGivenUpWithoutErrcodeReadsInChinese: when the outbox gives
// up on a transfer WeCom never answered with an errcode (HTTP 500s), the
// customer's reason, shown to HR on the 离职继承 page, is a Chinese
// sentence, not the Go error (English, with WeCom's URL).
func TestHandoverGivenUpWithoutErrcodeReadsInChinese(t *testing.T) {
	e := newEnv(t, nil)
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}, Now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.out = outcalltest.New(t, outcalltest.Config{Store: e.st, API: c, MaxAttempts: 2, Now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now },
		Calls: map[string]outcall.Handler{handover.CallName: e.svc.Handler()}})
	ctx := context.Background()
	assignToZhaoliu(t, e, "wmA")
	e.fake.SetFaults(wecomtest.Faults{HTTP500: 1, APIs: []string{wecomtest.APIResignedTransfer}})
	for range 3 {
		work(t, e)
		e.advance(time.Second)
	}
	if d := e.out.Dead(t); len(d) != 1 {
		t.Fatalf("dead letters %+v; want the transfer given up", d)
	}
	h, _ := e.svc.Get(ctx, "lisi")
	it := h.Items["customer:wmA"]
	if it.State != handover.StateFailed || it.Reason == "" {
		t.Fatalf("item %+v; want failed with a reason", it)
	}
	for _, r := range it.Reason {
		if r < 0x80 && r != ' ' {
			t.Errorf("reason %q carries ASCII (an error's text, a URL); want a Chinese sentence", it.Reason)
			break
		}
	}
}

// TestHandoverAfterLostDocumentQueuesItsTransfer: a leaver's handover is
// lost (a Redis restored without it) while the outbox keeps the marks of
// the transfer keys queued before; the handover made again from WeCom
// queues its transfer under a key that does not collide with them, and
// the customers are handed over.
func TestHandoverAfterLostDocumentQueuesItsTransfer(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.fake.SetLeaver("lisi", e.now.Add(-time.Hour), "wmA", "wmB")
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", []string{"wmA"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Work(ctx); err != nil { // queued, not yet made
		t.Fatal(err)
	}
	if err := e.st.UpdateHandover(ctx, "lisi", func([]byte) ([]byte, bool, error) {
		return []byte(`{"leaver":"lisi"}`), false, nil
	}); err != nil {
		t.Fatal(err)
	}
	e.out.Drain(t) // the lost handover's call finds nothing of its own to send
	if err := e.svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Assign(ctx, "lisi", "zhaoliu", "hr1", []string{"wmA"}, nil); err != nil {
		t.Fatal(err)
	}
	work(t, e)
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting", "wmB": "unassigned"})
	if owner, _, _ := e.fake.Transfer("lisi", "wmA"); owner != "zhaoliu" {
		t.Errorf("WeCom's transfer of wmA goes to %q, want zhaoliu", owner)
	}
}

// together holds each transfer until n deliveries have reached it, so that
// they call WeCom at once, as two replicas delivering one entry would.
type together struct {
	handover.Client
	arrived sync.WaitGroup
}

func (c *together) TransferResigned(ctx context.Context, leaver, takeover string, ids []string) ([]wecom.TransferResult, error) {
	c.arrived.Done()
	c.arrived.Wait()
	return c.Client.TransferResigned(ctx, leaver, takeover, ids)
}

// TestHandoverConcurrentDeliveriesTransferOnce: two deliveries of one
// transfer call at once (a slow replica's call taken over by another) hand
// each customer over once, and the audit log records the transfer once.
func TestHandoverConcurrentDeliveriesTransferOnce(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	clock := func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }
	c, err := wecom.NewClient(wecom.ClientConfig{BaseURL: e.fake.URL(), CorpID: "wwcorp", Secret: "s", AgentID: 1000002, Tokens: &wecom.MemoryTokenStore{}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	both := &together{Client: c}
	both.arrived.Add(2)
	svc, err := handover.New(handover.Config{Client: both, Store: e.st, Logger: zerolog.Nop(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.fake.SetLeaver("lisi", e.now.Add(-time.Hour), "wmA", "wmB")
	if err := svc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Assign(ctx, "lisi", "zhaoliu", "hr1", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.Work(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := e.st.ReadOutbox(ctx, "probe", 10, 0)
	if err != nil || len(entries) != 1 {
		t.Fatalf("outbox %d entries, %v; want the one transfer", len(entries), err)
	}
	var env outcall.Envelope
	if err := json.Unmarshal(entries[0].Payload, &env); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- svc.Handler().Deliver(ctx, env.Args, 0) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("delivery: %v", err)
		}
	}
	want(t, states(t, e, "lisi"), map[string]string{"wmA": "waiting", "wmB": "waiting"})
	for _, id := range []string{"wmA", "wmB"} {
		if owner, _, _ := e.fake.Transfer("lisi", id); owner != "zhaoliu" {
			t.Errorf("WeCom's transfer of %s goes to %q, want zhaoliu", id, owner)
		}
	}
	audit, err := e.st.AuditLog(ctx, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var transfers []string
	for _, a := range audit {
		if a.Action == "handover.transfer" {
			transfers = append(transfers, string(a.After))
		}
	}
	if len(transfers) != 1 || !strings.Contains(transfers[0], `"items":2`) {
		t.Errorf("audited transfers %q; want one, of both customers", transfers)
	}
}
