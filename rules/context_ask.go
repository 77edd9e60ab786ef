package rules

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// A context rule reads a few words around a hit, and every word it reads
// is one a spammer can write: a notice's 严禁, a report's 听说, a quotation
// mark, a finance word, a table's pipes. What an ad cannot do without is
// a way to reach the writer. So no context rule (but the Lexical ones)
// lowers a hit when the message also carries, in the writer's own voice,
// an ask to be contacted or joined (加我, 私聊, 扫码进群, 点击链接 …), a
// contact channel with an id (vx：abc123, 群号 5566778, tg@name) or a
// mobile number: 【通知】严禁赌博，加群 123456 and 有人说'加微信 abc123
// 看裸聊'，你加我vx看看 are offers dressed as a notice and a report.
//
// An ask is not the writer's when its clause forbids it (不要扫码加入陌生
// 群, 严禁私聊客户) or someone else makes it (骗子让我扫码进群, 有人冒充客服
// 让我加vx): those are the warnings and reports the rules are for. What a
// quotation without a contact says is the bait (unquoted). 找我 and 联系我
// are asks unless their clause says what for at work (有问题找我, 审批的事
// 联系我): 兼职找我 and 要的联系我 are an ad's.

// writerAsks are the words of an ask to be contacted or joined, lower
// case (the text is matched with ASCII letters folded).
var writerAsks = []string{
	"加我", "私聊", "私我", "私信我", "戳我", "滴滴我", "dd我", "v我", "call我",
	"加v", "加微", "加薇", "+v", "＋v", "➕",
	"扫码加", "扫码进", "扫码入", "扫码添加", "扫码关注", "扫码下单", "扫码联系", "扫码咨询", "扫码找", "扫一扫",
	"进群", "加群", "入群", "拉你进", "点击链接", "点击下方", "点击进入", "点我", "来我这",
	"找我", "联系我",
}

// askIndex finds whether a text holds one of writerAsks at all.
var askIndex = sync.OnceValue(func() *wordIndex { return newWordIndex(writerAsks) })

// workAsks are the words that, in the clause of 找我 or 联系我, make it a
// colleague's offer of help (有问题找我, 报销的事联系我, 不清楚的找我).
var workAsks = []string{"问题", "疑问", "有事", "的事", "不清楚", "不明白", "不懂", "帮忙", "协助", "对接", "审批", "报销",
	"请假", "资料", "文件", "材料", "表格", "流程", "进度", "面试", "简历", "工作", "项目"}

// channelID is a contact channel followed by what may be an id (vx：abc123,
// 群号 | 556677, tg@agent01, 飞机：@huoyuan88, V❤: hy123), with the
// separators ads put between them, table pipes included; idLike judges
// the id. Found with regexp: a channel name and an id are a pattern, and
// this runs only for a hit a context rule would lower.
var channelID = regexp.MustCompile(`(?i)(?:微信号?|薇信|威信|徽信|维信|v信|vx|wx|wechat|qq|扣扣|企鹅|q群|群号|加群|进群|群[:：]|tg|telegram|飞机|电报|v[❤♥:：])[\s:：❤♥|@=+＋-]{0,5}@?([a-z0-9_-]{4,})`)

// idLike reports whether s reads as an account id: five or more digits
// (a QQ or group number, not a year: 工作群：2024年会), four or more
// letters and digits with a digit, or six or more letters.
func idLike(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			digits++
		}
	}
	switch {
	case digits == len(s):
		return digits >= 5
	case digits > 0:
		return true
	}
	return len(s) >= 6
}

// mobileNumber is a mainland mobile number, its groups run together or
// set off by one space or dash (138 1234 5678), in ASCII or full-width
// digits, not inside a longer number.
var mobileNumber = regexp.MustCompile(`(?:^|[^0-9０-９])([1１][3-9３-９][0-9０-９](?:[ -]?[0-9０-９]{4}){2})(?:[^0-9０-９]|$)`)

// ownAsk reports whether text, outside the hit at bytes [bs, be), carries
// an ask, a channel with an id or a mobile number in the writer's voice.
func ownAsk(text string, bs, be int) bool {
	uq := unquoted(text)
	return asksInWords(uq, bs, be) || givesContact(uq, bs, be)
}

// asksInWords reports whether text (quotations blanked) holds, outside
// bytes [bs, be), one of writerAsks in the writer's voice.
func asksInWords(text string, bs, be int) bool {
	lower := asciiLower(text)
	if !askIndex().in(lower) {
		return false // the common case: one pass, not a search a word
	}
	for _, w := range writerAsks {
		for at := 0; ; {
			i := strings.Index(lower[at:], w)
			if i < 0 {
				break
			}
			i += at
			at = i + len(w)
			if i < be && at > bs || !writersVoice(text, i) {
				continue
			}
			if w == "找我" && strings.HasPrefix(lower[at:], "们") {
				continue // 他们正在找我们: looking for us
			}
			if w != "找我" && w != "联系我" || !containsAny(clauseBefore(text, i, 16, isClauseEnd), workAsks) {
				return true
			}
		}
	}
	return false
}

// givesContact reports whether text (quotations blanked) holds, outside
// bytes [bs, be), a channel with an id or a mobile number in the writer's
// voice.
func givesContact(text string, bs, be int) bool {
	// The patterns run only where a channel's id or a mobile number can
	// be: most lowered hits are in Chinese without either, and the two
	// regexps were half of BenchmarkEvaluateHit's instructions without
	// this test (callgrind).
	idRun, digits := idRunAndDigits(text)
	if !idRun {
		return false
	}
	for _, m := range channelID.FindAllStringSubmatchIndex(text, -1) {
		if (m[0] >= be || m[1] <= bs) && idLike(text[m[2]:m[3]]) && writersVoice(text, m[0]) {
			return true
		}
	}
	if digits < 11 {
		return false
	}
	for _, m := range mobileNumber.FindAllStringSubmatchIndex(text, -1) {
		if writersVoice(text, m[2]) {
			return true
		}
	}
	return false
}

// idRunAndDigits reports whether s holds a run of four or more ASCII
// letters, digits, _ or - (where an id could be; a full-width digit counts
// as one too), and how many digits, ASCII or full-width, s holds.
func idRunAndDigits(s string) (idRun bool, digits int) {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
			run++
		case isASCIILetter(c) || c == '_' || c == '-':
			run++
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && 0x90 <= s[i+2] && s[i+2] <= 0x99: // ０-９
			digits++
			run++
			i += 2
		default:
			run = 0
		}
		if run >= 4 {
			idRun = true
		}
	}
	return idRun, digits
}

// asciiLower folds ASCII capitals, keeping every byte offset.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// askDenials are the words that, earlier in an ask's clause, forbid it or
// warn against it (不要扫码, 严禁私聊客户, 谨防加群); askCausers those that
// make it someone else's (骗子让我加vx, 对方让我进群, 冒充客服让我加微信);
// askSubjects those that do so only right before it, as its subject (有人
// 私聊我, 陌生人加我, 他加我): 有人要的话加我 is the writer's ask.
var (
	askDenials = []string{"不要", "不能", "不可", "不得", "不准", "不许", "千万别", "勿", "禁止", "严禁", "谨防", "警惕",
		"提防", "小心", "拒绝", "防止", "没有", "从不"}
	askCausers = []string{"让我", "叫我", "要我", "逼我", "诱导", "冒充", "假冒", "自称", "骗子",
		"让他", "让她", "让财务", "让大家", "让员工", "让同事"}
	askSubjects = []string{"有人", "对方", "陌生人", "别人", "他", "她", "他们", "客户", "同事"}
)

// writersVoice reports whether the ask at byte at of text is the writer's
// own: nothing earlier in its clause (up to 16 runes) denies it or gives
// it to someone else.
func writersVoice(text string, at int) bool {
	clause := clauseBefore(text, at, 16, isClauseEnd)
	if containsAny(clause, askDenials) || containsAny(clause, askCausers) || forbidsBie(clause) {
		return false
	}
	for _, w := range askSubjects {
		if strings.HasSuffix(clause, w) {
			return false
		}
	}
	return true
}

// forbidsBie reports whether clause holds 别 as "don't" (别加, 千万别), not
// as part of a word (别的, 识别, 特别, 类别 …).
func forbidsBie(clause string) bool {
	for at := 0; ; {
		i := strings.Index(clause[at:], "别")
		if i < 0 {
			return false
		}
		i += at
		at = i + len("别")
		prev, _ := utf8.DecodeLastRuneInString(clause[:i])
		next, _ := utf8.DecodeRuneInString(clause[at:])
		if !strings.ContainsRune("特区分识类级个性告辨鉴差派", prev) && next != '的' && next != '人' {
			return true
		}
	}
}

// detectorContext returns the index of the context rule that lowers a
// detector hit at bytes [bs, be) of text, or -1; only a solicitation
// (wechat_id) is judged. The quoted rule reads it as mentioned (不要轻信"加V
// 领取红包"的消息); the reported-ask rule as someone else's approach told
// (有人冒充客服让我加vx, 对方让我加微信) or as forbidden (千万不要加陌生人
// vx), when it gives no id. Neither applies when the message carries an
// ask, a channel or a number of the writer's own elsewhere (ownAsk). A
// phone number, card or address in quotes is still someone's, and a URL
// still opens.
func detectorContext(text string, bs, be int) int {
	for i := range contextRules {
		r := &contextRules[i]
		switch {
		case r.Quoted && r.quotedApplies(contextWords()[i].unless, text, bs, be):
		case r.Detector && !holdsID(text[bs:be]) && !writersVoice(unquoted(text), bs):
		default:
			continue
		}
		if ownAsk(text, bs, be) {
			return -1
		}
		return i
	}
	return -1
}

// holdsID reports whether a solicitation's text gives an id or a number
// (加vx abc123, 微信号 pz8888): four or more letters and digits in a row
// that read as one (idLike).
func holdsID(s string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf || !isAddrByte(byte(r)) || r == '@' || r == '.' }) {
		if len(f) >= 4 && idLike(strings.ToLower(f)) {
			return true
		}
	}
	return false
}
