package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/rules"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name, content, mention string
		group                  bool
		want                   command
		arg                    string
	}{
		{"report after a mention", "@守护\u2005举报", "", true, cmdReport, ""},
		{"report with text", "@守护 举报：他发广告", "", true, cmdReport, "他发广告"},
		{"report with spaces", "  @守护   举报   他 发广告 ", "", true, cmdReport, "他 发广告"},
		{"two mentions", "@守护 @张三 举报", "", true, cmdReport, ""},
		{"bot name with a space", "@规范 助手 规则", "规范 助手", true, cmdRules, ""},
		{"bot name with a space, unknown", "@规范 助手 规则", "", true, cmdHelp, ""},
		{"records", "@守护 我的记录", "", true, cmdRecords, ""},
		{"records with punctuation", "我的记录？", "", false, cmdRecords, ""},
		{"rules", "规则", "", false, cmdRules, ""},
		{"rules inside a sentence is not a command", "@守护 规则是什么意思呢", "", true, cmdHelp, ""},
		{"mention inside a direct message is kept", "@守护 规则", "", false, cmdHelp, ""},
		{"empty", "", "", true, cmdHelp, ""},
		{"only a mention", "@守护", "", true, cmdHelp, ""},
		{"chat", "@守护 你好", "", true, cmdHelp, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, arg := parseCommand(tc.content, tc.mention, tc.group)
			if got != tc.want || arg != tc.arg {
				t.Errorf("parseCommand(%q) = %v %q, want %v %q", tc.content, got, arg, tc.want, tc.arg)
			}
		})
	}
}

func TestMaskedExcerpt(t *testing.T) {
	engine := testEngine(t)
	tests := []struct {
		name, text string
		limit      int
		want       string
	}{
		{"phone masked", "电话13812345678找我", 200, "电话138****5678找我"},
		{"insult masked", "你个傻逼", 200, "你个傻*"},
		{"clean text as is", "明天 10 点\n开会", 200, "明天 10 点 开会"},
		{"cut to the limit", "一二三四五六", 3, "一二三…"},
		{"email in an external group is masked though only observed", "发到 abc@example.com", 200, "发到 a***@example.com"},
		{"overlapping phone and e-mail: nothing raw", "13812345678.zhang@qq.com", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := engine.Evaluate(tc.text, rules.Context{ChatKind: rules.ChatExternal})
			got := maskedExcerpt(tc.text, v, tc.limit)
			if tc.want == "" { // only: nothing of the personal data shows raw
				if strings.Contains(got, "zhang") || strings.Contains(got, "12345678") {
					t.Errorf("maskedExcerpt(%q) = %q shows personal data", tc.text, got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("maskedExcerpt(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
	// Out-of-range and overlapping hits never panic.
	v := rules.Verdict{Hits: []rules.Hit{{Start: 0, End: 3, Masked: "x"}, {Start: 1, End: 2, Masked: "y"}, {Start: 2, End: 4, Masked: "w"}, {Start: 5, End: 99, Masked: "z"}, {Start: 2, End: 1}}}
	if got := maskedExcerpt("abcdef", v, 10); got != "x*ef" {
		t.Errorf("odd hits: %q, want %q", got, "x*ef")
	}
}

func testEngine(t testing.TB) *rules.Engine {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRenderReportAndDirectory(t *testing.T) {
	at := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	report := Action{Kind: ActReport, From: "lisi", FromName: "李四", ChatID: "wrChat1", Time: at,
		Categories: []string{"abuse"}, Evidence: []string{"你个傻*"}}
	unjudged := report
	unjudged.Categories = nil
	profile := Action{Kind: ActProfileName, From: "u1", FromName: "u1", Time: at, Categories: []string{"profile_name"},
		Severity: "medium", Evidence: []string{"姓名：老*"}}
	leave := Action{Kind: ActHandoverHR, From: "wangwu", FromName: "王五", Time: at, Evidence: []string{"C1", "C2"}}
	tests := []struct {
		name string
		kind ActionKind
		acts []Action
		want []string
	}{
		{"one report", ActReport, []Action{report}, []string{"**成员举报**", "举报人：李四(lisi)", "群聊「wrChat1」", "你个傻*", "辱骂人身攻击"}},
		{"report with no finding", ActReport, []Action{unjudged}, []string{"未发现明显违规"}},
		{"report digest", ActReport, []Action{report, unjudged}, []string{"成员举报汇总（2 条）", "11-25 10:00 李四(lisi) 在群聊「wrChat1」举报"}},
		{"profile name", ActProfileName, []Action{profile}, []string{"不当昵称提醒", "成员：u1", "不当昵称（中）", "姓名：老*"}},
		{"profile digest", ActProfileName, []Action{profile, profile}, []string{"汇总（2 条）"}},
		{"handover to HR", ActHandoverHR, []Action{leave}, []string{"离职成员：王五(wangwu)", "2 件（C1、C2）", "离职继承"}},
		{"handover to the leader", ActHandoverLeader, []Action{leave}, []string{"您的下属 王五(wangwu) 已离职", "离职继承"}},
		{"handover digest", ActHandoverHR, []Action{leave, {Kind: ActHandoverHR, From: "x", Time: at}}, []string{"（2 人）", "x 离职，未结违规案件：无"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if tc.kind == ActReport {
				got = renderReport(tc.acts)
			} else {
				got = renderDirectory(tc.kind, tc.acts)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("render lacks %q:\n%s", w, got)
				}
			}
			if len(got) > maxContent {
				t.Errorf("render is %d bytes, over %d", len(got), maxContent)
			}
		})
	}
	many := make([]string, 50)
	for i := range many {
		many[i] = "C20261125-abcdefghijk"
	}
	if got := caseList(many); !strings.HasPrefix(got, "50 件") || !strings.HasSuffix(got, " 等）") {
		t.Errorf("caseList of 50 = %q", got)
	}
}

// deliveryEnv is the fake WeCom API and a sender on a test store.
type deliveryEnv struct {
	fake *wecomtest.Server
	st   *store.Store
	s    *Sender
}

func newDeliveryEnv(t *testing.T, hr Recipients) *deliveryEnv {
	t.Helper()
	st := storetest.New(t)
	fake := wecomtest.New(wecomtest.Config{CorpID: "wwtest", Secret: "s", AgentID: 1000002})
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.ClientConfig{BaseURL: fake.URL(), CorpID: "wwtest", Secret: "s", AgentID: 1000002, Tokens: st})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSender(SenderConfig{Store: st, API: client, Consumer: "c1", HR: hr, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"owner1", "lisi", "hr1", "boss"} {
		fake.SetUser(wecomtest.User{UserID: u, Name: u})
	}
	fake.SetArchiveRoom(wecomtest.ArchiveRoom{RoomID: "wrChat1", Creator: "owner1", Members: []string{"owner1", "lisi"}})
	return &deliveryEnv{fake: fake, st: st, s: s}
}

// deliverQueued delivers every queued action through the helpers the
// sender's recipient() and render() call for the new kinds, and returns
// what the fake received per recipient.
func (d *deliveryEnv) deliverQueued(t *testing.T) map[string][]string {
	t.Helper()
	ctx := context.Background()
	if err := d.st.EnsureOutboxGroup(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := d.st.ReadOutbox(ctx, "c1", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		var a Action
		if err := json.Unmarshal(e.Payload, &a); err != nil {
			t.Fatal(err)
		}
		var rcpt string
		switch a.Kind {
		case ActReport:
			rcpt, err = d.s.reportRecipient(ctx, a)
		case ActProfileName, ActHandoverHR, ActHandoverLeader:
			rcpt, err = d.s.directoryRecipient(ctx, a)
		default:
			continue
		}
		if err != nil {
			t.Fatalf("recipient of %s: %v", a.Kind, err)
		}
		acts := d.s.withNames(ctx, []Action{a})
		if err := d.s.callRendered(ctx, batchKey{a.Kind, rcpt}, acts); err != nil {
			t.Fatalf("deliver %s: %v", a.Kind, err)
		}
	}
	got := map[string][]string{}
	for _, s := range d.fake.Sent() {
		for _, u := range s.ToUser {
			got[u] = append(got[u], s.Content)
		}
	}
	return got
}

// callRendered sends acts as the sender will once render() covers the new
// kinds: markdown to one member or to HR.
func (s *Sender) callRendered(ctx context.Context, k batchKey, acts []Action) error {
	content := renderReport(acts)
	if k.kind != ActReport {
		content = renderDirectory(k.kind, acts)
	}
	target := wecom.SendTarget{ToUser: s.cfg.HR.Users}
	if k.recipient != "hr" {
		target = wecom.SendTarget{ToUser: []string{strings.TrimPrefix(k.recipient, "user:")}}
	}
	_, err := s.cfg.API.SendMarkdown(ctx, target, content, wecom.SendOptions{DuplicateCheckInterval: dupCheck})
	return err
}

// TestReportReachesOwner is the issue's "reporting a message with @bot 举报
// alerts the owner", from the callback message to the fake WeCom API.
func TestReportReachesOwner(t *testing.T) {
	d := newDeliveryEnv(t, Recipients{Users: []string{"hr1"}})
	engine := testEngine(t)
	p, err := New(Config{Store: d.st, Checker: func() Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	ai, err := NewAIBot(AIBotConfig{Pipeline: p, Store: d.st, Policy: engine.RuleSet})
	if err != nil {
		t.Fatal(err)
	}
	plain := `{"msgid":"m1","aibotid":"a","chatid":"wrChat1","chattype":"group","from":{"userid":"lisi"},"msgtype":"text",` +
		`"text":{"content":"@守护 举报"},"quote":{"msgtype":"text","text":{"content":"周末一起去澳门赌博，加我微信 abc_12345"}}}`
	m, err := wecom.ParseAIBotMessage([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ai.HandleAIBot(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := d.deliverQueued(t)
	if len(got["owner1"]) != 1 {
		t.Fatalf("owner got %d messages (all: %v), want 1", len(got["owner1"]), got)
	}
	msg := got["owner1"][0]
	for _, w := range []string{"成员举报", "lisi", "群聊「wrChat1」", "违法违规内容"} {
		if !strings.Contains(msg, w) {
			t.Errorf("owner's message lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "赌博") || strings.Contains(msg, "abc_12345") {
		t.Errorf("owner's message is not masked:\n%s", msg)
	}
	if len(got["hr1"]) != 0 {
		t.Errorf("HR got %v, want nothing", got["hr1"])
	}
}

func TestReportRecipientFallsBackToHR(t *testing.T) {
	d := newDeliveryEnv(t, Recipients{Users: []string{"hr1"}})
	ctx := context.Background()
	tests := []struct {
		name string
		a    Action
		want string
	}{
		{"owner", Action{Kind: ActReport, From: "lisi", ChatID: "wrChat1", ChatKind: "work"}, "user:owner1"},
		{"the owner reports", Action{Kind: ActReport, From: "owner1", ChatID: "wrChat1", ChatKind: "work"}, "hr"},
		{"unknown group", Action{Kind: ActReport, From: "lisi", ChatID: "wrNope", ChatKind: "work"}, "hr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.s.reportRecipient(ctx, tc.a)
			if err != nil || got != tc.want {
				t.Errorf("reportRecipient = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	noHR := newDeliveryEnv(t, Recipients{})
	if _, err := noHR.s.directoryRecipient(ctx, Action{Kind: ActHandoverHR, From: "x"}); err == nil {
		t.Error("a handover without HR recipients found a recipient")
	}
	if _, err := noHR.s.directoryRecipient(ctx, Action{Kind: ActHandoverLeader, From: "x"}); err == nil {
		t.Error("a handover without a cached leader found a recipient")
	}
}

// TestDirectoryNoticesReachHRAndLeader is the issue's "a contact rename to
// an insulting name reaches HR", and the handover notices, delivered to the
// fake WeCom API.
func TestDirectoryNoticesReachHRAndLeader(t *testing.T) {
	d := newDeliveryEnv(t, Recipients{Users: []string{"hr1"}})
	engine := testEngine(t)
	p, err := New(Config{Store: d.st, Checker: func() Checker { return engine }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.st.CacheSet(ctx, "user:leaver", wecom.User{UserID: "leaver", Name: "赵六", DirectLeader: []string{"boss"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, x := range []string{
		`<Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>lisi</UserID><Name>傻逼李四</Name>`,
		`<Event>change_contact</Event><ChangeType>delete_user</ChangeType><UserID>leaver</UserID>`,
	} {
		m, err := wecom.ParseMessage([]byte("<xml><FromUserName>sys</FromUserName><CreateTime>1764036000</CreateTime><MsgType>event</MsgType>" + x + "</xml>"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.HandleDirectoryEvent(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got := d.deliverQueued(t)
	hr := strings.Join(got["hr1"], "\n---\n")
	for _, w := range []string{"不当昵称提醒", "成员：lisi", "姓名：傻*", "离职成员：赵六(leaver)"} {
		if !strings.Contains(hr, w) {
			t.Errorf("HR's messages lack %q:\n%s", w, hr)
		}
	}
	if strings.Contains(hr, "傻逼") {
		t.Errorf("HR's messages show the name unmasked:\n%s", hr)
	}
	if len(got["boss"]) != 1 || !strings.Contains(got["boss"][0], "您的下属 赵六(leaver) 已离职") {
		t.Errorf("leader got %q", got["boss"])
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"@守护\u2005举报", "@守护 举报：他发广告", "@规范 助手 规则", "我的记录？", "@", "@ @ 举报", "举报举报", "\xff@\xfe 规则"} {
		f.Add(s, "规范 助手", true)
	}
	engine := testEngine(f)
	f.Fuzz(func(t *testing.T, content, mention string, group bool) {
		cmd, arg := parseCommand(content, mention, group)
		if cmd != cmdReport && arg != "" {
			t.Fatalf("command %v has an argument %q", cmd, arg)
		}
		if !strings.Contains(content, arg) {
			t.Fatalf("argument %q is not part of %q", arg, content)
		}
		v := engine.Evaluate(content, rules.Context{ChatKind: rules.ChatWork})
		if out := maskedExcerpt(content, v, 50); len([]rune(out)) > 51 {
			t.Fatalf("excerpt %q longer than its limit", out)
		}
	})
}
