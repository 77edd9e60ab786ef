package dlp

import (
	"slices"
	"strconv"

	"github.com/wecom-guard/wecom-guard/moderation"
	"github.com/wecom-guard/wecom-guard/rules"
)

// maxMissed is how many of a document's fingerprints in a row a copy may
// lack, walked from one end of a chain: a changed character breaks the 8
// k-grams around it, rarely more than two fingerprints (over 300 edited
// copies, TestEstimateOverKeys found what it finds without a limit).
// In a document of format 3, 4 or 5, which has a fingerprint at every k-gram,
// the limit is maxMissedDense: two changed characters' k-grams.
const (
	maxMissed      = 2
	maxMissedDense = 2 * K
)

// maxGap is how far apart (normalized characters) two fingerprints of one
// copied stretch may be in the message: winnowing leaves at most W between
// fingerprints, and an edit removes the K-grams around it.
const maxGap = 2*W + K

// bestChain finds the longest stretch of the message copying one document
// (hits sorted by message fingerprint) and reports it if it reaches the
// document's threshold.
//
// A chain is the document's fingerprints the message selected, in order
// (gaps of an edit allowed). Near the ends of a copy the message's windows
// reach past it, so it often leaves out a fingerprint of the document that
// it does hold: which ones depends on the key. So from each end of the
// chain the document's neighbouring fingerprints are checked directly
// (extend), and the copy's end is estimated between the outermost one the
// message holds and the first one it does not (bracket).
func (x *Index) bestChain(sc *docScratch, hits []docHit) (rules.DataMatch, bool) {
	d := &x.docs[hits[0].doc]
	fps, keys := sc.fps, sc.keys
	switch sc.passOf(d) {
	case passLegacy:
		fps, keys = sc.fps1, sc.keys1
	case passDense:
		fps = sc.every
	}
	var best chainSpan
	for from := 0; from < len(hits); {
		to, n := from, 1
		for next := from + 1; next < len(hits); next++ {
			a, b := hits[to], hits[next]
			if b.msg == a.msg {
				continue // the same fingerprint at another place of the document
			}
			dm := int(fps[b.msg].Pos) - int(fps[a.msg].Pos)
			dd := int(b.docPos) - int(a.docPos)
			if dm > maxGap || dd <= 0 || dd > dm+maxGap || dm > dd+maxGap {
				if dm > maxGap {
					break
				}
				continue
			}
			to, n = next, n+1
		}
		first, last := hits[from], hits[to]
		lo := x.extend(d, keys, &sc.block, first.post, int(fps[first.msg].Pos), -1)
		hi := x.extend(d, keys, &sc.block, last.post, int(fps[last.msg].Pos), +1)
		whole := lo.confirmed+hi.confirmed+n >= 2
		switch {
		case d.dense:
			// Every k-gram is stored: the walk's ends are exact, and only
			// a changed first or last character is left to read.
			lo, hi = editedEdges(d, lo, hi, len(keys))
			whole = true
		case d.prints == 1:
			whole = covers(fps, len(keys), int(first.msg), lo.msg-lo.docPos, hi.msg+d.Chars-hi.docPos)
		}
		if c := bracket(d, lo, hi, whole, len(sc.letters)); c.end-c.start > best.end-best.start {
			best = c
		}
		from = to + 1
	}
	if best.end-best.start < d.threshold {
		return rules.DataMatch{}, false
	}
	// The paragraph of the first fingerprint the message shares: the
	// estimated start may reach back into the paragraph before.
	para := 1
	if k, found := slices.BinarySearch(d.paragraphs, uint32(best.docPos)); found {
		para = k + 1
	} else if k > 0 {
		para = k
	}
	shared := min(best.end-best.start, d.Chars)
	return rules.DataMatch{
		Kind:      moderation.KindDocument,
		Start:     best.start, // letters: Documents makes them rune offsets
		End:       best.end,
		Set:       d.Name,
		Column:    d.Category,
		Shared:    shared,
		Paragraph: para,
		Masked:    EvidenceOf(d.Name, para, shared),
	}, true
}

// chainEnd is one end of a copy as extend found it: the outermost
// fingerprint of the document the message holds at the chain's offset
// (its k-gram at letter msg of the message, docPos of the document), how
// many more it confirmed, and beyond is the position in the document of
// the nearest fingerprint further out that the message does not hold, or
// -1 when none is (the document's edge comes first).
type chainEnd struct {
	msg, docPos, confirmed, beyond int
}

// extend walks from the fingerprint at postings[post] (the message's
// k-gram at letter msg) through the document's fingerprints before it (dir
// -1) or after it (+1), postings being in the document's order, and checks
// for each whether the message's k-gram at the same offset has it: one
// keyed hash of a k-gram hash the message computed anyway (keys) and a
// probe (buf is AES's block, for format 1). It goes on past a fingerprint the message lacks (an edit) while
// the next ones are within maxGap of the last it holds, and stops at the
// second in a row it lacks.
func (x *Index) extend(d *docInfo, keys []uint64, buf *[16]byte, post uint32, msg, dir int) chainEnd {
	e := chainEnd{msg: msg, docPos: int(x.postings[post].pos), beyond: -1}
	doc := x.postings[post].doc
	missed, limit := 0, maxMissed
	if d.dense {
		limit = maxMissedDense
	}
	for i := int(post) + dir; i >= 0 && i < len(x.postings) && x.postings[i].doc == doc; i += dir {
		pd := int(x.postings[i].pos)
		m := e.msg + pd - e.docPos
		if (pd-e.docPos)*dir > maxGap || m < 0 || m >= len(keys) {
			if e.beyond < 0 {
				e.beyond = pd
			}
			break
		}
		var h uint64
		if d.legacy {
			h = x.key.fingerprintAES(keys[m], buf)
		} else {
			h = x.key.fingerprint(keys[m])
		}
		if x.holds(h, doc, uint32(pd)) {
			e.msg, e.docPos, e.beyond, missed = m, pd, -1, 0
			e.confirmed++
			continue
		}
		if e.beyond < 0 {
			e.beyond = pd
		}
		if missed++; missed == limit {
			break
		}
	}
	return e
}

// editedEdges reads the walk of a copy of a document of format 3, 4 or 5 that
// ends fewer than K k-grams short of the document's edge, every k-gram
// between missed, as reaching the edge when the message has letters
// there: a changed character among the first (or last) K breaks every
// k-gram from it to the edge, so none of them can be confirmed, and the
// copy would be estimated short of it by up to K characters. Anywhere
// else a changed character lies between k-grams the walk holds, and the
// estimate spans it already (a character left out or added shifts the
// k-grams after it: the chain joins the two sides, each walked on its
// own). n is the number of the message's k-grams.
//
// What it gives away: at most K characters, at the two edges together,
// read as copied that the message may not share (one edge's changed
// character; a k-gram in common near the middle of a short document must
// not be read as the whole of it, TestCommonPhraseIsNoCopy); what is
// confirmed is still at least the document's length less K (a document is
// at least Guarantee characters: uploads are refused below that), a run
// of the document no phrase in common reaches.
func editedEdges(d *docInfo, lo, hi chainEnd, n int) (chainEnd, chainEnd) {
	last := d.Chars - K
	before, after := 0, 0 // the characters read as copied before lo and after hi
	// One letter fewer than the document has there is a character left
	// out: the estimate then stops at the message's edge (bracket).
	if lo.beyond >= 0 && lo.msg-lo.docPos >= -1 {
		before = lo.docPos
	}
	if hi.beyond >= 0 && hi.msg+last-hi.docPos <= n {
		after = last - hi.docPos
	}
	if before+after > K {
		return lo, hi
	}
	if before > 0 {
		shift := min(before, lo.msg)
		lo.msg, lo.docPos, lo.beyond = lo.msg-shift, lo.docPos-shift, -1
	}
	if after > 0 {
		shift := min(after, n-1-hi.msg)
		hi.msg, hi.docPos, hi.beyond = hi.msg+shift, hi.docPos+shift, -1
	}
	return lo, hi
}

// covers reports whether the message's windows whose minimum is its
// fingerprint i (of n k-grams) span the letters start to end: in a copy
// of a document that has a single fingerprint, every window of the copy
// has it as its minimum, whereas a k-gram in common in other text is the
// minimum of about half the windows such a copy would have.
func covers(fps []Fingerprint, n, i, start, end int) bool {
	// winEnd is the last k-gram of the first window whose minimum
	// fingerprint j is: the window where it came in as the smallest, or
	// where the one before it left.
	winEnd := func(j int) int {
		switch {
		case j == 0:
			return min(W, n) - 1
		case j == len(fps):
			return n
		case fps[j].Hash <= fps[j-1].Hash:
			return int(fps[j].Pos)
		}
		return int(fps[j-1].Pos) + W
	}
	return winEnd(i)-W+1 <= start && winEnd(i+1)-1+K >= end
}

// holds reports whether the table has the stored fingerprint h at
// position pos of document doc (boilerplate, at more than maxPostings
// places, counts as not held: it is not matched on).
func (x *Index) holds(h uint64, doc, pos uint32) bool {
	mask := uint64(len(x.fpKeys) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch k := x.fpKeys[i]; {
		case k == 0:
			return false
		case k != h:
			continue
		case x.fpCounts[i] > maxPostings:
			return false
		}
		for p := x.fpHeads[i]; p != 0; p = x.postings[p-1].next {
			if post := x.postings[p-1]; post.doc == doc && post.pos == pos {
				return true
			}
		}
		return false
	}
}

// chainSpan is a copy's estimated letters in the message, and where in
// the document its first confirmed fingerprint is.
type chainSpan struct {
	start, end, docPos int
}

// bracket estimates the letters of the message a chain extended to lo and
// hi copies. Each end of the copy lies between the outermost k-gram the
// message shares (certain) and the first fingerprint of the document
// beyond it that it does not share, the edge of the document or the edge
// of the message, whichever is nearest: at most W-1 letters, as winnowing
// leaves no more between fingerprints (when the table holds them all: the
// bracket is cut to W-1 in any case). The estimate
// is the middle of that bracket, rounded towards the shared k-gram, except
// that with snap — a copy of at least two fingerprints, or of a document
// that has only one, the message's windows agreeing (covers) — it is taken
// to reach an edge of the document or of the message that lies in its
// bracket: whole documents, and messages that are nothing but the copy,
// are what is pasted most.
//
// The estimate does not depend on which fingerprints the message happened
// to select, only on what it shares, so it is the same under every key for
// a verbatim copy bounded by the edges: a full paste of a document is
// estimated at its whole length. And a single shared k-gram (a phrase in
// common, not a copy) is estimated at most K + 2·((W-1)/2) = 22 < Guarantee
// characters, below every threshold of a document with two fingerprints
// or more. (A document with one is all in that k-gram: a phrase in common
// in which the message's windows agree is taken for a paste of it.)
func bracket(d *docInfo, lo, hi chainEnd, snap bool, letters int) chainSpan {
	c := chainSpan{docPos: lo.docPos}
	docStart := lo.msg - lo.docPos
	// W-1 at most: a document's fingerprint the table does not hold
	// (boilerplate) may lie beyond the walk.
	outer := max(docStart, 0, lo.msg-(W-1))
	if lo.beyond >= 0 {
		outer = max(outer, lo.msg-(lo.docPos-lo.beyond)+1)
	}
	if c.start = outer; !snap || outer != 0 && (outer != docStart || lo.beyond >= 0) {
		c.start = lo.msg - (lo.msg-outer)/2
	}
	inner := hi.msg + K
	docEnd := hi.msg + d.Chars - hi.docPos
	outer = min(docEnd, letters, inner+W-1)
	if hi.beyond >= 0 {
		outer = min(outer, hi.msg+(hi.beyond-hi.docPos)+K-1)
	}
	if c.end = outer; !snap || outer != letters && (outer != docEnd || hi.beyond >= 0) {
		c.end = inner + (outer-inner)/2
	}
	return c
}

// EvidenceOf is the masked evidence of a document hit: the document's
// name, where the copy starts and how long it is, never its text.
func EvidenceOf(name string, paragraph, chars int) string {
	b := make([]byte, 0, len(name)+40)
	b = append(b, "《"...)
	b = append(b, name...)
	b = append(b, "》第 "...)
	b = strconv.AppendInt(b, int64(paragraph), 10)
	b = append(b, " 段起 "...)
	b = strconv.AppendInt(b, int64(chars), 10)
	b = append(b, " 字"...)
	return string(b)
}
