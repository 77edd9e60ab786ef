package rules

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// The precision pass keeps a keyword that is only a slice of ordinary
// words from being a hit: 援交 in 支援交付 (支援 + 交付), 色情 in 白色情人节,
// 妈的 in 我妈妈的, 传销 in 宣传/销售, 人渣 in 个人：渣打银行. It segments the
// Chinese text around a keyword finding with a maintained segmenter and
// its own dictionary (github.com/go-ego/gse, simplified Chinese, 352k words
// with frequencies) and drops the finding when a word of that segmentation
// crosses the finding's edge: part of the keyword belongs to a longer word
// that starts before it or ends after it. A keyword wholly inside one word
// is dropped only when it lies strictly inside (not 赌博 in 赌博机, which is
// what the word means).
//
// Noise and punctuation between characters end a run of Chinese text, and
// each run is segmented on its own; so noise inside a keyword is a word
// boundary exactly when a complete word ends or starts at it (宣传/销售,
// 打赌：博士, | 消毒 | 品控 |), and inserted noise that splits no ordinary
// words still matches (赌.博, 刷*单, 兼 职).
//
// Two readings are taken before any cost is weighed (precision_edge.go):
// a dictionary word across the keyword's edge that gse's segmentation
// reads, or that outweighs the words it would displace beside the keyword
// (印刷单页, 拉票据, 买大麻袋, 周日结兼职), unless what it takes from
// outside is grammatical, a repeat, or the start of more listed words; and
// a space, colon, slash or pipe between two words of two or more
// characters each (成人 视频 直播, 主色：黄色 网站按钮, 兼职 刷单: 刷单
// alone still matches).
//
// The pass runs only on keyword findings that a rule in force takes, after
// the automaton found them: the clean path never reaches it.

// segmenterDict names the gse dictionary: simplified Chinese (the
// normalizer folds traditional characters to simplified before matching).
const segmenterDict = "zh_s"

// precisionWindow is how many Chinese characters either side of a keyword
// the segmenter sees: enough for the longest ordinary words that can cross
// a keyword's edge, few enough to stay cheap.
const precisionWindow = 6

// dictionary is the segmenter with the bigrams of its words: the pairs of
// adjacent characters inside some word of two or more. A keyword finding
// whose edge pairs (the character before it and its first, its last and
// the character after it) are in no word cannot be crossed by a word, so
// most findings skip the segmenter.
type dictionary struct {
	seg     *gse.Segmenter
	bigrams []uint64 // sorted, r1<<32 | r2
	// byFirst[r1-bigramBase] is where the bigrams starting with r1 begin
	// in bigrams (and byFirst[r1-bigramBase+1] where they end), for r1 in
	// the common CJK block: a search among r1's few dozen bigrams instead
	// of all of them (hundreds of thousands, a cache miss a step).
	byFirst []uint32
}

// The block byFirst indexes: CJK Unified Ideographs.
const bigramBase, bigramEnd = 0x4E00, 0xA000

// hasBigram reports whether a word of the dictionary holds r1 followed by r2.
func (d *dictionary) hasBigram(r1, r2 rune) bool {
	key := uint64(r1)<<32 | uint64(r2)
	list := d.bigrams
	if i := uint32(r1 - bigramBase); i < bigramEnd-bigramBase {
		list = list[d.byFirst[i]:d.byFirst[i+1]]
	}
	_, ok := slices.BinarySearch(list, key)
	return ok
}

// indexBigrams fills byFirst from the sorted bigrams.
func (d *dictionary) indexBigrams() {
	d.byFirst = make([]uint32, bigramEnd-bigramBase+1)
	for i := range d.byFirst {
		at, _ := slices.BinarySearch(d.bigrams, uint64(bigramBase+i)<<32)
		d.byFirst[i] = uint32(at)
	}
}

// loadDictionary loads the dictionary once per process and shares it: it
// takes about 2 s and 130 MB of heap (BenchmarkDictionaryLoad), which no
// Engine should pay again on a policy edit. It is immutable once loaded;
// gse's Segment only reads it.
var loadDictionary = sync.OnceValues(newDictionary)

// newDictionary loads gse's embedded dictionary and collects its bigrams.
func newDictionary() (*dictionary, error) {
	seg := new(gse.Segmenter)
	seg.SkipLog = true
	if err := seg.LoadDictEmbed(segmenterDict); err != nil {
		return nil, fmt.Errorf("load the segmenter dictionary %s: %w", segmenterDict, err)
	}
	d := &dictionary{seg: seg}
	var prev rune
	for i := range seg.Dict.Tokens {
		prev = 0
		for _, r := range seg.Dict.Tokens[i].Text() {
			if prev != 0 && isHan(prev) && isHan(r) {
				d.bigrams = append(d.bigrams, uint64(prev)<<32|uint64(r))
			}
			prev = r
		}
	}
	slices.Sort(d.bigrams)
	d.bigrams = slices.Clip(slices.Compact(d.bigrams))
	d.indexBigrams()
	return d, nil
}

// precision judges keyword findings against ordinary words. Safe for
// concurrent use.
type precision struct {
	dict     *dictionary
	seg      *gse.Segmenter
	logTotal float32 // log2 of the dictionary's total frequency, as gse computes it
	// listBigrams are the pairs of adjacent Chinese characters of the
	// default lists' entries, sorted (see crossesEdge).
	listBigrams []uint64
	norm        *moderation.Normalizer
	pool        sync.Pool // *precisionScratch
}

type precisionScratch struct {
	lats []lattice // the words of each run holding part of the finding
	norm []rune    // the window, normalized
	offs []int32   // norm index → window rune index
	run  []byte    // one run of Chinese text, UTF-8
	// joined and join: the characters either side of a break, read as one
	// run, and their lattice (listBreak)
	joined []rune
	join   lattice
}

func newPrecision() (*precision, error) {
	d, err := loadDictionary()
	if err != nil {
		return nil, err
	}
	bigrams, err := defaultListBigrams()
	if err != nil {
		return nil, err
	}
	p := &precision{dict: d, seg: d.seg, norm: moderation.NewNormalizer(),
		logTotal: float32(math.Log2(d.seg.Dict.TotalFreq())), listBigrams: bigrams}
	p.pool.New = func() any { return new(precisionScratch) }
	return p, nil
}

// edgeInWord reports whether the character before the finding at bytes
// [bs, be) of text and its first, or its last and the character after it,
// lie next to each other in some dictionary word. It reads the text as
// written: a traditional neighbour finds no simplified bigram, and the
// hit is kept (the pass only ever drops hits).
func (p *precision) edgeInWord(text string, bs, be int) bool {
	if bs >= be {
		return false
	}
	if prev, _ := utf8.DecodeLastRuneInString(text[:bs]); isHan(prev) {
		if first, _ := utf8.DecodeRuneInString(text[bs:be]); p.dict.hasBigram(prev, first) {
			return true
		}
	}
	if next, _ := utf8.DecodeRuneInString(text[be:]); isHan(next) {
		if last, _ := utf8.DecodeLastRuneInString(text[bs:be]); p.dict.hasBigram(last, next) {
			return true
		}
	}
	return false
}

// Costs of the two readings, in bits (gse's path length, log2 of the
// dictionary's total frequency over a word's frequency).
const (
	// keywordFreq is the frequency a listed keyword is given as a word
	// when the dictionary rates it lower or lacks it: that of a common word
	// (交付 has 911, 兼职 594), so the ordinary reading must be the more
	// probable one to win, as in 支援交付 or 我妈妈的, and a listed phrase
	// that gse does not know (刷单) is not split by rare words (单日).
	keywordFreq = 1000
	// gapBits is what reading a keyword across noise or punctuation costs:
	// a visible break is more often a boundary than inserted noise, unless
	// the characters beside it make no words (赌.博, 帮忙刷*单赚钱).
	gapBits = 4
	// marginBits is how much more probable (in bits: 1 is twice) the
	// ordinary reading must be: 我妈妈的 wins by 2.2, while 刷单一单 (单一,
	// 1005, against the keyword's 1000) does not.
	marginBits = 1
)

// inOrdinaryWords reports whether the keyword finding at rune offsets
// [start, end) of text is a slice of ordinary words rather than the
// keyword: a break between two words lies inside it (listBreak), a word
// across its edge is the reading (crossesEdge), or in the segmentation of
// the Chinese text around it a word crosses its edge (or holds it
// strictly inside) and that reading is more probable than the one keeping
// the keyword whole. bs and be are the byte offsets of start and end.
func (p *precision) inOrdinaryWords(text string, start, end, bs, be int) bool {
	if p.kinReading(text, bs, be) {
		return true
	}
	if end-start < 2 {
		return false
	}
	brk := hasBreak(text[bs:be])
	if !brk && !p.edgeInWord(text, bs, be) {
		return false
	}
	sc := p.pool.Get().(*precisionScratch)
	defer p.pool.Put(sc)

	// The window: the finding and some runes either side; noise and
	// invisible characters in it are not Chinese.
	from, to := max(0, start-3*precisionWindow), end+3*precisionWindow
	bf, bt, n := len(text), len(text), 0
	for b := range text {
		if n == from {
			bf = b
		}
		if n == to {
			bt = b
			break
		}
		n++
	}
	first, last := start-from, end-from-1 // the finding, in window runes
	if bf >= bt || last >= min(n, to)-from {
		return false
	}
	sc.norm, sc.offs, _ = p.norm.Append(text[bf:bt], sc.norm[:0], sc.offs[:0])

	// The keyword as written, its letters only; one that is not all
	// Chinese (北京赛车pk10) or crosses sentence punctuation (你。妈。的。)
	// is left to the matcher's own word boundaries. A line break is judged
	// like noise: 老虎\n机器人 is two words on two lines, 老虎\n机在线玩
	// the keyword.
	sc.run = sc.run[:0]
	for n, r := range sc.norm {
		if o := int(sc.offs[n]); o < first || o > last || p.norm.ClassOf(r) == moderation.ClassNoise || isLineBreak(r) {
			continue
		}
		if !isHan(r) {
			if p.insertedLetter(sc, n, first, last) {
				continue // judged like noise: 支援Ⅱ交付 is two words, 赌Ⅲ博 the keyword
			}
			return false
		}
		sc.run = utf8.AppendRune(sc.run, r)
	}
	if len(sc.run) == 0 {
		return false
	}
	if brk {
		// A break between two words ends the keyword; otherwise the
		// edges are judged as for any finding.
		if p.listBreak(sc, first, last, markdownTable(text) && !ownAsk(text, bs, be)) {
			return true
		}
		if !p.edgeInWord(text, bs, be) {
			return false
		}
	}
	freq, _, _ := p.seg.Dict.Find(sc.run)
	forced := p.bits(max(freq, keywordFreq)) - gapBits

	// Each run of Chinese characters that holds a character of the
	// finding is segmented on its own; the reading keeping the keyword
	// whole is costed only when a word crosses it (most findings stop
	// here).
	edge, nr := false, 0
	for k, j := range p.runs(sc, first, last) {
		lo, in, after, hi := p.bounds(sc, k, j, first, last)
		if nr == len(sc.lats) {
			sc.lats = append(sc.lats, lattice{})
		}
		l := &sc.lats[nr]
		nr++
		l.build(p.seg.Dict, p.logTotal, sc.norm[lo:hi])
		if l.across(in-lo) || l.across(after-lo) {
			edge = true
			if p.crossesEdge(l, sc.norm[lo:hi], in-lo, after-lo) {
				return true
			}
		}
	}
	if !edge {
		return false
	}
	// Each run is segmented whole (best) and, keeping the keyword as one
	// word, in its parts before and after the keyword (forced), over the
	// lattice of its words.
	crosses, best, nr := false, 0.0, 0
	for k, j := range p.runs(sc, first, last) {
		lo, in, after, hi := p.bounds(sc, k, j, first, last)
		l := &sc.lats[nr]
		nr++
		cost, c := p.segment(sc, l, lo, lo, hi, first, last)
		crosses = crosses || c
		best += cost
		if in > lo {
			c, _ := p.segment(sc, l, lo, lo, in, first, last)
			forced += c
		}
		if hi > after {
			c, _ := p.segment(sc, l, lo, after, hi, first, last)
			forced += c
		}
		forced += gapBits
	}
	if !crosses {
		return false
	}
	return forced-best > marginBits
}

// ordinaryWordFreq is the dictionary frequency from which a sound-alike
// hit written as a word is taken as that word: 病毒 (a virus, not 冰毒),
// 纸张 (paper, not 智障), 菠菜 (spinach, not 博彩) are common words; the
// spellings people use to evade (傻比, 煞笔, 堵博, 刷丹) are not.
const ordinaryWordFreq = 50

// ordinaryLookalike reports whether a homophone or split-character hit at
// bytes [bs, be) of text is ordinary Chinese rather than an evasion: the
// characters as written are themselves a common dictionary word, or a
// dictionary word runs across either edge (福建人 holds 建人, 收件人 holds
// 件人, 了如指掌 holds 指掌). A sound-alike has no meaning of its own to
// protect it, so unlike inOrdinaryWords no reading is weighed against the
// keyword: any ordinary reading wins. That holds only at an edge where
// the hit's character is a sound-alike or a split: at an edge written as
// the keyword kw is listed (the 交 of 扌爰交学生 for 援交), the character
// does mean what the keyword means, and a word across it (交学) is weighed
// against the keyword by inOrdinaryWords, which has already run.
func (p *precision) ordinaryLookalike(text string, bs, be int, kw string) bool {
	if bs >= be {
		return false
	}
	// A grammatical character after the hit (的, 了, 吗 …, 一个) ends the
	// phrase: 草你妈的 and 傻笔一个 are not read as 妈的 and 笔一.
	ae := len(text)
	next, _ := utf8.DecodeRuneInString(text[be:])
	last, _ := utf8.DecodeLastRuneInString(text[bs:be])
	kwLast, _ := utf8.DecodeLastRuneInString(kw)
	if strings.ContainsRune(lookalikeEnds, next) || last == kwLast {
		ae = be // only the front edge is checked
	}
	as := 0
	prev, _ := utf8.DecodeLastRuneInString(text[:bs])
	first, _ := utf8.DecodeRuneInString(text[bs:be])
	kwFirst, _ := utf8.DecodeRuneInString(kw)
	if strings.ContainsRune(lookalikeStarts, prev) || first == kwFirst {
		as = bs // only the back edge is checked
	}
	if p.edgeInWord(text[as:ae], bs-as, be-as) {
		return true
	}
	var run []byte
	for _, r := range text[bs:be] {
		if !isHan(r) {
			return false // written with noise or latin letters: no ordinary word
		}
		run = utf8.AppendRune(run, r)
	}
	freq, _, ok := p.seg.Dict.Find(run)
	return ok && freq >= ordinaryWordFreq
}

// lookalikeEnds are the characters after a sound-alike hit that do not
// join it into a word: particles and the numeral of 一个.
const lookalikeEnds = "的了吗呢吧啊呀嘛啦一"

// lookalikeStarts are the characters before a sound-alike hit that do not
// join it into a word: the auxiliary verbs that ask for something (要买木仓,
// 想约泡, 来玩), which form words with many verbs (要买, 想约) but are
// read apart from them; and 有, "have", before what is on offer (手上有兵毒,
// 有木仓: red10; 有兵 and 有木 are words).
const lookalikeStarts = "要想来去有"

// runs yields the runs of Chinese characters sc.norm[k:j] that hold a
// character of the finding [first, last] (window runes).
func (p *precision) runs(sc *precisionScratch, first, last int) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for k := 0; k < len(sc.norm); {
			if !isHan(sc.norm[k]) {
				k++
				continue
			}
			j := k
			for j < len(sc.norm) && isHan(sc.norm[j]) {
				j++
			}
			if int(sc.offs[j-1]) >= first && int(sc.offs[k]) <= last && !yield(k, j) {
				return
			}
			k = j
		}
	}
}

// bounds returns the trimmed run sc.norm[lo:hi] and the finding's part of
// it, sc.norm[in:after].
func (p *precision) bounds(sc *precisionScratch, k, j, first, last int) (lo, in, after, hi int) {
	lo = k
	for lo < j && int(sc.offs[lo]) < first {
		lo++
	}
	in = lo
	lo = max(k, lo-precisionWindow)
	hi = j
	for hi > in && int(sc.offs[hi-1]) > last {
		hi--
	}
	after = hi
	hi = min(j, hi+precisionWindow)
	return lo, in, after, hi
}

// segment segments sc.norm[from:to] with the lattice l of the run starting
// at sc.norm[lo] and returns the cost of its words and whether one of them
// crosses an edge of the finding [first, last] or holds it strictly inside
// (window runes).
func (p *precision) segment(sc *precisionScratch, l *lattice, lo, from, to, first, last int) (float64, bool) {
	cost, crosses := 0.0, false
	a := from
	for _, w := range l.segment(from-lo, to-lo) {
		cost += p.bits(w.freq)
		b := a + int(w.n)                            // the word is sc.norm[a:b]
		wf, wl := int(sc.offs[a]), int(sc.offs[b-1]) // its first and last window rune
		if b-a >= 2 && wl >= first && wf <= last {
			covers := wf <= first && wl >= last
			switch {
			case !covers && (wf < first || wl > last) && !takesGrammatical(sc, a, b, first, last):
				// Crosses an edge: 宣传 of 传销 in 宣传/销售, 妈妈 of 妈的 in 我妈妈的.
				crosses = true
			case covers && wf < first && wl > last:
				// Holds the finding strictly inside (白色情人节 as one word);
				// a word that starts or ends with it (赌博机) means it.
				crosses = true
			}
		}
		a = b
	}
	return cost, crosses
}

// bits is a word's cost in the segmentation: log2(total / freq).
func (p *precision) bits(freq float64) float64 {
	return math.Log2(p.seg.Dict.TotalFreq() / max(freq, 1))
}

// insertedLetter reports whether the non-Han rune sc.norm[n] comes from
// characters standing alone (noise aside) between two Han characters inside
// the finding [first, last]: one (a Roman numeral, an enclosed number, a
// Greek or Latin letter: 赌Ⅲ博, 支援Ⅱ交付), or a run of at most
// maxInserted, the matcher's foreign fillers (赌αβ博, 刷①②单元).
func (p *precision) insertedLetter(sc *precisionScratch, n, first, last int) bool {
	o := sc.offs[n]
	if int(o) <= first || int(o) >= last {
		return false
	}
	chars := 1
	edge := func(k, dir int) bool {
		prev := o
		for ; k >= 0 && k < len(sc.norm); k += dir {
			r := sc.norm[k]
			switch {
			case p.norm.ClassOf(r) == moderation.ClassNoise || sc.offs[k] == prev:
			case isHan(r):
				return true
			case chars == maxInserted:
				return false
			default:
				chars++
				prev = sc.offs[k]
			}
		}
		return false
	}
	return edge(n-1, -1) && edge(n+1, 1)
}

// maxInserted is the longest run of inserted characters the matcher skips
// (package moderation's filler runs).
const maxInserted = 4

func isLineBreak(r rune) bool { return r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029 }

func isHan(r rune) bool {
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}
