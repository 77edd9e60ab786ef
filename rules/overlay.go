package rules

import (
	"maps"
	"reflect"
	"regexp"
	"slices"
)

// Incremental rule updates. Compiling a 200k-word rule set takes a CPU
// second and hundreds of megabytes on every replica, so an edit of a few
// words is not compiled that way: Update layers the edit over the engine
// in force. The base keeps its automaton, with the changed words masked
// out (a copy of its per-word table, not of the automaton); a small
// overlay engine, compiled from the changed words alone, finds them in
// their new lists. Verdicts of the two are merged. Later edits layer over
// the same base again (layers never stack), and the owner folds the
// layered engine into one full compile in the background when edits have
// quieted down (bot.Policy), so at most one full compile is ever alive
// next to the live set.

// MaxOverlayWords bounds the words an overlay holds: an edit beyond it
// (an imported list) is compiled in full at once.
const MaxOverlayWords = 5000

// Update returns an engine for next, which must be e's rule set with words
// added to or removed from its lists, or changed (severity): the edit is
// layered over e's base without recompiling it. ok is false when next
// changes more than list words (rules, lists, categories, flags, allow
// phrases…) or more than MaxOverlayWords of them; the caller compiles next
// in full then.
func (e *Engine) Update(next *RuleSet) (layered *Engine, ok bool, err error) {
	base := e
	if e.layer != nil {
		base = e.layer.base.unmasked
	}
	if next == nil || !sameShape(base.rs, next) {
		return nil, false, nil
	}
	changed, words := changedWords(base.rs, next, base.Words())
	return base.layerOver(next, changed, words)
}

// UpdateWords is Update for an edit whose changed words the caller knows
// (RuleSet.WithListHunks): next is e's rule set with only the words of
// changed added to, removed from or changed in its lists. It does not
// compare next's lists with e's: besides compiling the changed words, it
// passes once over the lists and the per-word table with a cheap test a
// word, not the loader's checks and map of every entry.
func (e *Engine) UpdateWords(next *RuleSet, changed map[string]bool) (layered *Engine, ok bool, err error) {
	base, all := e, changed
	if e.layer != nil {
		// The words of the earlier edits stay masked in the base.
		base = e.layer.base.unmasked
		all = maps.Clone(e.layer.changed)
		maps.Copy(all, changed)
	}
	words := e.Words()
	if len(changed) > 0 {
		was, is := listedAmong(e.rs, changed), listedAmong(next, changed)
		for w := range changed {
			switch {
			case was[w] && !is[w]:
				words--
			case !was[w] && is[w]:
				words++
			}
		}
	}
	return base.layerOver(next, all, words)
}

// layerOver layers next over base e, next differing from e's rule set in
// the words changed and listing words distinct words.
func (e *Engine) layerOver(next *RuleSet, changed map[string]bool, words int) (*Engine, bool, error) {
	if len(changed) > MaxOverlayWords {
		return nil, false, nil
	}
	l := &layer{words: words, edits: len(changed), changed: changed}
	l.base = e.masked(changed)
	if add := overlaySet(next, changed); add != nil {
		var err error
		if l.add, err = Compile(add); err != nil {
			return nil, false, err
		}
	}
	return &Engine{rs: next, layer: l}, true, nil
}

// Layered reports how many words of e are an overlay over its base (0 for
// an engine compiled in full).
func (e *Engine) Layered() int {
	if e.layer == nil {
		return 0
	}
	return e.layer.edits
}

// masked is e with the words changed no longer found: its per-word table
// is copied with their rules cleared (Evaluate skips a word no rule takes);
// the automaton and everything else is shared with e.
func (e *Engine) masked(changed map[string]bool) *masked {
	kw := slices.Clone(e.keywords)
	may := lengthsOf(changed)
	for tag, w := range e.words {
		if may.has(w) && changed[w] {
			kw[tag] = nil
		}
	}
	m := e.cloneWith(kw)
	return &masked{Engine: m, unmasked: e}
}

// cloneWith is a new Engine sharing everything of e but its per-word table.
// Fields are copied one by one (an Engine holds a sync.Pool, which must not
// be copied); TestCloneCopiesEveryField fails when a field is added to
// Engine and not here.
func (e *Engine) cloneWith(keywords [][]ruleRef) *Engine {
	c := &Engine{
		rs: e.rs, scanner: e.scanner, rules: e.rules, keywords: keywords, words: e.words,
		lists: e.lists, allow: e.allow, byKind: e.byKind, regexes: e.regexes, prec: e.prec,
		together: e.together,
	}
	c.pool.New = e.pool.New
	return c
}

// sameShape reports whether a and b differ at most in their lists' words.
func sameShape(a, b *RuleSet) bool {
	if len(a.Categories) != len(b.Categories) || len(a.Rules) != len(b.Rules) {
		return false
	}
	for i := range a.Categories {
		ca, cb := a.Categories[i], b.Categories[i]
		if len(ca.Lists) != len(cb.Lists) {
			return false
		}
		la, lb := ca.Lists, cb.Lists
		ca.Lists, cb.Lists = nil, nil
		if !reflect.DeepEqual(ca, cb) {
			return false
		}
		for j := range la {
			x, y := la[j], lb[j]
			x.Words, y.Words = nil, nil
			if !reflect.DeepEqual(x, y) {
				return false
			}
		}
	}
	for i := range a.Rules {
		ra, rb := a.Rules[i], b.Rules[i]
		if !slices.EqualFunc(ra.Regexps, rb.Regexps, func(x, y *regexp.Regexp) bool { return x.String() == y.String() }) {
			return false
		}
		ra.Regexps, rb.Regexps = nil, nil
		if !reflect.DeepEqual(ra, rb) {
			return false
		}
	}
	sa, sb := *a, *b
	sa.Categories, sb.Categories, sa.Rules, sb.Rules = nil, nil, nil, nil
	sa.Allow, sb.Allow = wordTexts(a.Allow), wordTexts(b.Allow)
	return reflect.DeepEqual(sa, sb)
}

// wordTexts keeps what of words matching depends on (not lines or notes).
func wordTexts(words []Word) []Word {
	out := make([]Word, len(words))
	for i, w := range words {
		out[i] = Word{Text: w.Text, Severity: w.Severity}
	}
	return out
}

// changedWords returns the words whose lists or severities differ between
// a and b (added, removed or changed), and how many distinct words b lists
// given that a lists aWords. Lists b shares with a (the same words, as
// WithListFiles leaves the lists it does not read) are skipped, so an edit
// costs in proportion to the lists it touched.
func changedWords(a, b *RuleSet, aWords int) (map[string]bool, int) {
	type entry struct {
		text     string
		severity Severity
	}
	changed := map[string]bool{}
	for ci := range a.Categories {
		for li := range a.Categories[ci].Lists {
			wa, wb := a.Categories[ci].Lists[li].Words, b.Categories[ci].Lists[li].Words
			if len(wa) == len(wb) && (len(wa) == 0 || &wa[0] == &wb[0]) {
				continue
			}
			if slices.EqualFunc(wa, wb, func(x, y Word) bool { return x.Text == y.Text && x.Severity == y.Severity }) {
				continue
			}
			in := make(map[entry]bool, len(wa))
			for _, w := range wa {
				in[entry{w.Text, w.Severity}] = true
			}
			for _, w := range wb {
				e := entry{w.Text, w.Severity}
				if in[e] {
					delete(in, e)
				} else {
					changed[w.Text] = true
				}
			}
			for e := range in {
				changed[e.text] = true
			}
		}
	}
	if len(changed) == 0 {
		return changed, aWords
	}
	// The distinct words: a's, less the changed ones a lists and b does
	// not, plus those b lists and a does not.
	listed := func(rs *RuleSet) map[string]bool {
		m := map[string]bool{}
		for _, c := range rs.Categories {
			for _, l := range c.Lists {
				for _, w := range l.Words {
					if changed[w.Text] {
						m[w.Text] = true
					}
				}
			}
		}
		return m
	}
	inA, inB := listed(a), listed(b)
	words := aWords
	for w := range changed {
		switch {
		case inA[w] && !inB[w]:
			words--
		case !inA[w] && inB[w]:
			words++
		}
	}
	return changed, words
}

// WithListFiles returns rs with the word lists read anew from files (paths
// of rs's word lists, as in List.File, to their new content), with the
// loader's checks; the other lists are shared with rs. ok is false when a
// path is not one of rs's word lists (a new or removed list, an allow
// list, policy.yaml): only LoadFiles reads those.
func (rs *RuleSet) WithListFiles(files map[string][]byte) (next *RuleSet, ok bool, err error) {
	n := *rs
	n.Categories = slices.Clone(rs.Categories)
	var l loader
	found := 0
	total := len(rs.Allow)
	for ci := range n.Categories {
		c := &n.Categories[ci]
		cloned := false
		for li := range c.Lists {
			if data, ok := files[c.Lists[li].File]; ok && c.Lists[li].File != "" {
				if !cloned {
					c.Lists, cloned = slices.Clone(c.Lists), true
				}
				c.Lists[li].Words = l.parseList(c.Lists[li].File, data, false)
				found++
			}
			total += len(c.Lists[li].Words)
		}
	}
	if found != len(files) {
		return nil, false, nil
	}
	if total > MaxRuleSetEntries {
		l.addf(listsDir, 0, "the rule set holds %d list entries (at most %d); remove unused entries or lists", total, MaxRuleSetEntries)
	}
	if len(l.problems) > 0 {
		sortProblems(l.problems)
		return nil, true, &ValidationError{Problems: l.problems}
	}
	return &n, true, nil
}

// overlaySet is next with only the changed words in its lists, and without
// what the base finds already (detectors, regular expressions); nil when
// no changed word is listed any more.
func overlaySet(next *RuleSet, changed map[string]bool) *RuleSet {
	o := *next
	o.Categories = slices.Clone(next.Categories)
	listed := false
	may := lengthsOf(changed)
	for ci := range o.Categories {
		c := &o.Categories[ci]
		c.Lists = slices.Clone(c.Lists)
		for li := range c.Lists {
			l := &c.Lists[li]
			var keep []Word
			for _, w := range l.Words {
				if may.has(w.Text) && changed[w.Text] {
					keep = append(keep, w)
				}
			}
			l.Words = keep
			listed = listed || len(keep) > 0
		}
	}
	if !listed {
		return nil
	}
	o.Rules = slices.Clone(next.Rules)
	for i := range o.Rules {
		o.Rules[i].Detectors, o.Rules[i].Regexps = nil, nil
	}
	return &o
}
