package moderation

import "bytes"

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

func (s *Scanner) detectEmails(runes []rune, offs []int32, dst []Finding, sc *detectScratch) []Finding {
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
func (s *Scanner) detectURLs(runes []rune, offs []int32, dst []Finding, sc *detectScratch) []Finding {
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
