package moderation

import (
	"strings"
	"unicode/utf8"
)

// minNumberDigits is how many digit-like runes a message needs before the
// number detectors run: the 11 of a mobile number, less the few that an
// evasive spelling writes as letters (l38OO138OOO).
const minNumberDigits = 5

// Joiner flags: what the writer put between two groups of digits.
const (
	joinTight   uint8 = 1 << iota // nothing: the digits change style (①138…)
	joinSpace                     // spaces
	joinDash                      // - + _ ( )
	joinOdd                       // other noise: emoji, ★, invisible characters
	joinDot                       // .
	joinComma                     // , 、 ; / (list separators)
	joinNewline                   // a line break
)

// joinStructural are joiners that also separate the parts of ordinary
// numbers (192.168.1.1, 1,000,000, one number a line): digits across them
// form a number only in a number's usual grouping (188,1651,4888).
const joinStructural = joinDot | joinComma | joinNewline

// numGroup is a stretch of digits written the same way without a break.
type numGroup struct {
	start, end int   // digit indices [start, end) into detectScratch.vals
	join       uint8 // what separates it from the previous group
}

// phone labels: ASCII words right before a number that do not make it a
// code (SN13812345678 is a serial number, Tel13812345678 a phone).
var phoneLabels = [...]string{"tel", "phone", "mobile", "mob", "cell", "call", "dh", "sj", "hp", "whatsapp"}

// Context words, normalized (lower case, simplified).
var (
	// orderWords label numbers that are not bank cards even when the Luhn
	// sum passes (one random number in ten does).
	orderWords = []string{"订单", "单号", "发票", "快递", "运单", "流水", "交易号", "编号", "工单", "合同号",
		"报销单", "采购单", "退款单", "请款单", "申请单", "单据", "票号",
		"设备号", "设备", "sn", "imei", "串号", "会议", "会议室", "账单",
		"批次", "物流", "追踪", "跟踪", "序列号", "条码", "会议号", "会议id", "工号", "房间号",
		"order", "invoice", "tracking", "serial", "sku", "ref"}
	// cardWords make a Luhn-valid number a bank card.
	cardWords = []string{"卡号", "银行卡", "开户", "账号", "帐号", "收款", "储蓄卡", "信用卡", "借记卡", "转账",
		"打款", "汇款", "银行", "card"}
	// phoneWords make an 11-digit number a phone number.
	phoneWords = []string{"电话", "手机", "联系", "致电", "打给", "号码", "来电", "tel", "phone", "call", "mobile"}
	// idWords make an ID-shaped number an ID card.
	idWords = []string{"身份证", "证件", "身份号"}
)

// joinerKind classifies a normalized rune between two groups of digits:
// the joiner flag, or 0 when the rune ends the run.
func (s *Scanner) joinerKind(r rune) uint8 {
	switch r {
	case ' ', '\t':
		return joinSpace
	case '-', '+', '_', '(', ')', '–', '—', '~':
		return joinDash
	case '.', '。':
		// 。 is the full stop a Chinese keyboard types for a dot (138。0013。8000).
		return joinDot
	case ',', '、', ';', '/':
		// List separators: 、 and ； are what a Chinese keyboard types for a
		// comma between items (135、1234、5678), / between alternatives. They
		// are structural, so a date (2024/11/18) or a list of counts never
		// reads as a number; a phone across them must be grouped 3-4-4.
		return joinComma
	case '\n', '\r', 0x2028, 0x2029:
		return joinNewline
	case ':', '\\', '|', '=', '*', '#', '@', '%', '$', '¥', '<', '>', '[', ']', '{', '}':
		// Times, dates, fractions, formulas, table cells: not part of a number.
		return 0
	}
	if s.isNoise(r) {
		return joinOdd
	}
	return 0
}

// detectNumbers finds runs of digits and classifies them as phone, ID card
// or bank card numbers. A run is a sequence of groups (digits written the
// same way without a break) and the joiners between them.
func (s *Scanner) detectNumbers(text string, runes []rune, offs []int32, dst []Finding, sc *detectScratch) []Finding {
	t := s.norm.t
	cur := origCursor{text: text}
	for i := 0; i < len(runes); {
		if !startsDigit(t, runes, offs, i) {
			i++
			continue
		}
		if end, n := s.roughRun(runes, offs, i); n < 11 {
			// Too few digits for any number ("三点在二楼"): skip the run
			// without reading how its digits were written.
			i = end
			continue
		}
		j := s.readRun(runes, offs, i, &cur, sc)
		if len(sc.vals) >= 11 {
			dst = s.classifyRun(runes, offs, i, &cur, dst, sc)
		}
		i = max(j, i+1)
	}
	return dst
}

// startsDigit reports whether a run of digits can start at i: a digit, or
// a letter spelling one (l38OO…).
func startsDigit(t *tables, runes []rune, offs []int32, i int) bool {
	r := runes[i]
	if t.hints(r)&hintDigit != 0 {
		_, n := digitValues(r)
		return n > 0
	}
	return (r == 'o' || r == 'l' || r == 'i') && isSubstitute(runes, offs, i)
}

// roughRun returns the end of the run starting at i and an upper bound of
// its digits: it counts every digit and letter spelling one, across any
// joiners, so that it never counts fewer than readRun would read.
func (s *Scanner) roughRun(runes []rune, offs []int32, i int) (end, n int) {
	j := i
	for j < len(runes) {
		if _, cnt := digitValues(runes[j]); cnt > 0 {
			n += cnt
			j++
			continue
		}
		if (runes[j] == 'o' || runes[j] == 'l' || runes[j] == 'i') && isSubstitute(runes, offs, j) {
			n++
			j++
			continue
		}
		k := j
		for k < len(runes) && k-j < 6 && s.joinerKind(runes[k]) != 0 {
			k++
		}
		if k == j || k == len(runes) {
			break
		}
		if _, cnt := digitValues(runes[k]); cnt == 0 && !isSubstitute(runes, offs, k) {
			break
		}
		j = k
	}
	return max(j, i+1), n
}

// readRun reads the run of digits starting at i into sc and returns its end.
func (s *Scanner) readRun(runes []rune, offs []int32, i int, cur *origCursor, sc *detectScratch) int {
	sc.pos, sc.vals, sc.styles, sc.groups = sc.pos[:0], sc.vals[:0], sc.styles[:0], sc.groups[:0]
	n := len(runes)
	j := i
	var join uint8
	for {
		// One group: digits of one style, nothing between them.
		g := numGroup{start: len(sc.vals), join: join}
		for j < n {
			v, cnt := digitValues(runes[j])
			style := styleLetter
			if cnt == 0 {
				if !isSubstitute(runes, offs, j) {
					break
				}
				v, cnt = [2]int8{1}, 1
				if runes[j] == 'o' {
					v[0] = 0
				}
			} else {
				style = styleOf(cur.at(offs[j]))
			}
			if len(sc.vals) > g.start {
				prev := sc.pos[len(sc.pos)-1]
				if sc.styles[len(sc.styles)-1] != style || offs[j]-offs[prev] > 1 {
					break
				}
			}
			for k := range cnt {
				sc.pos = append(sc.pos, int32(j))
				sc.vals = append(sc.vals, v[k])
				sc.styles = append(sc.styles, style)
			}
			j++
		}
		if len(sc.vals) == g.start {
			break
		}
		g.end = len(sc.vals)
		sc.groups = append(sc.groups, g)
		// The joiner to the next group.
		last := sc.pos[len(sc.pos)-1]
		k, structural := j, 0
		for k < n && k-j < 6 {
			f := s.joinerKind(runes[k])
			if f == 0 || f&joinStructural != 0 && structural == 2 {
				break
			}
			if f&joinStructural != 0 {
				structural++
			}
			k++
		}
		if k >= n {
			break
		}
		if _, cnt := digitValues(runes[k]); cnt == 0 && !isSubstitute(runes, offs, k) {
			break
		}
		join = s.joiner(runes, offs, j, k, offs[last])
		j = k
	}
	// An 18-digit ID card may end in X.
	if j < n && runes[j] == 'x' && len(sc.groups) > 0 && (j+1 == n || !isASCIIAlnum(runes[j+1])) &&
		offs[j]-offs[sc.pos[len(sc.pos)-1]] == 1 {
		sc.pos = append(sc.pos, int32(j))
		sc.vals = append(sc.vals, 10)
		sc.styles = append(sc.styles, sc.styles[len(sc.styles)-1])
		sc.groups[len(sc.groups)-1].end++
		j++
	}
	return j
}

// joiner returns the flags of the joiner runes[j:k] between a digit at
// original offset prev and the digit at k. Parentheses and dots of an
// expansion (⑽ is "(10)", ⒈ is "1.") belong to the digit, not the writer's
// joiner; characters the normalizer dropped (zero-width) count as odd noise.
func (s *Scanner) joiner(runes []rune, offs []int32, j, k int, prev int32) uint8 {
	var join uint8
	distinct := int32(0)
	seen := prev
	for _, o := range offs[j:k] {
		if o == prev || o == offs[k] {
			continue
		}
		if o != seen {
			distinct++
			seen = o
		}
	}
	for m := j; m < k; m++ {
		if offs[m] != prev && offs[m] != offs[k] {
			join |= s.joinerKind(runes[m])
		}
	}
	if gap := offs[k] - prev - 1; gap > distinct {
		join |= joinOdd
	}
	if join == 0 {
		join = joinTight
	}
	return join
}

// codePrefix reports whether the run starting at i is glued to a latin
// code (SN13812345678, PO-1388-1234-567): a product, order or serial
// number. A code is written in capitals or joined by - _ # .; a lower-case
// word glued to a number is chat ("call me13812345678"), and phone labels
// (Tel13812345678) are never codes.
func codePrefix(runes []rune, offs []int32, i int, cur *origCursor) bool {
	k := i
	joined := false
	if k > 0 && (runes[k-1] == '-' || runes[k-1] == '_' || runes[k-1] == '#' || runes[k-1] == '.') {
		k--
		joined = true
	}
	if k == 0 || !isLower(runes[k-1]) {
		return false
	}
	a := k
	for a > 0 && isLower(runes[a-1]) {
		a--
	}
	for _, l := range phoneLabels {
		if string(runes[a:k]) == l {
			return false
		}
	}
	if joined {
		return true
	}
	for m := a; m < k; m++ {
		if r := cur.at(offs[m]); r >= 'a' && r <= 'z' || r >= 'ａ' && r <= 'ｚ' {
			return false
		}
	}
	return true
}

// classifyRun reports the numbers in the run read into sc. It tries
// stretches of whole groups, longest first from the left, so a number is
// never cut out of the middle of a group (an order number's digits), and
// a style change (①13812345678) or a joiner is where it can start or end.
func (s *Scanner) classifyRun(runes []rune, offs []int32, runStart int, cur *origCursor, dst []Finding, sc *detectScratch) []Finding {
	gs := sc.groups
	code := codePrefix(runes, offs, runStart, cur)
	glued := runStart > 0 && isLower(runes[runStart-1]) // a latin letter right before the run
	for a := 0; a < len(gs); {
		next := a + 1
		// The longest stretch from a of at most 19 digits.
		top := a + 1
		for top < len(gs) && gs[top].end-gs[a].start <= 19 {
			top++
		}
		for b := top; b > a; b-- {
			n := gs[b-1].end - gs[a].start
			if n > 19 {
				continue
			}
			if n < 11 {
				break
			}
			if f, ok := s.number(runes, offs, a, b, code, glued, sc); ok {
				dst = append(dst, f)
				next = b
				break
			}
		}
		a = next
	}
	return dst
}

// number classifies the groups [a, b) of the run in sc; code says the run
// has a code prefix, glued that a latin letter touches its first digit.
func (s *Scanner) number(runes []rune, offs []int32, a, b int, code, glued bool, sc *detectScratch) (Finding, bool) {
	gs := sc.groups
	v := sc.vals[gs[a].start:gs[b-1].end]
	kind := s.numberKind(v)
	if kind == 0 {
		return Finding{}, false
	}
	var inner uint8
	for _, g := range gs[a+1 : b] {
		inner |= g.join
	}
	// Across dots, commas and line breaks only a number's usual grouping.
	if inner&joinStructural != 0 && !grouped(kind, gs[a:b]) {
		return Finding{}, false
	}
	// A digit at a time only as a whole run: 1,3,8,…,9,0 is a list.
	if inner&joinStructural != 0 && singleDigits(gs[a:b]) && (a > 0 || b < len(gs)) {
		return Finding{}, false
	}
	// A number inside a dotted chain (192.168.125.83, v3.11.2.13812345678)
	// is an address or a version, unless what precedes is a "1." marker.
	if a > 0 && gs[a].join&joinDot != 0 {
		m := gs[a-1]
		if m.end-m.start > 2 || a-1 > 0 && m.join&joinDot != 0 || a-1 == 0 && glued {
			return Finding{}, false // v2.13812345678 is a version, not "2." and a number
		}
	}
	if b < len(gs) && gs[b].join&joinDot != 0 {
		return Finding{}, false
	}
	// A phone cut out of a dashed code after a group of three to ten
	// digits or after two groups (批次号 2025-1381-2345-678, 2025-06-138…)
	// is part of the code; a list marker ((1)13812345678, 2-138…), a
	// country code (+86-138…) or a whole number before the dash (a pair of
	// phones) is not (red9c). After a single group, a phone written whole
	// or in its usual grouping (000-13812345678, 区号-138-1234-5678) is
	// still a phone: only one cut across the code's own groups is not.
	if kind == KindPhone && a > 0 && gs[a].join&joinDash != 0 {
		whole := a == 1 && (b-a == 1 || grouped(kind, gs[a:b]))
		if m := sc.vals[gs[a-1].start:gs[a-1].end]; !countryCode(m) && (len(m) >= 3 && !whole || a >= 2) && len(m) < 11 {
			return Finding{}, false
		}
	}
	// A code glued to a latin prefix is not a phone or card number; a
	// number written apart from it (after a space) is.
	if code && kind != KindIDCard {
		glued := true
		for _, g := range gs[1 : a+1] {
			if g.join&(joinSpace|joinComma|joinNewline|joinOdd) != 0 {
				glued = false
			}
		}
		if glued {
			return Finding{}, false
		}
	}
	first, last := int(sc.pos[gs[a].start]), int(sc.pos[gs[b-1].end-1])
	fs, fe := findingSpan(runes, offs, first, last)
	f := Finding{Kind: kind, Start: fs, End: fe, Form: FormDetector}
	letters, singles := 0, 0
	for k := gs[a].start; k < gs[b-1].end; k++ {
		switch sc.styles[k] {
		case styleASCII:
		case styleLetter:
			letters++
			f.Form = FormObfuscated
		default:
			f.Form = FormObfuscated
		}
	}
	for _, g := range gs[a:b] {
		if g.end-g.start == 1 {
			singles++
		}
	}
	if inner&(joinStructural|joinOdd) != 0 || singles >= 4 {
		f.Form = FormObfuscated
	}
	if len(v)-letters < minNumberDigits {
		return Finding{}, false // mostly letters: a word, not a number
	}
	f.Confidence = confPlain
	if f.Form == FormObfuscated {
		f.Confidence = confEvasive
	}
	switch kind {
	case KindPhone:
		switch {
		case labelled(runes, first, last+1, orderWords):
			f.Confidence = confNumberDoubtful + 10
		case hasWordNear(runes, first, last+1, 12, 8, phoneWords):
			f.Confidence = confSure
		}
	case KindIDCard:
		if len(v) == 15 {
			f.Confidence = confWeak + 10 // no check digit
		} else {
			f.Confidence = confSure
		}
		if hasWordNear(runes, first, last+1, 12, 8, idWords) {
			f.Confidence = 99
		}
	case KindBankCard:
		switch {
		case labelled(runes, first, last+1, orderWords):
			return Finding{}, false
		case isTestCard(v):
			return Finding{}, false
		case hasWordNear(runes, first, last+1, 16, 8, cardWords):
			f.Confidence = confSure
		case v[0] == 6 && v[1] == 2:
			f.Confidence = confPlain - 10 // UnionPay's prefix
		default:
			f.Confidence = confWeak
		}
		if letters > 0 {
			f.Confidence -= 20
		}
	}
	if letters > 0 && f.Confidence > confWeak+10 {
		f.Confidence = confWeak + 10
	}
	return f, true
}

// countryCode reports whether the digits are China's calling code (86,
// 0086) before a phone number.
func countryCode(v []int8) bool {
	return len(v) == 2 && v[0] == 8 && v[1] == 6 || len(v) == 4 && v[0] == 0 && v[1] == 0 && v[2] == 8 && v[3] == 6
}

// labelled reports whether one of words labels the number at [from, to):
// it ends right before it (订单号：, 发票号码, order no.) or starts right
// after it in brackets (6222…（运单）). Words further away label something
// else (订单 2023 13812345678: the order is 2023).
//
// A number in a list takes the label of the list (订单号 4422…、6064… : both
// are order numbers): the walk goes back over list separators and the
// numbers before them, up to maxListItems, and checks each one's label.
func labelled(runes []rune, from, to int, words []string) bool {
	if labelledHere(runes, from, to, words) {
		return true
	}
	const maxListItems = 32
	k := from
	for range maxListItems {
		j := k
		for j > 0 && runes[j-1] == ' ' {
			j--
		}
		if j == 0 || !strings.ContainsRune("、,，;；/和及", runes[j-1]) {
			return false
		}
		j--
		for j > 0 && runes[j-1] == ' ' {
			j--
		}
		end := j
		for j > 0 && isASCIIAlnum(runes[j-1]) {
			j--
		}
		if j == end {
			return false
		}
		if labelledHere(runes, j, end, words) {
			return true
		}
		k = j
	}
	return false
}

// labelledHere is labelled for the number at [from, to) alone.
func labelledHere(runes []rune, from, to int, words []string) bool {
	skip := func(k int) int {
		for range 2 {
			for k > 0 && (runes[k-1] == ' ' || runes[k-1] == ':' || runes[k-1] == '#' || runes[k-1] == '.' ||
				runes[k-1] == '是' || runes[k-1] == '为' || runes[k-1] == '码') {
				k--
			}
			if k >= 2 && runes[k-2] == 'n' && runes[k-1] == 'o' {
				k -= 2 // order no.
			}
		}
		return k
	}
	k0 := skip(from)
	k1 := k0
	if k1 > 0 && runes[k1-1] == '号' {
		k1-- // 发票号, 运单号
	}
	for _, w := range words {
		// The last rune first: most words do not end where the label
		// would, and that needs no decoding of the word's other runes.
		last, _ := utf8.DecodeLastRuneInString(w)
		for _, k := range [2]int{k0, k1} {
			if k > 0 && runes[k-1] == last {
				if n := utf8.RuneCountInString(w); k >= n && hasPrefixRunes(runes[k-n:], w) {
					return true
				}
			}
		}
	}
	j := to
	for j < len(runes) && (runes[j] == ' ' || runes[j] == '(') {
		j++
	}
	if j == len(runes) {
		return false
	}
	for _, w := range words {
		if first, _ := utf8.DecodeRuneInString(w); runes[j] == first && hasPrefixRunes(runes[j:], w) {
			return true
		}
	}
	return false
}
