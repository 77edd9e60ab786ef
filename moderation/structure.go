package moderation

import (
	"html"
	"strings"
	"unicode"
)

// This file reads the structural evasions: markup (bidi overrides, HTML
// entities and tags) rewritten in place before matching, and, inside the
// matcher, a repeated character (兼职职刷单, fuuuck), one inserted rune
// between two Han characters (赌c博, 卖Ⅶ淫, 裸⑵照), a separator after every
// single character (你。妈。的。) and line breaks inside a word (百\n\n家乐).
// Skipped runes are overwritten with markers, which the matcher treats as
// noise, so spans and offsets stay right; findings that crossed a marker are
// rated FormStructure.

// hintMarkup is set by runes that may start markup: bidi controls, & and <.
// It is taken from the top of the hint byte; the detector hints grow from
// the bottom (normalize.go).
const hintMarkup uint8 = 1 << 7

// codeSep is the alphabet code of a separator: it ends a word unless the
// structural rules below let the matcher cross it.
const codeSep = 0xFFFE

// Markers written over skipped runes. They are interlinear annotation
// controls, which Append drops, so they never occur in normalized text.
const (
	markSkip    rune = 0xFFF9 // a skipped rune: repeated, inserted, markup
	markSoftSep rune = 0xFFFA // a separator after a single character
	markBreak   rune = 0xFFFB // a line break inside a word
)

// Bounds of the structural rules.
const (
	maxRepeats   = 6  // a letter repeated at most this often is skipped (fuuuuuck)
	maxEntity    = 10 // longest HTML entity read, & and ; included (&#x8d4c;)
	maxTag       = 64 // longest HTML tag skipped, < and > included
	maxLineShort = 2  // letters on a line that make a line break crossable
)

// ordinaryDoubles are characters that ordinary Chinese doubles (妈妈, 看看,
// 天天): repeating one of them is not an evasion, so "你妈妈的生日" does not
// become 你妈的. Curated: reduplicated kinship terms and the commonest
// reduplicated verbs, adverbs and measure words.
const ordinaryDoubles = "妈爸哥姐弟妹爷奶婆公叔姨舅宝娃看试想说听等谢天常刚慢好人个年月日样星渐偏往处事"

func isOrdinaryDouble(r rune) bool {
	return r >= 0x4E00 && strings.ContainsRune(ordinaryDoubles, r)
}

func markupHints(m rune) uint8 {
	if m == '&' || m == '<' {
		return hintMarkup
	}
	return 0
}

func isMarker(r rune) bool { return r >= markSkip && r <= markBreak }

func isHan(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0x20000 && r <= 0x3FFFF || r >= 0xF900 && r <= 0xFAFF
}

func isKana(r rune) bool {
	return r >= 0x3041 && r <= 0x30FF && r != 0x30FB && r != 0x30FC || r >= 0x31F0 && r <= 0x31FF
}

// unmarkup rewrites runes in place: text under a right-to-left override is
// put in display order, HTML entities are decoded into their first rune and
// tags are skipped. It returns the hints of the decoded runes.
// The extents of decoded entities are appended to ents (first and last
// rune index of each), so that a finding ending on one covers all of it.
func (s *Scanner) unmarkup(runes []rune, offs []int32, ents *[][2]int32) uint8 {
	var hints uint8
	for i := 0; i < len(runes); i++ {
		switch runes[i] {
		case 0x202E: // RIGHT-TO-LEFT OVERRIDE: displayed reversed up to PDF, PDI or a line end
			j := i + 1
			for j < len(runes) && runes[j] != 0x202C && runes[j] != 0x2069 && runes[j] != '\n' && runes[j] != 0x202D {
				j++
			}
			reverse(runes[i+1:j], offs[i+1:j])
			i = j - 1
		case '&':
			if n, h := s.entity(runes, i); n > 0 {
				hints |= h
				*ents = append(*ents, [2]int32{int32(i), int32(i + n - 1)})
				i += n - 1
			}
		case '<':
			if n := tagLen(runes, i); n > 0 {
				for k := i; k < i+n; k++ {
					runes[k] = markSkip
				}
				i += n - 1
			}
		}
	}
	return hints
}

// entityEnd returns end (a finding's exclusive original end) extended over
// the rest of the entity decoded at rune index last, if one was: the
// decoded character stands at the entity's '&', the rest is skipped, and
// the evidence must hold the whole entity (&#21338;, not &).
func entityEnd(ents [][2]int32, offs []int32, last, end int) int {
	for _, e := range ents {
		if int(e[0]) == last {
			return max(end, int(offs[e[1]])+1)
		}
	}
	return end
}

func reverse(runes []rune, offs []int32) {
	for a, b := 0, len(runes)-1; a < b; a, b = a+1, b-1 {
		runes[a], runes[b] = runes[b], runes[a]
		offs[a], offs[b] = offs[b], offs[a]
	}
}

// entity decodes the HTML character reference at runes[i] ('&') with the
// standard library's table, writes its folded form over the '&' and marks
// the rest skipped. It returns the length consumed (0 when it is no entity)
// and the hints of the decoded rune.
func (s *Scanner) entity(runes []rune, i int) (int, uint8) {
	end := -1
	for k := i + 1; k < len(runes) && k < i+maxEntity; k++ {
		r := runes[k]
		if r == ';' {
			end = k
			break
		}
		if !(isASCIIAlnum(r) || r == '#' && k == i+1) {
			return 0, 0
		}
	}
	if end < i+2 {
		return 0, 0
	}
	var buf [maxEntity]byte
	n := 0
	for _, r := range runes[i : end+1] {
		buf[n] = byte(r)
		n++
	}
	dec := html.UnescapeString(string(buf[:n]))
	if dec == string(buf[:n]) {
		return 0, 0
	}
	var first rune
	for _, r := range dec {
		first = r
		break
	}
	for k := i; k <= end; k++ {
		runes[k] = markSkip
	}
	t := s.norm.t
	e := t.lookup(first)
	switch Class(e >> classShft & classMask) {
	case classDrop:
		return end + 1 - i, 0
	case classExpand:
		idx := e & runeMask
		cnt := int(t.expand[idx])
		for k := 0; k < cnt && i+k <= end; k++ {
			runes[i+k] = rune(t.expand[int(idx)+1+k] & runeMask)
		}
	default:
		runes[i] = rune(e & runeMask)
	}
	return end + 1 - i, uint8(e >> hintShift)
}

// tagLen returns the length of the HTML tag at runes[i] ('<'), 0 if none:
// < and an optional / then an ASCII letter, up to the next > on the line,
// or a comment <!-- … -->.
func tagLen(runes []rune, i int) int {
	k := i + 1
	if k < len(runes) && runes[k] == '/' {
		k++
	}
	if k+2 < len(runes) && runes[k] == '!' && runes[k+1] == '-' && runes[k+2] == '-' {
		// A comment (<!-- x -->) ends at "-->", within maxTag.
		for j := k + 3; j+2 < len(runes) && j+2 < i+maxTag; j++ {
			if runes[j] == '-' && runes[j+1] == '-' && runes[j+2] == '>' {
				return j + 3 - i
			}
		}
		return 0
	}
	if k >= len(runes) || !(runes[k] >= 'a' && runes[k] <= 'z') {
		return 0
	}
	for ; k < len(runes) && k < i+maxTag; k++ {
		switch runes[k] {
		case '>':
			return k + 1 - i
		case '<', '\n':
			return 0
		}
	}
	return 0
}

// step returns the direct transition of state on code c.
func (s *Scanner) step(state int32, c uint16) (int32, bool) {
	if c == codeReset || c >= codeSep {
		return 0, false
	}
	t := s.ac.nodes[state].base&baseMask + int32(c)
	if uint(t) < uint(len(s.ac.nodes)) && s.ac.nodes[t].check == state {
		return t, true
	}
	return 0, false
}

// nextLetter returns the index of the first rune at or after i that is not
// noise or a marker, or len(runes).
func (s *Scanner) nextLetter(runes []rune, i int) int {
	for i < len(runes) && s.code(runes[i]) == codeSkip {
		i++
	}
	return i
}

// insertion reports how many runes from i to skip as runes inserted into
// a Chinese word: prev (the last letter matched) is Han, runes[i:j] come
// from one original character that is not Han (a Latin letter, kana, a
// Greek letter, Ⅶ, ⑵ …), or from two when one of them NFKC expands, or
// from a run of foreign fillers (filler.go: 赌αβ博, 冰ΔΔ毒), and the word
// continues with the Han character at j.
func (s *Scanner) insertion(runes []rune, offs []int32, i int, state int32, prev rune, oc *origCursor) int {
	r := runes[i]
	if !isHan(prev) || isHan(r) || s.code(r) == codeSep || !unicode.IsLetter(r) && !unicode.IsDigit(r) && !isKana(r) && !oc.filler(offs[i]) {
		return 0
	}
	j := i + 1
	for j < len(runes) && offs[j] == offs[i] {
		j++ // the rest of the same original character (Ⅶ → vii)
	}
	expanded := j-i > 1
	j = s.nextLetter(runes, j)
	if j < len(runes) && !isHan(runes[j]) && s.code(runes[j]) != codeSep {
		if h := s.fillerRun(runes, offs, i, oc); h > 0 {
			j = h
		} else if insertable(runes[j]) {
			// A second inserted character (裸⑵⑶照, 代开发ⅠⅡ票, 色⑴⑵情), when
			// one of the two is a character NFKC expands (⑵ → (2), Ⅱ → ii):
			// two ASCII letters or digits are ordinary text (赌cc博, 兼PM职,
			// 卖12淫), and kana are Japanese (色んな情報). Fillers of
			// other alphabets (赌αβ博) are fillerRun's.
			k := j + 1
			for k < len(runes) && offs[k] == offs[j] {
				k++
			}
			if !expanded && k-j == 1 {
				return 0
			}
			j = s.nextLetter(runes, k)
		}
	}
	if j >= len(runes) || !isHan(runes[j]) {
		return 0
	}
	if _, ok := s.step(state, s.code(runes[j])); !ok {
		return 0
	}
	for k := i; k < j; k++ {
		if s.code(runes[k]) != codeSkip {
			runes[k] = markSkip
		}
	}
	return j - i
}

// lettersBack counts the letters before i back to a separator or a marker
// of a crossed separator, up to limit+1.
func (s *Scanner) lettersBack(runes []rune, i, limit int) int {
	n := 0
	for k := i - 1; k >= 0 && n <= limit; k-- {
		r := runes[k]
		if r == markSoftSep || r == markBreak {
			break
		}
		switch c := s.code(r); {
		case c == codeSep:
			return n
		case c != codeSkip:
			n++
		}
	}
	return n
}

// letterBefore returns the last letter before i (0: none).
func (s *Scanner) letterBefore(runes []rune, i int) rune {
	for k := i - 1; k >= 0; k-- {
		if s.code(runes[k]) != codeSkip {
			return runes[k]
		}
	}
	return 0
}

// lettersFwd counts the letters from i up to the next separator, up to limit+1.
func (s *Scanner) lettersFwd(runes []rune, i, limit int) int {
	n := 0
	for k := i; k < len(runes) && n <= limit; k++ {
		switch c := s.code(runes[k]); {
		case c == codeSep:
			return n
		case c != codeSkip:
			n++
		}
	}
	return n
}

// crossSeparator decides whether the separator run at i lies inside a word:
// a separator after every single character (你。妈。的。), or line breaks
// next to a line of at most one character, or between two lines of at most
// two (百\n\n家乐), or one line break or a blank line between two Han characters. Sentence punctuation between longer clauses (太大，麻烦你)
// still ends the word. It marks the run and returns its length, or 0.
func (s *Scanner) crossSeparator(runes []rune, i int, state int32) int {
	j := i
	breaks, others := 0, 0
	var sep rune
	for ; j < len(runes); j++ {
		r := runes[j]
		c := s.code(r)
		if c == codeSep {
			if r == '\n' && j > i && runes[j-1] == '\r' {
				continue // \r\n is one line break
			}
			if r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 {
				breaks++
			} else {
				others++
				sep = r
			}
			continue
		}
		if c != codeSkip || isMarker(r) {
			break
		}
	}
	if j >= len(runes) || others > 1 || breaks > 0 && others > 0 {
		return 0
	}
	if _, ok := s.step(state, s.code(runes[j])); !ok {
		return 0
	}
	before := s.lettersBack(runes, i, maxLineShort)
	after := s.lettersFwd(runes, j, maxLineShort)
	mark := markSoftSep
	switch {
	case others == 1 && before == 1 && after == 1:
	case others == 1 && after == 1 && state != root && s.ac.nodes[state].check == root && s.sepAfterLetter(runes, j) == sep:
		// The first character of a word at the end of a longer clause,
		// each of its characters followed by the same separator
		// (你就是个傻！逼！).
	case breaks > 0 && (before <= 1 || after <= 1 || before <= maxLineShort && after <= maxLineShort):
		mark = markBreak
	case (breaks == 1 || breaks == 2) && isHan(s.letterBefore(runes, i)) && isHan(runes[j]):
		// One line break, or a blank line (老虎\n\n机: red10), between two
		// Han characters of a word, whatever the lines' lengths
		// (老虎\n机在线玩). Two complete words on either side (老虎\n机器人,
		// 太大\n\n麻烦你) are a boundary that the ordinary-word pass of
		// package rules tells apart.
		mark = markBreak
	default:
		return 0
	}
	for k := i; k < j; k++ {
		if s.code(runes[k]) == codeSep {
			runes[k] = mark
		}
	}
	return j - i
}

// sepAfterLetter returns the separator right after the letter at j (noise
// between them skipped), or 0.
func (s *Scanner) sepAfterLetter(runes []rune, j int) rune {
	for k := j + 1; k < len(runes); k++ {
		switch s.code(runes[k]) {
		case codeSep:
			return runes[k]
		case codeSkip:
			if !isMarker(runes[k]) {
				continue
			}
		}
		return 0
	}
	return 0
}

// retroInsertion handles inserted runes the automaton has already moved
// on because some word continues that way (赌c博 when 赌chang is a pinyin
// spelling): the letters since the last Han character come from one
// original non-Han character, or from a run of foreign fillers
// (filler.go), and the Han character at i continues the word from before
// them. It returns the state after runes[i] and marks the inserted runes.
func (s *Scanner) retroInsertion(runes []rune, offs []int32, i int, state int32, c uint16, oc *origCursor) (int32, bool) {
	k := i - 1
	for k >= 0 && s.code(runes[k]) == codeSkip {
		if isMarker(runes[k]) {
			return 0, false // one evasion at a time: 赌cc博 is no word
		}
		k--
	}
	if k < 0 || isHan(runes[k]) || !isHan(runes[i]) {
		return 0, false
	}
	o, p, first := offs[k], state, k
	chars := 1
	for ; k >= 0; k-- {
		if s.code(runes[k]) == codeSkip {
			continue
		}
		if offs[k] != o {
			if isHan(runes[k]) {
				break
			}
			// Another original character: the run must be fillers, each
			// of them (赌ᵇᶜ博), and no longer than maxFillers.
			if chars == maxFillers || !oc.filler(o) || !oc.filler(offs[k]) {
				return 0, false
			}
			o = offs[k]
			chars++
		}
		if p == root || isMarker(runes[k]) {
			return 0, false
		}
		p, first = s.ac.nodes[p].check, k
	}
	if k < 0 || !isHan(runes[k]) || p == root {
		return 0, false
	}
	t, ok := s.step(p, c)
	if !ok {
		return 0, false
	}
	for j := first; j < i; j++ {
		if s.code(runes[j]) != codeSkip {
			runes[j] = markSkip
		}
	}
	return t, true
}

// repeatInside reports whether the repeated rune runes[i] is better
// skipped although the word it begins (next) continues with the letters
// after it: the word before it (state) continues with them too, and the
// other word reaches no output before it dies, or reaches it where the
// word before reaches its own. Following both words to the
// end would be a backtracking matcher; one look ahead along next's direct
// transitions, at most the depth of the trie, is enough for a repeat.
func (s *Scanner) repeatInside(runes []rune, i int, state, next int32) bool {
	if isOrdinaryDouble(runes[i]) && (s.ac.nodes[state].check == root || strings.ContainsRune(kinshipDoubles, runes[i])) || repeats(runes, i) >= maxRepeats || !s.continues(runes, i+1, state) {
		return false
	}
	if end := s.reachEnd(runes, i+1, next); end >= 0 {
		// The other word ends where the word before does (兼职日日结: 日结
		// and 兼职日结 both end at 结): it is the word before's tail, found
		// with it, and the repeat is the word before's. Any other word
		// that reaches an output (买卖银银行卡照片 …) keeps the repeat.
		return state != next && end == s.reachEnd(runes, i+1, state)
	}
	return true
}

// doubleInside reports whether the repeat runes[i] of a character ordinary
// Chinese doubles (日日, 人人, 个个) is read as a repeat all the same: it
// lies inside a word, after its second letter at least (狗日日的 for 狗日的,
// 兼职日日结 for 兼职日结; not 我妈妈的, where 妈妈 begins 妈的), and the word
// goes on with the letter after it. A doubled kinship term is the ordinary
// word for the same person, so the doubled phrase reads as ordinary
// Chinese (你妈妈死了吗, 宝妈妈): never a repeat. Whether another double
// makes the phrase ordinary (人人有责, 日日夜夜) is for the ordinary-word
// pass of package rules to say, which reads the whole phrase.
func (s *Scanner) doubleInside(runes []rune, i int, state int32) bool {
	return !strings.ContainsRune(kinshipDoubles, runes[i]) && s.ac.nodes[state].check != root && s.continues(runes, i+1, state)
}

// kinshipDoubles are the ordinary doubles that are kinship terms (妈妈,
// 公公, 宝宝), a prefix of ordinaryDoubles.
const kinshipDoubles = "妈爸哥姐弟妹爷奶婆公叔姨舅宝娃"

// reaches reports whether the automaton, from state, reaches a state with
// outputs on the letters at and after i by direct transitions only. A
// separator or a rune no word holds ends the word here: the structural
// rules that cross them (crossSeparator, insertion) rewrite the runes, and
// a word they would carry on is no reason to refuse a repeat.
func (s *Scanner) reaches(runes []rune, i int, state int32) bool {
	return s.reachEnd(runes, i, state) >= 0
}

// reachEnd is reaches, giving the index of the letter where the first
// output is reached, or -1.
func (s *Scanner) reachEnd(runes []rune, i int, state int32) int {
	nodes := s.ac.nodes
	for {
		j := s.nextLetter(runes, i)
		if j >= len(runes) {
			return -1
		}
		t, ok := s.step(state, s.code(runes[j]))
		if !ok {
			return -1
		}
		if nodes[t].base < 0 {
			return j
		}
		state, i = t, j+1
	}
}

// expanded reports whether runes[i] is the first of several runes one
// original non-Han character folded to (Ⅻ → xii).
func expanded(runes []rune, offs []int32, i int) bool {
	return i+1 < len(runes) && offs[i+1] == offs[i] && !isHan(runes[i])
}

// repeats counts the runes skipped right before i.
func repeats(runes []rune, i int) int {
	n := 0
	for k := i - 1; k >= 0 && runes[k] == markSkip && n <= maxRepeats; k-- {
		n++
	}
	return n
}

// continues reports whether the automaton in state moves on the next letter
// at or after i: then falling back is better than skipping a rune.
func (s *Scanner) continues(runes []rune, i int, state int32) bool {
	if state == root {
		return false
	}
	j := s.nextLetter(runes, i)
	if j >= len(runes) {
		return false
	}
	_, ok := s.step(state, s.code(runes[j]))
	return ok
}
