package moderation

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
)

// This file generates the spelled variants of opt-in entries (pinyin,
// pinyin mixed with characters, initials, split characters) and rates every
// keyword finding with a Form and a Confidence.
//
// Confidence scale (1–100; a rule may require a minimum):
//
//	100  exact, folded          the word as listed, after width/case/traditional/noise folding
//	 90  structure, lookalike   repeated or inserted runes, a separator after each character,
//	                            bidi, HTML; Cyrillic/Greek/squared letters, ⻩, 売
//	 80  pinyin                 dubo, du bo, dǔbó, 赌bo, du博; structure across a line break
//	 75  split                  女马 for 妈
//	 60  homophone, initials    菠菜 for 博彩, sb, cnm
//	 50  near homophone         撒比 for 傻逼, 宾毒 for 冰毒 (zh/z, n/l, -ng/-n merged)
//	 40  doubtful context       pinyin amid English words or written like a name (请联系Dubo)
//	 30  doubtful homophone     needs a particle (败家了 for 百家乐) or an ordinary
//	                            doubled character (试试才 for 时时彩)
//	 10  almost surely not      pinyin or initials that are part of an e-mail address,
//	                            domain or handle (dubo.li@…), a name in English text
//	                            ("Please loop in Du Bo"), initials amid English words
//
// A structural evasion on top of a spelled form lowers it by 10. Findings at
// 10 are reported so that a rule can explain why it did not act; no rule
// should act on them. Words next to a pinyin hit that are themselves pinyin
// ("yiqi dubo ba") are Chinese, not English, context.
const (
	confExact     = 100
	confStructure = 90
	confLookalike = 90
	confPinyin    = 80
	confBreak     = 80
	confSplit     = 75
	confHomophone = 60
	confInitials  = 60
	// confNearHomophone: a homophone that needs an accent merge (撒比).
	confNearHomophone = 50
	// confHomophoneDoubt: a homophone that needs a particle (败家了 for 百家乐)
	// or an ordinary doubled character (试试才 for 时时彩).
	confHomophoneDoubt = 30
	confDoubtful       = 40
	confUnlikely       = 10
	confPenalty        = 10
)

// maxVariants bounds the spellings generated per entry and form.
const maxVariants = 32

type variant struct {
	text string
	form Form
}

// readings returns the toneless pinyin readings of each rune of l (at most
// three heteronyms each; nil for runes without a reading).
func readings(l []rune) [][]string {
	args := pinyin.NewArgs()
	args.Style = pinyin.Normal
	args.Heteronym = true
	out := make([][]string, len(l))
	for i, r := range l {
		if !isHan(r) {
			continue
		}
		// Toneless heteronyms repeat (跑 páo/pǎo are both pao): keep
		// each spelling once, so that the variants are not spent on
		// duplicates.
		rs := slices.Compact(pinyin.SinglePinyin(r, args))
		if len(rs) > 3 {
			rs = rs[:3]
		}
		for _, p := range rs {
			// go-pinyin writes ü as v (nv); people also type u, and
			// dǚ-style tone marks fold to u.
			if strings.Contains(p, "v") {
				rs = append(rs, strings.ReplaceAll(p, "v", "u"))
			}
		}
		out[i] = rs
	}
	return out
}

// variants returns the spellings e asks for besides the word itself.
func variants(l []rune, e Entry) []variant {
	rd := readings(l)
	han := 0
	for _, r := range rd {
		if r != nil {
			han++
		}
	}
	var out []variant
	if e.Pinyin && han > 0 {
		// All pinyin first (dubo), then pinyin mixed with characters
		// (赌bo, du博) for words of two characters or more.
		for _, v := range product(l, rd, func(i int, r rune) []string {
			if rd[i] == nil {
				return []string{string(r)}
			}
			return rd[i]
		}) {
			out = append(out, variant{v, FormPinyin})
		}
		if han >= 2 {
			for _, v := range mixed(l, rd) {
				out = append(out, variant{v, FormPinyin})
			}
		}
	}
	if e.Initials && han == len(l) && han >= 2 {
		for _, v := range product(l, rd, func(i int, _ rune) []string {
			var ini []string
			for _, p := range rd[i] {
				if len(ini) == 0 || ini[len(ini)-1] != p[:1] {
					ini = append(ini, p[:1])
				}
			}
			return ini
		}) {
			out = append(out, variant{v, FormInitials})
		}
	}
	if e.Homophones || e.Split {
		split := func(i int, r rune) []string {
			if parts, ok := splitChars[r]; ok {
				return []string{string(r), parts}
			}
			return []string{string(r)}
		}
		for _, v := range product(l, rd, split) {
			if v != string(l) {
				out = append(out, variant{v, FormSplit})
			}
		}
	}
	return out
}

// mixed returns the spellings of l with some but not all of its
// characters in pinyin (赌bo, du博, nei部资料外传), fewest pinyin characters
// first, at most maxVariants: people replace one or two characters, and
// in a long word (内部资料外传, 64 spellings) the variants that keep the
// first characters would otherwise use up the budget before any that
// spells them (red9c: nei部资料外传 and paofen平台 were missed).
func mixed(l []rune, rd [][]string) []string {
	var pos []int // the characters that have a reading
	for i := range l {
		if rd[i] != nil {
			pos = append(pos, i)
		}
	}
	var out []string
	chosen := make([]bool, len(l))
	var pick func(from, k int) bool
	pick = func(from, k int) bool {
		if k == 0 {
			for _, v := range product(l, rd, func(i int, r rune) []string {
				if chosen[i] {
					return rd[i]
				}
				return []string{string(r)}
			}) {
				if len(out) == maxVariants {
					return false
				}
				out = append(out, v)
			}
			return true
		}
		for j := from; j <= len(pos)-k; j++ {
			chosen[pos[j]] = true
			ok := pick(j+1, k-1)
			chosen[pos[j]] = false
			if !ok {
				return false
			}
		}
		return true
	}
	for k := 1; k < len(pos); k++ {
		if !pick(0, k) {
			break
		}
	}
	return out
}

// product returns the concatenations choosing one option per rune, at most
// maxVariants of them.
func product(l []rune, _ [][]string, options func(int, rune) []string) []string {
	out := []string{""}
	for i, r := range l {
		opts := options(i, r)
		if len(opts) == 0 {
			return nil
		}
		next := make([]string, 0, min(len(out)*len(opts), maxVariants))
		for _, prefix := range out {
			for _, o := range opts {
				if len(next) < maxVariants {
					next = append(next, prefix+o)
				}
			}
		}
		out = next
	}
	return out
}

func isAllLatin(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// splitChars maps characters to the two characters they are written as
// when split left/right (女马 for 妈). It is curated — no maintained Go
// module ships character decomposition data — and holds the characters of
// the default lists and of common abuse and advertising spam whose parts
// are characters people can type; side forms (衤, 亻, 氵, 扌) fold to the
// characters they stand for (fold.go), so 氵先钱 is written here 水先钱.
var splitChars = map[rune]string{
	'妈': "女马", '吗': "口马", '码': "石马", '骗': "马扁", '骚': "马蚤", '驴': "马户",
	'妹': "女未", '好': "女子", '奸': "女干", '姐': "女且", '婊': "女表", '嫖': "女票",
	'娼': "女昌", '妓': "女支", '娘': "女良", '妖': "女夭", '嫩': "女敕", '媚': "女眉", '姓': "女生",
	'枪': "木仓", '炮': "火包", '炸': "火乍", '烟': "火因", '炒': "火少", '灯': "火丁",
	'张': "弓长", '强': "弓虽", '弹': "弓单",
	'赌': "贝者", '赚': "贝兼", '贼': "贝戎", '账': "贝长", '财': "贝才", '贩': "贝反", '购': "贝勾", '贴': "贝占",
	'胡': "古月", '明': "日月", '朋': "月月", '期': "其月", '肥': "月巴", '脱': "月兑",
	'加': "力口", '群': "君羊", '职': "耳只", '联': "耳关", '取': "耳又",
	'球': "王求", '玩': "王元", '现': "王见", '理': "王里",
	'粉': "米分", '料': "米斗", '精': "米青",
	'秒': "禾少", '种': "禾中", '私': "禾厶", '秘': "禾必",
	'鸡': "又鸟", '鸭': "甲鸟", '机': "木几", '林': "木木", '相': "木目", '枝': "木支",
	'孩': "子亥", '吸': "口及", '听': "口斤", '吃': "口乞", '叼': "口刁",
	'时': "日寸", '冰': "冫水", '冲': "冫中", '冻': "冫东",
	// 讠, 亻 and 钅 are typed as the full characters they stand for.
	'记': "言己", '说': "言兑", '话': "言舌", '证': "言正", '计': "言十", '认': "言人",
	'请': "言青", '诈': "言乍", '订': "言丁", '讨': "言寸", '让': "言上",
	'信': "人言", '你': "人尔", '他': "人也", '代': "人弋", '付': "人寸", '位': "人立", '件': "人牛",
	'钱': "金戋", '银': "金艮", '针': "金十", '钟': "金中", '钓': "金勺",
	// The other characters of the default lists whose parts can be typed
	// (衤 as 衣, 礻 as 示, ⻊ as 足; top/bottom splits too: 西示 for 票).
	'偷': "人俞", '价': "人介", '份': "人分", '仿': "人方", '传': "人专", '倒': "人到", '借': "人昔", '值': "人直",
	'助': "且力", '吧': "口巴", '呗': "口贝", '和': "禾口", '啡': "口非", '嗨': "口海", '名': "夕口", '多': "夕夕",
	'地': "土也", '增': "土曾", '屄': "尸穴", '智': "知日", '死': "歹匕", '殊': "歹朱", '残': "歹戋",
	'烦': "火页", '爸': "父巴", '爹': "父多", '物': "牛勿", '特': "牛寺", '犊': "牛卖", '的': "白勺",
	'砍': "石欠", '票': "西示", '税': "禾兑", '稳': "禾急", '站': "立占", '竞': "立兄", '耀': "光翟", '聊': "耳卯",
	'行': "彳亍", '裸': "衣果", '要': "西女", '视': "示见", '询': "言旬", '货': "化贝", '贱': "贝戋", '贷': "代贝",
	'费': "弗贝", '资': "次贝", '跑': "足包", '躺': "身尚", '配': "酉己", '链': "金连", '销': "金肖", '领': "令页",
	'频': "步页", '额': "客页", '出': "山山",
	// 氵 and 扌 are typed as 水 and 手 (fold.go), like 衤 and 亻.
	'洗': "水先", '滚': "水衮", '操': "手喿",
	// The remaining characters of the lists with homophones (gambling_sites,
	// drugs, porn, fraud, violence, curses) whose parts can be typed, left/
	// right and top/bottom (red9c: 犭句日的, 百宀豕乐 were missed).
	'狗': "犭句", '家': "宀豕", '蛋': "疋虫", '逼': "辶畐", '彩': "采彡", '博': "十尃",
	'援': "手爰", '约': "纟勺", '络': "纟各", '药': "艹约", '草': "艹早", '花': "艹化", '情': "忄青",
	'按': "手安", '担': "手旦", '押': "手甲", '卖': "十买", '假': "人叚", '保': "人呆", '妇': "女彐",
	'海': "水每", '洛': "水各", '注': "水主", '泥': "水尼", '源': "水原", '溜': "水留",
	'雇': "户隹", '导': "巳寸", '笔': "竹毛", '爷': "父卩", '划': "戈刂",
	// held9f's audit of every character of the default lists: the rest
	// whose two parts, left/right or top/bottom, are characters or side
	// forms people type (辶, 阝, 纟, 忄, 刂, 灬, 攵, 宀 as in 逼, 约, 情, 划
	// above), and the simplified parts of a traditional form (網 纟罔, 個 人固,
	// 錄 金录). Left out: parts no input method offers as one character
	// (场, 傻, 毒, 淫, 赛, 部, 报, 服, 收) and characters that are one part.
	'利': "禾刂", '消': "水肖", '泄': "水世", '渣': "水查", '露': "雨路", '麻': "广林", '摩': "麻手",
	'返': "辶反", '还': "辶不", '过': "辶寸", '速': "辶束", '障': "阝章",
	'结': "纟吉", '给': "纟合", '绝': "纟色", '网': "纟罔", '股': "月殳", '英': "艹央", '荐': "艹存",
	'分': "八刀", '卡': "上下", '址': "土止", '外': "夕卜", '宝': "宀玉", '实': "宀头", '客': "宀各",
	'库': "广车", '废': "广发", '忙': "忄亡", '快': "忄夬", '息': "自心", '房': "户方",
	'打': "手丁", '扫': "手彐", '批': "手比", '把': "手巴", '投': "手殳", '抵': "手氐", '拉': "手立",
	'招': "手召", '拷': "手考", '拼': "手并", '据': "手居", '接': "手妾",
	'放': "方攵", '数': "娄攵", '易': "日勿", '查': "木旦", '点': "占灬", '照': "昭灬", '猥': "犭畏",
	'盟': "明皿", '个': "人固", '录': "金录", '帮': "邦巾", '幕': "莫巾",
	// The characters of the split-only lists (branch fill: 抢劫, 法轮功,
	// 屌) whose parts can be typed.
	'抢': "手仓", '劫': "去力", '法': "水去", '屌': "尸吊", '轮': "车仑", '功': "工力",
}

// toneVowels are the vowels pinyin writes with tone marks.
const toneVowels = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛÜ"

// byteSpan returns the byte range of the runes [start, end) of text. cur
// caches a (rune, byte) position of text from an earlier call, so that the
// findings of one message, which come in increasing order, cost one pass.
func byteSpan(text string, start, end int, cur *[2]int) (int, int) {
	n, i := 0, 0
	if cur[0] <= start && cur[1] <= len(text) {
		n, i = cur[0], cur[1]
	}
	for n < start && i < len(text) {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
		n++
	}
	bs := i
	*cur = [2]int{n, i}
	for n < end && i < len(text) {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
		n++
	}
	return bs, i
}

// rate returns the form and confidence of a keyword finding of w covering
// the runes [start, end) of text, matched over the normalized runes m
// (reversed under a bidi override), the end of the finding (moved past an
// HTML entity the match ends in) and false when the context shows it is no
// hit (pinyin inside an e-mail address).
func (s *Scanner) rate(text string, m []rune, reversed bool, start, end int, w word, cur *[2]int) (Form, uint8, int, bool) {
	structure, brk := reversed, false
	for _, r := range m {
		if isMarker(r) {
			structure = true
			brk = brk || r == markBreak
		}
	}
	bs, be := byteSpan(text, start, end, cur)
	if be > bs && text[be-1] == '&' {
		// The last character came from an entity (&#21338;): cover it.
		if k := strings.IndexByte(text[be:min(len(text), be+maxEntity)], ';'); k >= 0 {
			end += k + 1 // entity bodies are ASCII: bytes are runes
			be += k + 1
			structure = true
		}
	}
	if inCyrillicWord(text, bs, be) {
		return 0, 0, 0, false
	}
	t := s.norm.t
	folded, look := false, false
	for _, r := range text[bs:be] {
		e := t.lookup(r)
		if e&(runeMask|classMask<<classShft) != uint32(r)&runeMask|uint32(ClassLetter)<<classShft {
			folded = true
		}
		if Class(e>>classShft&classMask) == ClassNoise && !unicode.IsSpace(r) {
			// A symbol or emoji inside the word (the span runs from its
			// first letter to its last) is inserted to get round the list
			// (卖*淫, 吸-毒, 贩~毒): a structural evasion, as a separator
			// after each character is. A space (卖 淫) and invisible
			// characters stay folded: keyboards and copied text put those
			// there by accident.
			structure = true
		}
		if t.isLookalike(r) {
			look = true
		}
		if isBidiControl(r) {
			structure = true
		}
	}
	if w.form == FormExact && !structure && s.edgeRepeat(text, bs, be) {
		structure = true
	}
	if w.form == FormExact {
		switch {
		case brk:
			return FormStructure, confBreak, end, true
		case structure:
			return FormStructure, confStructure, end, true
		case look:
			return FormLookalike, confLookalike, end, true
		case folded:
			return FormFolded, confExact, end, true
		}
		return FormExact, confExact, end, true
	}
	var conf uint8
	switch w.form {
	case FormPinyin:
		conf = confPinyin
	case FormInitials:
		conf = confInitials
	case FormSplit:
		conf = confSplit
	default:
		conf = confHomophone
	}
	if structure {
		conf -= confPenalty
	}
	if w.flags&wordAllLatin == 0 {
		return w.form, conf, end, true
	}
	for _, r := range text[bs:be] {
		// Pinyin is typed in ASCII (full width at most), with tone marks on
		// vowels, or disguised in look-alikes (ᴅᴜʙᴏ) and letter styles that
		// fold to ASCII (𝖉𝖚𝖇𝖔, ⓓⓤⓑⓞ); other letters
		// (mojibake such as ĺż) are no pinyin.
		if r >= utf8.RuneSelf && unicode.IsLetter(r) && !(r >= 'Ａ' && r <= 'ｚ') && !t.isLookalike(r) &&
			!(w.form == FormPinyin && strings.ContainsRune(toneVowels, r)) && !letterStyle(r) {
			return 0, 0, 0, false
		}
	}
	// A capital at the start of a message or sentence is the keyboard's
	// (Dubo网站注册送彩金), not a name, unless English words stand around.
	ident, name, latin := latinContext(text, bs, be)
	switch {
	case ident, name && latin, latin && w.form == FormInitials:
		conf = confUnlikely
	case latin, name && !sentenceStart(text, bs):
		conf = min(conf, confDoubtful)
	}
	return w.form, conf, end, true
}

// edgeRepeat reports whether the first Chinese character of the word at
// text[bs:be] is repeated right before it, twice or with no other Chinese
// character before the repeat (卖卖淫, 吸吸吸毒, not 禁毒毒品), or its last
// right after it with no other Chinese character following the repeats
// (卖淫淫淫, not 海洛因因为): the repeated edges of 赌赌赌博, a structural
// evasion that the match itself does not show, as it lies outside the
// word. Ordinary doubles (妈妈, 天天) never count.
func (s *Scanner) edgeRepeat(text string, bs, be int) bool {
	t := s.norm.t
	fold := func(r rune) rune { return rune(t.lookup(r) & runeMask) }
	first, _ := utf8.DecodeRuneInString(text[bs:be])
	if isHan(first) && !isOrdinaryDouble(fold(first)) {
		// One repeat right after another Chinese character may end a
		// word of its own (禁毒毒品, 缉毒毒品: news); two or more (卖卖卖淫),
		// or one that starts the Chinese text (，卖卖淫), are the evasion.
		i, n := bs, 0
		for i > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:i])
			if fold(r) != fold(first) {
				break
			}
			i -= size
			n++
		}
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		if n >= 2 || n == 1 && (i == 0 || !isHan(fold(before))) {
			return true
		}
	}
	last, _ := utf8.DecodeLastRuneInString(text[bs:be])
	if !isHan(last) || isOrdinaryDouble(fold(last)) {
		return false
	}
	i, n := be, 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if fold(r) != fold(last) {
			break
		}
		i += size
		n++
	}
	after, _ := utf8.DecodeRuneInString(text[i:])
	return n > 0 && (i == len(text) || !isHan(fold(after)))
}

// letterStyle reports whether r is a style of an ASCII letter that NFKC
// folds to it (𝖉, ⓓ): not a letter with a diacritic (mojibake such as ĺż
// is no pinyin). Only runs for the non-ASCII letters of a Latin finding.
func letterStyle(r rune) bool {
	s := norm.NFKC.String(string(r))
	return len(s) == 1 && isASCIILetter(s[0])
}

// latinContext describes the Latin text around text[bs:be]: ident when it
// is part of an e-mail address, domain or handle (next to @, or joined to
// more letters by . or _), name when it is written like a name (Du Bo,
// Dubo), latin when a Latin word of two letters or more stands next to it.
func latinContext(text string, bs, be int) (ident, name, latin bool) {
	upper, lower := false, false
	for i := bs; i < be; i++ {
		c := text[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if !upper && !lower {
				name = true // first letter upper case …
			}
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		}
	}
	name = name && lower // … and not all capitals
	// The token the span belongs to: runs of ASCII without spaces.
	for i := be; i < len(text) && i < be+64; i++ {
		c := text[i]
		if c == '@' {
			ident = true
		}
		if (c == '.' || c == '_') && i+1 < len(text) && isASCIIAlnum(rune(text[i+1])) && i == be {
			ident = true
		}
		if c == ' ' || c >= utf8.RuneSelf {
			break
		}
	}
	for i := bs - 1; i >= 0 && i >= bs-64; i-- {
		c := text[i]
		if c == '@' {
			ident = true
		}
		if (c == '.' || c == '_') && i == bs-1 && i > 0 && isASCIIAlnum(rune(text[i-1])) {
			ident = true
		}
		if c == ' ' || c >= utf8.RuneSelf {
			break
		}
	}
	latin = latinWordAt(text, be, 1) || latinWordAt(text, bs, -1)
	return ident, name, latin
}

// latinWordAt reports whether, going from byte i in direction dir over
// spaces, ASCII punctuation and one-letter words ('s, a), one of the next two
// words is a Latin word of at least two letters that is not pinyin ("yiqi
// dubo ba" is Chinese written in pinyin, "loop in Du Bo" is English).
func latinWordAt(text string, i, dir int) bool {
	if dir < 0 {
		i--
	}
	for range 2 {
		for i >= 0 && i < len(text) && text[i] < utf8.RuneSelf && !isASCIILetter(text[i]) {
			i += dir
		}
		from := i
		for i >= 0 && i < len(text) && isASCIILetter(text[i]) {
			i += dir
		}
		a, b := min(from, i-dir), max(from, i-dir)
		switch n := b - a + 1; {
		case from == i:
			return false
		case n >= 2:
			return !isPinyinWord(text[a : b+1])
		}
	}
	return false
}

// sentenceStart reports whether only spaces and punctuation stand between
// the start of text or of a sentence and byte i.
func sentenceStart(text string, i int) bool {
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:i])
		switch {
		case r == '.' || r == '!' || r == '?' || r == '\n' || r == '。' || r == '！' || r == '？':
			return true
		case r == ' ' || r == '"' || r == '\'' || r == '“' || r == '‘':
			i -= n
		default:
			return false
		}
	}
	return true
}

// pinyinSyllables is the set of toneless pinyin syllables go-pinyin knows,
// with v for ü as people type it.
var pinyinSyllables = sync.OnceValue(func() map[string]bool {
	set := make(map[string]bool, 512)
	for _, readings := range pinyin.PinyinDict {
		for _, p := range strings.Split(readings, ",") {
			p = stripMarks(norm.NFD.String(p))
			set[p] = true
			if strings.ContainsRune(readings, 'ü') {
				set[strings.ReplaceAll(stripMarks(strings.ReplaceAll(p, "ü", "v")), "u", "v")] = true
			}
		}
	}
	return set
})

// IsPinyin reports whether the ASCII word w is a run of toneless pinyin
// syllables (shi, naocan, yi): the rules' context tells a clause of pinyin
// (ni shi shabi ma) from one of English by it.
func IsPinyin(w string) bool { return isPinyinWord(w) }

// isPinyinWord reports whether the ASCII word w is a run of pinyin syllables.
func isPinyinWord(w string) bool {
	set := pinyinSyllables()
	var buf [64]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		buf[i] = w[i] | 0x20 // ASCII letters to lower case
	}
	lw := buf[:len(w)]
	var ok [65]bool
	ok[0] = true
	for i := range len(lw) {
		if !ok[i] {
			continue
		}
		for l := 1; l <= 6 && i+l <= len(lw); l++ {
			if set[string(lw[i:i+l])] {
				ok[i+l] = true
			}
		}
	}
	return ok[len(lw)]
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
