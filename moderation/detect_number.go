package moderation

import "unicode/utf8"

// minNumberDigits is how many digit-like runes a message needs before the
// number detectors run: the 11 of a mobile number, less the few that an
// evasive spelling writes as letters (l38OO138OOO).
const minNumberDigits = 5

// digitStyle says how a digit was written, read from the original text. A
// change of style inside a run of digits is a boundary: ①13812345678 is the
// list marker ① and a phone number, not a 12-digit run.
type digitStyle uint8

// Digit styles.
const (
	styleASCII          digitStyle = iota // 0–9, full-width ０–９
	styleChinese                          // 一二三, 壹贰叁, radio numerals 幺两拐勾洞
	styleLetter                           // O for 0, l and I for 1
	styleCircled                          // ①, ⓪, ㉑
	styleParen                            // ⑴, ㈠
	styleStop                             // ⒈, 🄁
	styleNegCircled                       // ❶, ⓫, ⓿
	styleSansCircled                      // ➀
	styleNegSansCircled                   // ➊
	styleDoubleCircled                    // ⓵
	styleCircledHan                       // ㊀
	styleSuper                            // ¹
	styleSub                              // ₁
	styleMath                             // 𝟏
	styleOther                            // any other character that folds to a digit
)

// styleOf classifies the original character r of a digit.
func styleOf(r rune) digitStyle {
	switch {
	case r >= '0' && r <= '9', r >= '０' && r <= '９':
		return styleASCII
	case isChineseNumeral(r):
		return styleChinese
	case r == 'o' || r == 'O' || r == 'l' || r == 'I' || r == 'i' || r == 'ｏ' || r == 'Ｏ' || r == 'ｌ' || r == 'Ｉ':
		return styleLetter
	case r >= 0x2460 && r <= 0x2473, r == 0x24EA, r >= 0x3251 && r <= 0x325F, r >= 0x32B1 && r <= 0x32BF:
		return styleCircled
	case r >= 0x2474 && r <= 0x2487, r >= 0x3220 && r <= 0x3229:
		return styleParen
	case r >= 0x2488 && r <= 0x249B, r >= 0x1F100 && r <= 0x1F10A:
		return styleStop
	case r >= 0x24EB && r <= 0x24F4, r == 0x24FF, r >= 0x2776 && r <= 0x277F:
		return styleNegCircled
	case r >= 0x2780 && r <= 0x2789:
		return styleSansCircled
	case r >= 0x278A && r <= 0x2793:
		return styleNegSansCircled
	case r >= 0x24F5 && r <= 0x24FE:
		return styleDoubleCircled
	case r >= 0x3280 && r <= 0x3289:
		return styleCircledHan
	case r == 0xB9 || r == 0xB2 || r == 0xB3 || r >= 0x2070 && r <= 0x2079:
		return styleSuper
	case r >= 0x2080 && r <= 0x2089:
		return styleSub
	case r >= 0x1D7CE && r <= 0x1D7FF:
		return styleMath
	}
	return styleOther
}

// isDingbatDigit reports whether r is one of the enclosed digits NFKC leaves
// alone (❶, ➀, ➊, ⓵, ⓫, ⓿), which digitValues reads.
func isDingbatDigit(r rune) bool {
	return r >= 0x2776 && r <= 0x2793 || r >= 0x24EB && r <= 0x24FF
}

// digitValues returns the digits a normalized rune stands for (ASCII
// digits, Chinese numerals, and the enclosed digits NFKC does not fold:
// ❿ and ⓫ stand for two digits) and how many there are.
func digitValues(r rune) (v [2]int8, n int) {
	switch {
	case r >= '0' && r <= '9':
		return [2]int8{int8(r - '0')}, 1
	case r >= 0x2776 && r <= 0x2793:
		// Three blocks of ten: ❶–❿, ➀–➉, ➊–➓.
		d := (r - 0x2776) % 10
		if d == 9 {
			return [2]int8{1, 0}, 2
		}
		return [2]int8{int8(d + 1)}, 1
	case r >= 0x24F5 && r <= 0x24FE: // ⓵–⓾
		if r == 0x24FE {
			return [2]int8{1, 0}, 2
		}
		return [2]int8{int8(r - 0x24F5 + 1)}, 1
	case r == 0x24FF: // ⓿
		return [2]int8{0}, 1
	case r >= 0x24EB && r <= 0x24F4: // ⓫–⓴
		v := int8(r - 0x24EB + 11)
		return [2]int8{v / 10, v % 10}, 2
	}
	if d, ok := chineseDigit(r); ok {
		return [2]int8{int8(d)}, 1
	}
	return v, 0
}

// Joiner flags: what the writer put between two groups of digits.
const (
	joinTight   uint8 = 1 << iota // nothing: the digits change style (①138…)
	joinSpace                     // spaces
	joinDash                      // - + _ ( )
	joinOdd                       // other noise: emoji, ★, invisible characters
	joinDot                       // .
	joinComma                     // ,
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
		"批次", "物流", "追踪", "跟踪", "序列号", "条码", "order", "invoice", "tracking", "serial", "sku", "ref"}
	// cardWords make a Luhn-valid number a bank card.
	cardWords = []string{"卡号", "银行卡", "开户", "账号", "帐号", "收款", "储蓄卡", "信用卡", "借记卡", "转账",
		"打款", "汇款", "银行", "card"}
	// phoneWords make an 11-digit number a phone number.
	phoneWords = []string{"电话", "手机", "联系", "致电", "打给", "号码", "来电", "tel", "phone", "call", "mobile"}
	// idWords make an ID-shaped number an ID card.
	idWords = []string{"身份证", "证件", "身份号"}
)

// isSubstitute reports whether the letter at j spells a digit (o for 0,
// l or i for 1): the whole latin word around it is made of such letters, at
// most four, and touches a digit.
func isSubstitute(runes []rune, offs []int32, j int) bool {
	if r := runes[j]; r != 'o' && r != 'l' && r != 'i' {
		return false
	}
	a, b := j, j+1
	for a > 0 && isLower(runes[a-1]) {
		a--
	}
	for b < len(runes) && isLower(runes[b]) {
		b++
	}
	if b-a > 4 {
		return false
	}
	for _, r := range runes[a:b] {
		if r != 'o' && r != 'l' && r != 'i' {
			return false
		}
	}
	_, before := digitValuesAt(runes, a-1)
	_, after := digitValuesAt(runes, b)
	return before > 0 && offs[a]-offs[a-1] == 1 || after > 0 && offs[b]-offs[b-1] == 1
}

func digitValuesAt(runes []rune, i int) ([2]int8, int) {
	if i < 0 || i >= len(runes) {
		return [2]int8{}, 0
	}
	return digitValues(runes[i])
}

// joinerKind classifies a normalized rune between two groups of digits:
// the joiner flag, or 0 when the rune ends the run.
func (s *Scanner) joinerKind(r rune) uint8 {
	switch r {
	case ' ', '\t':
		return joinSpace
	case '-', '+', '_', '(', ')', '–', '—', '~':
		return joinDash
	case '.':
		return joinDot
	case ',':
		return joinComma
	case '\n', '\r', 0x2028, 0x2029:
		return joinNewline
	case ':', '/', '\\', '|', '=', '*', '#', '@', '%', '$', '¥', '<', '>', '[', ']', '{', '}':
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
		j := s.readRun(runes, offs, i, &cur, sc)
		if len(sc.vals) >= 11 {
			dst = s.classifyRun(runes, offs, i, dst, sc)
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

// codePrefix reports whether the run starting at i is glued to a latin word
// (SN13812345678, PO-1388-1234-567): a product, order or serial code.
func codePrefix(runes []rune, i int) bool {
	k := i
	if k > 0 && (runes[k-1] == '-' || runes[k-1] == '_' || runes[k-1] == '#' || runes[k-1] == '.') {
		k--
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
	return true
}

// classifyRun reports the numbers in the run read into sc. It tries
// stretches of whole groups, longest first from the left, so a number is
// never cut out of the middle of a group (an order number's digits), and
// a style change (①13812345678) or a joiner is where it can start or end.
func (s *Scanner) classifyRun(runes []rune, offs []int32, runStart int, dst []Finding, sc *detectScratch) []Finding {
	gs := sc.groups
	code := codePrefix(runes, runStart)
	for a := 0; a < len(gs); {
		next := a + 1
		for b := len(gs); b > a; b-- {
			n := gs[b-1].end - gs[a].start
			if n > 19 {
				continue
			}
			if n < 11 {
				break
			}
			if f, ok := s.number(runes, offs, a, b, code, sc); ok {
				dst = append(dst, f)
				next = b
				break
			}
		}
		a = next
	}
	return dst
}

// number classifies the groups [a, b) of the run in sc.
func (s *Scanner) number(runes []rune, offs []int32, a, b int, code bool, sc *detectScratch) (Finding, bool) {
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
	// A number inside a dotted chain (192.168.125.83, v3.11.2.13812345678)
	// is an address or a version, unless what precedes is a "1." marker.
	if a > 0 && gs[a].join&joinDot != 0 {
		m := gs[a-1]
		if m.end-m.start > 2 || a-1 > 0 && m.join&joinDot != 0 {
			return Finding{}, false
		}
	}
	if b < len(gs) && gs[b].join&joinDot != 0 {
		return Finding{}, false
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
	f := Finding{Kind: kind, Start: int(offs[first]), End: int(offs[last]) + 1, Form: FormDetector}
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
			f.Confidence = confDoubtful + 10
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

// labelled reports whether one of words labels the number at [from, to):
// it ends right before it (订单号：, 发票号码, order no.) or starts right
// after it in brackets (6222…（运单）). Words further away label something
// else (订单 2023 13812345678: the order is 2023).
func labelled(runes []rune, from, to int, words []string) bool {
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
		n := utf8.RuneCountInString(w)
		for _, k := range [2]int{k0, k1} {
			if k >= n && hasPrefixRunes(runes[k-n:], w) {
				return true
			}
		}
	}
	j := to
	for j < len(runes) && (runes[j] == ' ' || runes[j] == '(') {
		j++
	}
	for _, w := range words {
		if hasPrefixRunes(runes[j:], w) {
			return true
		}
	}
	return false
}

// grouped reports whether groups split by dots, commas or line breaks have
// the usual grouping of a number of the kind: 3-4-4 or 3-8 for a mobile
// (after 86 or 0086), 6-8-4 for an ID card, fours for a bank card.
func grouped(kind Kind, gs []numGroup) bool {
	var l [24]int
	if len(gs) > len(l) {
		return false
	}
	for i, g := range gs {
		l[i] = g.end - g.start
	}
	ls := l[:len(gs)]
	eq := func(ls []int, want ...int) bool {
		if len(ls) != len(want) {
			return false
		}
		for i := range ls {
			if ls[i] != want[i] {
				return false
			}
		}
		return true
	}
	switch kind {
	case KindPhone:
		if len(ls) > 1 && (ls[0] == 2 || ls[0] == 4) && ls[0]+ls[1] != 11 {
			ls = ls[1:] // 86 or 0086
		}
		return eq(ls, 3, 4, 4) || eq(ls, 3, 8) || eq(ls, 7, 4)
	case KindIDCard:
		return eq(ls, 6, 8, 4) || eq(ls, 6, 4, 4, 4) || eq(ls, 6, 6, 3)
	case KindBankCard:
		for i, n := range ls {
			if i < len(ls)-1 && n != 4 || i == len(ls)-1 && (n < 1 || n > 4) {
				return false
			}
		}
		return len(ls) >= 4
	}
	return false
}

// numberKind returns the detector kind of a digit sequence (10 stands for a
// final X), or 0. Kinds whose detector is off are not reported, but a valid
// ID card number is never reported as a bank card.
func (s *Scanner) numberKind(v []int8) Kind {
	for _, d := range v[:len(v)-1] {
		if d > 9 {
			return 0
		}
	}
	var k Kind
	switch n := len(v); {
	case n == 11 && isMobile(v):
		k = KindPhone
	case n == 13 && v[0] == 8 && v[1] == 6 && isMobile(v[2:]):
		k = KindPhone
	case n == 15 && v[0] == 0 && v[1] == 0 && v[2] == 8 && v[3] == 6 && isMobile(v[4:]):
		k = KindPhone
	case n == 18 && validID18(v):
		k = KindIDCard
	case n == 15 && validID15(v):
		k = KindIDCard
	case n == 18 && idShaped(v):
		// Region and birth date of an ID card with a wrong check digit: a
		// mistyped ID card, not a bank card.
	case n >= 16 && n <= 19 && v[n-1] <= 9 && validBankCard(v):
		k = KindBankCard
	}
	if k != 0 && s.detectors.Has(k) {
		return k
	}
	return 0
}

func isMobile(v []int8) bool {
	return len(v) == 11 && v[0] == 1 && v[1] >= 3 && v[1] <= 9 && v[10] <= 9
}

// validRegion reports whether the first two digits are a province code.
func validRegion(a, b int8) bool {
	switch a {
	case 1:
		return b >= 1 && b <= 5
	case 2:
		return b >= 1 && b <= 3
	case 3:
		return b >= 1 && b <= 7
	case 4:
		return b >= 1 && b <= 6
	case 5:
		return b >= 0 && b <= 4
	case 6:
		return b >= 1 && b <= 5
	case 7:
		return b == 1
	case 8:
		return b >= 1 && b <= 3
	case 9:
		return b == 1
	}
	return false
}

func num(v []int8) int {
	n := 0
	for _, d := range v {
		n = n*10 + int(d)
	}
	return n
}

// validDate checks a calendar date; years are bounded to 1900..2099 instead
// of calling time.Now on the hot path.
func validDate(y, m, d int) bool {
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// idShaped reports whether an 18-digit number has an ID card's region and
// birth date.
func idShaped(v []int8) bool {
	return validRegion(v[0], v[1]) && validDate(num(v[6:10]), num(v[10:12]), num(v[12:14]))
}

// validID18 checks region, birth date and the ISO 7064 MOD 11-2 check digit.
func validID18(v []int8) bool {
	if len(v) != 18 || !idShaped(v) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(v[i]) * w
	}
	check := [11]int8{1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2}[sum%11]
	return v[17] == check
}

// validID15 checks an old 15-digit number: region and YYMMDD birth date.
func validID15(v []int8) bool {
	if len(v) != 15 || v[14] > 9 || !validRegion(v[0], v[1]) {
		return false
	}
	return validDate(1900+num(v[6:8]), num(v[8:10]), num(v[10:12]))
}

// validBankCard checks a plausible issuer first digit and the Luhn sum.
func validBankCard(v []int8) bool {
	switch v[0] {
	case 3, 4, 5, 6, 9:
	default:
		return false
	}
	sum := 0
	double := false
	for i := len(v) - 1; i >= 0; i-- {
		d := int(v[i])
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
