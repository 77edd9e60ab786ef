package rules

import (
	"strings"
	"testing"
)

// The seventh red team's families (red13p): reported speech, quoted
// phrases in training and notices, the company's own hiring and finance
// voice. Representative lines, most written after the blind run and not
// in its set; each family has its offers that must stay enforced.
func TestContextRulesRed13(t *testing.T) {
	e := defaultEngine(t)
	tests := []struct {
		text    string
		word    string // the hit's masked evidence starts with this
		context string // "": enforced
	}{
		// Reported speech, questions about it, what happened to the writer.
		{"被拉进一个刷单群了，我已经退出并举报了", "刷", "report"},
		{"今天又被人拉进赌球群，烦死了", "赌", "report"},
		{"听说财务部有人在网上赌博欠了债", "赌", "report"},
		{"有人问我要不要代开发票，我直接拒绝了", "代", "report"},
		{"是谁把我拉进那个博彩群的？", "博", "report"},
		{"谁知道那个百家乐群是谁拉的？", "百", "report"},
		{"客户反映有人冒充我们招兼职刷单", "刷", "report"},
		{"我爸被骗去刷单，亏了五千", "刷", "report"},
		{"那人涉嫌洗钱，账户被冻结了", "洗", "report"},
		{"传闻他和一个色情网站有关", "色", "report"},
		{"警察来了解情况，说有员工参与网络赌博", "赌", "report"},
		{"有人自称客服让我刷单，我没理", "刷", "report"},
		{"好几个同事反映收到了代开发票的短信", "代", "report"},
		{"NMSL 这个梗已经被平台封了", "N", "report"},
		// A quotation's words are the bait, not the writer's offer; nor is
		// someone else's approach (有人加我) or the bait described (钓鱼链接).
		{"请注意识别『稳赚不赔』这类荐股话术", "荐", "report"},
		{"有个陌生人加我说可以办信用卡套现，我没理他", "信", "report"},
		{"近期有人群发『免费领取年终礼品』的钓鱼链接，不要点", "免", "report"},
		{"不要理会『免费领取年终礼品』之类的陌生链接", "免", "quoted"},
		// The offer after the question it poses as stays enforced.
		{"有人问我哪里能代开发票？我这就有，税点低", "代", ""},
		{"听说有人加我就能赚钱？对，刷单日结", "刷", ""},
		{"新闻说「刷单日结 V:abc12345」是骗局", "刷", ""},
		{"听说这里能赌球？加我，带你玩", "赌", ""},
		{"有人问要不要代开发票？找我，正规", "代", ""},
		{"是谁还没进我们的刷单群？日结", "刷", ""},
		{"被拉进群的都有福利：刷单日结", "刷", ""},
		// Quoted phrases in rules, training and anti-fraud notices.
		{`禁止在群里骂人，例如"傻逼"这种词`, "傻", "quoted"},
		{"员工守则：严禁参与任何形式的赌博，包括『网络赌球』", "赌", "prohibition"},
		{"员工守则第八条写明了『网络赌球』属于严重违纪", "赌", "quoted"},
		{"警惕以“兼职刷单，日结工资”为名的诈骗", "日", "report"}, // 诈骗 in its clause
		{"不要理会“日结兼职，动动手指”之类的消息", "日", "quoted"},
		{"防骗小课堂：「刷单返利」十个有十个是骗子", "刷", "report"},
		{"一律别信「日结兼职」这类群消息", "日", "quoted"},
		{"课件第二页列了违禁词，比如“色情”“代开发票”", "代", "quoted"},
		{"收到‘免费领取话费’这类短信直接删掉", "免", "quoted"},
		{"那个发'一手货源微商代理'的是谁拉进来的", "一", "report"},
		{"公司规定里举的例子是'高额返利'", "高", "quoted"},
		// Quoting is no cover for an offer.
		{`"兼职刷单"私聊我`, "兼", ""},
		{"「兼职刷单」日结三百，加我", "兼", ""},
		{`这种"刷单返利"的好事别错过，联系我`, "刷", ""},
		{`例如"百家乐"，稳赚不赔，进群`, "百", ""},
		{`警惕同行，我们才是正规"代开发票"`, "代", ""},
		{"「代开发票」之类的，找我就行", "代", ""},
		{"像「日结兼职 V:abc88888」这种别错过", "日", ""},
		// The company's own hiring.
		{"门店招兼职收银员，周末两天，有意者联系店长", "招", "own-hiring"},
		{"二店招兼职服务员，简历发我邮箱", "招", "own-hiring"},
		{"研发中心招兼职翻译，德语优先，欢迎内推", "招", "own-hiring"},
		{"门店招兼职，日结，宝妈优先", "招", ""},
		{"招兼职打字员，在家手机就能做", "招", ""},
		{"招兼职客服，加我微信详聊", "招", ""},
		// The finance and tax-office procedure.
		{"代开发票需财务审批，请提前三个工作日提交", "代", "tax-office"},
		{"个体户供应商的发票去税务局代开发票窗口办", "代", "tax-office"},
		{"代开增值税专用发票要带营业执照原件去办税大厅", "代", "tax-office"},
		{"代开发票，财务做账专用，联系我", "代", ""},
		{"代开增值税专用发票，税点低，全国可查", "代", ""},
		{"代开发票流程简单，加我微信", "代", ""},
		// Handouts at the company's own events.
		{"新品试用装免费领取，请到三楼行政处登记", "免", "workplace-handout"},
		{"发布会现场的纪念品免费领取，每人一份", "免", "workplace-handout"},
		{"试用装免费领取，加我微信", "免", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			v := e.Evaluate(tc.text, Context{ChatKind: ChatWork, Explain: true})
			var hit *Hit
			for i := range v.Hits {
				if strings.HasPrefix(v.Hits[i].Masked, tc.word) && v.Hits[i].Category != "customer_data" {
					hit = &v.Hits[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no hit starting with %q: %+v", tc.word, v.Hits)
			}
			if hit.Context != tc.context {
				t.Errorf("context %q, want %q (%s)", hit.Context, tc.context, hit.Explanation)
			}
			if tc.context != "" {
				if !hit.Held || hit.Confidence >= DefaultMinConfidence || v.Action != ActionNone {
					t.Errorf("held %v, confidence %d, action %v; want held below %d and no action", hit.Held, hit.Confidence, v.Action, DefaultMinConfidence)
				}
			} else if hit.Held || v.Action == ActionNone {
				t.Errorf("held %v, confidence %d, action %v; want enforced", hit.Held, hit.Confidence, v.Action)
			}
		})
	}
}

// TestQuotedSolicitation: a WeChat/QQ solicitation quoted in a warning is
// held; one with an id in the quotation, or offered outside it, is not.
func TestQuotedSolicitation(t *testing.T) {
	e := defaultEngine(t)
	tests := []struct {
		text string
		held bool
	}{
		{`不要轻信"加V领取红包"的消息`, true},
		{"警惕「加我QQ领取内部资料」这类钓鱼消息", true},
		{"培训内容：常见诈骗话术如“你的快递丢了，加我微信理赔”", true},
		{`请勿转发类似"加我微信拉你进群"的消息`, true},
		{`不要轻信"加V领取红包" V:abc12345`, false},
		{`警惕"加我微信 wx13812345678"这种`, false},
		{`"加我微信"领红包，真的`, false},
		{"加我微信刷单日结", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			v := e.Evaluate(tc.text, Context{ChatKind: ChatWork})
			var found bool
			for _, h := range v.Hits {
				if h.Rule != "ads-wechat-solicit" {
					continue
				}
				found = true
				if tc.held && (!h.Held || h.Context != "quoted") {
					t.Errorf("%q: held %v context %q, want held by quoted", h.Masked, h.Held, h.Context)
				}
			}
			if !found {
				t.Fatalf("no solicitation hit: %+v", v.Hits)
			}
			if got := v.Action != ActionNone; got == tc.held {
				t.Errorf("action %v, want enforced %v", v.Action, !tc.held)
			}
		})
	}
}

// TestSpelledOutInitialism: capitals spelled out as English words in the
// message are an abbreviation, not an insult's initials.
func TestSpelledOutInitialism(t *testing.T) {
	e := defaultEngine(t)
	for _, tc := range []struct {
		text string
		held bool
	}{
		{"请把 SB 改成 Small Business 的全称", true},
		{"CNM 是 Certified Nurse Midwife 的缩写", true},
		{"你SB吧", false},
		{"SB 你个 sb", false},
	} {
		v := e.Evaluate(tc.text, Context{ChatKind: ChatWork})
		if len(v.Hits) == 0 {
			t.Errorf("%q: no hit", tc.text)
			continue
		}
		if got := v.Action == ActionNone; got != tc.held {
			t.Errorf("%q: action %v, want held %v: %+v", tc.text, v.Action, tc.held, v.Hits)
		}
	}
}

func TestQuotations(t *testing.T) {
	tests := []struct {
		text string
		want []string // the quotations, marks included
	}{
		{`例如"傻逼"这种词`, []string{`"傻逼"`}},
		{"例如“赌博”“色情”", []string{"“赌博”", "“色情”"}},
		{"「刷单」和『赌球』", []string{"「刷单」", "『赌球』"}},
		{"don't say 'sb' at work", []string{"'sb'"}},
		{"it's Tom's", nil},
		{"“没有合上", nil},
		{"“跨\n行”", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, s := range quotations(tc.text, nil) {
			got = append(got, tc.text[s.open:s.end])
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("quotations(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// FuzzQuotedContext proves the quotation scan stays in bounds for any text
// and hit span, and that the quotation it reports encloses the hit.
func FuzzQuotedContext(f *testing.F) {
	f.Add(`禁止在群里骂人，例如"傻逼"这种词`, 30, 36)
	f.Add("警惕「加我QQ」这类“钓鱼”消息", 9, 17)
	f.Add("it's 'sb'\xff“", 6, 8)
	f.Fuzz(func(t *testing.T, text string, bs, be int) {
		if bs < 0 || be < bs || be > len(text) {
			return
		}
		outside, inner, ok := quotedContext(text, bs, be)
		if !ok {
			return
		}
		if !strings.Contains(text, inner) || len(outside) > len(text) {
			t.Fatalf("quotedContext(%q, %d, %d) = %q, %q", text, bs, be, outside, inner)
		}
	})
}
