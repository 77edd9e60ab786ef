package moderation

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Entry is a word to match. Tag is the caller's payload, returned in Finding.Tag.
type Entry struct {
	Word   string
	Tag    int32
	Pinyin bool // also match pinyin spellings of the word (dubo for 赌博); opt-in
	// Initials also matches the word's pinyin initials (sb, cnm); opt-in,
	// for entries or lists HR marks, because short initials are ambiguous.
	Initials bool
	// Homophones also matches homophones and split characters of the word
	// (菠菜 for 博彩, 女马 for 妈); opt-in per list (读博 is also "doing a PhD").
	Homophones bool
	// Split also matches split characters (贝者博 for 赌博) without the
	// homophones: a list whose homophones collide with ordinary words
	// (读博) can still take the split forms, which collide with none.
	Split bool
	// SplitOnly matches the word only written in split characters (木仓
	// for 枪, 女表子 for 婊子), never as written, and in no other form:
	// for words that are ordinary as written or too short to list (枪,
	// 炮), whose split forms are evasions all the same. It implies Split.
	SplitOnly bool
}

// DetectorSet is a bit set of detector kinds (phone, id_card, bank_card, email, url, wechat_id, address).
type DetectorSet uint16

// Detectors returns the set of the given detector kinds; kinds that are not
// detectors (keyword, regex, allow) are ignored.
func Detectors(kinds ...Kind) DetectorSet {
	var d DetectorSet
	for _, k := range kinds {
		if isDetector(k) {
			d |= 1 << k
		}
	}
	return d
}

// Has reports whether k is in d.
func (d DetectorSet) Has(k Kind) bool {
	return isDetector(k) && d&(1<<k) != 0
}

func isDetector(k Kind) bool {
	return k >= KindPhone && k <= KindWeChatID || k == KindAddress
}

// AllDetectors is every detector.
const AllDetectors DetectorSet = 1<<KindPhone | 1<<KindIDCard | 1<<KindBankCard |
	1<<KindEmail | 1<<KindURL | 1<<KindWeChatID | 1<<KindAddress

// Options configures Compile.
type Options struct {
	Allow           []string    // global allow-list phrases: a keyword hit lying inside one is dropped (长江大桥 suppresses 江大)
	ScopedAllow     []Entry     // per-rule allow phrases: reported as KindAllow findings with their Tag; they suppress nothing themselves
	Detectors       DetectorSet // detectors to run
	URLAllowDomains []string    // company domains; the domain and its subdomains are not URL hits
}

// ErrInvalidEntry is wrapped by Compile errors caused by an unusable word.
var ErrInvalidEntry = errors.New("invalid entry")

const (
	wordAllow      uint8 = 1 << iota // global allow phrase: suppresses keyword hits inside it
	wordScoped                       // per-rule allow phrase: reported as KindAllow
	wordLatinStart                   // starts with an ASCII letter or digit: needs a word boundary
	wordLatinEnd                     // ends with an ASCII letter or digit: needs a word boundary
	wordAllLatin                     // only ASCII letters and digits: pinyin and initials are rated by context
)

// word is what an automaton output reports.
type word struct {
	tag   int32
	n     int32 // length in letters (noise excluded)
	flags uint8
	form  Form // FormExact for the word as listed, else the variant's form (pinyin, split …)
}

// scratch holds the per-call buffers; Scanner pools them so Scan does not
// allocate in steady state.
type scratch struct {
	runes []rune
	offs  []int32
	allow [][2]int
	cur   [2]int     // rune and byte position of the text, for rating findings
	ents  [][2]int32 // decoded HTML entities: first and last rune index
	det   detectScratch
}

// maxPooledRunes bounds the buffers kept in the pool, so that one huge
// message does not pin memory.
const maxPooledRunes = 1 << 16

// Scanner finds keywords and personal data in messages. It is immutable
// after Compile and safe for concurrent use.
type Scanner struct {
	norm       *Normalizer
	alpha      []uint16         // BMP normalized rune → code (codeReset, codeSkip or a letter code)
	fast       *[0x10000]uint32 // BMP raw rune → letter and homophone codes for quick (quick.go), codeSpecial when it needs a closer look
	astral     map[rune]uint16  // letter codes of runes above the BMP
	ac         *automaton
	words      []word
	entries    int
	detectors  DetectorSet
	allowHosts [][]byte
	triggers   []weChatTrigger
	homTrig    *homTriggerSet // the homophones of triggers (detect_wechat_hom.go)
	hom        *homophones    // nil when no entry asks for homophones
	pool       sync.Pool
}

// Len returns the number of keyword entries compiled.
func (s *Scanner) Len() int { return s.entries }

// compiled is a word in letters, ready for the automaton.
type compiled struct {
	letters []rune
	w       word
}

// Compile builds a Scanner. It fails with an error wrapping ErrInvalidEntry
// that names the offending entry (a word that is empty after normalization,
// or that contains sentence punctuation and so could never match). Duplicate
// words with different tags are all reported; a word repeated with the same
// tag is reported once. Entries that opt in to Pinyin, Initials or
// Homophones also compile their spellings (at most 32 per form, see
// forms.go); homophones run as a second automaton over syllables
// (homophone.go), built only when some entry asks for them.
func Compile(entries []Entry, opts Options) (*Scanner, error) {
	s := &Scanner{
		norm:      NewNormalizer(),
		entries:   len(entries),
		detectors: opts.Detectors & AllDetectors,
		triggers:  weChatTriggers(),
		homTrig:   homTriggerBits(),
	}
	for _, d := range opts.URLAllowDomains {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		if d == "" {
			return nil, fmt.Errorf("compile url allow domain %q: %w", d, ErrInvalidEntry)
		}
		s.allowHosts = append(s.allowHosts, []byte(d))
	}
	var all []compiled
	var runes []rune
	var offs []int32
	letters := func(w string) ([]rune, error) {
		runes, offs, _ = s.norm.Append(w, runes[:0], offs[:0])
		var out []rune
		for _, r := range runes {
			switch s.norm.ClassOf(r) {
			case ClassNoise:
			case ClassSeparator:
				return nil, errors.New("contains sentence punctuation, which always separates words")
			default:
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			return nil, errors.New("empty after normalization")
		}
		return out, nil
	}
	type key struct {
		text  string
		tag   int32
		flags uint8
	}
	seen := make(map[key]bool, len(entries))
	add := func(l []rune, tag int32, flags uint8, form Form) {
		k := key{string(l), tag, flags}
		if seen[k] {
			return
		}
		seen[k] = true
		if isASCIIAlnum(l[0]) {
			flags |= wordLatinStart
		}
		if isASCIIAlnum(l[len(l)-1]) {
			flags |= wordLatinEnd
		}
		if !slices.ContainsFunc(l, func(r rune) bool { return !isASCIIAlnum(r) }) {
			flags |= wordAllLatin
		}
		all = append(all, compiled{letters: l, w: word{tag: tag, n: int32(len(l)), flags: flags, form: form}})
	}
	var hom []homEntry
	for i, e := range entries {
		l, err := letters(e.Word)
		if err != nil {
			return nil, fmt.Errorf("compile entry %d %q: %w: %w", i, e.Word, ErrInvalidEntry, err)
		}
		if e.SplitOnly {
			// The split spellings alone: no exact word, no pinyin or
			// homophones (枪 as written is in every news report).
			e = Entry{Word: e.Word, Tag: e.Tag, Split: true}
		} else {
			add(l, e.Tag, 0, FormExact)
		}
		if e.Pinyin || e.Initials || e.Homophones || e.Split {
			for _, v := range variants(l, e) {
				if vl, err := letters(v.text); err == nil && (v.form != FormPinyin || len(vl) >= 3 || !isASCIIWord(string(vl))) {
					add(vl, e.Tag, 0, v.form)
				}
			}
		}
		if e.Homophones {
			hom = append(hom, homEntry{letters: l, tag: e.Tag})
		}
	}
	if len(hom) > 0 {
		s.hom = newHomophones(hom)
	}
	if slices.ContainsFunc(entries, func(e Entry) bool { return e.Pinyin || e.Initials }) {
		pinyinSyllables() // read when pinyin findings are rated: build it now, off the hot path
	}
	for i, a := range opts.Allow {
		l, err := letters(a)
		if err != nil {
			return nil, fmt.Errorf("compile allow phrase %d %q: %w: %w", i, a, ErrInvalidEntry, err)
		}
		add(l, 0, wordAllow, FormExact)
	}
	for i, e := range opts.ScopedAllow {
		l, err := letters(e.Word)
		if err != nil {
			return nil, fmt.Errorf("compile scoped allow phrase %d %q: %w: %w", i, e.Word, ErrInvalidEntry, err)
		}
		add(l, e.Tag, wordScoped, FormExact)
	}
	if err := s.build(all); err != nil {
		return nil, err
	}
	s.pool.New = func() any { return new(scratch) }
	return s, nil
}

// build assigns letter codes by frequency (frequent letters get small codes,
// which packs the double array densely) and builds the automaton.
func (s *Scanner) build(all []compiled) error {
	freq := make(map[rune]int)
	for _, c := range all {
		for _, r := range c.letters {
			freq[r]++
		}
	}
	alphabet := make([]rune, 0, len(freq))
	for r := range freq {
		alphabet = append(alphabet, r)
	}
	slices.SortFunc(alphabet, func(a, b rune) int {
		if c := cmp.Compare(freq[b], freq[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if len(alphabet) >= codeSep-1 {
		return fmt.Errorf("compile: %d distinct characters exceed the alphabet limit", len(alphabet))
	}
	s.alpha = make([]uint16, 0x10000)
	copy(s.alpha, s.norm.t.noiseCodes[:])
	s.astral = make(map[rune]uint16)
	code := make(map[rune]uint16, len(alphabet))
	for i, r := range alphabet {
		c := uint16(i + 1)
		code[r] = c
		if r < 0x10000 {
			s.alpha[r] = c
		} else {
			s.astral[r] = c
		}
	}
	pats := make([]pattern, len(all))
	s.words = make([]word, len(all))
	flat := make([]uint16, 0, len(all)*4)
	for i, c := range all {
		start := len(flat)
		for _, r := range c.letters {
			flat = append(flat, code[r])
		}
		pats[i] = pattern{codes: flat[start:len(flat):len(flat)], word: int32(i)}
		s.words[i] = c.w
	}
	s.ac = buildAutomaton(pats, len(alphabet))
	s.buildFast()
	return nil
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z'
}

// code returns the letter code of a normalized rune (codeSkip for noise,
// codeReset for a rune no word holds). Small enough to inline: the astral
// planes are looked up out of line.
func (s *Scanner) code(r rune) uint16 {
	if r < 0x10000 {
		return s.alpha[r]
	}
	return s.astralCode(r)
}

func (s *Scanner) astralCode(r rune) uint16 {
	if c, ok := s.astral[r]; ok {
		return c
	}
	if s.norm.ClassOf(r) == ClassNoise {
		return codeSkip
	}
	return codeReset
}

// Scan appends every finding in text to dst (ordered by Start, then End) and
// returns it. Safe for concurrent use. No allocation when nothing is found
// and when dst has room, except one per HTML character reference in the
// text (decoded by the standard library). Most messages are proved clean
// by one quick pass over the raw text (quick.go) before any buffer is
// taken.
func (s *Scanner) Scan(text string, dst []Finding) []Finding {
	return s.ScanPrepared(text, s.Prepare(text), dst)
}

// scan is Scan's full path; words false skips the keyword and homophone
// matchers, for a text quick has proved clean of them.
func (s *Scanner) scan(text string, dst []Finding, words bool, res resume) []Finding {
	sc := s.pool.Get().(*scratch)
	runes, offs, hints, digits := s.norm.appendCount(text, sc.runes[:0], sc.offs[:0])
	sc.ents = sc.ents[:0]
	markedUp := hints&hintMarkup != 0
	if markedUp {
		hints |= s.unmarkup(runes, offs, &sc.ents)
		hints &^= hintMarkup
	}
	if digits < minNumberDigits {
		hints &^= hintDigit // too few digits for the shortest number (a mobile, some digits spelled as letters)
	}
	first := len(dst)
	sc.allow = sc.allow[:0]
	sc.cur = [2]int{}
	// Detectors first: the keyword matcher overwrites the runes it skips
	// (structure.go).
	if s.detectors != 0 && hints != 0 {
		dst = s.detect(text, runes, offs, hints, dst, sc)
	}
	if words {
		from, state, prev := 0, int32(root), rune(0)
		hfrom, hstate := 0, int32(root)
		if res.at >= 0 && !markedUp {
			// quick went the ordinary way up to res.at: start there.
			for from < len(offs) && offs[from] < res.at {
				from++
			}
			state, prev = res.state, res.prev
			if res.hstate >= 0 {
				hfrom, hstate = from+1, res.hstate
			}
		}
		dst = s.matchWords(text, runes, offs, dst, sc, from, state, prev)
		if s.hom != nil {
			dst = s.matchHomophones(text, runes, offs, dst, hfrom, hstate)
		}
	}
	if len(sc.allow) > 0 {
		dst = suppress(dst, first, sc.allow)
	}
	if len(dst)-first > 1 {
		slices.SortFunc(dst[first:], compareFindings)
	}
	if cap(runes) <= maxPooledRunes {
		sc.runes, sc.offs = runes[:0], offs[:0]
		s.pool.Put(sc)
	}
	return dst
}

func compareFindings(a, b Finding) int {
	if c := cmp.Compare(a.Start, b.Start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.End, b.End); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Tag, b.Tag); c != 0 {
		return c
	}
	return cmp.Compare(a.Form, b.Form)
}

// suppress drops keyword findings in dst[first:] lying inside an allow span.
func suppress(dst []Finding, first int, allow [][2]int) []Finding {
	out := dst[:first]
	for _, f := range dst[first:] {
		drop := false
		if f.Kind == KindKeyword {
			for _, a := range allow {
				if f.Start >= a[0] && f.End <= a[1] {
					drop = true
					break
				}
			}
		}
		if !drop {
			out = append(out, f)
		}
	}
	return out
}

// matchWords runs the automaton over runes. On the rare paths (a transition
// that fails inside a word, a separator after a letter) it asks the
// structural rules of structure.go whether to skip runes instead; they live
// in other functions so that the hot loop keeps few variables.
func (s *Scanner) matchWords(text string, runes []rune, offs []int32, dst []Finding, sc *scratch, from int, state int32, prev rune) []Finding {
	nodes := s.ac.nodes
	alpha := s.alpha
	oc := origCursor{text: text} // the text as written, for the filler tests (filler.go)
	// prev is the last letter the automaton moved on.
	for i := from; i < len(runes); i++ {
		r := runes[i]
		var c uint16
		if r < 0x10000 {
			c = alpha[r]
		} else {
			c = s.code(r)
		}
		if c >= codeSep {
			if c == codeSkip {
				continue
			}
			if state != root {
				if n := s.crossSeparator(runes, i, state); n > 0 {
					i += n - 1
					continue
				}
			}
			state = root
			continue
		}
		if c == codeReset {
			if r < 0x3400 && state != root { // r < 0x3400: not Han, the usual case first
				if isHan(prev) {
					if n := s.insertion(runes, offs, i, state, prev, &oc); n > 0 {
						i += n - 1
						continue
					}
				} else if t, n := s.retroFiller(runes, offs, i, state, &oc); n > 0 {
					state = t
					i += n - 1
					continue
				}
			}
			state = root
			continue
		}
		t := nodes[state].base&baseMask + int32(c)
		if uint(t) < uint(len(nodes)) && nodes[t].check == state {
			state = t
		} else {
			var skip int
			if state, skip = s.miss(runes, offs, i, state, c, prev, &oc); skip > 0 {
				i += skip - 1
				continue
			}
		}
		prev = r
		if nodes[state].base < 0 {
			dst = s.emit(text, runes, offs, i, s.ac.out[state], dst, sc)
		}
	}
	return dst
}

// miss handles a failed transition of state on the code c of runes[i]. It
// returns the state to continue in and how many runes were skipped as a
// repeat or an insertion (0: the automaton moved on runes[i]).
func (s *Scanner) miss(runes []rune, offs []int32, i int, state int32, c uint16, prev rune, oc *origCursor) (int32, int) {
	nodes, fail := s.ac.nodes, s.ac.fail
	next := follow(nodes, fail, state, c)
	// Inside a word whose continuation failed, when falling back reports
	// nothing and goes nowhere: a repeated or an inserted rune? Cheap tests
	// first: a repeat, or a change between Han and other letters.
	// One original character folded to several letters (Ⅻ → xii) is one
	// inserted rune, whatever words its own letters begin: continues is not
	// asked inside it.
	r := runes[i]
	if state != root && !isHan(r) && !isHan(prev) && nodes[next].base >= 0 {
		if t, n := s.retroFiller(runes, offs, i, state, oc); n > 0 {
			return t, n
		}
	}
	if state == root || r != prev && isHan(r) == isHan(prev) || nodes[next].base < 0 {
		return next, 0
	}
	if !expanded(runes, offs, i) && s.continues(runes, i+1, next) {
		// The rune begins another word the next letters continue; a
		// repeat all the same when that word dies without an output and
		// the word before goes on (代开发发票: 发票代开 dies, 代开发票 ends).
		if r == prev && s.repeatInside(runes, i, state, next) {
			runes[i] = markSkip
			return state, 1
		}
		// An inserted letter all the same when that word dies without an
		// output and the word before goes on past the letter (代开z发票:
		// 发票代开 dies, 代开发票 ends; 代开z begins 代开zengzhishui).
		if isHan(r) && !s.reaches(runes, i+1, next) {
			if t, ok := s.retroInsertion(runes, offs, i, state, c, oc); ok {
				return t, 0
			}
		}
		return next, 0
	}
	if t, ok := s.retroInsertion(runes, offs, i, state, c, oc); ok {
		return t, 0
	}
	if r == prev && (!isOrdinaryDouble(r) || s.doubleInside(runes, i, state)) && repeats(runes, i) < maxRepeats {
		runes[i] = markSkip
		return state, 1
	}
	if n := s.insertion(runes, offs, i, state, prev, oc); n > 0 {
		return state, n
	}
	return next, 0
}

// emit reports the words of output list o ending at rune index end.
func (s *Scanner) emit(text string, runes []rune, offs []int32, end int, o int32, dst []Finding, sc *scratch) []Finding {
	for ; o >= 0; o = s.ac.outs[o].next {
		w := s.words[s.ac.outs[o].word]
		// Walk back over w.n letters; noise between them belongs to the span.
		start := end
		for n := w.n - 1; n > 0; {
			start--
			if s.code(runes[start]) != codeSkip {
				n--
			}
		}
		if w.flags&wordLatinStart != 0 && start > 0 && latinGlued(runes, start, -1, w) {
			continue
		}
		if w.flags&wordLatinEnd != 0 && end+1 < len(runes) && latinGlued(runes, end, 1, w) {
			continue
		}
		f := Finding{Kind: KindKeyword, Tag: w.tag}
		f.Start, f.End = span(offs, start, end)
		switch {
		case w.flags&wordAllow != 0:
			sc.allow = append(sc.allow, [2]int{f.Start, f.End})
			continue
		case w.flags&wordScoped != 0:
			f.Kind = KindAllow
		}
		var ok bool
		if f.Form, f.Confidence, f.End, ok = s.rate(text, runes[start:end+1], offs[start] > offs[end], f.Start, f.End, w, &sc.cur); !ok {
			continue
		}
		if len(sc.ents) > 0 {
			if e := entityEnd(sc.ents, offs, end, f.End); e != f.End {
				// The last letter was an HTML entity: a structural form.
				f.End, f.Form, f.Confidence = e, FormStructure, min(f.Confidence, confStructure)
			}
		}
		dst = append(dst, f)
	}
	return dst
}

// latinGlued reports whether an ASCII letter or digit stands next to
// runes[i] in direction dir. For a listed word of four letters or more
// (not initials or pinyin: sb would be found in "ssssb") repeats of the
// edge letter are skipped first: ffuck, fuckkk are no other word.
func latinGlued(runes []rune, i, dir int, w word) bool {
	k := i + dir
	if w.form == FormExact && w.n >= 4 {
		for n := 0; k >= 0 && k < len(runes) && runes[k] == runes[i] && n < maxRepeats; n++ {
			k += dir
		}
	}
	return k >= 0 && k < len(runes) && isASCIIAlnum(runes[k])
}

// span returns the original rune range of runes[start..end]: offsets are
// non-decreasing except under a bidi override (structure.go).
func span(offs []int32, start, end int) (int, int) {
	lo, hi := offs[start], offs[end]
	if lo > hi {
		lo, hi = hi, lo
	}
	if end > start+1 {
		for _, o := range offs[start+1 : end] {
			lo, hi = min(lo, o), max(hi, o)
		}
	}
	return int(lo), int(hi) + 1
}
