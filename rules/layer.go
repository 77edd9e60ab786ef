package rules

import "slices"

// A layered engine (Update, overlay.go) answers as the engine compiled in
// full from its rule set would: Evaluate and Words defer to its layer.

// layer is a layered engine's parts (Engine.layer).
type layer struct {
	base  *masked // the base engine, its changed words masked out
	add   *Engine // the changed words as they are listed now; nil when only removed
	words int     // distinct words of the layered rule set
	edits int     // words masked or added
	// changed are the words masked (Update, UpdateWords): a later edit
	// over the same base keeps them masked.
	changed map[string]bool
}

// masked is a base engine with words masked, and the engine it masks.
type masked struct {
	*Engine
	unmasked *Engine
}

// evaluate is Evaluate of a layered engine: the masked base's hits and the
// overlay's, merged as one engine would report them.
func (l *layer) evaluate(text string, mc Context) Verdict {
	together := l.base.together != nil && !mc.apart
	mc.apart = true // the layers' hits of together lists are counted together, below
	v := l.base.Evaluate(text, mc)
	if l.add == nil {
		return l.base.keepTogetherIf(together, v)
	}
	o := l.add.Evaluate(text, mc)
	if len(o.Hits) == 0 {
		return l.base.keepTogetherIf(together, v)
	}
	if len(v.Hits) == 0 {
		return l.base.keepTogetherIf(together, o)
	}
	hits := append(slices.Clip(v.Hits), o.Hits...)
	// As Evaluate orders them: by start, the rule's order, end.
	order := func(id string) int {
		return slices.IndexFunc(l.base.rules, func(r compiledRule) bool { return r.ID == id })
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		if a.Rule != b.Rule {
			return order(a.Rule) - order(b.Rule)
		}
		return a.End - b.End
	})
	// One hit per rule and span, the more confident (as dedupSpans).
	out := hits[:0]
	for _, h := range hits {
		if i := slices.IndexFunc(out, func(x Hit) bool { return x.Rule == h.Rule && x.Start == h.Start && x.End == h.End }); i >= 0 {
			if h.Confidence > out[i].Confidence {
				out[i] = h
			}
			continue
		}
		out = append(out, h)
	}
	merged := Verdict{Hits: out}
	for _, h := range out {
		if !h.Shadow {
			merged.Action = max(merged.Action, h.Action)
			merged.Severity = max(merged.Severity, h.Severity)
		}
	}
	return l.base.keepTogetherIf(together, merged)
}
