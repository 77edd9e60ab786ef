package moderation

import (
	"slices"
	"strings"
)

// weChatTrigger is a word that introduces a WeChat or QQ id.
type weChatTrigger struct {
	text      []rune
	disguised bool // an evasive spelling (v信, vx, 薇信 …): "加" + it is a solicitation by itself
	qq        bool // QQ ids are digits only
	afterJia  bool // only counts right after 加 or + (加微, +V)
	colon     bool // only counts before a colon (Q：123456789)
	homophone bool // a homophone of a trigger (加胃 for 加微, detect_wechat_hom.go)
	spaced    bool // only counts before a colon or a space (扣 123456789)
	shape     bool // drawn like a trigger, not read like one (徽 for 微): no homophones of its own
	digitID   bool // only counts before a space and an id of letters with a digit (微 lily2024)
	word      bool // an ordinary word or a name (卫星, 蔻蔻, 微): without 加, the id must end its clause or be followed by a word of contacting (idEndsOffer)
	money     bool // also asks for money (v我50, V我 88888 看看实力): the id must hold a letter or be a mobile number (moneyNotID)
}

func weChatTriggers() []weChatTrigger {
	list := []struct {
		s                              string
		disguised, qq, afterJia, colon bool
	}{
		{"微信号", false, false, false, false}, {"企鹅号", true, true, false, false}, {"扣扣号", true, true, false, false},
		{"qq号", false, true, false, false}, {"微信", false, false, false, false}, {"威信", true, false, false, false},
		{"薇信", true, false, false, false}, {"徽信", true, false, false, false}, {"危信", true, false, false, false},
		{"v信", true, false, false, false}, {"绿泡泡", true, false, false, false},
		{"vx", true, false, false, false}, {"wx", true, false, false, false}, {"qq", false, true, false, false},
		{"扣扣", true, true, false, false}, {"企鹅", true, true, false, false}, {"微", true, false, true, false},
		{"薇", true, false, true, false}, {"威", true, false, true, false},
		{"v", true, false, true, false}, {"q", true, true, false, true},
		// Spelled in pinyin (weixin, wei xin) or English (wechat: before a
		// colon or after 加, not in "contact me on WeChat anytime"), 球球 for
		// QQ, a single letter or character before a colon (V：abc12345,
		// 威：abc123), 扣 and q after 加 (加扣：123456789, 加Q 123456789).
		{"weixin", true, false, false, false}, {"wei信", true, false, false, false}, {"wechat", false, false, false, true}, {"wechat", false, false, true, false}, {"球球", true, true, false, false},
		{"q", false, true, true, false}, {"v", true, false, false, true}, {"微", true, false, false, true},
		{"威", true, false, false, true}, {"薇", true, false, false, true}, {"扣", true, true, true, false},
		// held9f: 徽 (drawn like 微: no homophones of its own, detect_wechat_hom.go)
		// after 加 or before a colon like 微 (加徽 abc12345), q号
		// (Q号 12345678), and 扣 before a colon or a space and a QQ number
		// (扣 12345678; not 扣款 2983 元, 扣：3 分: a number of 5–11 digits,
		// and no unit after it, findID).
		{"徽", true, false, true, false}, {"徽", true, false, false, true}, {"q号", true, true, false, false},
		// red10: 嶶 (drawn like 微, as 徽 is), and "v我" before an id (v我
		// lily2024: "WeChat me"; v我50 is the joke asking for money, whose
		// two digits are no id).
		{"嶶信", true, false, false, false}, {"嶶", true, false, true, false}, {"嶶", true, false, false, true},
		{"v我", true, false, false, false},
		// 蔻蔻 (kòukòu) for 扣扣, and 卫星 (wèixīng, "satellite") for 微信
		// before an id only: 增加卫星 is no request, so not disguised.
		{"蔻蔻", true, true, false, false}, {"卫星", false, false, false, false},
		// red13r: 胃信 (the homophone of 加胃 as the whole word), a QQ
		// group given by its number (q群 123456789, 扣扣群, 企鹅群), the
		// penguin emoji for QQ (🐧 12345678) and a green heart for 绿
		// (💚泡泡 mm12345). Like the other disguised triggers they need an
		// id after them or 加 before them.
		{"胃信", true, false, false, false}, {"q群", true, true, false, false}, {"扣扣群", true, true, false, false},
		{"企鹅群", true, true, false, false}, {"🐧", true, true, false, false}, {"💚泡泡", true, false, false, false},
	}
	out := make([]weChatTrigger, len(list))
	for i, t := range list {
		out[i] = weChatTrigger{text: []rune(t.s), disguised: t.disguised, qq: t.qq, afterJia: t.afterJia, colon: t.colon,
			shape: t.s == "徽" || t.s == "嶶", word: t.s == "卫星" || t.s == "蔻蔻", money: t.s == "v我"}
	}
	// 微 before a space and an id of letters with a digit (微 lily58327,
	// 同城优先: red10); 稍微 changes, 细微 改动 have no such id.
	return append(out, weChatTrigger{text: []rune("扣"), disguised: true, qq: true, spaced: true},
		weChatTrigger{text: []rune("微"), disguised: true, digitID: true, word: true})
}

func isHeart(r rune) bool {
	switch r {
	case '❤', '♥', '♡', '💗', '💕', '💖', '💓', '💙', '💚', '💛', '💜', '🧡', '🖤', '💘', '💝':
		return true
	}
	return false
}

// skipNoise returns the first index at or after p that is not noise.
func (s *Scanner) skipNoise(runes []rune, p int) int {
	for p < len(runes) && s.isNoise(runes[p]) {
		p++
	}
	return p
}

// matchTrigger matches a trigger word at p (noise between its letters
// skipped) and returns its end and the trigger, or -1.
func (s *Scanner) matchTrigger(runes []rune, p int, afterJia bool) (int, *weChatTrigger) {
	for ti := range s.triggers {
		t := &s.triggers[ti]
		needSame := false // a single-letter trigger without 加 or a colon: only before 同号 (V同号, 微同号)
		if t.afterJia && !afterJia {
			if len(t.text) == 1 && t.disguised && p+1 < len(runes) && runes[p] == t.text[0] && isHeart(runes[p+1]) {
				return p + 2, t // v❤, 微❤, 薇♥: the heart marks the letter as a trigger
			}
			if len(t.text) > 1 {
				continue
			}
			needSame = true
		}
		j := p
		ok := true
		for k, r := range t.text {
			if k > 0 {
				j = s.skipNoise(runes, j)
			}
			if j >= len(runes) || runes[j] != r {
				ok = false
				break
			}
			j++
		}
		if !ok {
			continue
		}
		if needSame && s.sameNumber(runes, j) < 0 && !(s.samePhoneBefore(runes, p) >= 0 && (j >= len(runes) || !isHan(runes[j]))) {
			// 微同号 and 电话同微 give the phone number as the id; 微 that
			// starts a word (电话同微博) is no trigger.
			continue
		}
		if t.colon && s.sameNumber(runes, j) < 0 {
			if k := skipSpaces(runes, j); k >= len(runes) || runes[k] != ':' {
				continue
			}
		}
		if t.digitID {
			if k := skipSpaces(runes, j); k == j || k >= len(runes) || !isLower(runes[k]) || !hasIDWithDigit(runes, k) {
				continue
			}
		}
		if t.spaced && s.sameNumber(runes, j) < 0 {
			if k := skipSpaces(runes, j); k == j && (k >= len(runes) || runes[k] != ':') {
				continue
			}
			if p > 0 && strings.ContainsRune(kouWords, runes[p-1]) {
				continue // 折扣 12345, 回扣 50000: the end of a word, an amount
			}
		}
		if isLower(t.text[len(t.text)-1]) && j < len(runes) && isLower(runes[j]) && !hasIDWithDigit(runes, j) {
			// A latin trigger glued to a word ("wxwidgets") is not a trigger.
			continue
		}
		if j < len(runes) && isHeart(runes[j]) {
			j++
		}
		return j, t
	}
	if afterJia && p < len(runes) {
		if t := triggerHomophones()[runes[p]]; t != nil {
			return p + 1, t
		}
	}
	return -1, nil
}

func hasIDWithDigit(runes []rune, p int) bool {
	for ; p < len(runes) && (isASCIIAlnum(runes[p]) || runes[p] == '_' || runes[p] == '-'); p++ {
		if runes[p] >= '0' && runes[p] <= '9' {
			return true
		}
	}
	return false
}

func isFiller(r rune) bool {
	switch r {
	case '号', '是', '为', '码', '搜', '索', '的', '私', '加', '我', '聊', ':':
		return true
	}
	return false
}

// findID returns the end of a WeChat/QQ id a few characters after p, or -1.
func (s *Scanner) findID(runes []rune, p int, qq bool) int {
	k := p
	for fillers := 0; k < len(runes) && k-p < 12; {
		r := runes[k]
		if s.isNoise(r) && r != '_' && r != '-' {
			k++
			continue
		}
		if fillers < 3 && (isFiller(r) || qq && r == '群') { // QQ群 123456789: a group to join
			k++
			fillers++
			continue
		}
		if fillers < 3 && r == 'i' && k+1 < len(runes) && runes[k+1] == 'd' && (k+2 == len(runes) || !isASCIIAlnum(runes[k+2])) {
			k += 2
			fillers++
			continue
		}
		break
	}
	if k >= len(runes) {
		return -1
	}
	switch r := runes[k]; {
	case isLower(r) && !qq:
		e := k
		for e < len(runes) && (isASCIIAlnum(runes[e]) || runes[e] == '_' || runes[e] == '-') {
			e++
		}
		if l := e - k; l >= 6 && l <= 20 {
			return e
		}
	case r >= '1' && r <= '9':
		e := k
		for e < len(runes) && runes[e] >= '0' && runes[e] <= '9' {
			e++
		}
		if l := e - k; l >= 5 && l <= 11 && (e == len(runes) || !isLower(runes[e])) && !(qq && unitAfter(runes, e)) {
			return e
		}
	}
	return -1
}

// kouWords are the characters before 扣 in the words that end with it
// (折扣, 纽扣, 回扣, 克扣, 倒扣, 预扣, 暗扣, 实扣, 代扣, 被扣, 要扣).
const kouWords = "折纽回克倒预暗实代被要再多少共"

// unitAfter reports whether a unit of money, points or time follows the
// number ending at e (spaces skipped): 扣 12000 元, QQ 12345 积分 are an
// amount, not a QQ number. A measure word of a count after a round number
// (🐧 20000 只, 南极企鹅群 50000 只, 企鹅群：12000只; review rev13r, which
// made 🐧 and 企鹅群 triggers) is a count too; only after a round one, as
// 只 is also "only" (🐧 12345678 只接急单).
func unitAfter(runes []rune, e int) bool {
	k := skipSpaces(runes, e)
	if k >= len(runes) {
		return false
	}
	if strings.ContainsRune("元块分万千天次积%", runes[k]) {
		return true
	}
	return e >= 2 && runes[e-1] == '0' && runes[e-2] == '0' && strings.ContainsRune("只头个人名位条", runes[k])
}

// sameNumber returns the end of "同号", "同手机(号)", "同电话", "即手机号" or
// "就是手机号" at p (noise skipped): "微信同号" gives the id as "the same as my phone number", or -1.
func (s *Scanner) sameNumber(runes []rune, p int) int {
	p = s.skipNoise(runes, p)
	if p >= len(runes) || !strings.ContainsRune("同即就是", runes[p]) {
		return -1
	}
	for _, w := range [...]string{"同号", "同手机号", "同手机", "同电话号", "同电话", "即手机号", "即电话", "就是手机号", "就是电话", "是手机号"} {
		if hasPrefixRunes(runes[p:], w) {
			return p + len([]rune(w))
		}
	}
	return -1
}

// phoneOwners are the characters before 号码 that leave it the writer's
// phone number (我号码, 我的号码, 此号码, 联系号码, 这个号码 …); any other
// character is the end of another number's label (订单, 发票, 工单 …).
const phoneOwners = "我的此该本人系这那个新原"

// samePhoneBefore returns the start of "手机号即" / "电话同" / "13812345678 同"
// right before the trigger at i (noise skipped), which gives the phone
// number as the WeChat id, or -1.
func (s *Scanner) samePhoneBefore(runes []rune, i int) int {
	j := i - 1
	for j >= 0 && s.isNoise(runes[j]) {
		j--
	}
	if j >= 1 && runes[j] == '号' && runes[j-1] == '同' {
		return j - 1 // 同号微信: the number given before or after
	}
	switch {
	case j >= 0 && (runes[j] == '同' || runes[j] == '即'):
		j--
	case j >= 1 && runes[j] == '是' && runes[j-1] == '就':
		j -= 2
	default:
		return -1
	}
	for j >= 0 && s.isNoise(runes[j]) {
		j--
	}
	// 热线: 咨询热线同微信号 (red10), the number people call.
	for _, w := range [...]string{"手机号码", "手机号", "手机", "电话号码", "电话号", "电话", "号码", "热线"} {
		n := len([]rune(w))
		if j+1 >= n && hasPrefixRunes(runes[j+1-n:], w) {
			if w == "号码" && j-n >= 0 && isHan(runes[j-n]) && !strings.ContainsRune(phoneOwners, runes[j-n]) {
				// 订单号码, 发票号码, 快递单号码: another number's label
				// ends in 号码 (订单号码同微信支付单号一起发我).
				return -1
			}
			return j + 1 - n
		}
	}
	k := j
	for k >= 0 && runes[k] >= '0' && runes[k] <= '9' {
		k--
	}
	if j-k == 11 {
		return k + 1
	}
	return -1
}

// Words that make "加我微信" a question or a report rather than a request.
var (
	pastWords     = []string{"昨天", "前天", "上周", "上次", "上个月", "之前", "刚才", "已经", "早就", "以前", "那天"}
	questionEnds  = []rune{'?', '吗', '呢', '么', '没'}
	questionWords = []string{"谁", "哪个", "哪位", "哪一个"}
	whyWords      = []string{"为什么", "为啥", "干嘛", "干吗", "何必"}
	thirdPersons  = []rune{'他', '她', '它'}
	ordinaryAfter = []string{"支付", "转账", "红包", "群", "公众号", "小程序", "视频号", "登录", "扫码", "文件", "里", "上"}
)

// clause returns the bounds of the clause around [from, to): up to the
// sentence separators on either side, at most 30 characters away.
func clause(runes []rune, from, to int) (int, int) {
	lo, hi := from, to
	for lo > 0 && from-lo < 30 && !isSeparator(runes[lo-1]) {
		lo--
	}
	for hi < len(runes) && hi-to < 30 && !isSeparator(runes[hi]) {
		hi++
	}
	return lo, hi
}

// notARequest reports whether the 加 at i (the trigger ending at end) is a
// question or a report about the past (昨天你加我qq呢？, 你加过我微信吗,
// 我上周加了他微信) rather than a request to add an id.
func notARequest(runes []rune, i, end int) bool {
	if j := i + 1; j < len(runes) && (runes[j] == '了' || runes[j] == '过') {
		return true
	}
	if end < len(runes) && (runes[end] == '了' && !hasPrefixRunes(runes[end:], "了解") || runes[end] == '过') {
		return true
	}
	lo, hi := clause(runes, i, end)
	for k := lo; k < i; k++ {
		// 他说要加我微信: someone else's words.
		if slices.Contains(thirdPersons, runes[k]) && k+1 < i && strings.ContainsRune("说要想让叫会", runes[k+1]) {
			return true
		}
		// 客户说要加我微信, 老板问能不能加我微信: whoever the speaker, 说/问
		// with a modal before 加 reports what was said.
		if (runes[k] == '说' || runes[k] == '问') && k+1 < i && strings.ContainsRune("要想能可让", runes[k+1]) && !notSaid(runes, k) {
			return true
		}
	}
	if thirdPersonSubject(runes, lo, i) {
		return true
	}
	question := false
	if hi < len(runes) && runes[hi] == '?' {
		question = true
	}
	for _, r := range runes[end:hi] {
		for _, q := range questionEnds {
			if r == q {
				question = true
			}
		}
	}
	you := false
	for _, r := range runes[lo:i] {
		if r == '你' || r == '您' {
			you = true
		}
	}
	// A past-time word before 加 makes it a report (之前那个供应商加我微信聊过,
	// 他昨天加我qq问报价), whoever the subject is.
	past := hasWordNear(runes, i, i, i-lo, 0, pastWords)
	// A question about who (加我微信的那个客户是谁？) asks about someone.
	who := question && hasWordNear(runes, end, end, 0, hi-end, questionWords)
	// A question why (为什么要加我QQ？) objects to adding, it asks for nothing.
	why := question && hasWordNear(runes, i, i, i-lo, 0, whyWords)
	// 加我微信的 + a question (加我微信的是人事吗？) asks about the one who
	// added.
	// So does a demonstrative and a noun right after it (加我微信那个人是你们
	// 组的吗？, 加我vx这位是新来的吗): the phrase is a relative clause.
	nominal := question && end < len(runes) && (runes[end] == '的' || demonstrative(runes[end:]))
	// A question quoted after 问： (客户问：可以加我微信吗？) reports it; a
	// quoted request (老师说：加我微信 abc123) is still one.
	quoted := question && (containsRunes(runes[lo:i], "问:") || containsRunes(runes[lo:i], "说:"))
	return question && (you || why || nominal || quoted) || past || who
}

// demonstrative reports whether runes start with 那 or 这 and a measure
// word or a word for a person (那个, 这位, 那些, 那几个, 这人): the start of
// a noun phrase the words before it describe.
func demonstrative(runes []rune) bool {
	if len(runes) < 2 || runes[0] != '那' && runes[0] != '这' || !strings.ContainsRune("个位些家人名边几两", runes[1]) {
		return false
	}
	// 加我微信这个号 abc12345 好吗: the id itself, not a person.
	k := 2
	if k < len(runes) && runes[k] == '微' {
		k++
	}
	return !(k < len(runes) && strings.ContainsRune("号账idID", runes[k]))
}

// notSaid reports whether the 说 or 问 at k is part of a word that
// reports nobody's words: 疑问, 提问, 学问, 访问, 询问, 顾问, 请问 and 听说,
// 据说, 小说, 传说, 虽说, 再说, 话说, 所以说 (如有疑问可加我微信 abc123 is
// a request).
func notSaid(runes []rune, k int) bool {
	if k == 0 {
		return false
	}
	if runes[k] == '问' {
		return strings.ContainsRune("疑提学访询顾请", runes[k-1])
	}
	return strings.ContainsRune("听据小传虽再话所", runes[k-1])
}

// asksSame reports whether the same-number phrase ending at end is asked
// about in its clause (号码同微信吗？, 这个号码就是微信绑定的吗？): 吗 or a
// question mark before the next separator.
func asksSame(runes []rune, end int) bool {
	_, hi := clause(runes, end, end)
	return hi < len(runes) && runes[hi] == '?' || slices.Contains(runes[end:hi], '吗')
}

// askedAbout reports whether the trigger at i, with its id ending at idEnd,
// is asked about rather than given: a question about an id added in the
// past (昨天加的那个微信 zhangsan88 是你吗？).
func askedAbout(runes []rune, i, idEnd int) bool {
	lo, hi := clause(runes, i, idEnd)
	question := hi < len(runes) && runes[hi] == '?'
	for _, r := range runes[idEnd:hi] {
		if slices.Contains(questionEnds, r) {
			question = true
		}
	}
	return question && hasWordNear(runes, i, i, i-lo, 0, pastWords) && containsRunes(runes[lo:i], "加")
}

// thirdPersonSubject reports whether someone other than the writer is the
// subject of the 加 at i (他加我微信是为了对接接口, 上周有人加我微信说是猎头):
// a description of what happened, not a request to the reader. One adverb
// (也, 都, 还 …) may stand between the subject and 加.
func thirdPersonSubject(runes []rune, lo, i int) bool {
	k := i
	if k-1 >= lo && strings.ContainsRune("也都还就又刚总", runes[k-1]) {
		k--
	}
	if k-1 >= lo && slices.Contains(thirdPersons, runes[k-1]) {
		return true
	}
	for _, w := range []string{"有人", "别人", "对方", "人家", "他们", "她们"} {
		if k-lo >= 2 && hasPrefixRunes(runes[k-2:k], w) {
			return true
		}
	}
	return false
}

// detectWeChat finds WeChat/QQ solicitations: a trigger word followed by an
// id (微信号：abc123, Q：123456789), "加我"/"加"/"+" with a disguised trigger
// alone (加我微信, 加v信, +V, ➕微), and a trigger with 同号 (微信同号), which
// gives the phone number as the id. Ordinary talk about WeChat ("微信群里说",
// "用微信支付", "企业微信") has no id after the trigger and is not reported,
// nor are questions and reports (你加过我微信吗, 我上周加了他微信).
func (s *Scanner) detectWeChat(runes []rune, offs []int32, dst []Finding) []Finding {
	n := len(runes)
	t := s.norm.t
	for i := 0; i < n; i++ {
		r := runes[i]
		if t.hints(r)&hintTrigger == 0 {
			continue
		}
		if isLower(r) && i > 0 && isASCIIAlnum(runes[i-1]) {
			continue
		}
		if r == '微' && i >= 2 && runes[i-2] == '企' && runes[i-1] == '业' {
			continue // 企业微信: the company's own tool
		}
		alone, jia := false, false
		var end int
		var tr *weChatTrigger
		if r == '加' || r == '+' || r == '➕' {
			jia = true
			j := s.skipNoise(runes, i+1)
			if j < n && runes[j] == '我' {
				alone = true
				j = s.skipNoise(runes, j+1)
			}
			end, tr = s.matchTrigger(runes, j, true)
			if end < 0 {
				continue
			}
			if tr.homophone && !homophoneRequest(runes, i, end, tr) {
				continue
			}
			alone = (alone || tr.disguised) && !tr.homophone
			if r != '加' && tr.text[0] == 'q' && len(tr.text) == 1 {
				continue
			}
		} else {
			end, tr = s.matchTrigger(runes, i, false)
			if end < 0 {
				continue
			}
		}
		form, conf := FormDetector, uint8(confPlain)
		if tr.disguised || r == '+' || r == '➕' {
			form, conf = FormObfuscated, confEvasive
		}
		if same := s.sameNumber(runes, end); same > 0 {
			// 微信同号 (13812345678): the id is the phone number.
			idEnd := same
			if asksSame(runes, same) {
				// Asked about, not given (微信同号的那个客户签约了吗？:
				// red10), like 号码同微信吗？ below.
				i = idEnd - 1
				continue
			}
			if e := s.findID(runes, same, true); e > 0 {
				idEnd = e
			}
			fs, fe := findingSpan(runes, offs, i, idEnd-1)
			dst = append(dst, Finding{Kind: KindWeChatID, Start: fs, End: fe, Form: form, Confidence: conf})
			i = idEnd - 1
			continue
		}
		if st := s.samePhoneBefore(runes, i); st >= 0 && !tr.qq && !(runes[st] == '同' && ordinaryUse(runes, end)) && !asksSame(runes, end) && !s.phoneAndWeChat(runes, i, end) {
			// 手机号即微信号, 13812345678 同V: the id is the phone number.
			fs, fe := findingSpan(runes, offs, st, end-1)
			dst = append(dst, Finding{Kind: KindWeChatID, Start: fs, End: fe, Form: form, Confidence: conf})
			i = end - 1
			continue
		}
		if idEnd := s.findID(runes, end, tr.qq); idEnd > 0 {
			if jia && notARequest(runes, i, end) || !jia && askedAbout(runes, i, idEnd) || !jia && tr.word && !idEndsOffer(runes, idEnd) || tr.money && moneyNotID(runes, end, idEnd) {
				i = idEnd - 1
				continue
			}
			fs, fe := findingSpan(runes, offs, i, idEnd-1)
			dst = append(dst, Finding{Kind: KindWeChatID, Start: fs, End: fe, Form: form, Confidence: conf})
			i = idEnd - 1
			continue
		}
		if alone && !notARequest(runes, i, end) && !ordinaryUse(runes, end) {
			fs, fe := findingSpan(runes, offs, i, end-1)
			dst = append(dst, Finding{Kind: KindWeChatID, Start: fs, End: fe, Form: form, Confidence: conf - 5})
			i = end - 1
		}
	}
	return dst
}

// offerAfterID are the words of contacting that may follow an id given
// after a trigger that is also an ordinary word or a name (卫星 lily87862
// 拉群, 蔻蔻 595032250 私聊).
var offerAfterID = [...]string{"拉群", "进群", "入群", "备注", "私聊", "私我", "详聊", "详谈", "咨询", "联系", "秒回", "通过", "好友", "找我", "加我", "了解", "领取", "免费", "福利"}

// idEndsOffer reports whether the id that ends at end, after a trigger that
// is also an ordinary word (卫星, a satellite) or a name (蔻蔻), is given
// rather than talked about: it ends the message or its clause, or a word of
// contacting follows (卫星 lily87862 拉群). A designation or a number that
// the sentence goes on about (卫星 tianlian2 中继链路, 蔻蔻 123456 这个工单,
// 蔻蔻 60000 件库存) is not.
func idEndsOffer(runes []rune, end int) bool {
	k := skipSpaces(runes, end)
	if k >= len(runes) {
		return true
	}
	switch runes[k] {
	case '，', '。', '！', '？', '；', ',', '.', '!', '?', ';', '、', '~', '～', '\n', '\r', ')', '）', '】':
		return true
	}
	for _, w := range offerAfterID {
		if hasPrefixRunes(runes[k:], w) {
			return true
		}
	}
	return false
}

// moneyNotID reports whether the id found in runes[from:to] after v我 is an
// amount: digits alone that are no mobile number (V我 88888 看看实力, v我
// 200000 我就去加班: "transfer me", the joke of v我50). A WeChat id
// starts with a letter (v我 mm27255); a mobile number is one too.
func moneyNotID(runes []rune, from, to int) bool {
	digits, first := 0, rune(0)
	for _, r := range runes[from:to] {
		switch {
		case r >= 'a' && r <= 'z':
			return false
		case r >= '0' && r <= '9':
			if digits == 0 {
				first = r
			}
			digits++
		}
	}
	return !(digits == 11 && first == '1')
}

// sameContact are the words after 电话同微信 that give the pair as a
// contact (电话同微信随时联系), not as two channels.
var sameContact = [...]string{"随时", "欢迎", "联系", "咨询", "可加", "添加", "秒回", "私聊", "详聊", "全天", "在线"}

// phoneAndWeChat reports whether 同 before the trigger at i is "and": the
// phone or hotline and WeChat as two channels that the sentence goes on
// about in Chinese (热线同微信渠道的工单合并统计, 电话同微信小程序都是
// 24小时, 本月热线同微信的投诉量: review10), not the number given as the id
// (电话同微信, 咨询热线同微信号, 手机同微，欢迎来问).
func (s *Scanner) phoneAndWeChat(runes []rune, i, end int) bool {
	j := i - 1
	for j >= 0 && s.isNoise(runes[j]) {
		j--
	}
	if j < 0 || runes[j] != '同' || end >= len(runes) || !isHan(runes[end]) || runes[end] == '号' {
		return false
	}
	for _, w := range sameContact {
		if hasPrefixRunes(runes[end:], w) {
			return false
		}
	}
	return true
}

// ordinaryUse reports whether the words after a trigger name a WeChat
// feature (加我微信群, 加微信支付), not an account to add.
func ordinaryUse(runes []rune, end int) bool {
	for _, w := range ordinaryAfter {
		if hasPrefixRunes(runes[end:], w) {
			return true
		}
	}
	return false
}
