package rules

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Two readings the precision pass takes without weighing costs, because
// the dictionary's costs cannot decide them (see crossesEdge):
//
//   - a word that crosses the keyword's edge: a dictionary word joining
//     the keyword's first character to the one before it (印刷 in
//     印刷单页, 周日 in 周日结兼职, 节日 in 节日你妈妈) or its last to the
//     one after it (票据 in 拉票据, 麻袋 in 买大麻袋, 炮台 in 约炮台公园)
//     makes the keyword a slice of ordinary words;
//   - a break between two words (listBreak): a space, colon, slash,
//     pipe, bracket or quote inside the keyword with two or more Chinese
//     characters on either side of it and the gap inside no word
//     ends a word (成人 视频 直播, | 笔刷 | 单色 |, 股票/群发); a gap of
//     spaces, brackets or quotes only on a line laid out as a list or a
//     table (softGap, inList).

// crossingGuards are the characters that, taken from outside the keyword
// by a word across its edge, do not make that word the reading: they
// begin or end the next phrase instead (grammatical characters: particles,
// numerals and measure words, prepositions, pronouns, auxiliaries,
// negations and a few adverbs): 这个人渣 (个人), 有色情网站 (有色), 刷单一单
// (单一), 外传给竞品 (传给), 百家乐吧 (乐吧), 要买枪 (要买). After a keyword
// that ends in a numeral, 元 and 块, the measure words of money, are
// guards too (moneyUnit: 月入过万元, 日入过千块; not 刷单元格).
const crossingGuards = "的了吗呢吧啊呀嘛啦哦" + "一二两三几个些每" + "给在把被对向从跟和与及" +
	"有是" + "我你他她它们" + "要想来去会能可" + "不没别" + "就都也还又" + "这那"

// crossesEdge reports whether a dictionary word of the run rs (whose
// lattice is l) crosses the front edge (before rs[in]) or the back edge
// (before rs[after]) of the keyword's characters rs[in:after] and is the
// reading: the keyword is then a slice of ordinary words. The word is the
// reading where gse's segmentation of the run reads it or it outweighs
// the words it would displace beside the keyword (outweighs).
//
// Why not by the costs alone: gse gives every single character the same
// frequency (2), so the character a keyword reading strands (印 of 印刷,
// 据 of 票据) costs what any single character does, and which reading wins
// turns on the keyword's assumed frequency against the word's: 印刷 (1232)
// against the keyword's 1000. A word across the edge is the plainer
// evidence; what it takes from outside the keyword tells an evasion from
// an ordinary word. It is not the reading when that is
//   - the keyword's own edge character again (刷刷单, 傻傻逼: the repeat
//     evasion; 我妈妈的 is left to the costs);
//   - a grammatical character (crossingGuards);
//   - after the keyword, a character that with the next one is two
//     adjacent characters of an entry of the default lists: the message
//     runs on in listed words (刷单日结: 日结 is in 日结兼职; 单日 is no
//     reading there).
//
// A word that holds the whole keyword, or two or more of its characters
// (资料库 in 出售客户资料库), is left to the costs, and one that
// starts or ends with it (赌博机, 杀人犯) keeps a word across the same edge
// (人犯) from being the reading.
func (p *precision) crossesEdge(l *lattice, rs []rune, in, after int) bool {
	var path []latJump // gse's segmentation of the run, once needed
	if in > 0 && p.takesOutside(l, rs, in, after, true, &path) {
		return true
	}
	return after < len(rs) && p.takesOutside(l, rs, in, after, false, &path)
}

// takesOutside reports whether a word of l crosses the edge of the keyword
// rs[in:after] (the front edge when front, else the back edge), holds
// only part of the keyword, and is not ruled out by a guard.
// path holds gse's segmentation of the run once computed (nil before).
func (p *precision) takesOutside(l *lattice, rs []rune, in, after int, front bool, path *[]latJump) bool {
	var at int
	var inside, out rune
	if front {
		at, inside, out = in, rs[in], rs[in-1]
	} else {
		at, inside, out = after, rs[after-1], rs[after]
	}
	switch {
	case out == inside, strings.ContainsRune(crossingGuards, out):
		return false
	case !front && after+1 < len(rs) && p.listBigram(out, rs[after+1]):
		return false
	case !front && moneyUnit(inside, out):
		return false
	}
	if extendsKeyword(l, in, after, front) {
		return false
	}
	if !front && after-in-1 >= 3 {
		// A word across the back edge takes the keyword's last character
		// and leaves three or more, which still say what it says
		// (信用卡代还|款, 高额返利|息, 客户名单出售|价, 代开发票|据); two
		// words meeting by accident leave one or two (拉|票据, 买大|麻袋).
		// 代开发票务 (a ticketing system) is left to the context rules.
		return false
	}
	for a := max(0, at-maxWordRunes+1); a < at; a++ {
		for _, w := range l.words[l.start[a]:l.start[a+1]] {
			b := a + int(w.n) // the word is rs[a:b]
			if w.n < 2 || b <= at || int(w.n) > maxWordRunes {
				continue
			}
			if a <= in && b >= after {
				continue // holds the whole keyword: left to the costs
			}
			if min(b, after)-max(a, in) >= 2 {
				// Takes two or more of the keyword's characters: it
				// extends a word of the keyword (资料库 of 出售客户资料,
				// 兼职人员 of 招兼职) rather than splitting it, and the
				// keyword's other words stay whole: left to the costs.
				continue
			}
			if *path == nil {
				*path = l.segment(0, len(rs))
			}
			if extendsWord(*path, at, in, after) {
				return false // gse reads a word of the keyword extended across the edge
			}
			if !outweighs(*path, a, b, in, after, w.freq) {
				continue // gse reads the run otherwise, with more common words
			}
			return true
		}
	}
	return false
}

// moneyUnit reports whether r, after the numeral num that ends a keyword,
// is a measure word of money (万元 in 月入过万元): the number is counted in
// it, as 一 is counted by 个.
func moneyUnit(num, r rune) bool {
	return (r == '元' || r == '块') && strings.ContainsRune("十百千万亿", num)
}

// takesGrammatical reports whether the word sc.norm[a:b], which crosses an
// edge of the finding [first, last] (window runes), takes a grammatical
// character (crossingGuards) from beside the keyword: 个人 in 真是个人渣,
// 乐吧 in 百家\n乐吧. Such a word is no reading for the costs either.
func takesGrammatical(sc *precisionScratch, a, b, first, last int) bool {
	for i := a; i < b; i++ {
		o := int(sc.offs[i])
		if o == first && i > a && strings.ContainsRune(crossingGuards, sc.norm[i-1]) ||
			o == last && i+1 < b && strings.ContainsRune(crossingGuards, sc.norm[i+1]) {
			return true
		}
	}
	return false
}

// extendsKeyword reports whether a dictionary word of l starts with the
// keyword rs[in:after] and runs on past it (back), or ends with it and
// starts before it (front): the keyword is then what that word means, as
// 赌博 in 赌博机, and a word crossing the same edge is no reading of its own
// (杀人犯, not 杀 + 人犯).
func extendsKeyword(l *lattice, in, after int, front bool) bool {
	if !front {
		for _, w := range l.words[l.start[in]:l.start[in+1]] {
			if in+int(w.n) > after {
				return true
			}
		}
		return false
	}
	for a := max(0, after-maxWordRunes); a < in; a++ {
		for _, w := range l.words[l.start[a]:l.start[a+1]] {
			if a+int(w.n) == after {
				return true
			}
		}
	}
	return false
}

// extendsWord reports whether a word of path (gse's segmentation of the
// run) crosses the edge before rs[at] of the keyword's runes [in, after)
// taking two or more of its characters (理财产品 in 内部理财产品): that
// reading keeps a word of the keyword whole, and no other word across the
// same edge is the reading (财产, though more frequent).
func extendsWord(path []latJump, at, in, after int) bool {
	a := 0
	for _, w := range path {
		b := a + int(w.n)
		if a < at && b > at && min(b, after)-max(a, in) >= 2 {
			return true
		}
		a = b
	}
	return false
}

// outweighs reports whether the word of runes [a, b) of a run, of
// frequency freq, which crosses an edge of the keyword's runes
// [in, after), is a word of path (gse's segmentation of the run), or is
// more frequent than every word of path it overlaps outside the keyword: a word the segmentation
// passes over for a more common one beside the keyword is no reading
// (禁赌 in 严禁赌博, read 严禁 + 赌博; 线网 in 在线网赌平台, read 在线 +
// 网 + 赌), while 麻袋 (474) in 买大麻袋装, which gse reads 大麻 (113) +
// 袋装 (38), is. The keyword's own words (大麻, 洗钱 in 干洗钱) are what is
// being judged, not competitors.
func outweighs(path []latJump, a, b, in, after int, freq float64) bool {
	at := 0
	for _, w := range path {
		end := at + int(w.n)
		if at == a && end == b {
			return true
		}
		if end > a && at < b && w.n >= 2 && (at < in || end > after) && w.freq >= freq {
			return false
		}
		at = end
	}
	return true
}

// listBigram reports whether r1 followed by r2 occurs in an entry of the
// default lists.
func (p *precision) listBigram(r1, r2 rune) bool {
	_, ok := slices.BinarySearch(p.listBigrams, uint64(r1)<<32|uint64(r2))
	return ok
}

// defaultListBigrams returns the sorted pairs of adjacent Chinese
// characters of the entries of the default lists (rules/lists as
// embedded), once per process. The default lists, not an engine's own
// words: a verdict must not depend on which words an engine holds (an
// edit layered over the engine in force, overlay.go, judges a message as
// the engine compiled whole does).
var defaultListBigrams = sync.OnceValues(func() ([]uint64, error) {
	rs, err := Default()
	if err != nil {
		return nil, fmt.Errorf("read the default lists: %w", err)
	}
	var out []uint64
	for _, c := range rs.Categories {
		for _, l := range c.Lists {
			for _, w := range l.Words {
				var prev rune
				for _, r := range w.Text {
					if isHan(prev) && isHan(r) {
						out = append(out, uint64(prev)<<32|uint64(r))
					}
					prev = r
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Clip(slices.Compact(out)), nil
})

// isWordBreak reports whether r, inside a keyword finding, is a mark that
// separates words in work text: spaces, colons, slashes, pipes, brackets
// and quotes (list items, table cells, labels). Dots, stars, hashes,
// dashes, tildes, underscores and the middle dot are the noise people
// insert inside words (赌.博, 刷*单, 代-开-发-票, 出售客户·信息), and a line
// break is judged like noise (黄色\n网站); ，、。！？； are the matcher's
// separators, which it matches only after every character.
func isWordBreak(r rune) bool {
	switch r {
	case ' ', '\t', 0x3000, 0xA0, ':', '：', '/', '／', '|', '｜', '\\',
		'(', ')', '（', '）', '[', ']', '【', '】', '「', '」', '『', '』', '《', '》',
		'"', '\'', '“', '”', '‘', '’':
		return true
	}
	return false
}

// listBreak reports whether the finding [first, last] (window runes)
// holds a break between two words: a gap of word-break marks only
// (isWordBreak) between two of its Chinese characters, with at least two
// Chinese characters right before the gap and two right after it (in the
// text, not only in the finding), and the gap not inside a word
// (wordAcross). 兼 职 (兼职) and 招兼 职日结 are noise inside a word; 兼职 刷单 is two words, and 刷单 alone still
// matches; 黄色 网站 is two words although 黄色网站 may be one.
//
// In a Markdown table (table: the message has a delimiter row, | --- |,
// and no ask or contact: ownAsk) a pipe between two cells of a labelled
// row is a boundary whatever the cells hold, one character included (| 姓名
// | 刷 | 单 | 休 | over | --- | … |: red13p). A row of one-character cells
// without a label is left to the matcher, delimiter row or not: it is the
// separator-after-every-character evasion's own shape (| 刷 | 单 | 日 | 结 |,
// | 赌 | 博 | 网 | 站 | over | --- | … |: review ctx).
func (p *precision) listBreak(sc *precisionScratch, first, last int, table bool) bool {
	for n := 0; n < len(sc.norm); n++ {
		if o := int(sc.offs[n]); o < first || o > last || !isHan(sc.norm[n]) {
			continue
		}
		// sc.norm[n] is a Chinese character of the finding; find the gap
		// after it and the Chinese character that ends it.
		g := n + 1
		for g < len(sc.norm) && !isHan(sc.norm[g]) && isWordBreak(sc.norm[g]) {
			g++
		}
		if g == n+1 || g >= len(sc.norm) || !isHan(sc.norm[g]) || int(sc.offs[g]) > last {
			continue
		}
		if table && cellGap(sc.norm, n, g) && labelledRow(sc.norm, n) {
			return true
		}
		before, after := hanBefore(sc.norm, n), hanAfter(sc.norm, g)
		if before < 2 || after < 2 {
			continue
		}
		list := inList(sc.norm, n)
		if cellGap(sc.norm, n, g) {
			// A pipe between two cells of a table row, each of two or more
			// characters (| 王博 | 彩页设计 |: red10), whatever the
			// dictionary reads across it: the cells are the layout.
			return true
		}
		if softGap(sc.norm[n+1:g]) && !list || p.wordAcross(sc, n, g, before, after) {
			continue
		}
		if !list && p.ownWords(sc, n, g, before, after, first, last) {
			// 出售：客户信息, 黄色/网站 in running text: a mark at the
			// keyword's own word boundary, neither word running on
			// outside it, marks the keyword's words, as a space does.
			continue
		}
		return true
	}
	return false
}

// cellGap reports whether the gap runes[n+1:g] is a pipe (spaces around
// it allowed) on a line laid out as a table row, which starts with a pipe
// (| 王博 | 彩页设计 |): a boundary between two cells, not noise (博|彩 in
// running text, one pipe alone, nor pipes between the parts of running
// text: 百家|乐真人|荷官在线, 老虎|机在线|玩).
func cellGap(runes []rune, n, g int) bool {
	pipes := 0
	for _, r := range runes[n+1 : g] {
		switch r {
		case '|', '｜':
			pipes++
		case ' ', 0x3000, 0xA0:
		default:
			return false
		}
	}
	if pipes != 1 {
		return false
	}
	first := rune(0)
	for i := n; i >= 0 && !isLineEnd(runes[i]); i-- {
		if r := runes[i]; r != ' ' && r != 0x3000 && r != 0xA0 && r != '\t' {
			first = r
		}
	}
	return first == '|' || first == '｜'
}

// softGap reports whether the gap gap holds nothing but spaces, brackets
// and quotes: marks that end a word only on a line laid out as a list or
// a table (inList). In running text spam puts them inside its keywords to
// set words apart or mark them (黄色 网站, 出售“客户信息”, 【黄色】网站).
func softGap(gap []rune) bool {
	for _, r := range gap {
		switch r {
		case ' ', 0x3000, 0xA0,
			'(', ')', '（', '）', '[', ']', '【', '】', '「', '」', '『', '』', '《', '》',
			'"', '\'', '“', '”', '‘', '’':
		default:
			return false
		}
	}
	return true
}

// inList reports whether the line of runes[n] is laid out as a list or a
// table around the gap after runes[n]: before it on the line a label's
// colon, a pipe, a slash, a tab or an enumeration comma (标签：清洁消毒
// 品控抽检, 主色：黄色 网站按钮), or after it a pipe or a tab (笔刷 单色 |
// 渐变 |). Only there is a space between two words a boundary: in running
// text spam spaces its words apart (黄色 网站 免费看, 出售 客户信息 私聊),
// and a space a word breaks in is noise like any other. A colon, slash or
// enumeration comma after the gap is no layout: it is where spam gives
// its contact or alternatives (黄色 网站 免费看 加微信：…, 日结/周结).
func inList(runes []rune, n int) bool {
	for i := n; i >= 0 && !isLineEnd(runes[i]); i-- {
		if isListMark(runes[i]) {
			return true
		}
	}
	for i := n + 1; i < len(runes) && !isLineEnd(runes[i]); i++ {
		if isCellMark(runes[i]) {
			return true
		}
	}
	return false
}

func isListMark(r rune) bool {
	switch r {
	case ':', '：', '/', '／', '、':
		return true
	}
	return isCellMark(r)
}

// isCellMark reports whether r separates the cells of a table row.
func isCellMark(r rune) bool {
	switch r {
	case '|', '｜', '\t':
		return true
	}
	return false
}

// isLineEnd reports whether r ends the line a list mark is looked for on:
// a sentence's end (isSentenceEnd) or a semicolon between list items.
func isLineEnd(r rune) bool {
	return isSentenceEnd(r) || r == '；' || r == ';'
}

// wordAcross reports whether the gap between sc.norm[n] and sc.norm[g]
// falls inside a word: once the gap is taken out (the before characters
// ending at n and the after characters starting at g read as one run),
// a word of gse's segmentation of that run spans it, a word holding the
// whole finding included (厂家 直销: 厂家直销 is one word of the dictionary,
// and the space is noise inside it). The segmentation, not any
// dictionary word: 黄色网 (a rare entry) is a word, but 黄色网站按钮 reads
// 黄色 + 网站 + 按钮.
func (p *precision) wordAcross(sc *precisionScratch, n, g, before, after int) bool {
	if !p.dict.hasBigram(sc.norm[n], sc.norm[g]) {
		return false // no word holds the two characters beside the gap
	}
	before, after = min(before, maxWordRunes-1), min(after, maxWordRunes-1)
	sc.joined = append(append(sc.joined[:0], sc.norm[n-before+1:n+1]...), sc.norm[g:g+after]...)
	sc.join.build(p.seg.Dict, p.logTotal, sc.joined)
	a := 0
	for _, w := range sc.join.segment(0, len(sc.joined)) {
		b := a + int(w.n) // the word is sc.joined[a:b]
		if a < before && b > before {
			return true
		}
		a = b
	}
	return false
}

// ownWords reports whether the words of gse's segmentation either side of
// the gap between sc.norm[n] and sc.norm[g] (read as one run, as in
// wordAcross) both lie inside the finding [first, last] (window runes):
// the gap is then at a word boundary of the keyword itself (出售：客户信息,
// 黄色/网站), not between ordinary words one of which only starts or ends
// the keyword (宣传/销售 for 传销, 股票/群发 for 股票群, 打赌：博士).
func (p *precision) ownWords(sc *precisionScratch, n, g, before, after, first, last int) bool {
	before, after = min(before, maxWordRunes-1), min(after, maxWordRunes-1)
	sc.joined = append(append(sc.joined[:0], sc.norm[n-before+1:n+1]...), sc.norm[g:g+after]...)
	kwFrom, kwTo := 0, len(sc.joined) // the finding's characters in joined
	for i := n - before + 1; i <= n && int(sc.offs[i]) < first; i++ {
		kwFrom++
	}
	for i := g + after - 1; i >= g && int(sc.offs[i]) > last; i-- {
		kwTo--
	}
	sc.join.build(p.seg.Dict, p.logTotal, sc.joined)
	a := 0
	for _, w := range sc.join.segment(0, len(sc.joined)) {
		b := a + int(w.n) // the word is sc.joined[a:b]
		switch {
		case b == before && a < kwFrom, a == before && b > kwTo:
			return false // a word beside the gap runs on outside the finding
		case a > before:
			return true
		}
		a = b
	}
	return true
}

// hanBefore counts the Chinese characters of runes ending at runes[n].
func hanBefore(runes []rune, n int) int {
	k := 0
	for ; n >= 0 && isHan(runes[n]); n-- {
		k++
	}
	return k
}

// hanAfter counts the Chinese characters of runes starting at runes[n].
func hanAfter(runes []rune, n int) int {
	k := 0
	for ; n < len(runes) && isHan(runes[n]); n++ {
		k++
	}
	return k
}

// hasBreak reports whether text holds a word-break mark (isWordBreak):
// the cheap test before listBreak normalizes anything.
func hasBreak(text string) bool {
	for _, r := range text {
		if isWordBreak(r) {
			return true
		}
	}
	return false
}

// markdownTable reports whether text holds a Markdown table's delimiter
// row: a line of pipes, dashes, colons and spaces only, with a pipe and a
// run of three dashes (|---|:---:|, | --- | --- |). Hand-written: a
// Markdown parser would build the whole document for one line's shape.
func markdownTable(text string) bool {
	for len(text) > 0 {
		line := text
		if i := strings.IndexAny(text, "\n\r"); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if delimiterRow(line) {
			return true
		}
	}
	return false
}

func delimiterRow(line string) bool {
	pipes, dashes, run := 0, false, 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '|':
			pipes++
			run = 0
		case '-':
			if run++; run >= 3 {
				dashes = true
			}
		case ':', ' ', '\t':
			run = 0
		default:
			return false
		}
	}
	return pipes > 0 && dashes
}
