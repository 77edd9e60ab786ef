package moderation

// E-mail addresses, plain and written to dodge a filter (name艾特qq.com,
// name#qq.com, name(at)qq(dot)com, name at qq dot com): the at sign's
// spellings, the mail providers that make a spelled-out address believable,
// and detectEmails. The host scanning they share with URLs is in
// detect_contact.go.

import "bytes"

// atSign reports whether an evasive or plain @ starts at k: "@" (and ＠),
// "艾特", "圈a", "小老鼠", "#", a bracketed "at" or 艾特 ((at), [at], {at},
// <at>, (艾特), spaces around allowed), an @ between spaces. It returns the index after it, whether it is evasive and whether
// it is "#", which needs stronger evidence (hashtags, "#3").
func atSign(runes []rune, k int) (next int, evasive, hash bool) {
	switch r := runes[k]; r {
	case '@':
		return k + 1, false, false
	case '#':
		return k + 1, true, true
	case '艾':
		if k+1 < len(runes) && runes[k+1] == '特' {
			return skipSpaces(runes, k+2), true, false
		}
	case '圈':
		// 圈a: "a in a circle", how @ is read out.
		if k+1 < len(runes) && runes[k+1] == 'a' {
			return skipSpaces(runes, k+2), true, false
		}
		// 圈 alone (zhao_li圈qq.com), only right before a mail provider.
		if k+1 < len(runes) && mailHost(runes[k+1:]) {
			return k + 1, true, false
		}
	case '在':
		// 在 ("at") between a mailbox name and a mail provider
		// (tangli在qq.com: red10), as 圈 alone; 在 carries no at hint
		// (it is on most messages): detect calls detectEmails for it
		// through hasZaiAt.
		if zaiAt(runes, k) {
			return k + 1, true, false
		}
	case '小':
		// 小老鼠 (little mouse): the common name of @ in Chinese.
		if hasPrefixRunes(runes[k:], "小老鼠") {
			return skipSpaces(runes, k+3), true, false
		}
	case ' ', '(', '[', '{', '<', '【':
		j := skipSpaces(runes, k)
		if j >= len(runes) {
			return -1, false, false
		}
		var closing rune
		switch runes[j] {
		case '(':
			closing = ')'
		case '[':
			closing = ']'
		case '{':
			closing = '}'
		case '<':
			closing = '>'
		case '【':
			closing = '】' // tom【at】qq【点】com
		case '艾':
			if j > k && j+1 < len(runes) && runes[j+1] == '特' {
				return skipSpaces(runes, j+2), true, false
			}
			return -1, false, false
		case '@':
			// name @ qq . com: an @ set off by spaces so that it is not
			// read as an address; evasive, so the host needs a known
			// top-level domain.
			if j > k && j+1 < len(runes) && runes[j+1] == ' ' {
				return skipSpaces(runes, j+1), true, false
			}
			return -1, false, false
		case '#':
			// name # qq.com: a # between spaces, before a mail provider.
			if j > k && j+1 < len(runes) && runes[j+1] == ' ' && mailHost(runes[skipSpaces(runes, j+1):]) {
				return skipSpaces(runes, j+1), true, true
			}
			return -1, false, false
		case 'a':
			// "name at qq dot com": a spelled at, which detectEmails
			// accepts only with a spelled dot too.
			if j > k && hasPrefixRunes(runes[j:], "at ") {
				return skipSpaces(runes, j+3), true, false
			}
			return -1, false, false
		default:
			return -1, false, false
		}
		j++
		switch {
		case hasPrefixRunes(runes[j:], "at"):
			j += 2
		case hasPrefixRunes(runes[j:], "艾特"):
			j += 2
		case j < len(runes) && runes[j] == '@':
			j++
		default:
			return -1, false, false
		}
		if j >= len(runes) || runes[j] != closing {
			return -1, false, false
		}
		return skipSpaces(runes, j+1), true, false
	}
	return -1, false, false
}

// spelledAt reports whether the at sign at k is the word "at" between
// spaces (name at qq dot com).
func spelledAt(runes []rune, k int) bool {
	if runes[k] != ' ' {
		return false
	}
	j := skipSpaces(runes, k)
	return j > k && hasPrefixRunes(runes[j:], "at ")
}

// mailHosts are the mail providers of spelled-out addresses in Chinese chat.
var mailHosts = []string{"qq", "163", "126", "yeah", "sina", "sohu", "foxmail", "aliyun", "139", "gmail", "outlook", "hotmail", "yahoo", "icloud"}

// mailHost reports whether the host at the start of rs is a mail provider.
func mailHost(rs []rune) bool {
	for _, h := range mailHosts {
		if hasPrefixRunes(rs, h) && (len(rs) == len(h) || !isLabelChar(rs[len(h)])) {
			return true
		}
	}
	return false
}

func hasDigit(rs []rune) bool {
	for _, r := range rs {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}

// hasSpelledAt reports whether runes hold " at " (name at qq dot com) or
// "【at】" (tom【at】qq【点】com), the at signs without an at hint.
func hasSpelledAt(runes []rune) bool {
	for i := 1; i+3 < len(runes); i++ {
		if runes[i] == 'a' && runes[i+1] == 't' && (runes[i-1] == ' ' && runes[i+2] == ' ' || runes[i-1] == '【' && runes[i+2] == '】') {
			return true
		}
	}
	return false
}

// hasZaiAt reports whether runes hold 在 between an ASCII letter or digit
// and a mail provider (tangli在qq.com), an at sign without an at hint.
func hasZaiAt(runes []rune) bool {
	for i := 1; i+1 < len(runes); i++ {
		if runes[i] == '在' && zaiAt(runes, i) {
			return true
		}
	}
	return false
}

// zaiAt reports whether the 在 at k stands for an at sign: an ASCII letter
// or digit before it, a mail provider's host after it, and the sentence
// not going on from the host in Chinese. 在 is also "at, on" before a
// place, and then the sentence goes on at once (Tony在qq.com上发的,
// HR在163.com看简历, App在qq.com上架了吗, test1在qq.com注册成功: a subject
// and the site it acts on); an address given ends there (tangli在qq.com
// 收简历, …在163.com，谢谢).
func zaiAt(runes []rune, k int) bool {
	if k == 0 || !isASCIIAlnum(runes[k-1]) || k+1 >= len(runes) || !mailHost(runes[k+1:]) {
		return false
	}
	e := k + 1
	for e < len(runes) && (isASCIIAlnum(runes[e]) || runes[e] == '.' || runes[e] == '-') {
		e++
	}
	return e >= len(runes) || !isHan(runes[e])
}

// mailHostLabel reports whether a label of the dotted host is a mail
// provider's (vip.163.com, mail.qq.com).
func mailHostLabel(host []byte) bool {
	for label := range bytes.SplitSeq(host, []byte{'.'}) {
		for _, h := range mailHosts {
			if string(label) == h {
				return true
			}
		}
	}
	return false
}

// handleLike reports whether a mailbox name has what no English word has:
// a digit, a dot, an underscore or a dash (li.na, kefu_01).
func handleLike(name []rune) bool {
	for _, r := range name {
		if r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return true
		}
	}
	return false
}

// inEnglish reports whether the text [a, end) has a Latin word right before
// or right after it, a space apart: part of an English sentence (Please
// log in at exmail.qq.com, Look at mail.126.com for the archive).
func inEnglish(runes []rune, a, end int) bool {
	isLetter := func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
	return a >= 2 && runes[a-1] == ' ' && isLetter(runes[a-2]) ||
		end+1 < len(runes) && runes[end] == ' ' && isLetter(runes[end+1])
}

func skipSpaces(runes []rune, j int) int {
	for j < len(runes) && runes[j] == ' ' {
		j++
	}
	return j
}

// detectEmails finds e-mail addresses, plain (a@b.com, full-width ａ＠ｂ．ｃｏｍ)
// and obfuscated (name艾特qq.com, name#qq.com, name(at)qq(dot)com,
// name@qq点com). An obfuscated address needs a known top-level domain.
func (s *Scanner) detectEmails(runes []rune, offs []int32, dst []Finding, sc *detectScratch) []Finding {
	for k := 1; k < len(runes); k++ {
		// The local part ends right before the at sign (spaces allowed
		// before a bracketed or spelled one).
		e := k
		if r := runes[k]; r == ' ' {
			if !isASCIIAlnum(runes[k-1]) {
				continue
			}
		} else if r != '@' && r != '#' && r != '艾' && r != '圈' && r != '在' && r != '小' && r != '(' && r != '[' && r != '{' && r != '<' && r != '【' {
			continue
		}
		next, evasive, hash := atSign(runes, k)
		if next < 0 || next >= len(runes) {
			continue
		}
		a := e
		for a > 0 && isLocalChar(runes[a-1]) && e-a < maxLocalPart {
			a--
		}
		if a > 0 && isLocalChar(runes[a-1]) {
			continue // longer than any mailbox name
		}
		for a < e && !isASCIIAlnum(runes[a]) {
			a++
		}
		if a == e || hash && e-a < 2 {
			continue
		}
		if hash && a > 0 && runes[a-1] == '/' {
			continue // https://wiki.corp.com/page#qq.com: a URL's fragment (review rev13r)
		}
		end, labels, last, how, host := scanHost(runes, next, true, sc.host[:0])
		sc.host = host
		if labels == 1 && hash {
			labels, last, end = hashDotted(runes, next, end)
		}
		if labels < 2 || !allLetters(runes[last:end]) || end-last < 2 {
			continue
		}
		if how&dotWord != 0 && !evasive || how&dotLoose != 0 {
			continue // "a@b dot com" is rare; "@所有人 dot …" is not an address
		}
		if spelledAt(runes, k) && (how&dotWord == 0 || !mailHost(runes[next:]) && !hasDigit(runes[a:e])) &&
			!(how == 0 && mailHostLabel(host) && commonMailTLD(runes[last:end]) && (handleLike(runes[a:e]) || !inEnglish(runes, a, end))) {
			// "meet me at home dot com" is English: a spelled at needs a
			// spelled dot and a mail provider or a digit in the name, or
			// a mail provider's host written plainly (kefu AT vip.163.com)
			// outside an English sentence ("log in at exmail.qq.com") or
			// after a mailbox name that no English word is (li.na, kefu_01).
			continue
		}
		fs, fe := findingSpan(runes, offs, a, end-1)
		f := Finding{Kind: KindEmail, Start: fs, End: fe, Form: FormDetector, Confidence: confPlain + 5}
		if evasive || how != 0 {
			if !knownTLD(runes[last:end]) {
				continue
			}
			f.Form, f.Confidence = FormObfuscated, confEvasive
			if how == 0 && runes[k] == ' ' && runes[skipSpaces(runes, k)] == '@' && !mailHost(runes[next:]) {
				// lisi @ corp.com: spaces around a plain @ before a
				// company's domain are what auto-spacing and phone
				// keyboards type, not an evasion (review rev13r); before a
				// mail provider (hr @ qq.com) or with a disguised dot
				// (hr_zhang @ qq . com) it stays one.
				f.Form, f.Confidence = FormDetector, confPlain
			}
			if hash {
				if !commonMailTLD(runes[last:end]) {
					continue
				}
				f.Confidence = confWeak + 10
			}
		}
		dst = append(dst, f)
		k = end - 1
	}
	return dst
}

// hashDotted reads the host of name#163#com, where # stands for both the @
// and the dot: only a mail provider's name (p to end) followed by # and a
// common mail top-level domain. It returns the labels, the start of the
// last one and the end of the host (1, p and end when it is not one).
func hashDotted(runes []rune, p, end int) (labels, last, e int) {
	if end >= len(runes) || runes[end] != '#' || !mailHost(runes[p:]) {
		return 1, p, end
	}
	j := end + 1
	for j < len(runes) && isLower(runes[j]) && j-end <= 4 {
		j++
	}
	if !commonMailTLD(runes[end+1:j]) || j < len(runes) && isLabelChar(runes[j]) {
		return 1, p, end
	}
	return 2, end + 1, j
}

// commonMailTLD reports whether a top-level domain is one mail providers
// use (qq.com, 163.com, sina.cn …): "#" for "@" needs that much evidence.
func commonMailTLD(rs []rune) bool {
	switch string(rs) {
	case "com", "cn", "net", "org":
		return true
	}
	return false
}
