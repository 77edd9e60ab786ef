package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// indexingStore is the pipeline's store with the per-user violation index
// filled when a violation is saved: the one line enforce() gains (see
// IndexUserViolation).
type indexingStore struct{ *store.Store }

func (s indexingStore) SaveViolation(ctx context.Context, v store.Violation, retention time.Duration) error {
	if err := s.Store.SaveViolation(ctx, v, retention); err != nil {
		return err
	}
	return s.IndexUserViolation(ctx, v, retention)
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// botEnv is an intelligent bot on the real pipeline, store and policy.
type botEnv struct {
	st    *store.Store
	p     *bot.Pipeline
	ai    *bot.AIBot
	clock *clock
	kinds map[string]rules.ChatKind
}

func newBotEnv(t *testing.T) *botEnv {
	t.Helper()
	st := storetest.New(t)
	engine := defaultEngine(t)
	// The last Wednesday 10:00 in Shanghai: inside working hours, and within
	// the retention of today's clock (a fixed date fell out of it: 我的记录
	// found nothing from 2027-05-24, 180 days after 2026-11-25).
	e := &botEnv{st: st, clock: &clock{latestInChina(time.Now(), 10, 0, time.Wednesday).UTC()}, kinds: map[string]rules.ChatKind{}}
	p, err := bot.New(bot.Config{Store: indexingStore{st}, Checker: func() bot.Checker { return engine }, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ai, err := bot.NewAIBot(bot.AIBotConfig{
		Pipeline: p, Store: st, Mention: "规范 助手",
		KindOf: func(id string) rules.ChatKind { return e.kinds[id] },
		Policy: engine.RuleSet, Now: e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.p, e.ai = p, ai
	return e
}

// aibotMsg builds a parsed intelligent-bot message.
func aibotMsg(t *testing.T, id, from, chat, content, quote string) *wecom.AIBotMessage {
	t.Helper()
	m := map[string]any{
		"msgid": id, "aibotid": "aib1", "from": map[string]string{"userid": from},
		"response_url": "https://example.invalid/r", "msgtype": "text", "text": map[string]string{"content": content},
		"chattype": "single",
	}
	if chat != "" {
		m["chattype"], m["chatid"] = "group", chat
	}
	if quote != "" {
		m["quote"] = map[string]any{"msgtype": "text", "text": map[string]string{"content": quote}}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := wecom.ParseAIBotMessage(raw)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// outbox returns the queued actions (reading them as one consumer).
func outbox(t *testing.T, st *store.Store) []bot.Action {
	t.Helper()
	ctx := context.Background()
	if err := st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := st.ReadOutbox(ctx, "inspect", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]bot.Action, len(entries))
	for i, e := range entries {
		if err := json.Unmarshal(e.Payload, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func ofKind(acts []bot.Action, k bot.ActionKind) []bot.Action {
	var out []bot.Action
	for _, a := range acts {
		if a.Kind == k {
			out = append(out, a)
		}
	}
	return out
}

func TestAIBotReportQueuesOwnerAlert(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	reply, err := e.ai.HandleAIBot(ctx, aibotMsg(t, "r1", "lisi", "wrChat1", "@规范 助手\u2005举报", "你就是个傻逼，客户电话13812345678"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reply, "已转告群主") {
		t.Fatalf("reply = %q, want the confirmation", reply)
	}
	reports := ofKind(outbox(t, e.st), bot.ActReport)
	if len(reports) != 1 {
		t.Fatalf("%d reports queued, want 1", len(reports))
	}
	a := reports[0]
	if a.From != "lisi" || a.ChatID != "wrChat1" || a.ChatKind != "work" || a.Key != "aibot:r1/report" {
		t.Errorf("report = %+v", a)
	}
	for _, want := range []string{"abuse", "customer_data"} {
		if !slices.Contains(a.Categories, want) {
			t.Errorf("categories %v lack %q", a.Categories, want)
		}
	}
	ev := strings.Join(a.Evidence, " ")
	if strings.Contains(ev, "傻逼") || strings.Contains(ev, "13812345678") || !strings.Contains(ev, "138****5678") {
		t.Errorf("evidence %q is not masked", ev)
	}
	// Quoting the offence is not the reporter's own violation.
	if _, ok, err := e.st.Violation(ctx, "aibot:r1"); err != nil || ok {
		t.Errorf("reporter got a violation record (ok=%v, err=%v)", ok, err)
	}
}

func TestAIBotReportTextAfterCommand(t *testing.T) {
	e := newBotEnv(t)
	reply, err := e.ai.HandleAIBot(context.Background(), aibotMsg(t, "r2", "lisi", "wrChat1", "@守护 举报：有人在群里发赌博网站", ""))
	if err != nil {
		t.Fatal(err)
	}
	reports := ofKind(outbox(t, e.st), bot.ActReport)
	if !strings.Contains(reply, "已转告群主") || len(reports) != 1 {
		t.Fatalf("reply %q, %d reports", reply, len(reports))
	}
	if ev := reports[0].Evidence[0]; !strings.HasPrefix(ev, "有人在群里发") {
		t.Errorf("evidence %q, want the text after 举报", ev)
	}
}

func TestAIBotReportRefusals(t *testing.T) {
	tests := []struct {
		name, chat, content, quote, want string
	}{
		{"nothing to report", "wrChat1", "@守护 举报", "", "请引用要举报的消息"},
		{"report in a direct chat", "", "举报", "你好", "举报需在群聊中进行"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newBotEnv(t)
			reply, err := e.ai.HandleAIBot(context.Background(), aibotMsg(t, "x", "lisi", tc.chat, tc.content, tc.quote))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(reply, tc.want) {
				t.Errorf("reply = %q, want %q", reply, tc.want)
			}
			if n := len(ofKind(outbox(t, e.st), bot.ActReport)); n != 0 {
				t.Errorf("%d reports queued, want none", n)
			}
		})
	}
}

func TestAIBotReportRateLimit(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	report := func(id string) string {
		t.Helper()
		reply, err := e.ai.HandleAIBot(ctx, aibotMsg(t, id, "lisi", "wrChat1", "@守护 举报", "广告"))
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	for i := range bot.DefaultReportLimit {
		if r := report(fmt.Sprint("r", i)); !strings.Contains(r, "已转告群主") {
			t.Fatalf("report %d refused: %q", i, r)
		}
		e.clock.t = e.clock.t.Add(time.Minute)
	}
	if r := report("r-over"); !strings.Contains(r, "已达上限（5 次）") || !strings.Contains(r, "1小时") {
		t.Errorf("6th report within the hour: %q, want the limit", r)
	}
	// A retried callback of an accepted report is accepted again, once.
	if r := report("r0"); !strings.Contains(r, "已转告群主") {
		t.Errorf("retry of an accepted report: %q", r)
	}
	// Another member is not limited by lisi's reports.
	if r, _ := e.ai.HandleAIBot(ctx, aibotMsg(t, "w1", "wangwu", "wrChat1", "@守护 举报", "广告")); !strings.Contains(r, "已转告群主") {
		t.Errorf("another member: %q", r)
	}
	// An hour after the first report, one slot is free again.
	e.clock.t = e.clock.t.Add(time.Hour - 4*time.Minute)
	if r := report("r-later"); !strings.Contains(r, "已转告群主") {
		t.Errorf("after the window: %q", r)
	}
	if n := len(ofKind(outbox(t, e.st), bot.ActReport)); n != bot.DefaultReportLimit+2 {
		t.Errorf("%d reports queued, want %d", n, bot.DefaultReportLimit+2)
	}
}

func TestAIBotModeratesWhatItSees(t *testing.T) {
	e := newBotEnv(t)
	e.kinds["wrPrivate"] = rules.ChatPrivate
	ctx := context.Background()
	tests := []struct {
		id, chat, text string
		wantKind       string
		violation      bool
	}{
		{"m1", "wrChat1", "@守护 你们都是傻逼", "work", true},
		{"m2", "wrPrivate", "@守护 傻逼吧", "private", true},
		{"m3", "wrChat1", "@守护 明天开会吗", "", false},
		{"m4", "", "你是智障吗", "direct", true},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			reply, err := e.ai.HandleAIBot(ctx, aibotMsg(t, tc.id, "zhangsan", tc.chat, tc.text, ""))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(reply, "企业微信使用规范助手") {
				t.Errorf("reply = %q, want the help text", reply)
			}
			v, ok, err := e.st.Violation(ctx, "aibot:"+tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.violation {
				t.Fatalf("violation recorded = %v, want %v", ok, tc.violation)
			}
			if ok && (v.Source != "aibot" || v.ChatKind != tc.wantKind || v.ChatID != tc.chat) {
				t.Errorf("violation = %+v, want source aibot, kind %s, chat %q", v, tc.wantKind, tc.chat)
			}
		})
	}
	// The warning goes privately through the outbox, never into the group.
	warns := ofKind(outbox(t, e.st), bot.ActWarnSender)
	if len(warns) == 0 || warns[0].From != "zhangsan" {
		t.Errorf("warnings queued: %+v", warns)
	}
	// A retried callback is not counted twice.
	if _, err := e.ai.HandleAIBot(ctx, aibotMsg(t, "m1", "zhangsan", "wrChat1", "@守护 你们都是傻逼", "")); err != nil {
		t.Fatal(err)
	}
	if n := len(ofKind(outbox(t, e.st), bot.ActWarnSender)); n != 0 {
		t.Errorf("the retry queued %d more warnings", n)
	}
}

func TestAIBotMyRecords(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	for i, text := range []string{"你是傻逼", "客户电话13812345678发你了"} {
		m := archived(fmt.Sprint("a", i), "zhangsan", "wrChat1", text, e.clock.t.Add(time.Duration(i)*time.Minute))
		if _, err := e.p.Process(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.p.Process(ctx, archived("other", "lisi", "wrChat1", "傻逼", e.clock.t)); err != nil {
		t.Fatal(err)
	}

	group, err := e.ai.HandleAIBot(ctx, aibotMsg(t, "q1", "zhangsan", "wrChat1", "@守护 我的记录", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(group, "请私聊我") || strings.Contains(group, "违规记录（") {
		t.Errorf("in a group: %q, want a pointer to the direct chat", group)
	}
	direct, err := e.ai.HandleAIBot(ctx, aibotMsg(t, "q2", "zhangsan", "", "我的记录", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(direct, "违规记录（2 条）") || !strings.Contains(direct, "辱骂人身攻击") ||
		!strings.Contains(direct, "138****5678") || !strings.Contains(direct, "群聊「wrChat1」") {
		t.Errorf("records = %q", direct)
	}
	if strings.Contains(direct, "傻逼") || strings.Contains(direct, "13812345678") {
		t.Errorf("records are not masked: %q", direct)
	}
	// Newest first.
	if strings.Index(direct, "客户信息") > strings.Index(direct, "辱骂") {
		t.Errorf("records not newest first: %q", direct)
	}
	none, err := e.ai.HandleAIBot(ctx, aibotMsg(t, "q3", "nobody", "", "我的记录。", ""))
	if err != nil {
		t.Fatal(err)
	}
	if none != "您近期没有违规记录。" {
		t.Errorf("no records: %q", none)
	}
}

func TestAIBotCommands(t *testing.T) {
	e := newBotEnv(t)
	tests := []struct {
		name, chat, content string
		want, notWant       []string
	}{
		{"rules in a group", "wrChat1", "@守护 规则", []string{"公司企业微信使用规范摘要", "**辱骂人身攻击**：不得辱骂他人或进行人身攻击。（适用于工作群、内部非工作群、客户群、单聊、昵称；违者私下提醒）",
			"**与工作无关内容**：", "（适用于工作群，仅工作时间；违者私下提醒）", "**不当昵称**：", "（适用于昵称；违者私下提醒）",
			"**商业机密**：", "违者上报人力资源部", "24小时内 3 次通知群主，7天内 5 次上报人力资源部", "1 次警告 → 3 次通报批评 → 5 次停用账号 → 8 次解除劳动合同"},
			[]string{"profile_name", "(", "Talk of"}},
		{"rules by a name with a space", "wrChat1", "@规范 助手 规则", []string{"使用规范摘要"}, nil},
		{"rules directly", "", "规则", []string{"使用规范摘要"}, nil},
		{"unknown command", "wrChat1", "@守护 今天天气", []string{"企业微信使用规范助手", "举报", "我的记录", "规则"}, nil},
		{"bare mention", "wrChat1", "@守护", []string{"企业微信使用规范助手"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := e.ai.HandleAIBot(context.Background(), aibotMsg(t, tc.name, "zhangsan", tc.chat, tc.content, ""))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(reply, w) {
					t.Errorf("reply lacks %q:\n%s", w, reply)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(reply, w) {
					t.Errorf("reply has %q:\n%s", w, reply)
				}
			}
		})
	}
}

func TestAIBotEventsAndRefreshes(t *testing.T) {
	e := newBotEnv(t)
	tests := []struct {
		name, plain, want string
	}{
		{"welcome", `{"msgid":"e1","aibotid":"a","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}`, "企业微信使用规范助手"},
		{"other event", `{"msgid":"e2","aibotid":"a","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"template_card_event"}}`, ""},
		{"stream refresh", `{"msgid":"s1","aibotid":"a","from":{"userid":"u"},"msgtype":"stream","stream":{"id":"x"}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := wecom.ParseAIBotMessage([]byte(tc.plain))
			if err != nil {
				t.Fatal(err)
			}
			reply, err := e.ai.HandleAIBot(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			if (tc.want == "" && reply != "") || !strings.Contains(reply, tc.want) {
				t.Errorf("reply = %q, want %q", reply, tc.want)
			}
		})
	}
	m, _ := wecom.ParseAIBotMessage([]byte(`{"msgtype":"text","text":{"content":"x"}}`))
	if _, err := e.ai.HandleAIBot(context.Background(), m); err == nil {
		t.Error("a message without msgid and sender was accepted")
	}
}

func TestNewAIBotRequires(t *testing.T) {
	if _, err := bot.NewAIBot(bot.AIBotConfig{}); err == nil {
		t.Error("NewAIBot without dependencies succeeded")
	}
}

// TestAIBotReportMasksWhatRulesMiss is issue 11's 举报 of "⑽13812345678":
// whether or not a detector finds a number next to a list number, the
// report queued for the owner shows no raw number or address.
func TestAIBotReportMasksWhatRulesMiss(t *testing.T) {
	e := newBotEnv(t)
	ctx := context.Background()
	quotes := []string{
		"⑽13812345678",
		"客户名单：①13812345678 ②11010519491231002X ③6222021234567890128",
		"资料发 zhang.san@example.com",
	}
	for i, q := range quotes {
		if _, err := e.ai.HandleAIBot(ctx, aibotMsg(t, fmt.Sprintf("rm%d", i), "lisi", "wrChat1", "@规范 助手 举报", q)); err != nil {
			t.Fatal(err)
		}
	}
	reports := ofKind(outbox(t, e.st), bot.ActReport)
	if len(reports) != len(quotes) {
		t.Fatalf("%d reports queued, want %d", len(reports), len(quotes))
	}
	for _, a := range reports {
		ev := strings.Join(a.Evidence, " ")
		for _, raw := range []string{"13812345678", "11010519491231002X", "6222021234567890128", "zhang.san"} {
			if strings.Contains(ev, raw) {
				t.Errorf("report evidence %q shows %q raw", ev, raw)
			}
		}
	}
	if ev := reports[0].Evidence[0]; ev != "⑽138****5678" {
		t.Errorf("evidence %q, want ⑽138****5678", ev)
	}
}
