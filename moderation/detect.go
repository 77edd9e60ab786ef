package moderation

import "bytes"

// The detectors run over the normalized stream (noise kept, so that "@", "."
// and "/" are visible) and report original rune offsets. Each one only runs
// when the message holds a rune carrying its hint.

func (s *Scanner) detect(runes []rune, offs []int32, hints uint8, dst []Finding, sc *scratch) []Finding {
	d := s.detectors
	if hints&hintDigit != 0 && (d.Has(KindPhone) || d.Has(KindIDCard) || d.Has(KindBankCard)) {
		dst = s.detectNumbers(runes, offs, dst, sc)
	}
	if hints&hintAt != 0 && d.Has(KindEmail) {
		dst = detectEmails(runes, offs, dst, sc)
	}
	if hints&hintDot != 0 && d.Has(KindURL) {
		dst = s.detectURLs(runes, offs, dst, sc)
	}
	if hints&hintTrigger != 0 && d.Has(KindWeChatID) {
		dst = s.detectWeChat(runes, offs, dst)
	}
	return dst
}

func (s *Scanner) isNoise(r rune) bool { return s.code(r) == codeSkip }

// digitValue returns the value of an ASCII digit or a Chinese numeral, and
// whether r is a Chinese numeral.
func digitValue(r rune) (v int8, chinese, ok bool) {
	if r >= '0' && r <= '9' {
		return int8(r - '0'), false, true
	}
	if d, ok := chineseDigit(r); ok {
		return int8(d), true, true
	}
	return 0, false, false
}

// detectNumbers finds runs of digits (noise between them skipped) and
// classifies them as phone, ID card or bank card numbers.
func (s *Scanner) detectNumbers(runes []rune, offs []int32, dst []Finding, sc *scratch) []Finding {
	t := s.norm.t
	for i := 0; i < len(runes); {
		if t.hints(runes[i])&hintDigit == 0 {
			i++
			continue
		}
		pos, vals := sc.digits[:0], sc.vals[:0]
		j := i
		for j < len(runes) {
			r := runes[j]
			if v, _, ok := digitValue(r); ok {
				pos = append(pos, int32(j))
				vals = append(vals, v)
				j++
				continue
			}
			if s.isNoise(r) {
				j++
				continue
			}
			break
		}
		// An 18-digit ID card may end in X.
		if len(vals) == 17 && j < len(runes) && runes[j] == 'x' && (j+1 == len(runes) || !isASCIIAlnum(runes[j+1])) {
			pos = append(pos, int32(j))
			vals = append(vals, 10)
			j++
		}
		if len(vals) >= 11 {
			dst = s.classifyRun(runes, offs, pos, vals, dst)
		}
		sc.digits, sc.vals = pos, vals
		i = j
	}
	return dst
}

// classifyRun reports the number in a digit run. A run that is not a number
// as a whole is split only where the writer left a gap (noise, or a switch
// between ASCII digits and Chinese numerals), so a phone number never fires
// inside a longer contiguous digit run such as an order number.
func (s *Scanner) classifyRun(runes []rune, offs []int32, pos []int32, vals []int8, dst []Finding) []Finding {
	n := len(vals)
	gap := func(k int) bool {
		if k == 0 || k == n {
			return true
		}
		if offs[pos[k]]-offs[pos[k-1]] > 1 {
			return true
		}
		_, c1, _ := digitValue(runes[pos[k-1]])
		_, c2, _ := digitValue(runes[pos[k]])
		return c1 != c2
	}
	emit := func(a, b int, k Kind) {
		dst = append(dst, Finding{Kind: k, Start: int(offs[pos[a]]), End: int(offs[pos[b-1]]) + 1})
	}
	if k := s.numberKind(vals); k != 0 {
		emit(0, n, k)
		return dst
	}
	for k := 0; k < n; {
		if !gap(k) {
			k++
			continue
		}
		next := k + 1
		// The lengths worth trying inside a run, longest first.
		for _, l := range [...]int{19, 18, 17, 16, 15, 13, 11} {
			e := k + l
			if e > n || !gap(e) {
				continue
			}
			if kind := s.numberKind(vals[k:e]); kind != 0 {
				emit(k, e, kind)
				next = e
				break
			}
		}
		k = next
	}
	return dst
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

func isLower(r rune) bool { return r >= 'a' && r <= 'z' }

func isLocalChar(r rune) bool {
	return isASCIIAlnum(r) || r == '.' || r == '_' || r == '%' || r == '+' || r == '-'
}

func isLabelChar(r rune) bool { return isASCIIAlnum(r) || r == '-' }

// scanHost reads dot-separated labels from p. With evasive set it also
// accepts the spellings spam uses to dodge filters after a label of two or
// more characters: "点" and a bracketed dot ("(dot)", "[dot]", "[.]"). A bare
// " dot " is not accepted: "the dot com bubble" is ordinary text. It returns
// the end of the last label, the number of labels, where the last label
// starts, and host with the labels appended, dot-separated.
func scanHost(runes []rune, p int, evasive bool, host []byte) (end, labels, last int, _ []byte) {
	j := p
	end = p
	for {
		ls := j
		for j < len(runes) && isLabelChar(runes[j]) {
			j++
		}
		if j == ls {
			return end, labels, last, host
		}
		if labels > 0 {
			host = append(host, '.')
		}
		for _, r := range runes[ls:j] {
			host = append(host, byte(r))
		}
		labels++
		last, end = ls, j
		next := -1
		switch {
		case j+1 < len(runes) && runes[j] == '.':
			next = j + 1
		case evasive && j-ls >= 2:
			next = evasiveDot(runes, j)
		}
		if next < 0 || next >= len(runes) || !isASCIIAlnum(runes[next]) {
			return end, labels, last, host
		}
		j = next
	}
}

// evasiveDot returns the index after an evasive dot starting at j, or -1.
func evasiveDot(runes []rune, j int) int {
	if j < len(runes) && runes[j] == '点' {
		return j + 1
	}
	k := j
	for k < len(runes) && runes[k] == ' ' {
		k++
	}
	if k >= len(runes) {
		return -1
	}
	var closing rune
	switch runes[k] {
	case '(':
		closing = ')'
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	case '<':
		closing = '>'
	default:
		return -1
	}
	k++
	switch {
	case hasPrefixRunes(runes[k:], "dot"):
		k += 3
	case k < len(runes) && (runes[k] == '.' || runes[k] == '点'):
		k++
	default:
		return -1
	}
	if k >= len(runes) || runes[k] != closing {
		return -1
	}
	k++
	for k < len(runes) && runes[k] == ' ' {
		k++
	}
	return k
}

func detectEmails(runes []rune, offs []int32, dst []Finding, sc *scratch) []Finding {
	for k, r := range runes {
		if r != '@' {
			continue
		}
		a := k
		for a > 0 && isLocalChar(runes[a-1]) {
			a--
		}
		for a < k && !isASCIIAlnum(runes[a]) {
			a++
		}
		if a == k {
			continue
		}
		end, labels, last, host := scanHost(runes, k+1, false, sc.host[:0])
		sc.host = host
		if labels < 2 || !allLetters(runes[last:end]) || end-last < 2 {
			continue
		}
		dst = append(dst, Finding{Kind: KindEmail, Start: int(offs[a]), End: int(offs[end-1]) + 1})
	}
	return dst
}

func allLetters(rs []rune) bool {
	for _, r := range rs {
		if !isLower(r) {
			return false
		}
	}
	return true
}

// knownTLD lists the top-level domains a bare domain (no scheme, no www.)
// must end with to count as a URL: enough for spam, few false positives.
func knownTLD(rs []rune) bool {
	var b [8]byte
	if len(rs) < 2 || len(rs) > len(b) {
		return false
	}
	for i, r := range rs {
		if !isLower(r) {
			return false
		}
		b[i] = byte(r)
	}
	switch string(b[:len(rs)]) {
	case "com", "cn", "net", "org", "io", "xyz", "top", "cc", "me", "info", "biz",
		"vip", "club", "site", "online", "shop", "co", "tv", "ly", "app", "link", "wang", "ink":
		return true
	}
	return false
}

func hasPrefixRunes(rs []rune, p string) bool {
	i := 0
	for _, r := range p {
		if i >= len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return true
}

// detectURLs finds http(s) URLs, www. hosts and bare domains with a known
// TLD ("点" accepted for the dot), minus the allowed company domains.
func (s *Scanner) detectURLs(runes []rune, offs []int32, dst []Finding, sc *scratch) []Finding {
	n := len(runes)
	for i := 0; i < n; {
		if !isASCIIAlnum(runes[i]) {
			i++
			continue
		}
		if i > 0 {
			if p := runes[i-1]; isLabelChar(p) || p == '.' || p == '@' || p == '_' {
				i++
				continue
			}
		}
		start, hostStart := i, i
		scheme := false
		switch {
		case hasPrefixRunes(runes[i:], "https://"):
			hostStart, scheme = i+8, true
		case hasPrefixRunes(runes[i:], "http://"):
			hostStart, scheme = i+7, true
		}
		end, labels, last, host := scanHost(runes, hostStart, true, sc.host[:0])
		sc.host = host
		if end < n && runes[end] == '@' || labels < 2 {
			i = max(end, i+1)
			continue
		}
		tld := runes[last:end]
		www := hasPrefixRunes(runes[hostStart:], "www.") || hasPrefixRunes(runes[hostStart:], "www点")
		ok := knownTLD(tld) || (scheme || www) && allLetters(tld) && len(tld) >= 2
		if !ok {
			i = max(end, i+1)
			continue
		}
		urlEnd := end
		if urlEnd+1 < n && runes[urlEnd] == ':' && runes[urlEnd+1] >= '0' && runes[urlEnd+1] <= '9' {
			urlEnd++
			for urlEnd < n && runes[urlEnd] >= '0' && runes[urlEnd] <= '9' {
				urlEnd++
			}
		}
		if urlEnd < n && (runes[urlEnd] == '/' || runes[urlEnd] == '?' || runes[urlEnd] == '#') {
			for urlEnd < n && runes[urlEnd] > ' ' && runes[urlEnd] < 0x7F {
				urlEnd++
			}
			// Sentence punctuation right after a URL is not part of it.
			for urlEnd > end+1 && isTrailingPunct(runes[urlEnd-1]) {
				urlEnd--
			}
		}
		if !s.allowedHost(host) {
			dst = append(dst, Finding{Kind: KindURL, Start: int(offs[start]), End: int(offs[urlEnd-1]) + 1})
		}
		i = urlEnd
	}
	return dst
}

func isTrailingPunct(r rune) bool {
	switch r {
	case '.', ',', '!', '?', ';', ':', ')', ']', '"', '\'':
		return true
	}
	return false
}

func (s *Scanner) allowedHost(host []byte) bool {
	for _, d := range s.allowHosts {
		if bytes.HasSuffix(host, d) && (len(host) == len(d) || host[len(host)-len(d)-1] == '.') {
			return true
		}
	}
	return false
}

// weChatTrigger is a word that introduces a WeChat or QQ id.
type weChatTrigger struct {
	text      []rune
	disguised bool // an evasive spelling (v信, vx, 薇信 …): "加" + it is a solicitation by itself
	qq        bool // QQ ids are digits only
	afterJia  bool // only counts right after 加 (加微, 加v)
}

func weChatTriggers() []weChatTrigger {
	list := []struct {
		s                       string
		disguised, qq, afterJia bool
	}{
		{"微信号", false, false, false}, {"企鹅号", false, true, false}, {"扣扣号", false, true, false},
		{"qq号", false, true, false}, {"微信", false, false, false}, {"威信", true, false, false},
		{"薇信", true, false, false}, {"v信", true, false, false}, {"vx", true, false, false},
		{"wx", true, false, false}, {"qq", false, true, false}, {"扣扣", true, true, false},
		{"企鹅", false, true, false}, {"微", true, false, true}, {"v", true, false, true},
	}
	out := make([]weChatTrigger, len(list))
	for i, t := range list {
		out[i] = weChatTrigger{text: []rune(t.s), disguised: t.disguised, qq: t.qq, afterJia: t.afterJia}
	}
	return out
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
		if t.afterJia && !afterJia {
			if len(t.text) == 1 && t.text[0] == 'v' && p+1 < len(runes) && runes[p] == 'v' && isHeart(runes[p+1]) {
				return p + 2, t
			}
			continue
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
		if isLower(t.text[len(t.text)-1]) && j < len(runes) && isLower(runes[j]) && !hasIDWithDigit(runes, j) {
			// A latin trigger glued to a word ("wxwidgets") is not a trigger.
			continue
		}
		if j < len(runes) && isHeart(runes[j]) {
			j++
		}
		return j, t
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
		if fillers < 3 && isFiller(r) {
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
		if l := e - k; l >= 5 && l <= 11 && (e == len(runes) || !isLower(runes[e])) {
			return e
		}
	}
	return -1
}

// detectWeChat finds WeChat/QQ solicitations: a trigger word followed by an
// id, or "加我"/"加" with a disguised trigger (加我微信, 加v信) alone.
// Ordinary talk about WeChat ("微信群里说", "用微信支付") has no id after the
// trigger and is not reported.
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
		alone := false
		var end int
		var t *weChatTrigger
		if r == '加' {
			j := s.skipNoise(runes, i+1)
			if j < n && runes[j] == '我' {
				alone = true
				j = s.skipNoise(runes, j+1)
			}
			end, t = s.matchTrigger(runes, j, true)
			if end < 0 {
				continue
			}
			alone = alone || t.disguised
		} else {
			end, t = s.matchTrigger(runes, i, false)
			if end < 0 {
				continue
			}
		}
		if idEnd := s.findID(runes, end, t.qq); idEnd > 0 {
			dst = append(dst, Finding{Kind: KindWeChatID, Start: int(offs[i]), End: int(offs[idEnd-1]) + 1})
			i = idEnd - 1
			continue
		}
		if alone {
			dst = append(dst, Finding{Kind: KindWeChatID, Start: int(offs[i]), End: int(offs[end-1]) + 1})
			i = end - 1
		}
	}
	return dst
}
