package moderation

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Class says how the matcher treats a normalized rune.
type Class uint8

// Classes of normalized runes.
const (
	ClassLetter    Class = iota // part of words: letters, digits, Han characters …
	ClassNoise                  // skipped between characters: spaces, symbols, ASCII punctuation, emoji
	ClassSeparator              // sentence punctuation and line breaks: always ends a word
	classDrop                   // invisible: removed without trace (table only)
	classExpand                 // maps to several runes (table only)
)

// A table entry packs the mapped rune (or an expansion index), the class and
// detector hints into one uint32 so the hot loop does a single load per rune.
const (
	runeBits  = 21
	runeMask  = 1<<runeBits - 1
	classShft = 21
	classMask = 7
	hintShift = 24
)

// Detector hints: which detectors a rune may wake up. Scan runs a detector
// only when the message contains a rune carrying its hint.
const (
	hintDigit   uint8 = 1 << iota // ASCII/full-width digits and Chinese numerals
	hintAt                        // @
	hintDot                       // . and 点 (URLs)
	hintTrigger                   // characters that start a WeChat/QQ solicitation
	hintAddress                   // the unit characters of a house number (号, 栋, 室 …)
)

func pack(r rune, c Class, hints uint8) uint32 {
	return uint32(r)&runeMask | uint32(c)<<classShft | uint32(hints)<<hintShift
}

// tables is the immutable folding data shared by every Normalizer.
type tables struct {
	bmp    [65536]uint32
	astral map[rune]uint32 // runes above the BMP that are not identity letters
	expand []uint32        // packed entries of multi-rune mappings
	// noiseCodes is the starting point of every Scanner's alphabet: codeSkip
	// for noise runes, codeReset for everything else.
	noiseCodes [65536]uint16
	// lookalikeBMP and lookalike hold the runes folded as look-alikes
	// (Cyrillic х, squared 🅵, ⻩, 売 …); read when a finding is rated.
	lookalikeBMP [0x10000 / 64]uint64
	lookalike    map[rune]bool
}

func (t *tables) setLookalike(r rune) {
	if r < 0x10000 {
		t.lookalikeBMP[r/64] |= 1 << (r % 64)
	} else {
		t.lookalike[r] = true
	}
}

// isLookalike reports whether r was folded as a look-alike.
func (t *tables) isLookalike(r rune) bool {
	if r < 0x10000 {
		return t.lookalikeBMP[r/64]&(1<<(r%64)) != 0
	}
	return t.lookalike[r]
}

// normTables builds the folding tables once per process. Running x/text NFKC
// (≈500 ns) and OpenCC Convert (≈4.4 µs) per message is far too slow for the
// hot path, so their results are precomputed per rune here and the hot path
// is one table load per rune.
var normTables = sync.OnceValue(buildTables)

func buildTables() *tables {
	t := &tables{astral: make(map[rune]uint32), lookalike: make(map[rune]bool)}
	t2s := traditionalToSimplified()
	fold := cases.Fold()
	la := newLookalikeFold()
	for r := rune(0); r < 0x10000; r++ {
		t.bmp[r] = t.entry(r, t2s, fold, la)
	}
	for r := range t.bmp {
		switch Class(t.bmp[r] >> classShft & classMask) {
		case ClassNoise:
			t.noiseCodes[r] = codeSkip
		case ClassSeparator:
			t.noiseCodes[r] = codeSep
		}
	}
	for _, m := range []rune{markSkip, markSoftSep, markBreak} {
		t.noiseCodes[m] = codeSkip
	}
	for _, rng := range [][2]rune{{0x10000, 0x1FFFF}, {0xE0000, 0xE0FFF}} {
		for r := rng[0]; r <= rng[1]; r++ {
			if e := t.entry(r, t2s, fold, la); e != pack(r, ClassLetter, 0) {
				t.astral[r] = e
			}
		}
	}
	var ext []rune
	for r := range t2s {
		if r >= 0x20000 {
			ext = append(ext, r)
		}
	}
	slices.Sort(ext) // deterministic tables
	for _, r := range ext {
		t.astral[r] = t.entry(r, t2s, fold, la)
	}
	return t
}

// traditionalToSimplified returns OpenCC's character-level traditional →
// simplified mapping for the CJK blocks. OpenCC keeps its dictionaries in an
// unexported embed.FS, so the table is read back through Convert, one
// character at a time, once per process.
func traditionalToSimplified() map[rune]rune {
	m := make(map[rune]rune, 4096)
	cc, err := opencc.New("t2s")
	if err != nil {
		// The dictionaries are embedded in the library: this cannot fail at
		// run time unless the module is broken; fall back to no conversion.
		return m
	}
	ranges := [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x2A6DF}}
	var buf [4]byte
	for _, rng := range ranges {
		for r := rng[0]; r <= rng[1]; r++ {
			n := utf8.EncodeRune(buf[:], r)
			out, err := cc.Convert(string(buf[:n]))
			if err != nil {
				continue
			}
			s, size := utf8.DecodeRuneInString(out)
			if size == len(out) && s != r && s != utf8.RuneError {
				m[r] = s
			}
		}
	}
	return m
}

// sepRunes are natural sentence punctuation and line breaks (after NFKC
// folding): they end a word, so "太大，麻烦你" never matches 大麻.
func isSeparator(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029,
		',', '!', '?', ';', '。', '、', '…', '⋯', '‥':
		return true
	}
	return false
}

func isChineseNumeral(r rune) bool {
	_, ok := chineseDigit(r)
	return ok
}

// chineseDigit maps the numerals used to spell phone numbers: ordinary and
// financial numerals, and the radio (军语) readings 幺 1, 两 2, 拐 7, 勾 9,
// 洞 0 that people use to dodge digit filters.
func chineseDigit(r rune) (int, bool) {
	switch r {
	case '零', '〇', '洞':
		return 0, true
	case '一', '幺', '壹':
		return 1, true
	case '二', '两', '贰':
		return 2, true
	case '三', '叁':
		return 3, true
	case '四', '肆':
		return 4, true
	case '五', '伍':
		return 5, true
	case '六', '陆':
		return 6, true
	case '七', '柒', '拐':
		return 7, true
	case '八', '捌':
		return 8, true
	case '九', '玖', '勾':
		return 9, true
	}
	return 0, false
}

// hintsOf returns the detector hints of a folded rune. The hints are the
// detectors' gate on the clean path: a message none of whose runes carries
// a hint runs no detector at all.
func hintsOf(r rune) uint8 {
	var h uint8
	if r >= '0' && r <= '9' || isChineseNumeral(r) || isDingbatDigit(r) {
		h |= hintDigit
	}
	switch r {
	case '@', '艾', '#', '圈', '鼠':
		// 艾特, #, 圈a and 小老鼠 stand for @ in evasive e-mail addresses
		// (小 is too common to wake a detector: 鼠 carries the hint).
		h |= hintAt
	case '(', '[', '{', '<':
		// (at), [dot] …: both e-mail and URL obfuscations.
		h |= hintAt | hintDot
	case '.', '点', '/', 'd':
		// d: a host written with " dot " (dafa888 dot com). 。 is a
		// separator, which carries no hint: see stopAfterLabel.
		h |= hintDot
	case 'w':
		// www。evil。com, and wx for WeChat.
		h |= hintDot | hintTrigger
	case '微', '薇', '威', '徽', '嶶', '危', '扣', '蔻', '卫', '企', '加', '绿', '球', 'v', 'q', '+', '➕', '胃', '🐧', '💚':
		h |= hintTrigger
	}
	if isAddressAnchor(r) {
		h |= hintAddress
	}
	return h
}

// classify a single rune that is already folded.
func classify(r rune) Class {
	switch {
	case isSeparator(r):
		return ClassSeparator
	case r == '\t' || unicode.IsSpace(r):
		return ClassNoise
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r),
		unicode.Is(unicode.Cc, r), unicode.Is(unicode.Variation_Selector, r),
		r == 0x3164 || r == 0x115F || r == 0x1160 || r == 0xFFA0 || r == 0x2800:
		// Hangul fillers and the blank braille pattern render as nothing.
		return classDrop
	case unicode.IsPunct(r), unicode.IsSymbol(r), unicode.Is(unicode.Co, r),
		unicode.Is(unicode.Cs, r), r == utf8.RuneError, unicode.Is(unicode.Sk, r):
		return ClassNoise
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return classDrop
	}
	return ClassLetter
}

// entry computes the packed table entry of r: look-alike forms first
// (fold.go), then NFKC, case folding and traditional → simplified, then
// diacritics and confusable letters to ASCII.
func (t *tables) entry(r rune, t2s map[rune]rune, fold cases.Caser, la *lookalikeFold) uint32 {
	if r == '…' || r == '⋯' || r == '‥' {
		return pack(r, ClassSeparator, 0)
	}
	if isBidiControl(r) {
		// Kept (as noise) so that Scan can read overridden text in
		// display order; Normalize still drops them.
		return pack(r, ClassNoise, hintMarkup)
	}
	orig := r
	if r >= 0x1F130 && r <= 0x1F189 {
		t.setLookalike(orig) // squared letters (🄵); NFKC folds them
	}
	if to, ok := la.pre[r]; ok {
		r = to
		t.setLookalike(orig)
	} else if repl, look, ok := la.post(r); ok {
		// Before case folding: Greek Ν looks like N, its lower case ν like v.
		if look {
			t.setLookalike(orig)
		}
		var out []uint32
		for _, a := range repl {
			out = append(out, pack(a, ClassLetter, hintsOf(a)))
		}
		return t.packAll(orig, out)
	}
	if c := classify(r); c == classDrop || c == ClassSeparator {
		return pack(r, c, 0)
	}
	// Apply the folding until it is stable (a few scripts, such as
	// Cherokee, fold and compose back and forth), so that normalizing
	// normalized text changes nothing.
	s := string(r)
	for range 4 {
		next := fold.String(norm.NFKC.String(s))
		next = strings.Map(func(m rune) rune {
			if sm, ok := t2s[m]; ok {
				return sm
			}
			return m
		}, next)
		if next == s {
			break
		}
		s = next
	}
	out := make([]uint32, 0, 4)
	for _, m := range s {
		c := classify(m)
		if c == classDrop {
			continue
		}
		if to, ok := la.pre[m]; ok { // folding led to a look-alike (Ʀ → ʀ)
			if sm, ok := t2s[to]; ok {
				to = sm
			}
			t.setLookalike(orig)
			out = append(out, pack(to, classify(to), hintsOf(to)))
			continue
		}
		if repl, look, ok := la.post(m); ok {
			if look {
				t.setLookalike(orig)
			}
			for _, a := range repl {
				out = append(out, pack(a, ClassLetter, hintsOf(a)))
			}
			continue
		}
		out = append(out, pack(m, c, hintsOf(m)|markupHints(m)))
	}
	return t.packAll(orig, out)
}

// packAll returns the table entry of orig mapping to the entries out.
func (t *tables) packAll(orig rune, out []uint32) uint32 {
	switch len(out) {
	case 0:
		return pack(orig, classDrop, 0)
	case 1:
		return out[0]
	}
	idx := len(t.expand)
	var hints uint8
	for _, e := range out {
		hints |= uint8(e >> hintShift)
	}
	t.expand = append(t.expand, uint32(len(out)))
	t.expand = append(t.expand, out...)
	return pack(rune(idx), classExpand, hints)
}

// hints returns the detector hints of a normalized rune.
func (t *tables) hints(r rune) uint8 {
	if r < 0x10000 {
		return uint8(t.bmp[r] >> hintShift)
	}
	return uint8(t.lookup(r) >> hintShift)
}

func (t *tables) lookup(r rune) uint32 {
	if r < 0x10000 {
		return t.bmp[r]
	}
	if r >= 0xF0000 {
		return pack(r, ClassNoise, 0)
	}
	if e, ok := t.astral[r]; ok {
		return e
	}
	return pack(r, ClassLetter, 0)
}

// Normalizer folds text for matching. It is immutable and safe for
// concurrent use; all instances share tables built once per process.
type Normalizer struct {
	t *tables
}

// NewNormalizer returns a Normalizer. The first call in a process builds the
// folding tables (tens of milliseconds); later calls are free.
func NewNormalizer() *Normalizer {
	return &Normalizer{t: normTables()}
}

// Append folds text and appends the normalized runes to runes and, for each
// of them, the rune offset in text it came from to offsets. It returns the
// extended slices and the detector hints seen. Invisible characters are
// removed, except the bidi embedding, override and isolate controls, which
// are kept as noise so that Scan can read overridden text in display order;
// noise and separators are kept (folded) so that detectors see "@" and ".";
// ClassOf tells them apart. Offsets are non-decreasing and lie in
// [0, utf8.RuneCountInString(text)). It does not allocate when the buffers
// have room.
func (n *Normalizer) Append(text string, runes []rune, offsets []int32) ([]rune, []int32, uint8) {
	runes, offsets, hints, _ := n.appendCount(text, runes, offsets)
	return runes, offsets, hints
}

// appendCount is Append that also counts the runes carrying hintDigit, so
// that Scan skips the number detectors when a message has fewer digits than
// the shortest number.
func (n *Normalizer) appendCount(text string, runes []rune, offsets []int32) ([]rune, []int32, uint8, int) {
	t := n.t
	var hints uint8
	digits := 0
	i := int32(0)
	for k := 0; k < len(text); {
		// Inline decoding of ASCII and of three-byte sequences (all of
		// CJK), which range-over-string hands to a runtime call; anything
		// else, invalid bytes included, goes through utf8.DecodeRuneInString
		// so that offsets count runes exactly as range and []rune do.
		var r rune
		if c := text[k]; c < utf8.RuneSelf {
			r = rune(c)
			k++
		} else if c&0xF0 == 0xE0 && k+2 < len(text) && text[k+1]&0xC0 == 0x80 && text[k+2]&0xC0 == 0x80 {
			r = rune(c&0x0F)<<12 | rune(text[k+1]&0x3F)<<6 | rune(text[k+2]&0x3F)
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				r = utf8.RuneError
				k++
			} else {
				k += 3
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[k:])
			k += size
		}
		var e uint32
		if r < 0x10000 {
			e = t.bmp[r]
		} else {
			e = t.lookup(r)
		}
		switch Class(e >> classShft & classMask) {
		case classDrop:
		case classExpand:
			idx := e & runeMask
			cnt := t.expand[idx]
			for _, x := range t.expand[idx+1 : idx+1+cnt] {
				runes = append(runes, rune(x&runeMask))
				offsets = append(offsets, i)
				digits += int(x >> hintShift & uint32(hintDigit))
			}
			hints |= uint8(e >> hintShift)
		default:
			m := rune(e & runeMask)
			runes = append(runes, m)
			offsets = append(offsets, i)
			hints |= uint8(e >> hintShift)
			digits += int(e >> hintShift & uint32(hintDigit))
			if m == '。' && stopAfterLabel(runes[:len(runes)-1]) {
				hints |= hintDot
			}
		}
		i++
	}
	return runes, offsets, hints, digits
}

// stopAfterLabel reports whether a 。 after runes may be the dot of a host
// name (bet365。com, www.fa888 。com): the rune before it, spaces aside, is
// an ASCII letter or digit. 。 is a separator, whose table entry carries no
// hint (the clean path reads it as one); the quick pass asks the same of
// the last rune that was not noise.
func stopAfterLabel(runes []rune) bool {
	k := len(runes) - 1
	for k >= 0 && runes[k] == ' ' {
		k--
	}
	return k >= 0 && runes[k] < 0x80 && isASCIIAlnum(runes[k])
}

// ClassOf returns the class of a rune produced by Append. For other runes it
// answers as if they were folded first: invisible ones are noise.
func (n *Normalizer) ClassOf(r rune) Class {
	switch c := Class(n.t.lookup(r) >> classShft & classMask); c {
	case classDrop:
		return ClassNoise
	case classExpand:
		return ClassLetter
	default:
		return c
	}
}

// Normalize returns the text the keyword matcher sees (noise and invisible
// characters removed, separators kept) and, for every rune of it, its rune
// offset in s. It allocates; the hot path uses Normalizer.Append.
func Normalize(s string) (norm string, offsets []int) {
	n := NewNormalizer()
	runes, offs, _ := n.Append(s, nil, nil)
	out := make([]rune, 0, len(runes))
	offsets = make([]int, 0, len(runes))
	for k, r := range runes {
		if n.ClassOf(r) == ClassNoise {
			continue
		}
		out = append(out, r)
		offsets = append(offsets, int(offs[k]))
	}
	return string(out), offsets
}
