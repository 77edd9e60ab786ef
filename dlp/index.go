package dlp

import (
	"math"
	"math/bits"
	"sync"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Options tune document matching.
type Options struct {
	// MinChars is how many consecutive normalized characters of a
	// protected document a message must reproduce (default 50; at least
	// Guarantee, the span winnowing is sure to see).
	MinChars int
	// ShortShare is the share of a short document (one under
	// MinChars/ShortShare characters) that is enough (default 0.3).
	ShortShare float64
}

// Defaults of Options.
const (
	DefaultMinChars   = 50
	DefaultShortShare = 0.3
)

// LoadedSet is a record set with its hashes, as read from the store.
type LoadedSet struct {
	Set     RecordSet
	Entries []Entry
}

// LoadedDoc is a document with its fingerprints, as read from the store.
type LoadedDoc struct {
	Doc    Document
	Prints Prints
}

// Index is the company's customer records and protected documents in
// memory: an open-addressing table of record hashes and one of document
// fingerprints. It implements rules.DataMatcher; it is immutable and safe
// for concurrent use.
type Index struct {
	key  *Key
	opts Options

	sets     []RecordSet
	recKeys  []uint64 // hash, 0: empty slot
	recRefs  []uint32 // set index << 8 | column
	recKinds uint8    // bit set of the column kinds present (kindBit)
	records  int
	// tagFilters are the prefilter, one a column kind (kindIndex): a
	// blocked Bloom filter of the tags of every stored value of the kind
	// (Key.recordTag, tagFilter). unfiltered are the kinds of a column of
	// a set stored without tags: their values always pay the HMAC.
	tagFilters [kindCount]tagFilter
	unfiltered uint8

	docs     []docInfo
	fpKeys   []uint64 // fingerprint, 0: empty slot
	fpHeads  []uint32 // 1 + index into postings
	fpCounts []uint16 // postings of the slot's fingerprint, saturating
	postings []posting
	minSpan  int
	// formats has bit f set when a document of fingerprint format f is
	// protected: a message is keyed in each.
	formats uint8
	legacy  int // documents of format 1
	dense   int // documents of format 3 (and of formats 4 and 5 without usable probe tags)
	tagged  int // documents of format 5
	// denseBits is a filter of the fingerprints of the documents of
	// format 3 (bit h>>denseShift set for each): a short message's k-grams
	// are looked up in it first, a bit array small enough to stay in the
	// caches (64–128 bits a fingerprint: about 1 % of other values pass),
	// and only those it lets through in the table of all fingerprints.
	denseBits  []uint64
	denseShift uint
	// gramBits is the filter of the probe tags of the documents of format
	// 5 (two bits of one word set for each, gramWord; see gramKey): every
	// k-gram of a message is looked up in it first.
	gramBits []uint64

	pool sync.Pool // *docScratch
}

var _ rules.DataMatcher = (*Index)(nil)

type docInfo struct {
	Document
	paragraphs []uint32
	threshold  int
	legacy     bool // fingerprint format 1: matched on the unkeyed selection
	dense      bool // fingerprint format 3, 4 or 5: every k-gram stored
	tagged     bool // fingerprint format 5: and every k-gram's probe tag
	prints     int  // fingerprints
}

type posting struct {
	doc, pos, next uint32 // next: 1 + index of the next posting of the same fingerprint, or 0
}

// maxPostings: a fingerprint at more places than this (in one document or
// across documents) is boilerplate — a greeting, a legal notice, a header —
// and identifies nothing; messages are not matched on it.
const maxPostings = 16

// kindCount is how many column kinds kindBit knows.
const kindCount = 5

func kindBit(k ColumnKind) uint8 {
	switch k {
	case KindPhone:
		return 1
	case KindIDCard:
		return 2
	case KindBankCard:
		return 4
	case KindEmail:
		return 8
	case KindToken:
		return 16
	}
	return 0
}

// tableSize is the power of two of at least twice n slots.
func tableSize(n int) int {
	if n < 4 {
		return 8
	}
	return 1 << bits.Len(uint(2*n))
}

// NewIndex builds an Index of sets and docs.
func NewIndex(key *Key, opts Options, sets []LoadedSet, docs []LoadedDoc) *Index {
	if opts.MinChars <= 0 {
		opts.MinChars = DefaultMinChars
	}
	opts.MinChars = max(opts.MinChars, Guarantee)
	if opts.ShortShare <= 0 || opts.ShortShare > 1 {
		opts.ShortShare = DefaultShortShare
	}
	x := &Index{key: key, opts: opts}
	n := 0
	for _, s := range sets {
		n += len(s.Entries)
	}
	size := tableSize(n)
	x.recKeys, x.recRefs = make([]uint64, size), make([]uint32, size)
	// The prefilter: one filter a kind, sized for the values of that kind.
	var perKind [kindCount]int
	for _, s := range sets {
		for _, e := range s.Entries {
			if int(e.Column) < len(s.Set.Columns) {
				if k := kindIndex(s.Set.Columns[e.Column].Kind); k >= 0 {
					perKind[k]++
				}
			}
		}
	}
	for k, n := range perKind {
		if n > 0 {
			x.tagFilters[k] = newTagFilter(n)
		}
	}
	mask := uint64(size - 1)
	for si, s := range sets {
		x.sets = append(x.sets, s.Set)
		for _, c := range s.Set.Columns {
			x.recKinds |= kindBit(c.Kind)
			if s.Set.Format != EntryFormatTagged {
				x.unfiltered |= kindBit(c.Kind)
			}
		}
		for _, e := range s.Entries {
			if int(e.Column) >= len(s.Set.Columns) {
				continue
			}
			if k := kindIndex(s.Set.Columns[e.Column].Kind); k >= 0 {
				x.tagFilters[k].add(e.Tag)
			}
			for i := e.Hash & mask; ; i = (i + 1) & mask {
				if x.recKeys[i] == 0 {
					x.recKeys[i], x.recRefs[i] = e.Hash, uint32(si)<<8|uint32(e.Column)
					x.records++
					break
				}
				if x.recKeys[i] == e.Hash {
					break // the first set holding a value names it
				}
			}
		}
	}

	n = 0
	for _, d := range docs {
		n += len(d.Prints.Prints)
	}
	size = tableSize(n)
	x.fpKeys, x.fpHeads, x.fpCounts = make([]uint64, size), make([]uint32, size), make([]uint16, size)
	x.postings = make([]posting, 0, n)
	mask = uint64(size - 1)
	for di, d := range docs {
		th := max(int(math.Ceil(opts.ShortShare*float64(d.Prints.Chars))), Guarantee)
		th = min(th, opts.MinChars, d.Prints.Chars)
		f := d.Prints.Format
		legacy := f < PrintsFormatSipHash || f > PrintsFormatTagged
		dense := f == PrintsFormatDense || f == PrintsFormatMixTags || f == PrintsFormatTagged
		// A document of format 5 without its tags (bytes cut), and one of
		// format 4 (tags no longer used, see PrintsFormatMixTags), is one
		// of format 3: the filter of the others' tags never lets its
		// k-grams through.
		tagged := f == PrintsFormatTagged && len(d.Prints.Tags) > 0
		x.docs = append(x.docs, docInfo{Document: d.Doc, paragraphs: d.Prints.Paragraphs, threshold: th,
			legacy: legacy, dense: dense, tagged: tagged, prints: len(d.Prints.Prints)})
		if len(d.Prints.Prints) > 0 && (x.minSpan == 0 || th < x.minSpan) {
			x.minSpan = th
		}
		if len(d.Prints.Prints) > 0 {
			switch {
			case dense && !tagged:
				x.formats |= 1 << PrintsFormatDense
				x.dense++
			case tagged:
				x.formats |= 1 << PrintsFormatTagged
				x.tagged++
			case !legacy:
				x.formats |= 1 << PrintsFormatSipHash
			default:
				x.formats |= 1 << PrintsFormatAES // and 0: stored before formats
				x.legacy++
			}
		}
		for _, f := range d.Prints.Prints {
			for i := f.Hash & mask; ; i = (i + 1) & mask {
				if x.fpKeys[i] == 0 || x.fpKeys[i] == f.Hash {
					x.fpKeys[i] = f.Hash
					x.fpCounts[i] = min(x.fpCounts[i]+1, maxPostings+1)
					if x.fpCounts[i] <= maxPostings {
						x.postings = append(x.postings, posting{doc: uint32(di), pos: f.Pos, next: x.fpHeads[i]})
						x.fpHeads[i] = uint32(len(x.postings))
					}
					break
				}
			}
		}
	}
	x.buildDenseSet(docs)
	x.buildGramFilter(docs)
	if len(x.postings) > 0 {
		letterTable() // built here, in the loader, rather than by the first message
	}
	x.pool.New = func() any { return &docScratch{} }
	return x
}

// Sets returns the record sets of x.
func (x *Index) Sets() []RecordSet { return x.sets }

// Records returns how many distinct values the record sets hold.
func (x *Index) Records() int { return x.records }

// Docs returns the protected documents of x.
func (x *Index) Docs() []Document {
	out := make([]Document, len(x.docs))
	for i, d := range x.docs {
		out[i] = d.Document
	}
	return out
}

func (x *Index) lookupRecord(h uint64) (uint32, bool) {
	if x.records == 0 {
		return 0, false
	}
	mask := uint64(len(x.recKeys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch x.recKeys[i] {
		case h:
			return x.recRefs[i], true
		case 0:
			return 0, false
		}
	}
}

func (x *Index) recordMatch(ref uint32) rules.DataMatch {
	s := &x.sets[ref>>8]
	return rules.DataMatch{Set: s.Name, Column: s.Columns[ref&0xff].Name}
}

// Record reports the record set and column holding the value of a
// detector finding; it costs one HMAC when a set has a column of the
// finding's kind, and nothing otherwise.
func (x *Index) Record(k moderation.Kind, evidence string) (rules.DataMatch, bool) {
	ck := columnKindOf(k)
	if x.recKinds&kindBit(ck) == 0 {
		return rules.DataMatch{}, false
	}
	var buf [64]byte
	v, ok := Normalize(ck, evidence, buf[:0])
	if !ok {
		return rules.DataMatch{}, false
	}
	ref, ok := x.lookupValue(ck, v)
	if !ok {
		return rules.DataMatch{}, false
	}
	return x.recordMatch(ref), true
}

// lookupValue finds the normalized value v of column kind ck: a value
// whose prefilter bit is clear is no customer's (one SipHash); the others
// are looked up by their HMAC.
func (x *Index) lookupValue(ck ColumnKind, v []byte) (uint32, bool) {
	if !x.mayHold(ck, v) {
		return 0, false
	}
	return x.lookupRecord(x.key.recordHash(ck, v))
}

// mayHold reports whether the prefilter lets v through to the HMAC.
func (x *Index) mayHold(ck ColumnKind, v []byte) bool {
	if x.unfiltered&kindBit(ck) != 0 {
		return true
	}
	k := kindIndex(ck)
	return k >= 0 && x.tagFilters[k].has(x.key.recordTag(ck, v))
}

// Tokens appends the token-column values text holds: runs of letters and
// digits (with - _ /) of at least 5 characters, one of them a digit. It
// does nothing unless a set has a token column.
func (x *Index) Tokens(text string, dst []rules.DataMatch) []rules.DataMatch {
	if x.recKinds&kindBit(KindToken) == 0 {
		return dst
	}
	var buf [64]byte
	start, startByte, i := -1, 0, 0
	flush := func(end, endByte int) {
		run := text[startByte:endByte]
		if end-start < minTokenLen || end-start > 48 {
			return
		}
		v, ok := Normalize(KindToken, run, buf[:0])
		if !ok {
			return
		}
		if ref, ok := x.lookupValue(KindToken, v); ok {
			m := x.recordMatch(ref)
			m.Kind, m.Start, m.End, m.Masked = moderation.KindCustomerRecord, start, end, maskToken(run)
			dst = append(dst, m)
		}
	}
	for b, r := range text {
		if isTokenRune(r) {
			if start < 0 {
				start, startByte = i, b
			}
		} else if start >= 0 {
			flush(i, b)
			start = -1
		}
		i++
	}
	if start >= 0 {
		flush(i, len(text))
	}
	return dst
}

// maskToken keeps the first two and last two characters of a customer or
// contract number (CU****89).
func maskToken(s string) string {
	rs := []rune(s)
	if len(rs) < 8 {
		return string(rs[:1]) + "****"
	}
	return string(rs[:2]) + "****" + string(rs[len(rs)-2:])
}

// LegacyDocs returns how many protected documents are stored in
// fingerprint format 1 (AES): while there are any, every message checked
// is also winnowed unkeyed, as they were, and its fingerprints keyed that
// way and looked up again (the AES of a 2 KB message's ~80 fingerprints:
// 1.8–2.0 µs, measured beside 1.2–1.7 µs for their SipHash). Uploading
// such a document again stores it in format 2.
func (x *Index) LegacyDocs() int { return x.legacy }

// UntaggedDenseDocs returns how many protected short documents are stored
// in fingerprint format 3 (every k-gram, no probe tags), in format 4 (tags
// no longer used) or in format 5 with their tags missing: they still match,
// but a message of more than maxDenseProbe letters is looked up in them at
// its fingerprints only, which misses some edited copies (of a sentence of
// 24 characters with one changed, 20 of 200 inside 300 characters of other
// text). Uploading such a document again stores it in format 5.
func (x *Index) UntaggedDenseDocs() int { return x.dense }

// MinSpan is the fewest normalized characters that can reproduce a
// protected document (0: none is protected).
func (x *Index) MinSpan() int { return x.minSpan }

// CleanTextMatches reports whether a text without detector findings could
// match: when a set has a token column (Tokens), or a document is protected
// and the text may hold its minimum span (Documents, MayReachMinSpan). It
// lets the engine keep such messages on its clean path
// (rules.CleanTextChecker).
func (x *Index) CleanTextMatches(text string) bool {
	return x.recKinds&kindBit(KindToken) != 0 || x.MayReachMinSpan(text)
}

// MayReachMinSpan reports whether text may fold to MinSpan letters: it has
// that many bytes, or fewer but a rune that folds to more letters than it
// has bytes (㌖ is three bytes and キロメートル six letters; ﷺ fifteen).
// False when no document is protected.
func (x *Index) MayReachMinSpan(text string) bool {
	if x.minSpan == 0 {
		return false
	}
	return len(text) >= x.minSpan || letterTable().mayOutgrow(text)
}
