package rules

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"
)

const enginePolicy = `version: 1
company:
  names: [示例科技]
categories:
  - name: bad
    severity: high
  - name: spam
  - name: profile_name
rules:
  - id: bad-all
    match:
      categories: [bad]
    where:
      chat_kinds: [work, external, direct]
    action: alert_owner
  - id: bad-shadow
    match:
      lists: [bad/words]
    action: escalate_hr
    shadow: true
  - id: spam-work
    match:
      categories: [spam]
    where:
      chat_kinds: [work]
      time: ["Mon-Fri 09:00-18:00"]
    severity: low
    action: warn
    allow: [刷单软件]
  - id: phone-external
    category: bad
    match:
      detectors: [phone]
    where:
      chat_kinds: [external]
    action: log
  - id: password
    category: bad
    match:
      regex: ['(?i)password=\w{6,}']
    severity: critical
    action: escalate_hr
  - id: company-name
    match:
      categories: [profile_name]
    where:
      chat_kinds: [profile]
    action: warn
`

func testEngine(t testing.TB) *Engine {
	t.Helper()
	rs, err := LoadDir(fstest.MapFS{
		"policy.yaml":            {Data: []byte(enginePolicy)},
		"lists/bad/words.txt":    {Data: []byte("赌博\n冰毒\tcritical\n大麻\n")},
		"lists/bad/extra.txt":    {Data: []byte("六合彩\n")},
		"lists/spam/ads.txt":     {Data: []byte("刷单\n兼职日结\n")},
		"lists/allow/common.txt": {Data: []byte("大麻烦\n")},
	})
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return e
}

// hitString is a compact, comparable form of a hit.
func hitString(h Hit) string {
	s := fmt.Sprintf("%s/%s/%s/%d-%d/%s/%s", h.Rule, h.Category, h.Kind, h.Start, h.End, h.Masked, h.Severity)
	if h.Shadow {
		s += "/shadow"
	}
	return s
}

func TestEvaluate(t *testing.T) {
	e := testEngine(t)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	monday10 := time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai)
	saturday10 := time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai)
	monday10UTC := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // the same instant
	tests := []struct {
		name     string
		text     string
		ctx      Context
		action   Action
		severity Severity
		hits     []string
	}{
		{
			name: "one finding under two rules, shadow does not count",
			text: "一起去赌博吧", ctx: Context{ChatKind: ChatWork},
			action: ActionAlertOwner, severity: SeverityHigh,
			hits: []string{"bad-all/bad/keyword/3-5/赌*/high", "bad-shadow/bad/keyword/3-5/赌*/high/shadow"},
		},
		{
			name: "shadow hit alone changes nothing",
			text: "一起去赌博吧", ctx: Context{ChatKind: ChatPrivate},
			action: ActionNone, severity: SeverityNone,
			hits: []string{"bad-shadow/bad/keyword/3-5/赌*/high/shadow"},
		},
		{
			name: "word severity overrides",
			text: "冰毒", ctx: Context{ChatKind: ChatDirect},
			action: ActionAlertOwner, severity: SeverityCritical,
			hits: []string{"bad-all/bad/keyword/0-2/冰*/critical", "bad-shadow/bad/keyword/0-2/冰*/critical/shadow"},
		},
		{
			name: "list dropped into a category",
			text: "买六合彩", ctx: Context{ChatKind: ChatWork},
			action: ActionAlertOwner, severity: SeverityHigh,
			hits: []string{"bad-all/bad/keyword/1-4/六**/high"},
		},
		{
			name: "chat kind not covered",
			text: "买六合彩", ctx: Context{ChatKind: ChatPrivate},
		},
		{
			name: "the zero chat kind matches no rule",
			text: "一起去赌博吧", ctx: Context{},
		},
		{
			name: "zero time ignores windows",
			text: "有兼职日结刷单", ctx: Context{ChatKind: ChatWork},
			action: ActionWarn, severity: SeverityLow,
			hits: []string{"spam-work/spam/keyword/1-5/兼***/low", "spam-work/spam/keyword/5-7/刷*/low"},
		},
		{
			name: "inside the time window",
			text: "有兼职日结刷单", ctx: Context{ChatKind: ChatWork, Time: monday10},
			action: ActionWarn, severity: SeverityLow,
			hits: []string{"spam-work/spam/keyword/1-5/兼***/low", "spam-work/spam/keyword/5-7/刷*/low"},
		},
		{
			name: "time window in the policy's zone",
			text: "刷单", ctx: Context{ChatKind: ChatWork, Time: monday10UTC},
			action: ActionWarn, severity: SeverityLow,
			hits: []string{"spam-work/spam/keyword/0-2/刷*/low"},
		},
		{
			name: "outside the time window",
			text: "有兼职日结刷单", ctx: Context{ChatKind: ChatWork, Time: saturday10},
		},
		{
			name: "per-rule allow phrase",
			text: "刷单软件测试", ctx: Context{ChatKind: ChatWork},
		},
		{
			name: "per-rule allow covers only its span",
			text: "刷单软件测试，刷单", ctx: Context{ChatKind: ChatWork},
			action: ActionWarn, severity: SeverityLow,
			hits: []string{"spam-work/spam/keyword/7-9/刷*/low"},
		},
		{
			name: "global allow phrase",
			text: "这事太大麻烦了", ctx: Context{ChatKind: ChatWork},
		},
		{
			name: "detector in its chat kind",
			text: "电话13812345678", ctx: Context{ChatKind: ChatExternal},
			action: ActionLog, severity: SeverityHigh,
			hits: []string{"phone-external/bad/phone/2-13/138****5678/high"},
		},
		{
			name: "detector outside its chat kind",
			text: "电话13812345678", ctx: Context{ChatKind: ChatWork},
		},
		{
			name: "regex offsets are runes",
			text: "密码 password=hunter22 谢谢", ctx: Context{ChatKind: ChatPrivate},
			action: ActionEscalateHR, severity: SeverityCritical,
			hits: []string{"password/bad/regex/3-20/p****************/critical"},
		},
		{
			name: "regex matches twice",
			text: "Password=abcdef，password=ghijkl", ctx: Context{ChatKind: ChatPrivate},
			action: ActionEscalateHR, severity: SeverityCritical,
			hits: []string{"password/bad/regex/0-15/P**************/critical", "password/bad/regex/16-31/p**************/critical"},
		},
		{
			name: "most severe action wins, hits in text order",
			text: "刷单，赌博", ctx: Context{ChatKind: ChatWork},
			action: ActionAlertOwner, severity: SeverityHigh,
			hits: []string{"spam-work/spam/keyword/0-2/刷*/low", "bad-all/bad/keyword/3-5/赌*/high", "bad-shadow/bad/keyword/3-5/赌*/high/shadow"},
		},
		{
			name: "company name as display name",
			text: "示例科技小王", ctx: Context{ChatKind: ChatProfile},
			action: ActionWarn, severity: SeverityMedium,
			hits: []string{"company-name/profile_name/keyword/0-4/示***/medium"},
		},
		{
			name: "company name in a message",
			text: "示例科技的新产品", ctx: Context{ChatKind: ChatWork},
		},
		{
			name: "clean message",
			text: "明天上午十点开会，记得带电脑", ctx: Context{ChatKind: ChatWork},
		},
		{
			name: "empty message",
			text: "", ctx: Context{ChatKind: ChatWork},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			ctx.Explain = true
			v := e.Evaluate(tc.text, ctx)
			if v.Action != tc.action {
				t.Errorf("action: got %v, want %v", v.Action, tc.action)
			}
			if v.Severity != tc.severity {
				t.Errorf("severity: got %v, want %v", v.Severity, tc.severity)
			}
			got := make([]string, len(v.Hits))
			for i, h := range v.Hits {
				got[i] = hitString(h)
				if h.Explanation == "" || !strings.Contains(h.Explanation, h.Rule) {
					t.Errorf("hit %d: explanation %q does not name rule %s", i, h.Explanation, h.Rule)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.hits, "\n") {
				t.Errorf("hits:\ngot  %q\nwant %q", got, tc.hits)
			}
		})
	}
}

func TestEvaluateExplanation(t *testing.T) {
	e := testEngine(t)
	if v := e.Evaluate("一起去赌博吧", Context{ChatKind: ChatWork}); len(v.Hits) != 2 || v.Hits[0].Explanation != "" {
		t.Fatalf("without Explain: %+v, want 2 hits and no explanation", v.Hits)
	}
	v := e.Evaluate("一起去赌博吧", Context{ChatKind: ChatWork, Explain: true})
	if len(v.Hits) != 2 {
		t.Fatalf("got %d hits, want 2", len(v.Hits))
	}
	want := []string{
		`rule "bad-all": keyword "赌*" from list bad/words in a work chat, severity high, action alert_owner, form exact, confidence 100%`,
		`rule "bad-shadow": keyword "赌*" from list bad/words in a work chat, severity high, action escalate_hr, form exact, confidence 100% (shadow: reported, not enforced)`,
	}
	for i, w := range want {
		if v.Hits[i].Explanation != w {
			t.Errorf("hit %d: got %q, want %q", i, v.Hits[i].Explanation, w)
		}
	}
}

func TestEvaluateNoHitsDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	e := testEngine(t)
	for _, text := range []string{"明天上午十点开会，记得带电脑", "ok", "太大麻烦了"} {
		t.Run(text, func(t *testing.T) {
			e.Evaluate(text, Context{ChatKind: ChatWork}) // warm the pools
			allocs := testing.AllocsPerRun(100, func() {
				e.Evaluate(text, Context{ChatKind: ChatWork})
			})
			if allocs != 0 {
				t.Errorf("got %v allocations per Evaluate, want 0", allocs)
			}
		})
	}
}

func TestEvaluateConcurrent(t *testing.T) {
	e := testEngine(t)
	want := fmt.Sprint(e.Evaluate("刷单，赌博 password=hunter22", Context{ChatKind: ChatWork}))
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if got := fmt.Sprint(e.Evaluate("刷单，赌博 password=hunter22", Context{ChatKind: ChatWork})); got != want {
					errs <- got
					return
				}
				e.Evaluate("明天开会", Context{ChatKind: ChatWork})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Evaluate: got %s, want %s", got, want)
	}
}

func TestCompileNil(t *testing.T) {
	if _, err := Compile(nil); err == nil {
		t.Fatal("Compile(nil) succeeded")
	}
}

func TestDefaultPolicyVerdicts(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		text   string
		kind   ChatKind
		action Action
		rules  []string // rule of each hit, in order
	}{
		{"done criterion", "加我v信：abc12345 有兼职刷单", ChatWork, ActionWarn, []string{"ads-wechat-solicit", "ads-work", "ads-work"}},
		{"ads only in work groups", "有兼职刷单", ChatPrivate, ActionNone, nil},
		{"spaced evasion", "刷 单", ChatWork, ActionWarn, []string{"ads-work"}},
		{"symbol evasion", "刷*单", ChatWork, ActionWarn, []string{"ads-work"}},
		{"traditional evasion", "刷單", ChatWork, ActionWarn, []string{"ads-work"}},
		{"sentence punctuation separates", "兼职，刷单", ChatWork, ActionWarn, []string{"ads-work"}},
		{"global allow", "这事太大麻烦了", ChatWork, ActionNone, nil},
		{"phone in a group", "我的电话138-1234-5678", ChatWork, ActionAlertOwner, []string{"customer-data-in-groups"}},
		{"phone one to one is ordinary", "我的电话138-1234-5678", ChatDirect, ActionNone, nil},
		{"id card one to one", "身份证11010519491231002X", ChatDirect, ActionWarn, []string{"customer-data-direct"}},
		{"secrets anywhere", "这是机密文件别外传", ChatDirect, ActionEscalateHR, []string{"secrets-leak"}},
		{"gambling", "一起去赌博", ChatPrivate, ActionAlertOwner, []string{"illegal-content"}},
		{"gambling in pinyin", "yiqi dubo ba", ChatPrivate, ActionAlertOwner, []string{"illegal-content"}},
		{"insult", "你就是个傻逼", ChatExternal, ActionWarn, []string{"abuse"}},
		{"wechat group invite", "扫码进群 https://weixin.qq.com/g/AQYAAAabc123", ChatWork, ActionWarn, []string{"ads-wechat-solicit", "ads-links"}},
		{"personal wechat card", "u.wechat.com/EAbc-xyz 加我", ChatExternal, ActionWarn, []string{"ads-wechat-solicit"}},
		{"off topic in work group", "帮我砍一刀", ChatWork, ActionWarn, []string{"off-topic-work-hours"}},
		{"vulgar display name", "老子天下第一", ChatProfile, ActionWarn, []string{"profile-name"}},
		{"vulgar word in chat is not a name rule", "老子天下第一", ChatWork, ActionNone, nil},
		{"ordinary work chat", "明天上午十点开会，请大家准时参加", ChatWork, ActionNone, nil},
		{"company link allowed", "文档在 https://docs.qq.com/doc/abc 里", ChatWork, ActionNone, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := e.Evaluate(tc.text, Context{ChatKind: tc.kind})
			var got []string
			for _, h := range v.Hits {
				got = append(got, h.Rule)
			}
			if v.Action != tc.action || strings.Join(got, ",") != strings.Join(tc.rules, ",") {
				t.Errorf("got %v %v, want %v %v (hits %+v)", v.Action, got, tc.action, tc.rules, v.Hits)
			}
		})
	}
}

// FuzzEvaluate checks that any text evaluates without panicking and that
// every hit lies inside the text.
func FuzzEvaluate(f *testing.F) {
	for _, s := range []string{"加我v信：abc12345 有兼职刷单", "刷单软件测试，刷单", "password=hunter22", "电话13812345678", "\xff\xfe", "", "大麻烦",
		"打赌博士", "打赌：博士", "打赌\xff博士", "赌\u200b博士", "严禁赌博", "不要发赌博链接", "Du Bo", "dubo.li@x.com", "兼职日结刷单一单",
		// The context rules' layouts and asks (review ctx).
		"| 违禁词 | 说明 |\r\n| --- | --- |\r\n| 赌博 | 刷 | 单 |", "违禁词：赌博、刷单", "严禁赌博，加群 123456", "有人冒充客服让我加vx刷单",
		"| 姓名 | 赌 | 博 |\n|---|---|---|\n| 群号 | １３８１２３４５６７８ |"} {
		f.Add(s, uint8(ChatWork))
	}
	e := testEngine(f)
	f.Fuzz(func(t *testing.T, text string, kind uint8) {
		v := e.Evaluate(text, Context{ChatKind: ChatKind(kind % 6)})
		n := utf8.RuneCountInString(text)
		for _, h := range v.Hits {
			if h.Start < 0 || h.End > n || h.Start >= h.End {
				t.Errorf("hit %+v out of bounds for %d runes", h, n)
			}
			if h.Confidence < 1 || h.Confidence > 100 || h.Held && !h.Shadow {
				t.Errorf("hit %+v: confidence out of 1-100 or held without shadow", h)
			}
		}
	})
}

// TestEvaluateWordInTwoLists checks that a word listed twice under one rule
// gives one hit, named after the first list, with the higher severity.
func TestEvaluateWordInTwoLists(t *testing.T) {
	rs, err := LoadDir(fstest.MapFS{
		"policy.yaml":         {Data: []byte(enginePolicy)},
		"lists/bad/words.txt": {Data: []byte("赌博\n")},
		"lists/bad/zz.txt":    {Data: []byte("赌博\tcritical\n")},
		"lists/spam/ads.txt":  {Data: []byte("刷单\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	v := e.Evaluate("赌博", Context{ChatKind: ChatWork})
	var got []string
	for _, h := range v.Hits {
		got = append(got, h.Rule+"/"+h.List+"/"+h.Severity.String())
	}
	// bad-shadow names only bad/words, so the critical entry of bad/zz is not its.
	want := []string{"bad-all/bad/words/critical", "bad-shadow/bad/words/high"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
}
