package rules

// Together lists (List.Together): words that are ordinary one at a time
// and an ad together. 日结, 私聊 and 名额有限 are each in some work
// message; the three in one message are a side-job ad. A hit of such a
// list stands only when the message holds at least Together different
// words of the list; otherwise all of the list's hits are dropped. The
// words go through the automaton like any list's, so a message with none
// of them stays on the clean path, and the count runs only on messages
// with a hit of a together list.

// togetherOf returns the threshold of each list index, or nil when no
// list of rs has one.
func togetherOf(rs *RuleSet) []uint8 {
	var out []uint8 // by list index, as Compile numbers the lists
	some := false
	for _, c := range rs.Categories {
		for _, li := range c.Lists {
			out = append(out, uint8(li.Together))
			some = some || li.Together > 1
		}
	}
	if !some {
		return nil
	}
	return out
}

// togetherByName returns the threshold of the list named "category/name",
// or 0.
func (e *Engine) togetherByName(list string) int {
	for i, name := range e.lists {
		if name == list && i < len(e.together) {
			return int(e.together[i])
		}
	}
	return 0
}

// keepTogether drops the hits of together lists that do not reach their
// list's threshold in v, and recomputes the action and severity. Words
// are told apart by the listed word (a word repeated, or written once as
// 日结 and once as rijie, counts once); a hit overlapping the one counted
// before it, and a hit held or in shadow, are not counted.
func (e *Engine) keepTogether(v Verdict) Verdict {
	var need map[string]int // list → threshold, for lists with hits
	for _, h := range v.Hits {
		if h.List == "" {
			continue
		}
		if n := e.togetherByName(h.List); n > 0 {
			if need == nil {
				need = map[string]int{}
			}
			need[h.List] = n
		}
	}
	if need == nil {
		return v
	}
	short := map[string]bool{}
	for list, n := range need {
		seen, end := map[string]bool{}, -1
		for _, h := range v.Hits { // ordered by start
			if h.List != list || h.Shadow || h.Start < end {
				// Held and shadow hits do not count (放款 held in a
				// complaint must not make 秒到账 an ad), nor a word that
				// overlaps the one counted before it: one phrase
				// (招聘兼职客服).
				continue
			}
			seen[h.word], end = true, h.End
		}
		if len(seen) < n {
			short[list] = true
		}
	}
	if len(short) == 0 {
		return v
	}
	out := Verdict{}
	for _, h := range v.Hits {
		if short[h.List] {
			continue
		}
		out.Hits = append(out.Hits, h)
		if !h.Shadow {
			out.Action = max(out.Action, h.Action)
			out.Severity = max(out.Severity, h.Severity)
		}
	}
	return out
}

// keepTogetherIf is keepTogether when on is true.
func (e *Engine) keepTogetherIf(on bool, v Verdict) Verdict {
	if !on {
		return v
	}
	return e.keepTogether(v)
}
