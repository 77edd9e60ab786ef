package handlers

import (
	"strconv"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/rules"
)

// The API answers in codes (rule ids, kinds, actions); what a person reads
// (the 试一试 explanation, CSV exports, audit sentences) is written here in
// Chinese. The console's own copy of these names is web/i18n.js; the two
// are kept in step by TestI18nMatchesConsole.

// kindZH names the finding kinds.
var kindZH = map[string]string{
	"keyword":   "关键词",
	"phone":     "手机号",
	"id_card":   "身份证号",
	"bank_card": "银行卡号",
	"email":     "邮箱地址",
	"url":       "外部链接",
	"wechat_id": "微信/QQ 引流",
	"regex":     "规则表达式",
	"allow":     "放行短语",
	"address":   "住址",

	"customer_record": "真实客户信息",
	"document":        "保密文件内容",
}

// severityZH names the severities.
var severityZH = map[string]string{"none": "无", "low": "低", "medium": "中", "high": "高", "critical": "严重"}

// actionZH names what the bot does.
var actionZH = map[string]string{
	"none":        "不处理",
	"log":         "仅记录",
	"warn":        "私信提醒",
	"alert_owner": "通知群主",
	"escalate_hr": "上报 HR",
}

// chatKindZH names the chat kinds.
var chatKindZH = map[string]string{
	"work":     "工作群",
	"private":  "私人群",
	"external": "外部群",
	"direct":   "单聊",
	"profile":  "昵称/资料",
}

// formZH names how a text matched.
var formZH = map[string]string{
	"exact":      "原文",
	"folded":     "变体（全半角、繁简、空格）",
	"pinyin":     "拼音",
	"initials":   "拼音首字母",
	"homophone":  "谐音",
	"split":      "拆字",
	"lookalike":  "形近字母",
	"structure":  "重复、插入符号或字符",
	"detector":   "格式识别",
	"obfuscated": "变形写法",
}

// contextZH names the context rules that lower a hit's confidence.
var contextZH = map[string]string{
	"prohibition":       "出现在禁止性说明中",
	"prohibition-verb":  "出现在禁止性说明中",
	"workplace-handout": "出现在工作资料中",
	// 代开发发票 about a system: 代开发 + 发票 (rules/context.go).
	"software-outsourcing": "出现在软件开发说明中",
	"latin-name":           "是英文名字的一部分",
	// red9c: 反洗钱培训, 智障人士, 安兔兔跑分平台, 优秀员工评选的投票链接.
	"anti-prefix":    "出现在反制措施的名称中",
	"people-term":    "是对特定人群的中性称呼",
	"legal-case":     "出现在案件或罪名的讨论中",
	"benchmark":      "出现在设备性能测试说明中",
	"workplace-vote": "出现在单位评选或问卷说明中",
}

// auditZH names the audit log's actions.
var auditZH = map[string]string{
	"violation.view_raw": "查看原文",
	"case.ack":           "受理案件",
	"case.resolve":       "处理案件",
	"outbox.retry":       "重新投递消息",
	"chat.set":           "设置群聊",
	"chat.delete":        "删除群聊设置",
	"rules.update":       "修改规则",
	"list.create":        "新建词库",
	"list.delete":        "删除词库",
	"list.edit":          "编辑词库",
	"list.import":        "导入词库",
	"ui.login":           "登录控制台",
	"token.create":       "创建 API 令牌",
	"token.revoke":       "吊销 API 令牌",
	// HR's review (review.go, allowphrase.go).
	"violation.false_alarm":         "标记误报",
	"violation.false_alarm_request": "申请标记误报",
	"false_alarm_request.confirm":   "确认误报申请",
	"false_alarm_request.decline":   "驳回误报申请",
	"allow_phrase.preview":          "预览允许短语",
	"appeal.file":                   "提交申诉",
	"appeal.accept":                 "通过申诉",
	"appeal.reject":                 "驳回申诉",
	"case.announce":                 "通知处理结果",
	"case.suspend_plan":             "准备停用账号",
	"case.suspend":                  "停用账号",
	"handover.assign":               "分配离职成员的客户",
	"handover.transfer":             "通过企业微信转接离职成员的客户",
	"handover.transfer_groups":      "通过企业微信转交离职成员的客户群",
	"handover.transfer_failed":      "放弃转接（企业微信多次拒绝或无法送达）",

	"dlp.records.import":  "导入客户数据",
	"dlp.records.delete":  "删除客户数据",
	"dlp.document.add":    "上传保密文件",
	"dlp.document.delete": "删除保密文件",
	"directory.import":    "导入通讯录",
}

// zh returns m's name for code, or code itself when m has none (a code
// added later is shown rather than hidden).
func zh(m map[string]string, code string) string {
	if n, ok := m[code]; ok {
		return n
	}
	return code
}

// labels names a rule set's rules, lists and categories for people.
type labels struct {
	rules, lists, categories map[string]string
	together                 map[string]int // list → its together_lists threshold
}

// labelsOf collects rs's labels; a nil rs names nothing (codes are shown).
func labelsOf(rs *rules.RuleSet) labels {
	l := labels{rules: map[string]string{}, lists: map[string]string{}, categories: map[string]string{}, together: map[string]int{}}
	if rs == nil {
		return l
	}
	for _, r := range rs.Rules {
		l.rules[r.ID] = r.Label
	}
	for _, c := range rs.Categories {
		l.categories[c.Name] = c.Label
		for _, li := range c.Lists {
			l.lists[c.Name+"/"+li.Name] = li.Label
			if li.Together > 1 {
				l.together[c.Name+"/"+li.Name] = li.Together
			}
		}
	}
	return l
}

func (l labels) rule(id string) string       { return zh(l.rules, id) }
func (l labels) list(id string) string       { return zh(l.lists, id) }
func (l labels) category(name string) string { return zh(l.categories, name) }

// explainZH says in a Chinese sentence why h fired in a chat of kind ck:
// 规则「辱骂人身攻击」：工作群中的关键词“狗**”，来自词库「侮辱词汇」…
func explainZH(h rules.Hit, ck rules.ChatKind, l labels) string {
	var b strings.Builder
	b.WriteString("规则「")
	b.WriteString(l.rule(h.Rule))
	b.WriteString("」：")
	b.WriteString(zh(chatKindZH, ck.String()))
	b.WriteString("中的")
	b.WriteString(zh(kindZH, h.Kind.String()))
	b.WriteString("“")
	b.WriteString(h.Masked)
	b.WriteString("”")
	if h.List != "" {
		b.WriteString("，来自词库「")
		b.WriteString(l.list(h.List))
		b.WriteString("」")
		if n := l.together[h.List]; n > 0 {
			b.WriteString("（该词库的词单独出现不算，同一条消息里有 ")
			b.WriteString(strconv.Itoa(n))
			b.WriteString(" 个或更多不同的词才算）")
		}
	}
	if h.Category != "" {
		b.WriteString("，属于「")
		b.WriteString(l.category(h.Category))
		b.WriteString("」")
	}
	b.WriteString("；严重程度")
	b.WriteString(zh(severityZH, h.Severity.String()))
	b.WriteString("，处理方式：")
	b.WriteString(zh(actionZH, h.Action.String()))
	b.WriteString("；匹配方式：")
	b.WriteString(zh(formZH, h.Form.String()))
	b.WriteString("，可信度 ")
	b.WriteString(strconv.Itoa(int(h.Confidence)))
	b.WriteString("%")
	if h.Context != "" {
		b.WriteString("（")
		b.WriteString(zh(contextZH, h.Context))
		b.WriteString("，可信度已降低）")
	}
	switch {
	case h.Held:
		b.WriteString("。可信度或匹配方式低于规则的要求：只记录，不处理。")
	case h.Shadow:
		b.WriteString("。规则处于观察期：只记录，不处理。")
	default:
		b.WriteString("。")
	}
	return b.String()
}

// timeLayout is how people read a time: 2026-12-01 14:05.
const timeLayout = "2006-01-02 15:04"

// formatTime writes t in loc (the company's time zone) as people read it;
// the zero time is empty.
func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = defaultLocation()
	}
	return t.In(loc).Format(timeLayout)
}

// defaultLocation is Asia/Shanghai, or UTC+8 when the system has no zone
// database (the zone has had no daylight saving since 1991).
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// companyLocation is the policy's company.timezone, or the default.
func (s *Server) companyLocation() *time.Location {
	if rs := s.ruleSet(); rs != nil && rs.Company.Location != nil {
		return rs.Company.Location
	}
	return defaultLocation()
}

// ruleSet is the policy in force, or nil when none is loaded.
func (s *Server) ruleSet() *rules.RuleSet {
	if s.cfg.Checker == nil {
		return nil
	}
	if c := s.cfg.Checker(); c != nil {
		return c.RuleSet()
	}
	return nil
}
