package rules

import (
	"math"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// lattice is the dictionary words of one run of Chinese text and gse's
// shortest-path segmentation over any stretch of it. The precision pass
// needs three segmentations of one run (the whole run, and the parts
// before and after the keyword); gse's Segment looks every word up again
// for each and allocates four slices a call, which made the pass most of
// the cost of a message with a keyword finding. Here the words are looked
// up once per run in gse's own dictionary, and the shortest path, a dozen
// lines, is redone by hand with gse's costs and tie-breaking
// (segmentWords and updateJumper in gse 0.80): TestLatticeMatchesGSE
// checks that every segmentation equals gse.Segment's.
//
// The text is Chinese characters only (the pass segments runs of them),
// each of which gse reads as one Text.
type lattice struct {
	run   []byte    // the run, UTF-8
	pos   []int     // byte offset in run of each rune, then len(run)
	start []int32   // the words starting at rune i are words[start[i]:start[i+1]]
	words []latWord // by start, then by length (gse's LookupTokens order)
	jump  []latJump // the shortest path, by last rune of its last word
	path  []latJump // one segmentation, in order
}

// latWord is a dictionary word in the lattice.
type latWord struct {
	n    int32   // length in runes
	freq float64 // gse's frequency
	dist float32 // gse's path cost: log2(total) - log2(freq), in float32 as gse computes it
}

// latJump is the best path's last word ending at a rune (gse's jumper).
type latJump struct {
	dist float32
	n    int32
	freq float64
}

// pseudoDist is the cost gse gives a character that starts no word of
// length one (segmentWords' pseudo token of frequency 1).
const pseudoDist = 32

// build looks up every dictionary word of runes. logTotal is
// float32(log2(dict.TotalFreq())), as gse's CalcToken computes it.
func (l *lattice) build(dict *gse.Dictionary, logTotal float32, runes []rune) {
	l.run, l.pos = l.run[:0], l.pos[:0]
	for _, r := range runes {
		l.pos = append(l.pos, len(l.run))
		l.run = utf8.AppendRune(l.run, r)
	}
	l.pos = append(l.pos, len(l.run))
	n := len(runes)
	maxLen := dict.MaxTokenLen()
	l.start, l.words = l.start[:0], l.words[:0]
	for a := range n {
		l.start = append(l.start, int32(len(l.words)))
		for b := a + 1; b <= n && b-a <= maxLen; b++ {
			// Find reports a prefix of a word as found with frequency 0
			// (gse drops words of frequency 0 when it loads them);
			// nothing found means no longer word starts at a either.
			f, _, ok := dict.Find(l.run[l.pos[a]:l.pos[b]])
			if !ok {
				break
			}
			if f > 0 {
				l.words = append(l.words, latWord{n: int32(b - a), freq: f, dist: logTotal - float32(math.Log2(f))})
			}
		}
	}
	l.start = append(l.start, int32(len(l.words)))
}

// maxWordRunes bounds the words across looks for.
const maxWordRunes = 6

// across reports whether a dictionary word of two to maxWordRunes
// characters spans the boundary before rune at (one character of it
// before at, one from at on): without one, no segmentation can cross the
// finding there, and the shortest paths are not needed. A boundary at the
// run's edge has none.
func (l *lattice) across(at int) bool {
	if at <= 0 || at >= len(l.start)-1 {
		return false
	}
	for a := max(0, at-maxWordRunes+1); a < at; a++ {
		for _, w := range l.words[l.start[a]:l.start[a+1]] {
			if w.n >= 2 && w.n <= maxWordRunes && a+int(w.n) > at {
				return true
			}
		}
	}
	return false
}

// segment returns gse's segmentation of runes [from, to) of the run, as
// consecutive words in order (valid until the next call).
func (l *lattice) segment(from, to int) []latJump {
	if to <= from {
		return l.path[:0]
	}
	l.jump = append(l.jump[:0], make([]latJump, to-from)...)
	j := l.jump
	update := func(at int, base, dist float32, n int32, freq float64) {
		if d := base + dist; j[at].dist == 0 || j[at].dist > d {
			j[at] = latJump{dist: d, n: n, freq: freq}
		}
	}
	for cur := from; cur < to; cur++ {
		var base float32
		if cur > from {
			base = j[cur-1-from].dist
		}
		found, shortest := 0, int32(0)
		for _, w := range l.words[l.start[cur]:l.start[cur+1]] {
			end := cur + int(w.n)
			if end > to {
				break // longer words end later still
			}
			if found == 0 {
				shortest = w.n
			}
			found++
			update(end-1-from, base, w.dist, w.n, w.freq)
		}
		if found == 0 || shortest > 1 {
			update(cur-from, base, pseudoDist, 1, 1)
		}
	}
	// Back from the end, then reversed into reading order.
	l.path = l.path[:0]
	for i := to - 1; i >= from; i -= int(j[i-from].n) {
		l.path = append(l.path, j[i-from])
	}
	for a, b := 0, len(l.path)-1; a < b; a, b = a+1, b-1 {
		l.path[a], l.path[b] = l.path[b], l.path[a]
	}
	return l.path
}
