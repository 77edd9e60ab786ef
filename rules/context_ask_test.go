package rules

import (
	"strings"
	"testing"
)

func TestOwnAsk(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		// The writer's asks, channels with ids and mobile numbers.
		{"严禁赌博，懂的加我", true},
		{"禁止约炮。同城的加V：yue520", true},
		{"谨防诈骗！正规渠道，vx：kp6688", true},
		{"【通知】近期严禁赌博，加群 123456", true},
		{"| 群号 | 55667788 |", true},
		{"出厂价。飞机：@huoyuan88", true},
		{"tg@agent01", true},
		{"报名请打 138 1234 5678", true},
		{"电话：１３８１２３４５６７８", true},
		{`有人说'加微信 abc123 看裸聊'，你加我vx看看`, true},
		{`"刷单返利 V:abc12345"`, true}, // a quotation with a contact is an offer
		// Forbidden, warned of, someone else's, or no id.
		{"不要扫码加入陌生的刷单群", false},
		{"严禁私聊客户推销理财", false},
		{"千万别加陌生人", false},
		{"骗子让我扫码进群做任务", false},
		{"有人冒充客服让我加vx刷单", false},
		{"对方让我加微信办理退款", false},
		{`不要轻信"加我领红包"的消息`, false},
		{"有问题找我，或者联系店长", false},
		{"企业微信群通知：明天发货", false},
		{"工作群：2024年会筹备", false},
		{"订单号 20241203567890", false},
		{"识别二维码加我", true}, // 识别 is no 别
		{"如被诈骗请拨打110", false},
		{"他们正在找我们", false},
		{"兼职找我", true},
		{"有问题找我", false},
		{"报销的事联系我", false},
		{"@DuBo 麻烦看下", false},
		{"zhang.san@qq.com 已发", false},
	}
	for _, tc := range tests {
		if got := ownAsk(tc.text, 0, 0); got != tc.want {
			t.Errorf("ownAsk(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestOwnAskOutsideHit: the hit itself is no ask (扫码领取 is the phrase
// a handout rule judges).
func TestOwnAskOutsideHit(t *testing.T) {
	text := "体检报告可以扫码领取，行政部已发通知"
	bs := strings.Index(text, "扫码领取")
	if ownAsk(text, bs, bs+len("扫码领取")) {
		t.Errorf("ownAsk(%q) counts the hit itself", text)
	}
	text = "体检报告可以扫码领取，扫码加我领更多"
	if !ownAsk(text, bs, bs+len("扫码领取")) {
		t.Errorf("ownAsk(%q) misses the ask after the hit", text)
	}
}

func TestHoldsID(t *testing.T) {
	for s, want := range map[string]bool{"加vx": false, "加微信": false, "加V：abc123": true, "微信号 pz8888": true, "加我微信": false, "vx 2024": false} {
		if got := holdsID(s); got != want {
			t.Errorf("holdsID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTableHeader(t *testing.T) {
	table := "| 科目 | 金额 | 备注 |\n| --- | --- | --- |\n| 办公用品 | 320 | 代开发票 |\n| 差旅 | 800 | 无 |"
	tests := []struct {
		text, at, want string
	}{
		{table, "代开发票", "| 科目 | 金额 | 备注 |"},
		{table, "差旅", "| 科目 | 金额 | 备注 |"},
		{table, "科目", ""}, // the header row itself
		{strings.ReplaceAll(table, "\n", "\r\n"), "代开发票", "| 科目 | 金额 | 备注 |"},
		{"| 科目 | 金额 |\n| 办公用品 | 代开发票 |", "代开发票", ""},      // no delimiter row
		{"说明\n| --- | --- |\n| 代开发票 | 320 |", "代开发票", ""}, // nothing above it laid out as a row
		{"代开发票需财务审批", "代开发票", ""},
	}
	for _, tc := range tests {
		if got := tableHeader(tc.text, strings.Index(tc.text, tc.at)); got != tc.want {
			t.Errorf("tableHeader(%q, %q) = %q, want %q", tc.text, tc.at, got, tc.want)
		}
	}
}

func TestListedUnder(t *testing.T) {
	labels := newWordIndex(contextRules[ruleIndex(t, "word-list")].Around)
	tests := []struct {
		text, hit string
		want      bool
	}{
		{"违禁词：色情、赌博、代开发票", "赌博", true},
		{"敏感词库新增：裸聊、约炮、百家乐", "百家乐", true},
		{"| 违禁词 | 色情、赌博 |", "赌博", true},
		{"| 类别 | 违禁词 |\n| --- | --- |\n| 广告 | 刷单、代开发票 |", "代开发票", true},
		{"| 审核项 | 结果 |\n| --- | --- |\n| 含赌博词汇 | 驳回 |", "赌博", true},
		{"| 违禁词 | 说明 |\n| --- | --- |\n| 赌博 | 真人在线 |", "赌博", true},
		// The label not over the hit, or the item runs on as a sentence.
		{"| 违禁词 | 说明 |\n| --- | --- |\n| 色情 | 赌博 |", "赌博", false},
		{"违禁词：赌博网站真人在线注册就送", "赌博", false},
		{"今天聊了违禁词的事，赌博", "赌博", false},
		{"| 类别 | 内容 |\n| --- | --- |\n| 约炮 | 同城 |", "约炮", false},
		{"赌博", "赌博", false},
	}
	for _, tc := range tests {
		bs := strings.LastIndex(tc.text, tc.hit)
		if got := listedUnder(tc.text, bs, bs+len(tc.hit), labels); got != tc.want {
			t.Errorf("listedUnder(%q, %q) = %v, want %v", tc.text, tc.hit, got, tc.want)
		}
	}
}

func TestLabelledRow(t *testing.T) {
	tests := []struct {
		row, at string
		want    bool
	}{
		{"| 姓名 | 刷 | 单 | 休 |", "刷", true},
		{"|日期|冰|毒|检测|", "冰", true},
		{"| 刷 | 单 | 日 | 结 |", "单", false},
		{"| 赌 | 博 | 网 | 站 |", "赌", false},
		{"| 姓名 | 刷 |", "姓", false}, // inside the label
		{"| 12 | 刷 | 单 |", "刷", false},
	}
	for _, tc := range tests {
		runes := []rune(tc.row)
		n := strings.Index(tc.row, tc.at)
		n = len([]rune(tc.row[:n]))
		if got := labelledRow(runes, n); got != tc.want {
			t.Errorf("labelledRow(%q at %q) = %v, want %v", tc.row, tc.at, got, tc.want)
		}
	}
}

func ruleIndex(t *testing.T, name string) int {
	t.Helper()
	for i, r := range contextRules {
		if r.Name == name {
			return i
		}
	}
	t.Fatalf("no context rule %q", name)
	return -1
}

// TestAskVoice: someone else's ask is theirs only as its subject or when
// they make the writer do it; a report earlier in the clause does not
// make the writer's own ask a report.
func TestAskVoice(t *testing.T) {
	tests := []struct {
		text string
		want bool // the writer's
	}{
		{"有人私聊我推销", false},
		{"陌生人加我好友", false},
		{"客户私聊我问价格", false},
		{"冒充客服让我加vx", false},
		{"有人要的话加我", true},
		{"听说加我vx有福利", true},
		{"据说私聊就送", true},
		{"其他问题私聊我", true},
	}
	for _, tc := range tests {
		at := strings.IndexAny(tc.text, "加私")
		for _, w := range []string{"私聊", "加我", "加v"} {
			if i := strings.Index(tc.text, w); i >= 0 {
				at = i
				break
			}
		}
		if got := writersVoice(tc.text, at); got != tc.want {
			t.Errorf("writersVoice(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
