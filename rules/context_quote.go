package rules

import (
	"strings"
	"unicode/utf8"
)

// A quoted phrase is mentioned, not used: 禁止在群里骂人，例如"傻逼"这种词,
// 不要轻信"加V领取红包"的消息, 警惕「兼职刷单，日结工资」为名的诈骗. The
// `quoted` context rule judges a hit inside a quotation by the words of its
// sentence outside the quotation marks (a prohibition, an example, a
// warning or a report), and its Unless words too are read only there: what
// the quotation says (日结, 加我微信) is the thing being warned of, not an
// offer by the writer. A quotation that holds a contact (five or more
// digits in a row, a URL) is an offer whatever surrounds it: a warning
// quotes the bait, never a working number.
//
// Hand-written because no library pairs Chinese quotation marks; the scan
// runs only for a hit a rule takes, never on the clean path.

// quoteScanBytes bounds how far into a message quotations are paired: a
// hit after it is not judged as quoted.
const quoteScanBytes = 4096

// quoteRunes bounds a quotation's length and how much of the sentence
// either side of it is read.
const quoteRunes = 40

// quoteClose returns the mark that closes a quotation opened by r, or 0
// when r opens none.
func quoteClose(r rune) rune {
	switch r {
	case '“':
		return '”'
	case '‘':
		return '’'
	case '「':
		return '」'
	case '『':
		return '』'
	case '"', '＂':
		return r
	case '\'':
		return r
	}
	return 0
}

// qspan is a quotation: bytes [open, end) of the text, marks included.
type qspan struct{ open, end int }

// quotations pairs the quotation marks of text (its first quoteScanBytes)
// into spans, appending to dst. An ASCII apostrophe is a mark only where
// no Latin letter is on its inner side's outside (don't, it's are no
// quotations); an unclosed mark, or a quotation of more than quoteRunes
// runes or across a line break, pairs with nothing.
func quotations(text string, dst []qspan) []qspan {
	limit := min(len(text), quoteScanBytes)
	for i := 0; i < limit; {
		r, n := utf8.DecodeRuneInString(text[i:])
		closer := quoteClose(r)
		if closer == 0 || r == '\'' && i > 0 && isASCIILetter(text[i-1]) {
			i += n
			continue
		}
		j, k := i+n, 0
		for ; j < limit && k <= quoteRunes; k++ {
			c, m := utf8.DecodeRuneInString(text[j:])
			if c == '\n' || c == '\r' {
				break
			}
			if c == closer && (c != '\'' || j+m >= len(text) || !isASCIILetter(text[j+m])) {
				break
			}
			j += m
		}
		if j >= limit || k > quoteRunes || text[j] == '\n' || text[j] == '\r' {
			i += n
			continue
		}
		_, m := utf8.DecodeRuneInString(text[j:])
		dst = append(dst, qspan{open: i, end: j + m})
		i = j + m
	}
	return dst
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// quotedContext reports whether the hit at bytes [bs, be) of text lies
// inside a quotation and returns the quotation's inner text and the
// sentence around it outside every quotation: up to quoteRunes runes of
// unquoted text either side, stopping at a sentence end outside the
// quotations (each other quotation is skipped, its place kept by a
// space).
func quotedContext(text string, bs, be int) (outside, inner string, ok bool) {
	var buf [16]qspan
	spans := quotations(text, buf[:0])
	q := -1
	for i, s := range spans {
		if s.open < bs && be < s.end {
			q = i
			break
		}
	}
	if q < 0 {
		return "", "", false
	}
	_, on := utf8.DecodeRuneInString(text[spans[q].open:])
	_, cn := utf8.DecodeLastRuneInString(text[:spans[q].end])
	inner = text[spans[q].open+on : spans[q].end-cn]

	// Back from the quotation: where the unquoted sentence starts.
	start, k, s := spans[q].open, 0, q-1
	for start > 0 && k < quoteRunes {
		if s >= 0 && spans[s].end == start {
			start = spans[s].open
			s--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(text[:start])
		if isSentenceEnd(r) {
			break
		}
		start -= n
		k++
	}
	// On from the quotation: where it ends.
	end, k, s := spans[q].end, 0, q+1
	for end < len(text) && k < quoteRunes {
		if s < len(spans) && spans[s].open == end {
			end = spans[s].end
			s++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[end:])
		if isSentenceEnd(r) {
			break
		}
		end += n
		k++
	}
	var b strings.Builder
	b.Grow(end - start)
	at := start
	for _, sp := range spans {
		if sp.end <= start || sp.open >= end {
			continue
		}
		b.WriteString(text[at:sp.open])
		b.WriteByte(' ')
		at = sp.end
	}
	b.WriteString(text[at:end])
	return b.String(), inner, true
}

// holdsContact reports whether s holds five or more digits in a row or a
// URL's start: a quotation with a working contact in it.
func holdsContact(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			if run++; run >= 5 {
				return true
			}
			continue
		}
		run = 0
	}
	return strings.Contains(s, "http") || strings.Contains(s, "www.")
}

// quotedApplies reports whether the Quoted rule r applies to the hit at
// bytes [bs, be) of text; unless indexes r.Unless (contextWords).
func (r *contextRule) quotedApplies(unless *wordIndex, text string, bs, be int) bool {
	outside, inner, ok := quotedContext(text, bs, be)
	if !ok || holdsContact(inner) || offers(outside, unless) {
		return false
	}
	for _, cue := range r.Around {
		for at := 0; ; {
			i := strings.Index(outside[at:], cue)
			if i < 0 {
				break
			}
			if !hasPrefixAny(outside[at+i:], r.Except) {
				return true
			}
			at += i + len(cue)
		}
	}
	return false
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hasQuoteMark reports whether text holds a rune a quotation opens with
// (quoteClose). Each mark is looked for as its bytes: strings.Contains of
// a short needle runs on IndexByte, where strings.ContainsAny with these
// runes decoded every rune of the text (about 1,500 instructions a call in
// BenchmarkEvaluateHit under callgrind).
func hasQuoteMark(text string) bool {
	return strings.IndexByte(text, '"') >= 0 || strings.IndexByte(text, '\'') >= 0 ||
		strings.Contains(text, "“") || strings.Contains(text, "‘") || strings.Contains(text, "「") ||
		strings.Contains(text, "『") || strings.Contains(text, "＂")
}

// unquoted returns text with each quotation that holds no contact
// (holdsContact) blanked by spaces of the same byte length, so that byte
// offsets into it are offsets into text: the words of an offer a rule's
// Unless reads are the writer's, not those of the bait a report or a
// warning quotes (请注意识别『稳赚不赔』这类荐股话术, 你有没有收到过"高薪兼职日结"
// 这种短信？). Without a quotation mark it returns text itself.
func unquoted(text string) string {
	if !hasQuoteMark(text) {
		return text
	}
	var buf [16]qspan
	spans := quotations(text, buf[:0])
	if len(spans) == 0 {
		return text
	}
	b := []byte(text)
	for _, sp := range spans {
		if holdsContact(text[sp.open:sp.end]) {
			continue
		}
		for i := sp.open; i < sp.end; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}
