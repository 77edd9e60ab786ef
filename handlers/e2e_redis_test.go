package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// TestCallbackToDeliveredAlert is the end-to-end path on whichever Redis
// the environment names (.ci/run runs it on one server and on a
// three-master Redis Cluster): signed, encrypted callbacks over real HTTP
// → the real pipeline → violations, counters and the ladder in Redis →
// the outbox → the real sender → the fake WeCom API, which receives HR's
// escalation, masked. The access token the sender uses is sealed in Redis.
func TestCallbackToDeliveredAlert(t *testing.T) {
	const secret, agent = "e2e-app-secret", 218
	st := storetest.New(t)
	if os.Getenv("REDIS_CLUSTER_ADDRS") != "" && !st.Cluster() {
		t.Fatal("REDIS_CLUSTER_ADDRS is set but the store is not on a cluster")
	}
	fake := wecomtest.New(wecomtest.Config{CorpID: vecCorpID, Secret: secret, AgentID: agent})
	t.Cleanup(fake.Close)
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bot.New(bot.Config{Store: st, Checker: func() bot.Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, p, nil)

	// Five insults from one member climb the ladder to HR.
	now := time.Now()
	for i := range 5 {
		ts := strconv.FormatInt(now.Add(time.Duration(i)*time.Second).Unix(), 10)
		plain := "<xml><ToUserName><![CDATA[" + vecCorpID + "]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
			"<CreateTime>" + ts + "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你真是个傻逼]]></Content>" +
			"<MsgId>" + fmt.Sprint(990001+i) + "</MsgId><AgentID>" + fmt.Sprint(agent) + "</AgentID></xml>"
		body, sig, err := e.crypto.SealCallback([]byte(plain), vecCorpID, fmt.Sprint(agent), ts, "42")
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {"42"}}.Encode()
		if code, out := e.do(http.MethodPost, q, body); code != http.StatusOK {
			t.Fatalf("callback %d: %d %s", i+1, code, out)
		}
	}

	ctx := context.Background()
	tokens, err := st.AccessTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: vecCorpID, Secret: secret, AgentID: agent, Tokens: tokens, Pacer: st.Pacer()})
	if err != nil {
		t.Fatal(err)
	}
	sender, err := bot.NewSender(bot.SenderConfig{
		Store: st, API: client, Consumer: "e2e", HR: bot.Recipients{Users: []string{"hr1"}},
		MaxAttempts: 30, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		ClaimIdle: 300 * time.Millisecond, Poll: 20 * time.Millisecond, Logger: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := sender.Round(ctx); err != nil {
			t.Logf("round: %v", err)
		}
		stats, err := st.OutboxStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Queued == 0 && stats.Pending == 0 && stats.Delayed == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained in 20 s: %+v", stats)
		}
	}
	if dead, _ := st.DeadLetters(ctx, 10); len(dead) != 0 {
		t.Fatalf("dead letters: %+v", dead)
	}

	var toHR []string
	for _, m := range fake.Sent() {
		if strings.Contains(m.Content, "傻逼") {
			t.Errorf("unmasked evidence delivered: %q", m.Content)
		}
		for _, u := range m.ToUser {
			if u == "hr1" {
				toHR = append(toHR, m.Content)
			}
		}
	}
	// The 3rd to 5th violations alert the owner — HR, as a direct message
	// has no group owner — and the 5th escalates to HR with a case: each
	// arrives once, however the sender combined them.
	cases, err := st.OpenCases(ctx)
	if err != nil || len(cases) != 1 {
		t.Fatalf("open cases %v, %v; want 1", cases, err)
	}
	all := strings.Join(toHR, "\n")
	if n := strings.Count(all, "违规上报** 案件 "+cases[0]); n != 1 {
		t.Errorf("HR received the escalation of %s %d times, want once: %q", cases[0], n, toHR)
	}
	for _, nth := range []string{"第3次", "第4次", "第5次"} {
		if n := strings.Count(all, "24小时内"+nth); n != 1 {
			t.Errorf("HR received the alert of the %s violation %d times, want once: %q", nth, n, toHR)
		}
	}
	if !strings.Contains(all, "zhangsan") {
		t.Errorf("HR's messages do not name zhangsan: %q", toHR)
	}
	vs, _, err := st.SearchViolations(ctx, store.ViolationQuery{User: "zhangsan", Limit: 10})
	if err != nil || len(vs) != 5 {
		t.Fatalf("stored violations %d, %v; want 5", len(vs), err)
	}
	if got := fake.Calls(wecomtest.APIGetToken); got != 1 {
		t.Errorf("gettoken called %d times, want 1 (the sealed token is reused)", got)
	}
}
