package wecom

import (
	"unicode/utf8"
)

// A fixed-format scanner for the XML WeCom sends: the callback envelope and
// the decrypted plaintext are both one flat <xml> element whose children
// hold text, as CDATA or plain characters with the five XML entities and
// numeric character references. encoding/xml decodes them by reflection,
// token by token, copying every name and text; on the callback path that
// was over a third of the CPU and half the allocations per callback. The
// scanner walks the bytes once and hands out the text of each element as a
// range of the input, decoded only when it holds entities or more than one
// section.
//
// It accepts a strict subset of XML and reports ok = false for everything
// else — attributes, comments, processing instructions (the <?xml ?>
// declaration among them), DOCTYPE, self-closing tags, namespaces, a raw
// carriage return, anything encoding/xml would refuse — and the callers then
// decode with encoding/xml, so odd input keeps today's behaviour and error.
// FuzzScanVsXML checks that whenever the scanner answers, encoding/xml
// accepts the same input and gives the same values.

// maxScanDepth bounds the nesting the scanner follows (the envelope and
// messages are two levels deep; change_contact's ExtAttr four); deeper
// input goes to encoding/xml.
const maxScanDepth = 8

// textSpan is the text of one element: src[start:end], which is the text
// itself when simple (one CDATA section, or plain characters without
// entities), else the raw content to decode with decodeText.
type textSpan struct {
	start, end int
	simple     bool
	// container: the element holds child elements rather than text.
	container bool
}

// flatVisitor receives the elements at depth 1 (parent empty) and 2 of the
// root. It returns false to give the input up to encoding/xml (for example
// a text field that holds child elements).
type flatVisitor[T string | []byte] func(parent, name T, text textSpan) bool

// scanFlat walks src, which must be <xml>…</xml> after optional XML
// whitespace; what follows the root's end tag is ignored, as encoding/xml's
// Unmarshal ignores it.
func scanFlat[T string | []byte](src T, visit flatVisitor[T]) bool {
	i := skipSpace(src, 0)
	if !hasPrefix(src, i, "<xml>") {
		return false
	}
	i += len("<xml>")
	var empty T
	for {
		i = skipSpace(src, i)
		if hasPrefix(src, i, "</xml>") {
			return true
		}
		var ok bool
		if i, ok = scanElement(src, i, 1, empty, visit); !ok {
			return false
		}
	}
}

// scanElement reads the element starting at src[i] == '<' at the given
// depth and returns the index after its end tag.
func scanElement[T string | []byte](src T, i, depth int, parent T, visit flatVisitor[T]) (int, bool) {
	if depth > maxScanDepth || i >= len(src) || src[i] != '<' {
		return 0, false
	}
	nameStart := i + 1
	j := nameStart
	for j < len(src) && isNameByte(src[j], j == nameStart) {
		j++
	}
	if j == nameStart || j >= len(src) || src[j] != '>' {
		return 0, false // attributes, "/>", odd names, EOF
	}
	name := src[nameStart:j]
	contentStart := j + 1
	k := skipSpace(src, contentStart)
	if k < len(src) && src[k] == '<' && k+1 < len(src) && isNameByte(src[k+1], true) {
		// Child elements: text between them may only be white space.
		if depth <= 2 && !visit(parent, name, textSpan{container: true}) {
			return 0, false
		}
		for {
			var ok bool
			if k, ok = scanElement(src, k, depth+1, name, visit); !ok {
				return 0, false
			}
			k = skipSpace(src, k)
			if hasPrefix(src, k, "</") {
				break
			}
		}
		return endTag(src, k, name)
	}
	span, end, ok := scanText(src, contentStart)
	if !ok {
		return 0, false
	}
	if depth <= 2 && !visit(parent, name, span) {
		return 0, false
	}
	return endTag(src, end, name)
}

// endTag checks for "</name>" at src[i].
func endTag[T string | []byte](src T, i int, name T) (int, bool) {
	if !hasPrefix(src, i, "</") {
		return 0, false
	}
	i += 2
	if len(src)-i < len(name)+1 || string(src[i:i+len(name)]) != string(name) || src[i+len(name)] != '>' {
		return 0, false
	}
	return i + len(name) + 1, true
}

// scanText reads text content from src[i] up to the next "</", validating
// it as encoding/xml would, and returns its span and the index of "</".
func scanText[T string | []byte](src T, i int) (span textSpan, end int, ok bool) {
	start := i
	sections, plain, entities := 0, 0, 0
	var cdStart, cdEnd int
	for {
		if i >= len(src) {
			return textSpan{}, 0, false
		}
		c := src[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '<' && c != '&' && c != ']' {
			i++ // the common case, without a call
			plain++
			continue
		}
		switch {
		case c == '<':
			if hasPrefix(src, i, "</") {
				span = textSpan{start: start, end: i}
				switch {
				case sections == 1 && plain == 0:
					span = textSpan{start: cdStart, end: cdEnd, simple: true}
				case sections == 0 && entities == 0:
					span.simple = true
				}
				return span, i, true
			}
			if !hasPrefix(src, i, "<![CDATA[") {
				return textSpan{}, 0, false // a child element, comment, …
			}
			cdStart = i + len("<![CDATA[")
			cdEnd = index(src, cdStart, "]]>")
			if cdEnd < 0 || !validChars(src, cdStart, cdEnd) {
				return textSpan{}, 0, false
			}
			sections++
			i = cdEnd + len("]]>")
		case c == '&':
			_, n := entity(src, i)
			if n == 0 {
				return textSpan{}, 0, false
			}
			entities++
			plain++
			i += n
		case c == ']' && hasPrefix(src, i, "]]>"):
			return textSpan{}, 0, false // refused outside CDATA
		default:
			n := validChar(src, i)
			if n == 0 {
				return textSpan{}, 0, false
			}
			plain++
			i += n
		}
	}
}

// decodeText returns the text of span as a string: a substring (no copy)
// of a string input when simple, else the sections joined and the entities
// replaced.
func decodeText[T string | []byte](src T, span textSpan) string {
	if span.simple {
		return string(src[span.start:span.end])
	}
	buf := make([]byte, 0, span.end-span.start)
	for i := span.start; i < span.end; {
		switch {
		case hasPrefix(src, i, "<![CDATA["):
			s := i + len("<![CDATA[")
			e := index(src, s, "]]>")
			buf = append(buf, src[s:e]...)
			i = e + len("]]>")
		case src[i] == '&':
			r, n := entity(src, i)
			buf = utf8.AppendRune(buf, r)
			i += n
		default:
			buf = append(buf, src[i])
			i++
		}
	}
	return string(buf)
}

// entity decodes the reference at src[i] == '&': one of the five named
// entities or a decimal or hexadecimal character reference to a character
// XML allows. n is 0 for anything else (encoding/xml refuses it or, for a
// surrogate, which it turns into U+FFFD, the fallback handles it).
func entity[T string | []byte](src T, i int) (r rune, n int) {
	for _, e := range [...]struct {
		text string
		r    rune
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if hasPrefix(src, i, e.text) {
			return e.r, len(e.text)
		}
	}
	if !hasPrefix(src, i, "&#") {
		return 0, 0
	}
	j, base := i+2, rune(10)
	if j < len(src) && src[j] == 'x' {
		j, base = j+1, 16
	}
	digits := j
	var v rune
	for ; j < len(src); j++ {
		d := digitValue(src[j], base)
		if d < 0 {
			break
		}
		v = v*base + d
		if v > utf8.MaxRune {
			return 0, 0
		}
	}
	if j == digits || j >= len(src) || src[j] != ';' || (v >= 0xD800 && v <= 0xDFFF) || !isXMLChar(v) {
		return 0, 0
	}
	return v, j + 1 - i
}

func digitValue(c byte, base rune) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

// validChars reports whether src[i:end] is text encoding/xml keeps as it
// is (validChar for every character).
func validChars[T string | []byte](src T, i, end int) bool {
	for i < end {
		if c := src[i]; c >= 0x20 && c < utf8.RuneSelf {
			i++ // the common case, without a call
			continue
		}
		n := validChar(src, i)
		if n == 0 || i+n > end {
			return false
		}
		i += n
	}
	return true
}

// validChar returns the length of the character at src[i] if it is valid
// UTF-8 and a character XML allows, other than '\r' (which encoding/xml
// rewrites to '\n': left to it), or 0.
func validChar[T string | []byte](src T, i int) int {
	c := src[i]
	if c < utf8.RuneSelf {
		if c < 0x20 && c != '\t' && c != '\n' {
			return 0
		}
		return 1
	}
	r, n := utf8.DecodeRuneInString(string(src[i:min(i+utf8.UTFMax, len(src))]))
	if r == utf8.RuneError && n <= 1 || !isXMLChar(r) {
		return 0
	}
	return n
}

// isXMLChar is XML 1.0's Char production (encoding/xml's isInCharacterRange).
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// isNameByte accepts the ASCII letters, digits and "_-." of element names
// (a letter or '_' first); colons (namespaces) and non-ASCII names are left
// to encoding/xml.
func isNameByte(c byte, first bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		return true
	case '0' <= c && c <= '9', c == '-', c == '.':
		return !first
	}
	return false
}

// skipSpace skips XML white space (text encoding/xml drops between
// elements of a struct).
func skipSpace[T string | []byte](src T, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

func hasPrefix[T string | []byte](src T, i int, p string) bool {
	return i >= 0 && len(src)-i >= len(p) && string(src[i:i+len(p)]) == p
}

// index finds p in src at or after i; -1 when absent.
func index[T string | []byte](src T, i int, p string) int {
	for j := i; len(src)-j >= len(p); j++ {
		if src[j] == p[0] && string(src[j:j+len(p)]) == p {
			return j
		}
	}
	return -1
}
