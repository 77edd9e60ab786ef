package moderation

// URLs (plain, with an evasive dot: bet365 点 com, example。com, an IP host)
// and the host scanning they share with e-mail addresses (detect_email.go).

import "bytes"

func isLower(r rune) bool { return r >= 'a' && r <= 'z' }

func isLocalChar(r rune) bool {
	return isASCIIAlnum(r) || r == '.' || r == '_' || r == '%' || r == '+' || r == '-'
}

func isLabelChar(r rune) bool { return isASCIIAlnum(r) || r == '-' }

// Evasive spellings of the dot in a host name, as scanHost reports them.
const (
	dotBracket uint8 = 1 << iota // (dot), [dot], [.], {.}
	dotDian                      // 点
	dotStop                      // 。
	dotWord                      // " dot "
	dotLoose                     // www bet365 com, www,bc888,com
)

// scanHost reads dot-separated labels from p. With evasive set it also
// accepts the spellings spam uses to dodge filters after a label of two or
// more characters: "点", "。", a bracketed dot ("(dot)", "[dot]", "[.]"),
// a spaced " dot " and a dot with spaces around it (" . ", " 点 "); which ones were used is returned in how, so that the
// caller can ask for more evidence where ordinary text looks the same ("the
// dot com bubble"). It returns the end of the last label, the number of
// labels, where the last label starts, and host with the labels appended,
// dot-separated.
func scanHost(runes []rune, p int, evasive bool, host []byte) (end, labels, last int, how uint8, _ []byte) {
	j := p
	end = p
	var loose rune // the space or comma that stands for the dots after www
	for j-p <= maxHost {
		ls := j
		for j < len(runes) && isLabelChar(runes[j]) {
			j++
		}
		if j == ls {
			return end, labels, last, how, host
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
		var h uint8
		switch {
		case j+1 < len(runes) && runes[j] == '.':
			next = j + 1
		case evasive && loose != 0 && j+1 < len(runes) && runes[j] == loose:
			next, h = j+1, dotLoose
		case evasive && j-ls >= 2:
			next, h = evasiveDot(runes, j)
			if next < 0 && labels == 1 && j+1 < len(runes) && (runes[j] == ' ' || runes[j] == ',') && string(host) == "www" {
				// www written with spaces or commas for its dots: the same
				// separator must stand for every dot of the host, and the
				// caller asks for www.name.tld with a known top-level
				// domain.
				loose = runes[j]
				next, h = j+1, dotLoose
			}
		}
		if next < 0 || next >= len(runes) || !isASCIIAlnum(runes[next]) {
			return end, labels, last, how, host
		}
		how |= h
		j = next
	}
	return end, labels, last, how, host
}

// Bounds of RFC 5321 that keep the scans linear: a local part is at most 64
// characters, a host name at most 255.
const (
	maxLocalPart = 64
	maxHost      = 255
)

// evasiveDot returns the index after an evasive dot starting at j and its
// kind, or -1.
func evasiveDot(runes []rune, j int) (int, uint8) {
	k := j
	for k < len(runes) && runes[k] == ' ' {
		k++
	}
	if k >= len(runes) {
		return -1, 0
	}
	if r := runes[k]; r == '点' || r == '。' || k > j && r == '.' {
		m := skipSpaces(runes, k+1)
		if k > j || m > k+1 {
			// A dot with spaces on either side (www . bet365 . com, xpj 点
			// com, www。 yy66 。net) needs the evidence of a spelled one.
			return m, dotWord
		}
		if r == '点' {
			return m, dotDian
		}
		return m, dotStop
	}
	if k > j && hasPrefixRunes(runes[k:], "dot ") {
		k += 4
		for k < len(runes) && runes[k] == ' ' {
			k++
		}
		return k, dotWord
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
	case '【':
		closing = '】'
	default:
		return -1, 0
	}
	k++
	switch {
	case hasPrefixRunes(runes[k:], "dot"):
		k += 3
	case k < len(runes) && (runes[k] == '.' || runes[k] == '点'):
		k++
	default:
		return -1, 0
	}
	if k >= len(runes) || runes[k] != closing {
		return -1, 0
	}
	k++
	for k < len(runes) && runes[k] == ' ' {
		k++
	}
	return k, dotBracket
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

// detectURLs finds http(s) URLs, www. hosts, bare domains with a known
// TLD and IPv4 hosts with a scheme, a port or a path, minus the allowed
// company domains and the domains of e-mail addresses found before (from
// dst[first:]). Evasive dots (点, 。, (dot), " dot ") are accepted; a spaced
// " dot " only with a scheme, www., a digit or hyphen in the first label, or
// more than one of them ("the dot com bubble" is prose).
func (s *Scanner) detectURLs(runes []rune, offs []int32, dst []Finding, first int, sc *detectScratch) []Finding {
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
		end, labels, last, how, host := scanHost(runes, hostStart, true, sc.host[:0])
		sc.host = host
		if end < n && runes[end] == '@' || labels < 2 {
			i = max(end, i+1)
			continue
		}
		tld := runes[last:end]
		www := hasPrefixRunes(runes[hostStart:], "www")
		hasPort := end+1 < n && runes[end] == ':' && runes[end+1] >= '0' && runes[end+1] <= '9'
		hasPath := end < n && (runes[end] == '/' || runes[end] == '?' || runes[end] == '#')
		// An IP host written with full stops (118。25。12。33/s: red10) is
		// one too, under the same conditions.
		ip := (how == 0 || how == dotStop) && isIPv4(host)
		ok := knownTLD(tld) || (scheme || www) && allLetters(tld) && len(tld) >= 2 ||
			ip && (scheme || hasPort || hasPath && labels == 4)
		if ok && how&dotWord != 0 && !scheme && !www && !wordDotEvidence(runes[hostStart:end]) {
			ok = false
		}
		if how&dotLoose != 0 && (labels != 3 || !knownTLD(tld)) {
			ok = false // "www is down today" is not a host
		}
		if ok && ip && i > 0 && (runes[i-1] == 'v' || runes[i-1] == '.') {
			ok = false // a version (v1.2.3.4/…)
		}
		if !ok {
			i = max(end, i+1)
			continue
		}
		urlEnd := end
		if hasPort {
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
		fs, fe := findingSpan(runes, offs, start, urlEnd-1)
		f := Finding{Kind: KindURL, Start: fs, End: fe, Form: FormDetector, Confidence: confPlain}
		switch {
		case how != 0:
			f.Form, f.Confidence = FormObfuscated, confEvasive
		case ip:
			f.Confidence = confWeak + 10
		}
		if !s.allowedHost(host) && !insideEmail(dst[first:], f) {
			dst = append(dst, f)
		}
		if s.detectors.Has(KindWeChatID) && weChatInvite(host, runes[end:urlEnd]) {
			// A WeChat group invite or contact card (often read from a QR
			// code) solicits like 加我微信 does: reported as both.
			dst = append(dst, Finding{Kind: KindWeChatID, Start: f.Start, End: f.End, Form: FormDetector, Confidence: confSure})
		}
		i = urlEnd
	}
	return dst
}

// weChatInvite reports whether a URL with host and path (from the host's
// end) is a WeChat group invite (weixin.qq.com/g/…) or a personal contact
// card (u.wechat.com/…).
func weChatInvite(host []byte, path []rune) bool {
	switch string(host) { // the normalizer has folded case already

	case "weixin.qq.com":
		return hasPrefixRunes(path, "/g/")
	case "u.wechat.com":
		return len(path) > 1 && path[0] == '/'
	}
	return false
}

// wordDotEvidence reports whether a host written with " dot " looks like a
// host name rather than prose: a digit or hyphen in it, or several dots.
func wordDotEvidence(rs []rune) bool {
	words := 0
	for i, r := range rs {
		if r >= '0' && r <= '9' || r == '-' {
			return true
		}
		if r == ' ' && hasPrefixRunes(rs[i:], " dot ") {
			words++
		}
	}
	return words >= 2
}

// isIPv4 reports whether host is a dotted quad of octets.
func isIPv4(host []byte) bool {
	parts, v, digits := 0, 0, 0
	for i := 0; i <= len(host); i++ {
		if i == len(host) || host[i] == '.' {
			if digits == 0 || v > 255 {
				return false
			}
			parts++
			v, digits = 0, 0
			continue
		}
		c := host[i]
		if c < '0' || c > '9' || digits == 3 {
			return false
		}
		v = v*10 + int(c-'0')
		digits++
	}
	return parts == 4
}

// insideEmail reports whether f lies inside an e-mail finding of fs.
func insideEmail(fs []Finding, f Finding) bool {
	for _, e := range fs {
		if e.Kind == KindEmail && f.Start >= e.Start && f.End <= e.End {
			return true
		}
	}
	return false
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
