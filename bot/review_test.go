package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

// reviewer is HR's review on the harness's store and policy, suspending
// accounts in the fake WeCom.
func (h *harness) reviewer(edit func(*bot.ReviewConfig)) *bot.Reviewer {
	h.t.Helper()
	rs := defaultEngine(h.t).RuleSet()
	cfg := bot.ReviewConfig{Store: h.st, Policy: func() *rules.RuleSet { return rs }, Accounts: mustClient(h.t, h)}
	if edit != nil {
		edit(&cfg)
	}
	r, err := bot.NewReviewer(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// sentToUser returns the contents of the messages delivered to user.
func sentToUser(fake *wecomtest.Server, user string) []string {
	var out []string
	for _, s := range fake.Sent() {
		if slices.Contains(s.ToUser, user) {
			out = append(out, s.Content)
		}
	}
	return out
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// reviewInsult breaks the abuse rule (辱骂人身攻击).
const reviewInsult = "你就是个脑残"

// TestFalseAlarmStopsCounting: five reviewInsults in a work group climb the
// ladder to HR with a case; HR withdraws two as false alarms. They leave
// the counters (the next reviewInsult counts 4, not 6), the case's suggestion is
// recomputed from the three that still count, the employee is told of
// each withdrawal through the outbox and the fake WeCom, the record shows
// it withdrawn, and the false alarms are counted per rule once — a
// repeated withdrawal changes nothing.
func TestFalseAlarmStopsCounting(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	rev := h.reviewer(nil)
	base := time.Now().Add(-time.Hour)
	var last bot.Result
	for i := range 5 {
		res, err := h.pipeline.Process(ctx, archived("fa"+string(rune('a'+i)), "zhangsan", "wrgroup", reviewInsult, base.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		last = res
	}
	if !last.Step.EscalateHR {
		t.Fatalf("fifth reviewInsult: step %+v, want an escalation to HR", last.Step)
	}
	v5, _, _ := h.st.Violation(ctx, "msg:fae")
	c, ok, err := h.st.Case(ctx, v5.CaseID)
	if err != nil || !ok {
		t.Fatalf("case %q: %v %v", v5.CaseID, ok, err)
	}
	before := c.Suggested

	for _, id := range []string{"msg:faa", "msg:fab"} {
		out, err := rev.Withdraw(ctx, id, store.Withdrawal{By: "hr1", Reason: "客户原话引用", Via: bot.ViaHR})
		if err != nil {
			t.Fatal(err)
		}
		if out.Already || out.Uncounted != 1 || out.Violation.Withdrawn == nil {
			t.Fatalf("withdraw %s: %+v", id, out)
		}
		if len(out.Cases) != 1 || out.Cases[0].ID != c.ID {
			t.Fatalf("withdraw %s recomputed cases %v, want %s", id, out.Cases, c.ID)
		}
	}
	again, err := rev.Withdraw(ctx, "msg:faa", store.Withdrawal{By: "hr1", Via: bot.ViaHR})
	if err != nil || !again.Already || again.Uncounted != 0 {
		t.Fatalf("second withdrawal: %+v, %v; want already withdrawn, nothing uncounted", again, err)
	}

	c, _, _ = h.st.Case(ctx, c.ID)
	want := bot.Decide(rules.DefaultLadder(), mustSeverity(t, c.Severity), rules.ActionWarn, 3, 3).Sanction
	if c.Suggested != want || !strings.Contains(c.Reason, "第 3 次") || len(c.Withdrawn) != 0 {
		t.Errorf("case after two false alarms: suggested %q (was %q), reason %q, withdrawn %v; want %q, 3 counted", c.Suggested, before, c.Reason, c.Withdrawn, want)
	}
	res, err := h.pipeline.Process(ctx, archived("faf", "zhangsan", "wrgroup", reviewInsult, base.Add(6*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Step.Reason, "第 4 次") {
		t.Errorf("the next reviewInsult: %q, want it counted as the 4th (two withdrawn)", res.Step.Reason)
	}

	fa, err := h.st.FalseAlarmStats(ctx, time.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	rule := v5.Hits[0].Rule
	if fa.Total != 2 || fa.ByRule[rule] != 2 || fa.ByCategory["abuse"] != 2 {
		t.Errorf("false-alarm stats %+v, want 2 for rule %s and category abuse", fa, rule)
	}

	h.drain(ctx, nil, h.sender("r1", nil))
	var told int
	for _, m := range sentToUser(h.fake, "zhangsan") {
		if n := strings.Count(m, "【违规记录撤销】"); n > 0 {
			told += n // two at once arrive as one digest
			if !containsAll(m, "误报", "已撤销", "不计入违规次数", "辱骂") || strings.Contains(m, "脑残") {
				t.Errorf("withdrawal notice %q: want Chinese, category named, no message text", m)
			}
		}
	}
	if told != 2 {
		t.Errorf("the employee got %d withdrawal notices, want 2 (one each, none for the repeat)", told)
	}
}

func mustSeverity(t *testing.T, s string) rules.Severity {
	t.Helper()
	sev, ok := rules.ParseSeverity(s)
	if !ok {
		t.Fatalf("severity %q", s)
	}
	return sev
}

// TestFalseAlarmClosesEmptyCase: a case whose only violation is withdrawn
// is closed as a false alarm.
func TestFalseAlarmClosesEmptyCase(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	rev := h.reviewer(nil)
	// A customer's ID card number escalates at once (high severity).
	if _, err := h.pipeline.Process(ctx, archived("id1", "lisi", "wrgroup", "客户身份证 11010519491231002X 请查收", time.Now())); err != nil {
		t.Fatal(err)
	}
	v, _, _ := h.st.Violation(ctx, "msg:id1")
	if v.CaseID == "" {
		t.Fatalf("violation %+v opened no case", v)
	}
	if _, err := rev.Withdraw(ctx, v.ID, store.Withdrawal{By: "hr1", Via: bot.ViaHR}); err != nil {
		t.Fatal(err)
	}
	c, _, _ := h.st.Case(ctx, v.CaseID)
	if c.Status != store.CaseResolved || c.Decision != bot.DecisionFalseAlarm || !slices.Equal(c.Withdrawn, []string{v.ID}) {
		t.Errorf("case %+v, want resolved as a false alarm", c)
	}
}

// appMessage is a text a member sends to the app (the chat where the
// app's warnings arrive).
func appMessage(id, from, text string) *wecom.Message {
	return &wecom.Message{ToUserName: corpID, FromUserName: from, CreateTime: time.Now().Unix(), MsgType: "text", Content: text, MsgID: id, AgentID: "1000002"}
}

// TestAppealAccepted: an employee warned of an archived message answers
// the warning in the app chat with 申诉 and the reference; the appeal
// opens a case for HR (who is told), HR accepts it, the violation is
// withdrawn and leaves the counters, and the employee is told — all
// through the outbox to the fake WeCom.
func TestAppealAccepted(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	rev := h.reviewer(nil)
	app := bot.AppChat{Pipeline: h.pipeline, Review: rev}
	if _, err := h.pipeline.Process(ctx, archived("ap1", "wangwu", "wrgroup", reviewInsult, time.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	send := h.sender("r1", nil)
	h.drain(ctx, nil, send)
	warnings := sentToUser(h.fake, "wangwu")
	ref := bot.Ref("msg:ap1")
	if len(warnings) != 1 || !containsAll(warnings[0], "记录 "+ref, "申诉") {
		t.Fatalf("warning %q: want its reference %s and how to appeal", warnings, ref)
	}

	res, err := app.HandleCallback(ctx, appMessage("9001", "wangwu", "申诉 "+ref+" 我是在转述客户的原话"))
	if err != nil {
		t.Fatal(err)
	}
	if !containsAll(res.Reply, "已收到", ref) {
		t.Fatalf("reply %q", res.Reply)
	}
	// WeCom's retry of the same message is answered the same, filed once.
	res2, err := app.HandleCallback(ctx, appMessage("9001", "wangwu", "申诉 "+ref+" 我是在转述客户的原话"))
	if err != nil || res2.Reply != res.Reply || !res2.Duplicate {
		t.Fatalf("retry: %+v, %v", res2, err)
	}
	// Another message appealing it again is told it was filed.
	res3, _ := app.HandleCallback(ctx, appMessage("9002", "wangwu", "申诉 再申诉一次"))
	if !strings.Contains(res3.Reply, "已就记录") {
		t.Errorf("second appeal: %q", res3.Reply)
	}

	a, ok, err := h.st.Appeal(ctx, store.AppealIDFor("msg:ap1"))
	if err != nil || !ok || a.Status != store.ReviewOpen || a.Case == "" || a.Source != bot.AppealFromApp {
		t.Fatalf("appeal %+v %v %v", a, ok, err)
	}
	c, _, _ := h.st.Case(ctx, a.Case)
	if !slices.Contains(c.Appeals, a.ID) || !slices.Contains(c.Violations, "msg:ap1") {
		t.Errorf("case %+v does not hold the appeal", c)
	}
	if v, _, _ := h.st.Violation(ctx, "msg:ap1"); v.CaseID != a.Case {
		t.Errorf("violation's case %q, want %q", v.CaseID, a.Case)
	}

	if _, err := rev.DecideAppeal(ctx, a.ID, true, "hr1", "已核实为转述"); err != nil {
		t.Fatal(err)
	}
	if _, err := rev.DecideAppeal(ctx, a.ID, false, "hr1", ""); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("rejecting an accepted appeal: %v, want a conflict", err)
	}
	v, _, _ := h.st.Violation(ctx, "msg:ap1")
	if v.Withdrawn == nil || v.Withdrawn.Via != bot.ViaAppeal {
		t.Errorf("violation %+v, want withdrawn by the appeal", v.Withdrawn)
	}
	counts, _ := h.st.CountViolation(ctx, "wangwu", "abuse", "probe", time.Now(), []time.Duration{24 * time.Hour})
	if counts[0] != 1 {
		t.Errorf("counter holds %d after the accepted appeal, want only the probe", counts[0])
	}
	h.drain(ctx, nil, send)
	msgs := sentToUser(h.fake, "wangwu")
	result := msgs[len(msgs)-1]
	if !containsAll(result, "【申诉结果】", "已通过", "已撤销", "已核实为转述") || len(msgs) != 2 {
		t.Errorf("employee messages %q: want the warning and one result", msgs)
	}
	if hr := sentToUser(h.fake, "hr1"); len(hr) == 0 || !containsAll(hr[len(hr)-1], "成员申诉", "转述客户的原话") {
		t.Errorf("HR was not told of the appeal: %q", hr)
	}
}

// TestAppealRejectedByAIBot: the appeal comes to the intelligent bot in a
// private chat (the reference taken from the quoted warning); HR rejects
// it and the employee is told; the record is unchanged.
func TestAppealRejectedByAIBot(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	rev := h.reviewer(nil)
	ai, err := bot.NewAIBot(bot.AIBotConfig{Pipeline: h.pipeline, Store: h.st, Review: rev,
		Policy: func() *rules.RuleSet { return defaultEngine(t).RuleSet() }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.pipeline.Process(ctx, archived("ai1", "zhaoliu", "wrgroup", reviewInsult, time.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	group := &wecom.AIBotMessage{MsgID: "m-group", ChatType: "group", ChatID: "wrgroup", MsgType: "text"}
	group.From.UserID = "zhaoliu"
	group.Text = &wecom.AIBotContent{Content: "@助手 申诉 我没骂人"}
	if reply, err := ai.HandleAIBot(ctx, group); err != nil || !strings.Contains(reply, "私聊") {
		t.Fatalf("group appeal: %q, %v; want to be sent to a private chat", reply, err)
	}
	dm := &wecom.AIBotMessage{MsgID: "m-dm", ChatType: "single", MsgType: "text"}
	dm.From.UserID = "zhaoliu"
	dm.Text = &wecom.AIBotContent{Content: "申诉 我没骂人，是在讨论电影台词"}
	reply, err := ai.HandleAIBot(ctx, dm)
	if err != nil || !strings.Contains(reply, "已收到") {
		t.Fatalf("appeal reply %q, %v", reply, err)
	}
	id := store.AppealIDFor("msg:ai1")
	if a, _, _ := h.st.Appeal(ctx, id); a.Source != bot.AppealFromAIBot || a.Reason != "我没骂人，是在讨论电影台词" {
		t.Fatalf("appeal %+v", a)
	}
	if _, err := rev.DecideAppeal(ctx, id, false, "hr1", "群内无相关讨论"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := h.st.Violation(ctx, "msg:ai1"); v.Withdrawn != nil {
		t.Errorf("a rejected appeal withdrew the violation")
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	msgs := sentToUser(h.fake, "zhaoliu")
	if len(msgs) == 0 || !containsAll(msgs[len(msgs)-1], "【申诉结果】", "未通过", "群内无相关讨论") {
		t.Errorf("employee messages %q: want the rejection with HR's answer", msgs)
	}
}

// escalated runs an ID-card leak (high severity: a case at once) of user
// in chat and returns its case.
func escalated(t *testing.T, h *harness, id, user, chat string) store.Case {
	t.Helper()
	ctx := context.Background()
	if _, err := h.pipeline.Process(ctx, archived(id, user, chat, "客户身份证 11010519491231002X 请查收", time.Now())); err != nil {
		t.Fatal(err)
	}
	v, _, _ := h.st.Violation(ctx, "msg:"+id)
	c, ok, err := h.st.Case(ctx, v.CaseID)
	if err != nil || !ok {
		t.Fatalf("no case for %s: %v", id, err)
	}
	return c
}

func decide(t *testing.T, h *harness, id, decision string) {
	t.Helper()
	_, _, err := h.st.UpdateCase(context.Background(), id, func(c *store.Case) error {
		c.Status, c.Decision, c.DecidedBy, c.DecisionAt = store.CaseResolved, decision, "hr1", time.Now()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDecisionReachesPeople: HR's 通报批评 reaches the employee privately
// and the group through its robot, masked (no number, no message); in a
// group without a robot it goes to the announcement chat; 解除劳动合同
// sends nothing; announcing again sends nothing twice.
func TestDecisionReachesPeople(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.AddWebhook("robotkey")
	h.fake.SetChat(wecomtest.Chat{ChatID: "wrannounce", Name: "公司公告", Owner: "hr1"})
	h.fake.SetUser(wecomtest.User{UserID: "sunqi", Name: "孙七"})
	rev := h.reviewer(func(c *bot.ReviewConfig) {
		c.GroupNotices = map[string]bool{"wrrobot": true}
		c.AnnounceChat = "wrannounce"
	})
	send := h.senderWith("r1", func(c *bot.SenderConfig) { c.Robots = map[string]string{"wrrobot": "robotkey"} })

	inRobot := escalated(t, h, "d1", "sunqi", "wrrobot")
	decide(t, h, inRobot.ID, bot.SanctionCriticism)
	out, err := rev.AnnounceDecision(ctx, inRobot.ID, "泄露客户身份证号")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Notices, []string{bot.NoticeMember, bot.NoticeGroup}) || out.Missing != "" {
		t.Fatalf("notices %v, missing %q", out.Notices, out.Missing)
	}
	if _, err := rev.AnnounceDecision(ctx, inRobot.ID, "泄露客户身份证号"); err != nil {
		t.Fatal(err)
	}
	noRobot := escalated(t, h, "d2", "sunqi", "wrplain")
	decide(t, h, noRobot.ID, bot.SanctionCriticism)
	if out, err := rev.AnnounceDecision(ctx, noRobot.ID, ""); err != nil || !slices.Contains(out.Notices, bot.NoticeAnnouncement) {
		t.Fatalf("without a robot: %+v, %v", out, err)
	}
	dismissed := escalated(t, h, "d3", "sunqi", "wrplain")
	decide(t, h, dismissed.ID, bot.SanctionDismiss)
	if out, err := rev.AnnounceDecision(ctx, dismissed.ID, ""); err != nil || len(out.Notices) != 0 || out.Missing == "" {
		t.Fatalf("dismissal: %+v, %v; want no message, said why", out, err)
	}
	h.drain(ctx, nil, send)

	var hook, announce []string
	for _, s := range h.fake.Sent() {
		switch {
		case s.API == wecomtest.APIWebhookSend:
			hook = append(hook, s.Content)
		case s.API == wecomtest.APIAppChatSend:
			announce = append(announce, s.Content)
		}
	}
	if len(hook) != 1 || !containsAll(hook[0], "通报批评", "孙七", "客户信息", inRobot.ID) {
		t.Errorf("robot notices %q: want one, naming the member and category", hook)
	}
	if len(announce) != 1 || !containsAll(announce[0], "通报批评", "群聊「wrplain」") {
		t.Errorf("announcement chat notices %q", announce)
	}
	for _, m := range append(hook, announce...) {
		if strings.Contains(m, "110105") || strings.Contains(m, "身份证 1") || strings.Contains(m, "请查收") {
			t.Errorf("a public notice shows the message: %q", m)
		}
	}
	var decisions []string
	for _, m := range sentToUser(h.fake, "sunqi") {
		for _, part := range strings.Split(m, "\n\n") { // at once they arrive as one digest
			if strings.Contains(part, "【违规处理结果】") {
				decisions = append(decisions, part)
			}
		}
	}
	if len(decisions) != 2 || !containsAll(decisions[0], inRobot.ID, "通报批评", "泄露客户身份证号") {
		t.Errorf("decision messages %q: want two (not for the dismissal, not twice)", decisions)
	}
	if c, _, _ := h.st.Case(ctx, inRobot.ID); !slices.Equal(c.Notices, []string{bot.NoticeMember, bot.NoticeGroup}) {
		t.Errorf("case notices %v", c.Notices)
	}
}

// TestSuspensionNeedsSecondConfirmation: 停用账号 is carried out only on a
// case decided so, with the plan's one-time token, once; then WeCom shows
// the member disabled. A directory WeCom keeps read-only is refused with
// WeCom's code.
func TestSuspensionNeedsSecondConfirmation(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	h.fake.SetUser(wecomtest.User{UserID: "zhouba", Name: "周八"})
	rev := h.reviewer(nil)
	c := escalated(t, h, "s1", "zhouba", "wrgroup")
	if _, err := rev.PlanSuspension(ctx, c.ID); err == nil {
		t.Fatal("planned a suspension of an undecided case")
	}
	decide(t, h, c.ID, bot.SanctionSuspend)
	plan, err := rev.PlanSuspension(ctx, c.ID)
	if err != nil || plan.Token == "" || !containsAll(plan.Text, "zhouba", "再次确认") {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	if _, err := rev.Suspend(ctx, c.ID, "wrong", "hr1"); err == nil {
		t.Fatal("suspended with a wrong token")
	}
	if h.fake.UserStatus("zhouba") != 1 {
		t.Fatal("the account changed before a confirmed suspension")
	}
	after, err := rev.Suspend(ctx, c.ID, plan.Token, "hr1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Suspended == nil || after.Suspended.By != "hr1" || h.fake.UserStatus("zhouba") != 2 {
		t.Fatalf("case %+v, WeCom status %d; want suspended by hr1, disabled", after.Suspended, h.fake.UserStatus("zhouba"))
	}
	if _, err := rev.Suspend(ctx, c.ID, plan.Token, "hr1"); err == nil {
		t.Error("the token confirmed a second time")
	}
	if _, err := rev.PlanSuspension(ctx, c.ID); err == nil {
		t.Error("planned a second suspension")
	}

	h.fake.SetUser(wecomtest.User{UserID: "wujiu"})
	h.fake.SetDirectoryReadOnly(true)
	c2 := escalated(t, h, "s2", "wujiu", "wrgroup")
	decide(t, h, c2.ID, bot.SanctionSuspend)
	plan, _ = rev.PlanSuspension(ctx, c2.ID)
	_, err = rev.Suspend(ctx, c2.ID, plan.Token, "hr1")
	if apiErr, ok := err.(interface{ Unwrap() error }); !ok || !wecom.Permanent(err) {
		t.Errorf("read-only directory: %v (%v); want WeCom's permanent refusal", err, apiErr)
	}
}

// With the console's address, the messages to a member about their record
// — an appeal's result, a withdrawal, HR's decision — end with the link
// to it (their own page); without it they read as before.
func TestMemberNoticesLinkToTheirRecord(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	base := "https://guard.example.com"
	rev := h.reviewer(func(c *bot.ReviewConfig) { c.Links = bot.ConsoleLinks{Base: base} })
	for _, id := range []string{"nl1", "nl2"} {
		if _, err := h.pipeline.Process(ctx, archived(id, "zhaoliu", "wrgroup", reviewInsult, time.Now().Add(-time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	link := func(vid string) string {
		return `<a href="` + bot.ConsoleLinks{Base: base}.Record(bot.Ref(vid)) + `">查看记录</a>`
	}
	if _, err := rev.FileAppeal(ctx, bot.AppealRequest{User: "zhaoliu", Violation: "msg:nl1", Reason: "引用客户原话", Source: bot.AppealFromConsole, MsgID: "console/msg:nl1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rev.DecideAppeal(ctx, store.AppealIDFor("msg:nl1"), false, "hr1", "群内无相关讨论"); err != nil {
		t.Fatal(err)
	}
	if _, err := rev.Withdraw(ctx, "msg:nl2", store.Withdrawal{By: "hr1", Via: bot.ViaHR, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	// Notices that go out together are one message, a paragraph each.
	var notices []string
	for _, m := range sentToUser(h.fake, "zhaoliu") {
		notices = append(notices, strings.Split(m, "\n\n")...)
	}
	found := 0
	for _, n := range notices {
		switch {
		case strings.Contains(n, "【申诉结果】"):
			found++
			if !strings.HasSuffix(n, "说明：群内无相关讨论。如仍有异议，请联系人力资源部。"+link("msg:nl1")) {
				t.Errorf("appeal result %q, want it to end with HR's answer and %s", n, link("msg:nl1"))
			}
		case strings.Contains(n, "【违规记录撤销】"):
			found++
			if !strings.HasSuffix(n, link("msg:nl2")) {
				t.Errorf("withdrawal notice %q, want it to end with %s", n, link("msg:nl2"))
			}
		}
	}
	if found != 2 {
		t.Errorf("notices to zhaoliu %q, want the appeal's result and the withdrawal", notices)
	}
	// HR's decision on a case links to the case's first violation.
	c := escalated(t, h, "nl3", "zhaoliu", "wrplain")
	decide(t, h, c.ID, bot.SanctionWarning)
	if _, err := rev.AnnounceDecision(ctx, c.ID, "辱骂同事"); err != nil {
		t.Fatal(err)
	}
	h.drain(ctx, nil, h.sender("r1", nil))
	decision := ""
	for _, m := range sentToUser(h.fake, "zhaoliu") {
		for _, n := range strings.Split(m, "\n\n") {
			if strings.Contains(n, "【违规处理结果】") {
				decision = n
			}
		}
	}
	if !strings.HasSuffix(decision, link(c.Violations[0])) {
		t.Errorf("decision %q, want it to end with %s", decision, link(c.Violations[0]))
	}
}
