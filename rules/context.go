package rules

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// contextRule lowers the confidence of a keyword hit when the words just
// around it make plain that the message does not do what the word names:
// a notice forbidding it (严禁买卖个人信息), or an ordinary workplace sense of
// an ad phrase (在前台免费领取工牌). Each rule is a small named value, so a
// hit can say which rule judged it, and the rules are few on purpose: every
// cue they read is a way around the policy for someone who knows it, and
// TestContextRulesRecall measures what they cost on evasions.
//
// A rule looks only at the hit's clause: the text back to the last clause
// separator (，。！？；, their ASCII forms and line breaks; not 、, which
// lists things under one prohibition). It never raises a confidence and
// never drops a hit: a lowered hit is still reported, and a rule's
// min_confidence decides whether it is enforced.
type contextRule struct {
	// Name is what Hit.Context reports ("prohibition").
	Name string
	// Explanation says in words when the rule applies.
	Explanation string
	// Confidence is the confidence a hit gets when the rule applies (hits
	// already rated lower keep theirs).
	Confidence uint8
	// Cues are the words that must come before the hit in its clause,
	// ending at most Within runes before it.
	Cues   []string
	Within int
	// Verbs, when set, must come between the cue and the hit unless the
	// hit follows the cue at once: 不要 + 发布 + 赌博信息, but not
	// 不要犹豫 + 兼职日结.
	Verbs []string
	// Phrases, when set, are the only listed words the rule applies to.
	Phrases []string
	// Written, when set, must hold the hit as the user wrote it: the rule
	// reads one spelling of the phrase (代开发发票, which is also 代开发 +
	// 发票), not the phrase itself.
	Written []string
	// Or, when set with Written, is a second spelling the rule reads: the
	// hit as written followed at once by one of its words' last parts
	// (代开发票 then 务: 代开发 + 票务, a ticketing system).
	Or []string
	// Around, when set, replaces Cues: one of these words anywhere in the
	// hit's sentence (up to aroundRunes either side) makes the rule apply.
	Around []string
	// InClause, with Around, looks for the Around words in the hit's clause
	// only, not across a comma: a report (新闻说有人玩百家乐) is one
	// clause, an ad's decoy is often a clause of its own (电影资源免费看，
	// 成人视频在线).
	InClause bool
	// Except are set phrases that start with a cue and forbid something
	// else (请勿打扰, 不得不): a cue starting one of them does not count.
	Except []string
	// Unless are words that, anywhere in the hit's sentence, keep the rule
	// from applying: the sentence is selling after all (红包, 加我, 返利).
	Unless []string
	// UnlessInMessage, with Unless, looks for the Unless words in the whole
	// message instead of the hit's sentence, as written and as the keyword
	// matcher folds it (私 聊, 薇❤信, ＶＸ): an ad's contact line is often
	// a sentence of its own.
	UnlessInMessage bool
	// Latin, when set, replaces Cues: the rule applies to a Chinese word
	// matched in Latin letters (its pinyin) for which Latin reports true.
	Latin func(text string, bs, be int) bool
	// After, when set, replaces Cues: one of these words right after the
	// hit makes the rule apply (智障 + 人士: a term for people, not an
	// insult).
	After []string
}

// clauseRunes bounds how far back a rule looks, and aroundRunes how far
// either side an Around word may be.
const (
	clauseRunes = 24
	aroundRunes = 20
)

// contextRules are the context rules, in the order they are tried; the
// first that applies names the hit's context.
var contextRules = [...]contextRule{
	{
		Name:        "prohibition",
		Explanation: "a prohibition (严禁, 禁止, 不得, 请勿 …) before the phrase in the same clause: a notice forbidding it",
		Confidence:  30,
		Cues: []string{"严禁", "禁止", "不得", "请勿", "切勿", "杜绝", "不准", "不许", "不允许", "不可以",
			"谢绝", "拒绝", "远离", "抵制", "谨防", "警惕", "防范", "打击", "举报", "严厉查处"},
		Within: 12,
		Except: []string{"请勿打扰", "不得不", "禁止停车", "禁止吸烟", "禁止通行", "拒绝贫穷", "拒绝加班", "不准时"},
	},
	{
		Name:        "prohibition-verb",
		Explanation: "不要, 别 or 勿 right before the phrase, or before a verb of spreading or taking part (发布, 传播, 参与, 相信, 点击 …) that governs it",
		Confidence:  30,
		Cues:        []string{"不要", "别", "勿", "不能"},
		Within:      12,
		Except:      []string{"勿打扰", "不要钱", "不能错过", "别错过", "别犹豫", "不要犹豫"},
		Verbs: []string{"发", "传", "转发", "分享", "参与", "参加", "从事", "进行", "涉及", "相信", "轻信",
			"点击", "点开", "添加", "加入", "下载", "登录", "私自", "私下", "泄露", "透露", "外传", "买卖",
			"出售", "购买", "玩", "碰", "沾", "搞", "接受", "扫"},
	},
	{
		Name:        "workplace-handout",
		Explanation: "a free or scan-to-claim phrase in a sentence about a workplace handout or place (工牌, 饭卡, 体检, 前台, 行政, 员工, 参会证, 电子发票 …)",
		Confidence:  40,
		Phrases:     []string{"免费领取", "扫码领取", "点击领取"},
		Around: []string{"工牌", "工卡", "门禁卡", "饭卡", "餐卡", "餐券", "工服", "工装", "体检", "办公用品", "文具",
			"月饼", "粽子", "前台", "行政", "人事部", "工会", "食堂", "员工", "新同事", "入职", "年会", "工位", "会议室",
			// Handouts at events and in the office systems (red9b's traps).
			"茶水间", "下午茶", "参会证", "胸牌", "展会", "签到处", "报销", "电子发票",
			// Meeting and training papers (red9c: 扫码领取本周的会议纪要).
			"纪要", "课件", "讲义", "议程", "会议材料",
			// red10: 点击领取会议资料包, 扫码领取停车券.
			"会议资料", "停车券", "停车卡", "访客证"},
		Unless: []string{"红包", "现金", "返利", "返现", "佣金", "赚", "兼职", "加我", "微信", "私聊", "扫码进群", "下载",
			// The phishing that poses as an office notice (全体员工：个税补贴免费领取，点击链接).
			"链接", "补贴", "退税", "个税", "银行卡", "密码", "验证码", "http", "www"},
	},
	{
		Name:        "software-outsourcing",
		Explanation: "代开发发票 (代开发票 with 发 repeated), 代开发票务 or 代开发票据 in a sentence about software (系统, 模块, 小程序, 需求, 外包 …) and without words of selling (联系, 加我, 微信, 税点 …): 代开发 + 发票, 票务 or 票据, developing an invoicing, ticketing or receipt system for a client",
		Confidence:  40,
		// Or: 代开发 + 票据 or 票证 as well (外包团队代开发票据识别模块: held9f).
		Phrases: []string{"代开发票"},
		Written: []string{"代开发发票"},
		Or:      []string{"代开发票务", "代开发票据", "代开发票证"},
		Around: []string{"系统", "模块", "小程序", "程序", "软件", "平台", "项目", "需求", "功能", "接口", "外包", "开发商",
			"前端", "后端", "代码", "上线", "APP", "App", "app"},
		Unless: []string{"联系", "加我", "微信", "私聊", "找我", "电话", "税点", "点数", "正规", "专业", "增值税", "普票", "专票"},
	},
	{
		Name:        "anti-prefix",
		Explanation: "反 or 防 right before the phrase: the name of the fight against it (反洗钱培训, 反刷单系统, 防套现模型)",
		Confidence:  30,
		Cues:        []string{"反", "防"},
		Within:      0,
	},
	{
		Name:        "people-term",
		Explanation: "a word for a group of people right after the phrase (智障人士, 智障儿童): the neutral term, not an insult",
		Confidence:  40,
		Phrases:     []string{"智障", "脑残"},
		After:       []string{"人士", "儿童", "患者", "群体", "青少年", "学生", "家庭"},
	},
	{
		Name:        "legal-case",
		Explanation: "a word for a case or crime right after the phrase (案, 罪, 犯罪, 嫌疑, 团伙) and without words of an offer (招人, 日结, 加我 …): a case being discussed (法务部在审一起洗钱案的材料, 洗钱罪的量刑)",
		Confidence:  40,
		After:       []string{"案", "罪", "犯罪", "嫌疑", "团伙"},
		// An offer that names itself a gang (洗钱团伙招人，日结): review3.
		Unless: []string{"招人", "招募", "招聘", "日结", "加我", "私聊", "找我", "微信", "佣金", "接单", "渠道"},
	},
	{
		Name:        "benchmark",
		Explanation: "跑分平台 in a sentence about device performance (手机, 安兔兔, 性能, 芯片, 测评 …) and without words of earning (招, 日结, 收益, 佣金, 码商 …): a benchmark, not money-laundering scoring",
		Confidence:  40,
		Phrases:     []string{"跑分平台"},
		Around: []string{"手机", "电脑", "安兔兔", "鲁大师", "Geekbench", "geekbench", "性能", "芯片", "处理器", "显卡",
			"测评", "评测", "新机", "机型", "CPU", "GPU", "万分", "帧率"},
		Unless: []string{"招", "日结", "收益", "佣金", "码商", "收款", "代理", "赚", "返", "躺", "加我", "微信", "私聊", "银行卡", "二维码", "押金"},
	},
	{
		Name:        "workplace-vote",
		Explanation: "投票链接 in a sentence about a workplace election or survey (评选, 评优, 选举, 优秀员工, 职代会, 问卷 …) and without a friend's contest (宝宝, 孩子, 助力, 帮我 …)",
		Confidence:  40,
		Phrases:     []string{"投票链接"},
		Around:      []string{"评选", "评优", "选举", "优秀员工", "先进", "民主测评", "职代会", "工会", "问卷", "满意度"},
		Unless:      []string{"宝宝", "孩子", "萌娃", "小朋友", "朋友", "亲戚", "助力", "帮我", "帮忙", "拼多多", "砍"},
	},
	{
		// red10's traps: 警方通报：缴获冰毒两公斤, 反诈讲座：刷单返利都是骗局,
		// 课件里有一页讲网贷口子的危害, 电影里那个老虎机的镜头.
		Name:        "report",
		Explanation: "the phrase in a sentence that reports on it or warns of it (警方, 新闻, 缴获, 抓获, 骗局, 反诈, 危害, 合规, 电影 …) without words of an offer (加我, 私聊, 日结, 赚, 正规 …): news, a police notice, a training or a film, not the thing itself",
		Confidence:  40,
		Around: []string{"警方", "公安", "民警", "派出所", "法院", "检察院", "新闻", "报道", "通报", "缴获", "查获", "抓获",
			"破获", "打掉", "捣毁", "落网", "判处", "判刑", "骗局", "被骗", "受骗", "上当", "反诈", "防骗", "危害",
			"违法行为", "属于违法", "违法犯罪", "合规", "风控", "课件", "讲座", "电影", "电视剧", "纪录片",
			// What happened to someone who did it, and the cases and scripts of
			// anti-fraud training (red12: 有人推销刷单，被行政踢了; 去年有人在群里
			// 赌球被开除了; 钓鱼邮件常写"点击领取奖金").
			"开除", "处分", "已处理", "被踢", "踢了", "踢出", "案例", "话术", "钓鱼"},
		Unless: []string{"加我", "私聊", "私我", "找我", "联系我", "微信", "扣扣", "日结", "招人", "招募", "佣金", "名额",
			"赚", "稳", "正规", "靠谱", "放心", "保证", "不是骗", "渠道", "进群", "链接", "http", "www", "下载", "注册",
			// Words of selling or handing out (review10: 课件里的裸聊视频发你,
			// 合规部不管的代开发票，量大从优, 纪录片同款老虎机，来玩).
			"发你", "有需要", "需要的", "现货", "出售", "便宜", "价格", "量大", "从优", "同款", "来玩", "开局", "回本", "包过", "不管", "抓不到", "查不到"},
		InClause: true,
	},
	{
		// red10: 年会节目：斗地主比赛, 王者荣耀的美术外包报价来了.
		Name:        "workplace-game",
		Explanation: "a game's name in a sentence about the company's event or business with it (年会, 团建, 外包, 报价, 合同, 赞助, 版权 …) without words of playing it (开黑, 上分, 组队, 排位, 来一把 …)",
		Confidence:  40,
		Phrases:     []string{"王者荣耀", "和平精英", "英雄联盟", "斗地主"},
		Around:      []string{"年会", "团建", "工会", "外包", "报价", "合同", "赞助", "版权", "授权", "联运", "发行", "竞品", "美术", "投放"},
		Unless: []string{"开黑", "上分", "组队", "排位", "来一把", "一起玩", "带飞", "五排", "双排", "打一把", "下班玩", "摸鱼",
			// Playing for money or selling play (review10: 王者荣耀外包代练,
			// 和平精英赞助名额，外挂包过, 斗地主年会赛，赢钱现结).
			"代练", "陪玩", "外挂", "上号", "充值", "赢钱", "输钱", "现结", "赌"},
		InClause: true,
	},
	{
		// red12b's blind traps: 本公司一手货源，库存充足，下周一统一发货,
		// 区域招代理商，详情见附件《渠道政策》: a company describing its own
		// sales channel to colleagues, not an ad pasted into the group.
		Name:        "own-channel",
		Explanation: "厂家直销, 一手货源 or 招代理 in a sentence about the company's own supply chain or channel (经销商, 供应商, 采购, 报价单, 库存, 发货, 质检, 渠道政策 …) without words of soliciting (加我, 微信, 私聊, 日结, 宝妈, 零门槛, 代发 …)",
		Confidence:  40,
		Phrases:     []string{"厂家直销", "一手货源", "招代理"},
		Around: []string{"经销商", "分销商", "供应商", "采购", "报价单", "比价", "库存", "盘点", "发货", "仓库", "质检", "出厂价",
			"渠道部", "渠道政策", "渠道经理", "门店", "自提", "合同", "附件", "订单", "区域经理", "年会", "客户"},
		Unless: append([]string{"加我", "加V", "加v", "微信", "薇信", "私聊", "私信", "私我", "扣扣", "QQ", "qq", "联系我", "找我", "电话",
			"日结", "赚", "宝妈", "学生", "零门槛", "零投资", "无门槛", "在家", "手机", "一件代发", "代发", "进群", "扫码", "链接", "http", "www",
			"免费", "包邮", "招商", "加盟费", "佣金", "返利", "月入"}, ownChannelSoliciting...),
		UnlessInMessage: true,
	},
	{
		Name:        "latin-name",
		Explanation: "a Chinese word matched in pinyin that is a name written in Latin letters (Du Bo, DuBo), part of an e-mail address (dubo.li@…) or of a code (GDX-300), capitals naming a department or team (GDX 事业部), or a word of an English sentence",
		Confidence:  20,
		Latin:       latinName,
	},
}

// latinName reports whether the Latin letters at bytes [bs, be) of text
// read as a name or address rather than pinyin typed to get round a word
// list: capitalized like a name (Du Bo, DuBo, not DUBO or dubo), inside an
// e-mail address or a code joined to digits (GDX-300), an initialism in
// capitals before a department or team word (GDX 事业部), or in a clause of
// English without Chinese characters.
func latinName(text string, bs, be int) bool {
	span := text[bs:be]
	prev, _ := utf8.DecodeLastRuneInString(text[:bs])
	next, _ := utf8.DecodeRuneInString(text[be:])
	if first, _ := utf8.DecodeRuneInString(span); 'A' <= first && first <= 'Z' && strings.ToUpper(span) != span && !isHan(prev) && !isHan(next) &&
		strings.ContainsAny(span, "aeiouvAEIOUV") {
		// Set off like a name, not run into Chinese (Dubo网站); a name
		// in pinyin has a vowel (initials such as Cnm have none).
		return true
	}
	// The e-mail-like token around the span.
	lo, hi := bs, be
	for lo > 0 && isAddrByte(text[lo-1]) {
		lo--
	}
	for hi < len(text) && isAddrByte(text[hi]) {
		hi++
	}
	if strings.Contains(text[lo:hi], "@") {
		return true
	}
	// A code or model number (GDX-300, TMD-2000): letters joined to digits.
	if strings.ContainsAny(text[lo:hi], "0123456789") && !strings.ContainsAny(span, "0123456789&#;") {
		return true
	}
	// An initialism in capitals naming a unit (GDX 事业部, RNM 项目组).
	if strings.ToUpper(span) == span {
		after := strings.TrimLeft(text[be:], " ")
		for _, w := range orgWords {
			if strings.HasPrefix(after, w) {
				return true
			}
		}
	}
	// An English clause: no Chinese, and three words besides the span, two
	// of them no pinyin. A clause of pinyin words (ni shi shabi ma, luoliao
	// yi dui yi) is Chinese typed in Latin letters, not English.
	clause := clauseBefore(text, bs, 60, isSentenceEnd) + " " + clauseAfter(text, be, 60, isSentenceEnd)
	words, english := 0, 0
	for _, w := range strings.FieldsFunc(clause, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) {
		if len(w) >= 2 {
			words++
			if !moderation.IsPinyin(w) {
				english++
			}
		}
	}
	for _, r := range clause {
		if isHan(r) {
			return false
		}
	}
	return words >= 3 && english >= 2
}

// orgWords are the words after an initialism in capitals that make it the
// name of a department, team or project rather than an insult.
var orgWords = []string{"事业部", "事业群", "部门", "项目组", "项目", "小组", "团队", "中心", "组", "部", "办公室", "课题组"}

func isAddrByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '@'
}

// latinMatch reports whether a listed word holding Chinese characters was
// found at bytes [bs, be) written in ASCII only: a pinyin form.
func latinMatch(text string, bs, be int, word string) bool {
	for i := bs; i < be; i++ {
		if text[i] >= utf8.RuneSelf {
			return false
		}
	}
	for _, r := range word {
		if isHan(r) {
			return true
		}
	}
	return false
}

// isClauseEnd reports whether r ends a clause for the context rules.
func isClauseEnd(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '；', ',', '!', '?', ';', '\n', '\r', '…':
		return true
	}
	return false
}

// isSentenceEnd reports whether r ends a sentence (an Around word may lie
// across a comma, not across a full stop).
func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '!', '?', '\n', '\r':
		return true
	}
	return false
}

// spelledAs reports whether text, from byte bs, starts with one of the
// spellings.
func spelledAs(spellings []string, text string, bs int) bool {
	for _, w := range spellings {
		if strings.HasPrefix(text[bs:], w) {
			return true
		}
	}
	return false
}

// applyContext returns the index of the first context rule that applies to
// the keyword word found at byte offsets [bs, be) of text, or -1.
func applyContext(text string, bs, be int, word string) int {
	clause := clauseBefore(text, bs, clauseRunes, isClauseEnd)
	cued := cueIndex().present(clause)
	for i := range contextRules {
		r := &contextRules[i]
		if len(r.Phrases) > 0 && !slices.Contains(r.Phrases, word) {
			continue
		}
		if len(r.Written) > 0 && !slices.Contains(r.Written, text[bs:be]) && !spelledAs(r.Or, text, bs) {
			continue
		}
		if len(r.After) > 0 {
			if spelledAs(r.After, text, be) && !r.unless(text, bs, be) {
				return i
			}
			continue
		}
		if r.Latin != nil {
			if latinMatch(text, bs, be, word) && r.Latin(text, bs, be) {
				return i
			}
			continue
		}
		if len(r.Around) > 0 || len(r.Unless) > 0 {
			before := clauseBefore(text, bs, aroundRunes, isSentenceEnd)
			after := clauseAfter(text, be, aroundRunes, isSentenceEnd)
			if r.UnlessInMessage {
				if unlessInMessage(text, r.Unless) {
					continue
				}
			} else if containsAny(before, r.Unless) || containsAny(after, r.Unless) {
				continue
			}
			if len(r.Around) > 0 {
				if r.InClause {
					before = clauseBefore(text, bs, aroundRunes, isClauseEnd)
					after = clauseAfter(text, be, aroundRunes, isClauseEnd)
				}
				if containsAny(before, r.Around) || containsAny(after, r.Around) {
					return i
				}
				continue
			}
		}
		if cued&(1<<i) != 0 && r.cued(clause) {
			return i
		}
	}
	return -1
}

// unless reports whether one of r.Unless is in the sentence of the hit at
// byte offsets [bs, be) of text.
func (r *contextRule) unless(text string, bs, be int) bool {
	if len(r.Unless) == 0 {
		return false
	}
	return containsAny(clauseBefore(text, bs, aroundRunes, isSentenceEnd), r.Unless) ||
		containsAny(clauseAfter(text, be, aroundRunes, isSentenceEnd), r.Unless)
}

// cued reports whether one of r's cues ends at most r.Within runes before
// the end of clause (the text just before the hit), with one of r.Verbs in
// between when r has verbs.
func (r *contextRule) cued(clause string) bool {
	for _, cue := range r.Cues {
		i := strings.LastIndex(clause, cue)
		if i < 0 || slices.ContainsFunc(r.Except, func(e string) bool { return strings.HasPrefix(clause[i:], e) }) {
			continue
		}
		if aNotA(clause, i, cue) {
			continue
		}
		gap := clause[i+len(cue):]
		if utf8.RuneCountInString(gap) > r.Within {
			continue
		}
		if len(r.Verbs) == 0 || gap == "" || containsAny(gap, r.Verbs) {
			return true
		}
	}
	return false
}

// aNotA reports whether the cue at byte i of clause, a negation (不要,
// 不能, 不可以), is the second half of an A-not-A question (要不要, 能不能,
// 可不可以: "do you want …"), which asks and forbids nothing (red10:
// 前台居然问要不要约炮).
func aNotA(clause string, i int, cue string) bool {
	neg, size := utf8.DecodeRuneInString(cue)
	if neg != '不' || i == 0 {
		return false
	}
	verb, _ := utf8.DecodeRuneInString(cue[size:])
	before, n := utf8.DecodeLastRuneInString(clause[:i])
	if before != verb {
		return false
	}
	// The A is the end of a word (只要, 重要, 可能, 只能 …), not a verb of
	// its own: 只要不要刷单就行, 这点很重要不要参与赌博 forbid (review10).
	prev, _ := utf8.DecodeLastRuneInString(clause[:i-n])
	return !strings.ContainsRune(wordEnding[verb], prev)
}

// wordEnding gives, for the A of an A-not-A question, the characters that
// make a word with it before (只要, 重要, 可能, 认可): such a word
// followed by 不要, 不能 … is a prohibition, not a question.
var wordEnding = map[rune]string{
	'要': "只重主需必首紧切",
	'能': "可才只智功技本性就",
	'可': "只认许宁",
}

// cueFirsts says, for each character, which of contextRules have a cue
// starting with it: most clauses hold none, and one pass over the clause
// then replaces a search for every cue of every rule.
type cueFirsts struct {
	han    []uint16        // rule bits by character - cueHanBase
	others map[rune]uint16 // cue starts outside the block (none today)
}

const cueHanBase, cueHanEnd = 0x4E00, 0xA000

// present returns the bit set of the rules with a cue starting with some
// character of clause.
func (c *cueFirsts) present(clause string) uint16 {
	var m uint16
	for _, r := range clause {
		if i := uint32(r - cueHanBase); i < cueHanEnd-cueHanBase {
			m |= c.han[i]
		} else if len(c.others) > 0 {
			m |= c.others[r]
		}
	}
	return m
}

// cueFits fails to compile when contextRules outgrow cueFirsts' bit set.
var _ [16 - len(contextRules)]struct{}

// cueIndex is built once: the rules are fixed.
var cueIndex = sync.OnceValue(func() *cueFirsts {
	c := &cueFirsts{han: make([]uint16, cueHanEnd-cueHanBase), others: map[rune]uint16{}}
	for i, r := range contextRules {
		for _, cue := range r.Cues {
			first, _ := utf8.DecodeRuneInString(cue)
			if j := uint32(first - cueHanBase); j < cueHanEnd-cueHanBase {
				c.han[j] |= 1 << i
			} else {
				c.others[first] |= 1 << i
			}
		}
	}
	return c
})

// clauseBefore returns the text before byte offset end back to the last
// rune for which stop is true, at most n runes.
func clauseBefore(text string, end, n int, stop func(rune) bool) string {
	start := end
	for k := 0; k < n && start > 0; k++ {
		r, size := utf8.DecodeLastRuneInString(text[:start])
		if stop(r) {
			break
		}
		start -= size
	}
	return text[start:end]
}

// clauseAfter returns the text after byte offset start up to the next rune
// for which stop is true, at most n runes.
func clauseAfter(text string, start, n int, stop func(rune) bool) string {
	end := start
	for k := 0; k < n && end < len(text); k++ {
		r, size := utf8.DecodeRuneInString(text[end:])
		if stop(r) {
			break
		}
		end += size
	}
	return text[start:end]
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// byteOffsets returns the byte offsets of rune offsets start and end
// (end exclusive) in text, clamped to the text.
func byteOffsets(text string, start, end int) (int, int) {
	bs, be := runeByteOffsets(text, start, end)
	if bs > be {
		bs = be
	}
	return bs, be
}

// runeByteOffsets returns the byte offsets of rune offsets start and end
// of text, len(text) for an offset past its end; runes are counted as
// range over a string counts them (an invalid byte is one). A valid
// three-byte sequence (most Han characters) is stepped over without
// decoding it: runtime.decoderune was about half of what finding a phone
// number's evidence in a Chinese message cost (callgrind).
func runeByteOffsets(text string, start, end int) (bs, be int) {
	bs, be = len(text), len(text)
	i := 0
	for b := 0; b < len(text); i++ {
		if i == start {
			bs = b
		}
		if i == end {
			be = b
			break
		}
		switch c := text[b]; {
		case c < utf8.RuneSelf:
			b++
		// Leads whose second byte may be any continuation byte (E0 and
		// ED restrict it: overlong forms, surrogates).
		case (c >= 0xE1 && c <= 0xEC || c == 0xEE || c == 0xEF) && b+2 < len(text) &&
			text[b+1]&0xC0 == 0x80 && text[b+2]&0xC0 == 0x80:
			b += 3
		default:
			_, n := utf8.DecodeRuneInString(text[b:])
			b += n
		}
	}
	return bs, be
}
