package moderation

import (
	"cmp"
	"slices"
)

// This file holds a double-array Aho–Corasick automaton over a compact
// alphabet of rune codes. It is written by hand because no maintained Go
// library meets the targets: coregx/ahocorasick needs 271 MiB and 2 s to build
// 35k Chinese words, importcjj/sensitive is a map-per-node trie restarted at
// every character, and the character double-array implementations are
// unmaintained. A double array gives one bounds-checked load pair per input
// rune and about 16 bytes per trie node.

const (
	codeReset = 0      // a rune no word contains: back to the root
	codeSkip  = 0xFFFF // noise: does not move the automaton
	root      = 0
)

// acNode is one double-array slot, 8 bytes so that more of the hot array
// fits in cache. The failure links and output heads, needed less often, live
// in parallel arrays.
type acNode struct {
	base  int32 // children of this state live at base&baseMask + code; hasOut set when it reports words
	check int32 // parent state owning this slot, -1 when free
}

const (
	hasOut   = -1 << 31 // sign bit of base: the state has outputs
	baseMask = 1<<31 - 1
)

// acOut links the words ending in a state, then those of its suffix states.
type acOut struct {
	word int32 // index into the scanner's words
	next int32
}

type automaton struct {
	nodes []acNode
	fail  []int32 // longest proper suffix state
	out   []int32 // head of the output list in outs, -1 when none
	outs  []acOut
}

// failOf returns the failure link of state. A child of the root fails to
// the root: its check, in the cache line just read, says so, which spares
// a load from the fail array (a cache miss on most runes of clean text).
func failOf(nodes []acNode, fail []int32, state int32) int32 {
	if nodes[state].check == root {
		return root
	}
	return fail[state]
}

// pattern is a word as a code sequence, with the index of the word it reports.
type pattern struct {
	codes []uint16
	word  int32
}

// daBuilder places trie nodes into the double array. Free slots form a
// doubly linked list so the search for a base visits free slots only. Nodes
// with one child take the first free slot; nodes with several children start
// at a cursor that moves forward whenever a search had to try many slots, so
// the dense front of the array is not searched again and again (darts and
// cedar use similar heuristics). This keeps the build linear in practice.
type daBuilder struct {
	nodes      []acNode
	used       []bool
	next, prev []int32 // free list over slots, -1 ends
	head, tail int32
	cursor     int32 // first free slot tried for nodes with several children
	maxC       int
}

// maxTries is how many failed slots a search accepts before the cursor
// moves past them.
const maxTries = 64

func (b *daBuilder) grow(n int) {
	for len(b.nodes) < n {
		i := int32(len(b.nodes))
		b.nodes = append(b.nodes, acNode{check: -1})
		b.used = append(b.used, false)
		b.next = append(b.next, -1)
		b.prev = append(b.prev, b.tail)
		if b.tail >= 0 {
			b.next[b.tail] = i
		} else {
			b.head = i
		}
		b.tail = i
		if b.cursor < 0 {
			b.cursor = i
		}
	}
}

func (b *daBuilder) take(i int) {
	b.used[i] = true
	p, n := b.prev[i], b.next[i]
	if p >= 0 {
		b.next[p] = n
	} else {
		b.head = n
	}
	if n >= 0 {
		b.prev[n] = p
	} else {
		b.tail = p
	}
	if b.cursor == int32(i) {
		b.cursor = n
	}
}

// findBase returns a base for which every child slot base+c is free.
func (b *daBuilder) findBase(codes []uint16) int {
	first := int32(codes[0])
	p := b.head
	if len(codes) > 1 {
		p = b.cursor
	}
	for tries := 0; p >= 0; p = b.next[p] {
		if p <= first {
			continue
		}
		base := int(p - first)
		ok := true
		for _, c := range codes[1:] {
			if i := base + int(c); i < len(b.used) && b.used[i] {
				ok = false
				break
			}
		}
		if ok {
			b.grow(base + b.maxC + 1)
			return base
		}
		if tries++; tries == maxTries {
			b.cursor = p
		}
	}
	base := len(b.used) - int(first) + 1
	b.grow(base + b.maxC + 1)
	return base
}

// buildAutomaton builds the automaton for patterns (codes in 1..maxCode).
func buildAutomaton(pats []pattern, maxCode int) *automaton {
	slices.SortFunc(pats, func(a, b pattern) int {
		if c := slices.Compare(a.codes, b.codes); c != 0 {
			return c
		}
		return cmp.Compare(a.word, b.word)
	})
	b := &daBuilder{maxC: maxCode, head: -1, tail: -1, cursor: -1}
	b.grow(maxCode + 2)
	b.take(root)
	b.nodes[root].check = root

	// Breadth-first over ranges of the sorted patterns sharing a prefix.
	type item struct {
		state  int32
		lo, hi int
		depth  int
	}
	type edge struct {
		parent, child int32
		code          uint16
	}
	// A trie has at most one state per pattern code, plus the root.
	states := 1
	for _, p := range pats {
		states += len(p.codes)
	}
	queue := make([]item, 1, states)
	queue[0] = item{state: root, lo: 0, hi: len(pats), depth: 0}
	order := make([]edge, 0, states)
	// own[state] is the range of pats ending exactly at state: the
	// patterns are sorted, so a state's own words are the first ones of
	// its range (a slice, not a map: the build of 200k words spent a
	// third of its time hashing states).
	own := make([]ownRange, 0, 2*states)
	var codes []uint16
	var starts []int
	for qi := 0; qi < len(queue); qi++ {
		it := queue[qi]
		codes, starts = codes[:0], starts[:0]
		for i := it.lo; i < it.hi; i++ {
			p := pats[i]
			if len(p.codes) == it.depth {
				if int(it.state) >= len(own) {
					own = append(own, make([]ownRange, int(it.state)+1-len(own))...)
				}
				if own[it.state].n == 0 {
					own[it.state].lo = int32(i)
				}
				own[it.state].n++
				continue
			}
			c := p.codes[it.depth]
			if len(codes) == 0 || codes[len(codes)-1] != c {
				codes = append(codes, c)
				starts = append(starts, i)
			}
		}
		if len(codes) == 0 {
			continue
		}
		starts = append(starts, it.hi)
		base := b.findBase(codes)
		b.nodes[it.state].base = int32(base)
		for k, c := range codes {
			child := int32(base + int(c))
			b.take(int(child))
			b.nodes[child].check = it.state
			order = append(order, edge{parent: it.state, child: child, code: c})
			queue = append(queue, item{state: child, lo: starts[k], hi: starts[k+1], depth: it.depth + 1})
		}
	}
	nodes := b.nodes
	a := &automaton{fail: make([]int32, len(nodes)), out: make([]int32, len(nodes))}
	for i := range a.out {
		a.out[i] = -1
	}
	// Failure links and outputs in breadth-first order, so a suffix state is
	// always finished before the states that fall back to it.
	ownWords := func(state int32) []pattern {
		if int(state) >= len(own) {
			return nil
		}
		o := own[state]
		return pats[o.lo : o.lo+o.n]
	}
	if ws := ownWords(root); len(ws) > 0 {
		a.out[root] = a.link(ws, -1)
	}
	for _, e := range order {
		f := int32(root)
		if e.parent != root {
			f = a.fail[e.parent]
			for {
				t := nodes[f].base + int32(e.code)
				if nodes[t].check == f {
					f = t
					break
				}
				if f == root {
					break
				}
				f = a.fail[f]
			}
		}
		a.fail[e.child] = f
		if ws := ownWords(e.child); len(ws) > 0 {
			a.out[e.child] = a.link(ws, a.out[f])
		} else {
			a.out[e.child] = a.out[f]
		}
	}
	// Trim to the last used slot plus room for the largest code, so
	// base+code never leaves the array.
	last := 0
	for i := len(b.used) - 1; i >= 0; i-- {
		if b.used[i] {
			last = i
			break
		}
	}
	maxBase := 0
	for i := 0; i <= last; i++ {
		if b.used[i] {
			maxBase = max(maxBase, int(nodes[i].base))
		}
	}
	n := max(last, maxBase+maxCode) + 1
	for i := range n {
		if a.out[i] >= 0 {
			nodes[i].base |= hasOut
		}
	}
	a.nodes = slices.Clip(nodes[:n])
	a.fail = slices.Clip(a.fail[:n])
	a.out = slices.Clip(a.out[:n])
	a.outs = slices.Clip(a.outs)
	return a
}

// ownRange is a run of sorted patterns, pats[lo:lo+n].
type ownRange struct{ lo, n int32 }

func (a *automaton) link(words []pattern, tail int32) int32 {
	head := tail
	for i := len(words) - 1; i >= 0; i-- {
		a.outs = append(a.outs, acOut{word: words[i].word, next: head})
		head = int32(len(a.outs) - 1)
	}
	return head
}

// follow is the automaton's goto function with its failure links: the
// state after state on the code c, falling back along the failure links
// until a state moves on c, or the root.
func follow(nodes []acNode, fail []int32, state int32, c uint16) int32 {
	for {
		t := nodes[state].base&baseMask + int32(c)
		if uint(t) < uint(len(nodes)) && nodes[t].check == state {
			return t
		}
		if state == root {
			return root
		}
		state = failOf(nodes, fail, state)
	}
}
