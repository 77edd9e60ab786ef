package rules

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// contextRule lowers the confidence of a keyword hit when the words just
// around it make plain that the message does not do what the word names:
// a notice forbidding it (严禁买卖个人信息), or an ordinary workplace sense of
// an ad phrase (在前台免费领取工牌). Each rule is a small named value, so a
// hit can say which rule judged it, and the rules are few on purpose: every
// cue they read is a way around the policy for someone who knows it, and
// TestContextRulesRecall measures what they cost on evasions.
//
// A rule looks only at the hit's clause: the text back to the last clause
// separator (，。！？；, their ASCII forms and line breaks; not 、, which
// lists things under one prohibition). It never raises a confidence and
// never drops a hit: a lowered hit is still reported, and a rule's
// min_confidence decides whether it is enforced.
type contextRule struct {
	// Name is what Hit.Context reports ("prohibition").
	Name string
	// Explanation says in words when the rule applies.
	Explanation string
	// Confidence is the confidence a hit gets when the rule applies (hits
	// already rated lower keep theirs).
	Confidence uint8
	// Cues are the words that must come before the hit in its clause,
	// ending at most Within runes before it.
	Cues   []string
	Within int
	// Verbs, when set, must come between the cue and the hit unless the
	// hit follows the cue at once: 不要 + 发布 + 赌博信息, but not
	// 不要犹豫 + 兼职日结.
	Verbs []string
	// Phrases, when set, are the only listed words the rule applies to.
	Phrases []string
	// Written, when set, must hold the hit as the user wrote it: the rule
	// reads one spelling of the phrase (代开发发票, which is also 代开发 +
	// 发票), not the phrase itself.
	Written []string
	// Or, when set with Written, is a second spelling the rule reads: the
	// hit as written followed at once by one of its words' last parts
	// (代开发票 then 务: 代开发 + 票务, a ticketing system).
	Or []string
	// Around, when set, replaces Cues: one of these words anywhere in the
	// hit's sentence (up to aroundRunes either side) makes the rule apply.
	Around []string
	// InClause, with Around, looks for the Around words in the hit's clause
	// only, not across a comma: a report (新闻说有人玩百家乐) is one
	// clause, an ad's decoy is often a clause of its own (电影资源免费看，
	// 成人视频在线).
	InClause bool
	// Except are set phrases that start with a cue and forbid something
	// else (请勿打扰, 不得不): a cue starting one of them does not count.
	Except []string
	// Unless are words that, anywhere in the hit's sentence, keep the rule
	// from applying: the sentence is selling after all (红包, 加我, 返利).
	Unless []string
	// UnlessInMessage are words that, anywhere in the message, as written
	// or as the keyword matcher folds it (私 聊, 薇❤信, ＶＸ), keep the rule
	// from applying: an ad's contact line is often a sentence of its own.
	// Only words that name a way to be contacted or joined belong here;
	// words of a pitch that a company also uses (收益, 囤货, 轻松) stay in
	// Unless, read in the hit's sentence (review rev13r: 经销商会议纪要：厂家
	// 直销渠道的收益分析见附件 was warned).
	UnlessInMessage []string
	// Latin, when set, replaces Cues: the rule applies to a Chinese word
	// matched in Latin letters (its pinyin) for which Latin reports true.
	Latin func(text string, bs, be int) bool
	// Quoted, when set, replaces Cues: the rule applies only to a hit
	// inside a quotation, with Around and Unless read in its sentence
	// outside the quotation marks (context_quote.go); Except are set
	// phrases an Around word starting them does not count in.
	Quoted bool
	// After, when set, replaces Cues: one of these words right after the
	// hit makes the rule apply (智障 + 人士: a term for people, not an
	// insult).
	After []string
	// Listed, when set, replaces Cues: the rule applies to a hit listed
	// under a label holding one of the Around words, on its line before a
	// colon, in the first cell of its table row or in the header of its
	// table column (违禁词：色情、赌博; | 敏感词 | 处理方式 | over | 裸聊 |
	// 撤回 |: context_layout.go).
	Listed bool
	// Lexical says the rule reads how the word is formed or written (a
	// name in Latin letters, a term for people, an anti- prefix), not what
	// the message does with it: it still applies when the message asks to
	// be contacted (ownAsk), which keeps every other rule from applying.
	Lexical bool
	// Detector says the rule judges only a detector's solicitation
	// (detectorContext), never a keyword hit.
	Detector bool
}

// clauseRunes bounds how far back a rule looks, and aroundRunes how far
// either side an Around word may be.
const (
	clauseRunes = 24
	aroundRunes = 20
)

// latinName reports whether the Latin letters at bytes [bs, be) of text
// read as a name or address rather than pinyin typed to get round a word
// list: capitalized like a name (Du Bo, DuBo, not DUBO or dubo), inside an
// e-mail address or a code joined to digits (GDX-300), an initialism in
// capitals before a department or team word (GDX 事业部), or in a clause of
// English without Chinese characters.
func latinName(text string, bs, be int) bool {
	span := text[bs:be]
	prev, _ := utf8.DecodeLastRuneInString(text[:bs])
	next, _ := utf8.DecodeRuneInString(text[be:])
	if first, _ := utf8.DecodeRuneInString(span); 'A' <= first && first <= 'Z' && strings.ToUpper(span) != span && !isHan(prev) && !isHan(next) &&
		strings.ContainsAny(span, "aeiouvAEIOUV") {
		// Set off like a name, not run into Chinese (Dubo网站); a name
		// in pinyin has a vowel (initials such as Cnm have none).
		return true
	}
	// The e-mail-like token around the span.
	lo, hi := bs, be
	for lo > 0 && isAddrByte(text[lo-1]) {
		lo--
	}
	for hi < len(text) && isAddrByte(text[hi]) {
		hi++
	}
	if strings.Contains(text[lo:hi], "@") {
		return true
	}
	// A code or model number (GDX-300, TMD-2000): letters joined to digits.
	if strings.ContainsAny(text[lo:hi], "0123456789") && !strings.ContainsAny(span, "0123456789&#;") {
		return true
	}
	// An initialism in capitals naming a unit (GDX 事业部, RNM 项目组).
	if strings.ToUpper(span) == span {
		after := strings.TrimLeft(text[be:], " ")
		for _, w := range orgWords {
			if strings.HasPrefix(after, w) {
				return true
			}
		}
	}
	// An initialism spelled out in the message (请把 SB 改成 Small Business
	// 的全称, MMP（Mobile Measurement Partner）: red13p).
	if strings.ToUpper(span) == span && spelledOut(text, span) {
		return true
	}
	// An English clause: no Chinese, and three words besides the span, two
	// of them no pinyin. A clause of pinyin words (ni shi shabi ma, luoliao
	// yi dui yi) is Chinese typed in Latin letters, not English.
	clause := clauseBefore(text, bs, 60, isSentenceEnd) + " " + clauseAfter(text, be, 60, isSentenceEnd)
	words, english := 0, 0
	for _, w := range strings.FieldsFunc(clause, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) {
		if len(w) >= 2 {
			words++
			if !moderation.IsPinyin(w) {
				english++
			}
		}
	}
	for _, r := range clause {
		if isHan(r) {
			return false
		}
	}
	return words >= 3 && english >= 2
}

// spelledOut reports whether text holds, as consecutive words of two or
// more letters, a phrase whose initials are the letters of the
// initialism span (Small Business for SB): a spammer writing an insult's
// initials does not also write them out as English words.
func spelledOut(text, span string) bool {
	if len(span) < 2 || len(span) > 6 {
		return false
	}
	words := strings.FieldsFunc(text, func(r rune) bool { return r >= utf8.RuneSelf || !isASCIILetter(byte(r)) })
	for i := 0; i+len(span) <= len(words); i++ {
		ok := true
		for k := 0; k < len(span) && ok; k++ {
			w := words[i+k]
			ok = len(w) >= 2 && (w[0]|0x20) == (span[k]|0x20) && w != span
		}
		if ok {
			return true
		}
	}
	return false
}

// orgWords are the words after an initialism in capitals that make it the
// name of a department, team or project rather than an insult.
var orgWords = []string{"事业部", "事业群", "部门", "项目组", "项目", "小组", "团队", "中心", "组", "部", "办公室", "课题组"}

func isAddrByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '@'
}

// latinMatch reports whether a listed word holding Chinese characters was
// found at bytes [bs, be) written in ASCII only: a pinyin form.
func latinMatch(text string, bs, be int, word string) bool {
	for i := bs; i < be; i++ {
		if text[i] >= utf8.RuneSelf {
			return false
		}
	}
	for _, r := range word {
		if isHan(r) {
			return true
		}
	}
	return false
}

// isClauseEnd reports whether r ends a clause for the context rules.
func isClauseEnd(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '；', ',', '!', '?', ';', '\n', '\r', '…':
		return true
	}
	return false
}

// isSentenceEnd reports whether r ends a sentence (an Around word may lie
// across a comma, not across a full stop).
func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '!', '?', '\n', '\r':
		return true
	}
	return false
}

// spelledAs reports whether text, from byte bs, starts with one of the
// spellings.
func spelledAs(spellings []string, text string, bs int) bool {
	for _, w := range spellings {
		if strings.HasPrefix(text[bs:], w) {
			return true
		}
	}
	return false
}

// applyContext returns the index of the first context rule that applies to
// the keyword word found at byte offsets [bs, be) of text, or -1. Only a
// Lexical rule applies when the message carries an ask, a channel or a
// mobile number in the writer's voice (ownAsk, looked for once and only
// when a rule would apply).
func applyContext(text string, bs, be int, word string) int {
	h := hitText{text: text, bs: bs, be: be}
	h.clause = clauseBefore(text, bs, clauseRunes, isClauseEnd)
	h.cued = cueIndex().present(h.clause)
	asked := -1 // unknown; then 0 or 1
	for i := range contextRules {
		if !h.applies(i, word) {
			continue
		}
		if contextRules[i].Lexical {
			return i
		}
		if asked < 0 {
			asked = 0
			if ownAsk(text, bs, be) {
				asked = 1
			}
		}
		if asked == 0 {
			return i
		}
	}
	return -1
}

// hitText is a keyword hit at bytes [bs, be) of text, with what the rules
// read around it: the clause before it, the rules whose cues start in it,
// and (once asked for) the text with its quotations blanked.
type hitText struct {
	text    string
	bs, be  int
	clause  string
	cued    uint32
	uq      string
	uqSet   bool
	head    string // the header row of the hit's table, once headSet
	headSet bool
}

// header returns the header row of the Markdown table the hit is in the
// body of, or "" (tableHeader).
func (h *hitText) header() string {
	if !h.headSet {
		h.head, h.headSet = tableHeader(h.text, h.bs), true
	}
	return h.head
}

// unquoted returns h's text with its quotations blanked (see unquoted),
// where Unless words are read: same offsets.
func (h *hitText) unquoted() string {
	if !h.uqSet {
		h.uq, h.uqSet = unquoted(h.text), true
	}
	return h.uq
}

// applies reports whether context rule i, by its own words, lowers the
// hit, a finding of the keyword word.
func (h *hitText) applies(i int, word string) bool {
	r := &contextRules[i]
	text, bs, be := h.text, h.bs, h.be
	if len(r.Phrases) > 0 && !slices.Contains(r.Phrases, word) {
		return false
	}
	if len(r.Written) > 0 && !slices.Contains(r.Written, text[bs:be]) && !spelledAs(r.Or, text, bs) {
		return false
	}
	words := contextWords()
	switch {
	case r.Detector:
		return false
	case r.Quoted:
		return r.quotedApplies(words[i].unless, text, bs, be)
	case r.Listed:
		return listedUnder(text, bs, be, words[i].around)
	case len(r.After) > 0:
		return spelledAs(r.After, text, be) && !r.unless(words[i].unless, h.unquoted(), bs, be)
	case r.Latin != nil:
		return latinMatch(text, bs, be, word) && r.Latin(text, bs, be)
	}
	if len(r.Around) > 0 || len(r.Unless) > 0 {
		if r.unless(words[i].unless, h.unquoted(), bs, be) ||
			len(r.UnlessInMessage) > 0 && unlessInMessage(text, r.UnlessInMessage) {
			return false
		}
		if len(r.Around) > 0 {
			stop := isSentenceEnd
			if r.InClause {
				stop = isClauseEnd
			}
			return words[i].around.in(clauseBefore(text, bs, aroundRunes, stop)) ||
				words[i].around.in(clauseAfter(text, be, aroundRunes, stop)) ||
				words[i].around.in(h.header())
		}
	}
	return h.cued&(1<<i) != 0 && r.cued(h.clause)
}

// unless reports whether one of r.Unless is in the sentence of the hit at
// byte offsets [bs, be) of text, or after it across a question or an
// exclamation: the offer often follows the question or the report it
// poses as (听说这里能赌球？加我，带你玩; 有人问要不要代开发票？找我: red13p).
// text is the message with its quotations blanked (unquoted).
// ix indexes r.Unless (contextWords).
func (r *contextRule) unless(ix *wordIndex, text string, bs, be int) bool {
	if ix == nil {
		return false
	}
	return offers(clauseBefore(text, bs, aroundRunes, isSentenceEnd), ix) ||
		offers(clauseAfter(text, be, aroundRunes, isStatementEnd), ix)
}

// notOffers are phrases that hold a rule's word of an offer (Unless) and
// offer nothing: the bait described (钓鱼链接, 陌生链接), someone else's
// approach reported (有人加我, 陌生人加我), a warning against it (不要下载,
// 被诱导下载). red13p's traps: 有个陌生人加我说可以办信用卡套现，我没理他;
// 近期有人群发『免费领取年终礼品』的钓鱼链接，不要点.
var notOffers = strings.NewReplacer(
	"钓鱼链接", "·", "诈骗链接", "·", "陌生链接", "·", "不明链接", "·", "可疑链接", "·", "假链接", "·",
	"人加我", "·", "诱导下载", "·", "不要下载", "·", "别下载", "·", "不要注册", "·", "别注册", "·",
	"不要点链接", "·", "别点链接", "·",
	// Someone else's approach told (review ctx: 有人说加他微信能看裸聊, 同事说
	// 有人私聊他推销, 对方让我下载APP刷单, 骗子让我扫码进群).
	"他微信", "·", "她微信", "·", "对方微信", "·", "骗子微信", "·", "私聊他", "·", "私聊她", "·", "人私聊", "·",
	"客户私聊", "·", "同事私聊", "·", "他私聊", "·", "她私聊", "·", "私聊我问", "·",
	"让我加微信", "·", "叫我加微信", "·", "要我加微信", "·", "让我加", "·", "叫我加", "·", "要我加", "·", "让我下载", "·", "叫我下载", "·", "让我扫码", "·", "让我注册", "·",
	"让我私聊", "·", "让我进群", "·")

// offers reports whether s holds one of the words of an offer (ix)
// outside the phrases of notOffers.
func offers(s string, ix *wordIndex) bool {
	if !ix.in(s) {
		return false
	}
	return ix.in(notOffers.Replace(s))
}

// isStatementEnd reports whether r ends a statement: a full stop or a
// line break, not a question or an exclamation mark.
func isStatementEnd(r rune) bool {
	switch r {
	case '。', '\n', '\r':
		return true
	}
	return false
}

// cued reports whether one of r's cues ends at most r.Within runes before
// the end of clause (the text just before the hit), with one of r.Verbs in
// between when r has verbs.
func (r *contextRule) cued(clause string) bool {
	for _, cue := range r.Cues {
		i := strings.LastIndex(clause, cue)
		if i < 0 || slices.ContainsFunc(r.Except, func(e string) bool { return strings.HasPrefix(clause[i:], e) }) {
			continue
		}
		if aNotA(clause, i, cue) {
			continue
		}
		gap := clause[i+len(cue):]
		if utf8.RuneCountInString(gap) > r.Within {
			continue
		}
		if len(r.Verbs) == 0 || gap == "" || containsAny(gap, r.Verbs) {
			return true
		}
	}
	return false
}

// aNotA reports whether the cue at byte i of clause, a negation (不要,
// 不能, 不可以), is the second half of an A-not-A question (要不要, 能不能,
// 可不可以: "do you want …"), which asks and forbids nothing (red10:
// 前台居然问要不要约炮).
func aNotA(clause string, i int, cue string) bool {
	neg, size := utf8.DecodeRuneInString(cue)
	if neg != '不' || i == 0 {
		return false
	}
	verb, _ := utf8.DecodeRuneInString(cue[size:])
	before, n := utf8.DecodeLastRuneInString(clause[:i])
	if before != verb {
		return false
	}
	// The A is the end of a word (只要, 重要, 可能, 只能 …), not a verb of
	// its own: 只要不要刷单就行, 这点很重要不要参与赌博 forbid (review10).
	prev, _ := utf8.DecodeLastRuneInString(clause[:i-n])
	return !strings.ContainsRune(wordEnding[verb], prev)
}

// wordEnding gives, for the A of an A-not-A question, the characters that
// make a word with it before (只要, 重要, 可能, 认可): such a word
// followed by 不要, 不能 … is a prohibition, not a question.
var wordEnding = map[rune]string{
	'要': "只重主需必首紧切",
	'能': "可才只智功技本性就",
	'可': "只认许宁",
}

// cueFirsts says, for each character, which of contextRules have a cue
// starting with it: most clauses hold none, and one pass over the clause
// then replaces a search for every cue of every rule.
type cueFirsts struct {
	han    []uint32        // rule bits by character - cueHanBase
	others map[rune]uint32 // cue starts outside the block (none today)
}

const cueHanBase, cueHanEnd = 0x4E00, 0xA000

// present returns the bit set of the rules with a cue starting with some
// character of clause.
func (c *cueFirsts) present(clause string) uint32 {
	var m uint32
	for _, r := range clause {
		if i := uint32(r - cueHanBase); i < cueHanEnd-cueHanBase {
			m |= c.han[i]
		} else if len(c.others) > 0 {
			m |= c.others[r]
		}
	}
	return m
}

// cueFits fails to compile when contextRules outgrow cueFirsts' bit set
// (32 bits: red13p raised it from 16; the index is 84 KB, built once).
var _ [32 - len(contextRules)]struct{}

// cueIndex is built once: the rules are fixed.
var cueIndex = sync.OnceValue(func() *cueFirsts {
	c := &cueFirsts{han: make([]uint32, cueHanEnd-cueHanBase), others: map[rune]uint32{}}
	for i, r := range contextRules {
		for _, cue := range r.Cues {
			first, _ := utf8.DecodeRuneInString(cue)
			if j := uint32(first - cueHanBase); j < cueHanEnd-cueHanBase {
				c.han[j] |= 1 << i
			} else {
				c.others[first] |= 1 << i
			}
		}
	}
	return c
})

// clauseBefore returns the text before byte offset end back to the last
// rune for which stop is true, at most n runes.
func clauseBefore(text string, end, n int, stop func(rune) bool) string {
	start := end
	for k := 0; k < n && start > 0; k++ {
		r, size := utf8.DecodeLastRuneInString(text[:start])
		if stop(r) {
			break
		}
		start -= size
	}
	return text[start:end]
}

// clauseAfter returns the text after byte offset start up to the next rune
// for which stop is true, at most n runes.
func clauseAfter(text string, start, n int, stop func(rune) bool) string {
	end := start
	for k := 0; k < n && end < len(text); k++ {
		r, size := utf8.DecodeRuneInString(text[end:])
		if stop(r) {
			break
		}
		end += size
	}
	return text[start:end]
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// byteOffsets returns the byte offsets of rune offsets start and end
// (end exclusive) in text, clamped to the text.
func byteOffsets(text string, start, end int) (int, int) {
	bs, be := runeByteOffsets(text, start, end)
	if bs > be {
		bs = be
	}
	return bs, be
}

// runeByteOffsets returns the byte offsets of rune offsets start and end
// of text, len(text) for an offset past its end; runes are counted as
// range over a string counts them (an invalid byte is one). A valid
// three-byte sequence (most Han characters) is stepped over without
// decoding it: runtime.decoderune was about half of what finding a phone
// number's evidence in a Chinese message cost (callgrind).
func runeByteOffsets(text string, start, end int) (bs, be int) {
	bs, be = len(text), len(text)
	i := 0
	for b := 0; b < len(text); i++ {
		if i == start {
			bs = b
		}
		if i == end {
			be = b
			break
		}
		switch c := text[b]; {
		case c < utf8.RuneSelf:
			b++
		// Leads whose second byte may be any continuation byte (E0 and
		// ED restrict it: overlong forms, surrogates).
		case (c >= 0xE1 && c <= 0xEC || c == 0xEE || c == 0xEF) && b+2 < len(text) &&
			text[b+1]&0xC0 == 0x80 && text[b+2]&0xC0 == 0x80:
			b += 3
		default:
			_, n := utf8.DecodeRuneInString(text[b:])
			b += n
		}
	}
	return bs, be
}
