package rules

import (
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
	changed, words := changedWords(base.rs, next)
	if len(changed) > MaxOverlayWords {
		return nil, false, nil
	}
	l := &layer{words: words, edits: len(changed)}
	l.base = base.masked(changed)
	if add := overlaySet(next, changed); add != nil {
		if l.add, err = Compile(add); err != nil {
			return nil, false, err
		}
	}
	out := &Engine{rs: next, layer: l}
	return out, true, nil
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
	for tag, w := range e.words {
		if changed[w] {
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

// membership is where a word is listed, and how: what its compiled
// entry depends on.
type membership struct {
	list     int // index over all lists of the rule set
	severity Severity
}

// changedWords returns the words whose lists or severities differ between
// a and b (added, removed or changed), and how many distinct words b lists.
func changedWords(a, b *RuleSet) (map[string]bool, int) {
	where := func(rs *RuleSet) map[string][]membership {
		m := map[string][]membership{}
		li := 0
		for _, c := range rs.Categories {
			for _, l := range c.Lists {
				for _, w := range l.Words {
					m[w.Text] = append(m[w.Text], membership{li, w.Severity})
				}
				li++
			}
		}
		return m
	}
	wa, wb := where(a), where(b)
	changed := map[string]bool{}
	for w, ma := range wa {
		if !slices.Equal(ma, wb[w]) {
			changed[w] = true
		}
	}
	for w := range wb {
		if _, ok := wa[w]; !ok {
			changed[w] = true
		}
	}
	return changed, len(wb)
}

// overlaySet is next with only the changed words in its lists, and without
// what the base finds already (detectors, regular expressions); nil when
// no changed word is listed any more.
func overlaySet(next *RuleSet, changed map[string]bool) *RuleSet {
	o := *next
	o.Categories = slices.Clone(next.Categories)
	listed := false
	for ci := range o.Categories {
		c := &o.Categories[ci]
		c.Lists = slices.Clone(c.Lists)
		for li := range c.Lists {
			l := &c.Lists[li]
			var keep []Word
			for _, w := range l.Words {
				if changed[w.Text] {
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
