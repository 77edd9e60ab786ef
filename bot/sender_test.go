package bot_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

const insult = "你真是个傻逼"

func TestLadderWarnThenOwnerThenHR(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrwork1", Creator: "owner1"})
	ctx := context.Background()
	s := h.sender("r1", nil)
	t0 := time.Now()
	var steps []string
	for i := 0; i < 5; i++ {
		res, err := h.pipeline.Process(ctx, archived(strconv.Itoa(i), "zhangsan", "wrwork1", insult, t0.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, res.Step.Action)
	}
	want := []string{"warn", "warn", "alert_owner", "alert_owner", "escalate_hr"}
	if strings.Join(steps, ",") != strings.Join(want, ",") {
		t.Fatalf("ladder steps %v, want %v", steps, want)
	}
	h.drain(ctx, nil, s)
	got := sentTo(h.fake)
	// Five warnings to the sender, sent as they came or joined in digests;
	// two owner alerts, maybe one digest; one HR notice.
	if got["zhangsan"] < 1 || got["owner1"] < 1 || got["hr1"] != 1 {
		t.Fatalf("delivered per recipient %v, want the sender, owner1 and hr1", got)
	}
	var warnings, ownerAlerts int
	for _, m := range h.fake.Sent() {
		warnings += strings.Count(m.Content, "【企业微信使用规范提醒】")
		if len(m.ToUser) == 1 && m.ToUser[0] == "owner1" {
			ownerAlerts += strings.Count(m.Content, "24小时") // once in an alert, once a line in a digest
		}
		if strings.Contains(m.Content, "傻逼") {
			t.Errorf("unmasked evidence sent: %q", m.Content)
		}
	}
	if warnings != 5 {
		t.Errorf("%d warnings delivered, want 5", warnings)
	}
	if ownerAlerts != 3 {
		t.Errorf("owner alerts %d, want 3 (the 3rd, 4th and 5th violation)", ownerAlerts)
	}
	cases, err := h.st.OpenCases(ctx)
	if err != nil || len(cases) != 1 {
		t.Fatalf("open cases %v, %v; want 1", cases, err)
	}
	c, _, _ := h.st.Case(ctx, cases[0])
	if c.User != "zhangsan" || c.Suggested != bot.SanctionSuspend || c.Category != "abuse" {
		t.Errorf("case %+v, want zhangsan/abuse with 停用账号 suggested at the 5th violation", c)
	}
}

func TestRetriedMessageCountsOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	m := archived("same", "lisi", "wrwork1", insult, time.Now())
	for i := 0; i < 3; i++ {
		res, err := h.pipeline.Process(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if (i > 0) != res.Duplicate {
			t.Fatalf("delivery %d: duplicate=%v", i+1, res.Duplicate)
		}
	}
	next, err := h.pipeline.Process(ctx, archived("next", "lisi", "wrwork1", insult, time.Now()))
	if err != nil || next.Step.Action != "warn" {
		t.Fatalf("second distinct violation: %+v, %v; want a warning (count 2)", next.Step, err)
	}
}

// TestFaultsEveryAlertExactlyOnce: 30% of WeCom's answers fail (busy,
// frequency limit, concurrency limit, HTTP 500, and replies lost after
// delivery); every warning still arrives, once.
func TestFaultsEveryAlertExactlyOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetFaults(wecomtest.Faults{Seed: 7, Busy: 0.08, RateLimit: 0.06, Concurrency: 0.04, HTTP500: 0.07, LostReply: 0.05})
	us := users(40)
	for i, u := range us {
		if _, err := h.pipeline.Process(ctx, archived("f"+strconv.Itoa(i), u, "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, h.sender("r1", nil), h.sender("r2", nil))
	got := sentTo(h.fake)
	for _, u := range us {
		if got[u] != 1 {
			t.Errorf("%s received %d warnings, want exactly 1", u, got[u])
		}
	}
	if d := h.fake.Dropped(); len(d) != 0 {
		t.Errorf("%d messages silently dropped by WeCom's frequency limit", len(d))
	}
	if dead, _ := h.st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Errorf("dead letters: %+v", dead)
	}
}

// TestReplicaDiesMidDelivery: replica A takes the entries and dies before
// acknowledging them (its round is cancelled while WeCom is slow); replica
// B takes them over once they have been idle, and delivers each once.
func TestReplicaDiesMidDelivery(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	us := users(6)
	for i, u := range us {
		if _, err := h.pipeline.Process(ctx, archived("d"+strconv.Itoa(i), u, "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	a, b := h.sender("replica-a", nil), h.sender("replica-b", nil)
	h.fake.SetFaults(wecomtest.Faults{Latency: 2 * time.Second})
	actx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	n, _ := a.Round(actx) // dies mid-delivery: its context ends during a send
	cancel()
	if n == 0 {
		t.Fatal("replica A took no entries")
	}
	stats, _ := h.st.OutboxStats(ctx)
	if stats.Pending+stats.Delayed == 0 {
		// Pending: read, not yet sealed; delayed: sealed, under its lease.
		t.Fatalf("nothing left held by the dead replica: %+v", stats)
	}
	h.fake.SetFaults(wecomtest.Faults{})
	h.drain(ctx, nil, b)
	got := sentTo(h.fake)
	for _, u := range us {
		if got[u] != 1 {
			t.Errorf("%s received %d warnings, want exactly 1", u, got[u])
		}
	}
}

func TestTokenExpiryMidRun(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	s := h.sender("r1", nil)
	us := users(6)
	for i, u := range us[:3] {
		if _, err := h.pipeline.Process(ctx, archived("t"+strconv.Itoa(i), u, "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, s)
	h.fake.ExpireTokens()
	for i, u := range us[3:] {
		if _, err := h.pipeline.Process(ctx, archived("t"+strconv.Itoa(i+3), u, "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	h.drain(ctx, nil, s)
	got := sentTo(h.fake)
	for _, u := range us {
		if got[u] != 1 {
			t.Errorf("%s received %d, want 1", u, got[u])
		}
	}
	if n := h.fake.Calls(wecomtest.APIGetToken); n != 2 {
		t.Errorf("gettoken called %d times, want 2 (first token, then one refresh after expiry)", n)
	}
}

func TestBurstToOneOwnerBecomesDigest(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrbig", Creator: "owner9"})
	// 40 members each offend three times in one group: 40 owner alerts for
	// one owner at once, more than WeCom's 30/min would deliver.
	for i, u := range users(40) {
		for j := 0; j < 3; j++ {
			id := strconv.Itoa(i*3 + j)
			if _, err := h.pipeline.Process(ctx, archived("b"+id, u, "wrbig", insult, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	var toOwner, alerts int
	for _, m := range h.fake.Sent() {
		if len(m.ToUser) == 1 && m.ToUser[0] == "owner9" {
			toOwner++
			alerts += strings.Count(m.Content, "24小时") // once in an alert, once a line in a digest
		}
	}
	if dead, _ := h.st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("dead letters: %+v", dead)
	}
	if toOwner == 0 || toOwner > 8 {
		t.Fatalf("owner got %d messages, want the 40 alerts grouped into a few digests", toOwner)
	}
	if alerts != 40 {
		t.Fatalf("the owner's messages hold %d alerts, want all 40", alerts)
	}
	if len(h.fake.Dropped()) != 0 {
		t.Fatalf("WeCom dropped %d messages", len(h.fake.Dropped()))
	}
}

// TestRedisRestartLosesNothing runs its own redis-server with AOF in a temp
// dir, queues alerts, kills and restarts the server, and delivers them all.
func TestRedisRestartLosesNothing(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (CI installs it)")
	}
	dir := t.TempDir()
	port := freePort(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--appendonly", "yes", "--appendfsync", "always", "--save", "")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	url := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	open := func() *store.Store {
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, err := store.Open(context.Background(), store.Options{URL: url, Prefix: "wgtest:restart:"})
			if err == nil {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("redis did not come up: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	srv := start()
	st := open()
	h := newHarness(t, st)
	ctx := context.Background()
	us := users(10)
	for i, u := range us {
		if _, err := h.pipeline.Process(ctx, archived("r"+strconv.Itoa(i), u, "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := srv.Process.Kill(); err != nil { // no clean shutdown: a crash
		t.Fatal(err)
	}
	_ = srv.Wait()
	srv = start()
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	st2 := open()
	defer st2.Close()
	h.drain(ctx, st2, h.sender("after-restart", st2))
	got := sentTo(h.fake)
	for _, u := range us {
		if got[u] != 1 {
			t.Errorf("%s received %d warnings after the restart, want 1", u, got[u])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "appendonlydir")); err != nil {
		t.Logf("AOF directory: %v", err)
	}
}

func TestPermanentErrorDeadLetters(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	engine := defaultEngine(t)
	// A pipeline whose HR notice can never be delivered: no HR configured
	// in the sender, so the recipient is permanently missing.
	p, _ := bot.New(bot.Config{Store: h.st, Checker: func() bot.Checker { return engine }})
	if _, err := p.Process(ctx, bot.Message{ID: "msg:pd", Source: bot.SourceArchive, From: "u1", ChatID: "wrx",
		ChatKind: rules.ChatWork, Text: "客户身份证 11010519491231002X", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s, err := bot.NewSender(bot.SenderConfig{Store: h.st, API: mustClient(t, h), Consumer: "r1", BaseBackoff: time.Millisecond, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, s)
	dead, err := h.st.DeadLetters(ctx, 10)
	if err != nil || len(dead) == 0 {
		t.Fatalf("dead letters %v, %v; want the undeliverable HR notice", dead, err)
	}
	if !strings.Contains(dead[0].Reason, "HR") {
		t.Errorf("dead letter reason %q does not say why", dead[0].Reason)
	}
}

func TestGroupNoticeThroughRobot(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrpublic", Creator: "owner2"})
	h.fake.AddWebhook("robot-key-1")
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: h.st, Checker: func() bot.Checker { return engine },
		GroupNotices: map[string]bool{"wrpublic": true}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := p.Process(ctx, archived("g"+strconv.Itoa(i), "zhaoliu", "wrpublic", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	// The key is the sender's, never in the queued actions.
	pending, _ := h.st.ReadOutbox(ctx, "peek", 100, 0)
	for _, e := range pending {
		if strings.Contains(string(e.Payload), "robot-key-1") {
			t.Fatalf("a queued action holds the robot key: %s", e.Payload)
		}
	}
	if _, err := h.st.ClaimStale(ctx, "r1", 0, 100); err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, h.senderWith("r1", func(c *bot.SenderConfig) { c.Robots = map[string]string{"wrpublic": "robot-key-1"} }))
	var notices []wecomtest.Sent
	for _, m := range h.fake.Sent() {
		if m.API == wecomtest.APIWebhookSend {
			notices = append(notices, m)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0].Content, "zhaoliu") || strings.Contains(notices[0].Content, "傻逼") {
		t.Fatalf("group notices %+v, want one masked notice at the 3rd violation", notices)
	}
}

// TestIdenticalWarningsBothArrive: the same offence twice, delivered in
// separate rounds, gives two warnings — WeCom's duplicate check must not
// take the second for a resend of the first.
func TestIdenticalWarningsBothArrive(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	s := h.sender("r1", nil)
	for i := 0; i < 2; i++ {
		if _, err := h.pipeline.Process(ctx, archived("same-text-"+strconv.Itoa(i), "qianba", "wrwork1", insult, time.Now())); err != nil {
			t.Fatal(err)
		}
		h.drain(ctx, nil, s)
	}
	if got := sentTo(h.fake)["qianba"]; got != 2 {
		t.Fatalf("qianba received %d warnings, want 2 (duplicates suppressed by WeCom: %d)", got, len(h.fake.Duplicates()))
	}
}

// TestHugeMessageStillAlerts: a message pasting 200 customer phone numbers
// gives alerts that fit WeCom's limit; nothing is dead-lettered.
func TestHugeMessageStillAlerts(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "客户%d 139%08d\n", i, 10000000+i*7919)
	}
	if _, err := h.pipeline.Process(ctx, archived("list", "zhoujiu", "wrwork1", b.String(), time.Now())); err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	if dead, _ := h.st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("dead letters: %d, first: %s", len(dead), dead[0].Reason)
	}
	got := sentTo(h.fake)
	// The owner alert goes to HR too: the fake knows no owner of wrwork1.
	if got["zhoujiu"] != 1 || got["hr1"] != 2 {
		t.Fatalf("delivered %v, want the warning, and the case notice and owner alert to HR", got)
	}
	for _, m := range h.fake.Sent() {
		if len(m.Content) > 2048 {
			t.Errorf("a message of %d bytes went out", len(m.Content))
		}
	}
}

// TestGroupNoticesOfSeveralMembers: two members reach the owner step in one
// group before a round; the robot's post names both.
func TestGroupNoticesOfSeveralMembers(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.AddWebhook("robot-key-2")
	engine := defaultEngine(t)
	p, err := bot.New(bot.Config{Store: h.st, Checker: func() bot.Checker { return engine },
		GroupNotices: map[string]bool{"wrpub2": true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		for i := 0; i < 3; i++ {
			if _, err := p.Process(ctx, archived(u+strconv.Itoa(i), u, "wrpub2", insult, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.drain(ctx, nil, h.senderWith("r1", func(c *bot.SenderConfig) { c.Robots = map[string]string{"wrpub2": "robot-key-2"} }))
	posted := ""
	for _, m := range h.fake.Sent() {
		if m.API == wecomtest.APIWebhookSend {
			posted += m.Content
		}
	}
	if !strings.Contains(posted, "alice") || !strings.Contains(posted, "bob") {
		t.Fatalf("robot posts %q, want both alice and bob", posted)
	}
}

// TestDigestWithLongNamesIsSplitNotCut: the sizes of digest parts are
// measured with the members' names in; no alert line is cut off.
func TestDigestWithLongNamesIsSplitNotCut(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrnames", Creator: "owner8"})
	for i, u := range users(40) {
		h.fake.SetUser(wecomtest.User{UserID: u, Name: strings.Repeat("欧阳娜娜", 8)})
		for j := 0; j < 3; j++ {
			if _, err := h.pipeline.Process(ctx, archived("n"+strconv.Itoa(i*3+j), u, "wrnames", insult, time.Now())); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	alerts := 0
	for _, m := range h.fake.Sent() {
		if len(m.ToUser) == 1 && m.ToUser[0] == "owner8" {
			if strings.HasSuffix(m.Content, "…") {
				t.Errorf("an owner digest was cut off:\n%s", m.Content)
			}
			alerts += strings.Count(m.Content, "小时内第")
		}
	}
	if alerts != 40 {
		t.Fatalf("the owner's messages hold %d alerts, want all 40", alerts)
	}
}
