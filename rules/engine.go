package rules

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wecom-guard/wecom-guard/moderation"
)

// Context is what Evaluate knows about a message besides its text.
type Context struct {
	ChatKind ChatKind
	// Time is when the message was sent; the zero time ignores the rules'
	// time windows (every rule applies as if inside its window).
	Time time.Time
	// Explain fills in each Hit's Explanation (for people trying a
	// message; the pipeline does not need it).
	Explain bool
	// Data, when set, is the company's customer records and protected
	// documents (package dlp): rules naming customer_record or document
	// act on what it finds.
	Data DataMatcher
	// apart leaves the hits of together lists as found: a layered engine
	// counts them over its layers' hits together (layer.evaluate).
	apart bool
}

// Verdict is what the policy says about one message.
type Verdict struct {
	// Action is the most severe action of the non-shadow hits (ActionNone
	// when there are none).
	Action Action
	// Severity is the highest severity of the non-shadow hits.
	Severity Severity
	// Hits are ordered by Start, then by the rule's order in policy.yaml.
	Hits []Hit
}

// Hit is one finding under one rule: a finding matched by several rules
// gives one Hit per rule.
type Hit struct {
	Category string
	Rule     string
	Kind     moderation.Kind
	// Start and End are rune offsets into the evaluated text, End exclusive.
	Start, End int
	// Masked is the evidence with personal data masked (see Mask).
	Masked   string
	Severity Severity
	Action   Action
	Shadow   bool
	// List is "category/name" of the word list of a keyword hit.
	List string
	// Form says how the text matched (exact, folded, pinyin, initials,
	// homophone …; detector hits report detector unless package moderation
	// says more).
	Form moderation.Form
	// Confidence is how sure the hit is, 1–100: the finding's own
	// confidence, lowered by a context rule that applies (see Context).
	Confidence uint8
	// Context names the context rule that lowered Confidence
	// ("prohibition" …), or is empty.
	Context string
	// Held is true when the hit is reported but not enforced because its
	// Confidence is below the rule's MinConfidence or its Form is not one
	// of the rule's Forms; Shadow is then true as well.
	Held bool
	// Explanation says in words why the rule fired; it is filled in only
	// when Context.Explain asks for it (it costs an allocation a hit).
	Explanation string
	// Data says which record set and column, or which document, a
	// customer_record or document hit matched; nil for other hits.
	Data *DataMatch
	// word is the listed word of a hit of a together list (together.go),
	// which the threshold counts; empty for other hits.
	word string
}

// Engine evaluates messages against a compiled RuleSet. It is safe for
// concurrent use; build a new one when the policy changes and swap it in.
type Engine struct {
	rs       *RuleSet
	scanner  *moderation.Scanner
	rules    []compiledRule
	keywords [][]ruleRef // by keyword Tag: the rules its word falls under
	words    []string    // by keyword Tag: the word as listed
	lists    []string    // "category/name" by list index
	allow    [][]int32   // by scoped-allow Tag: the rules whose allow phrase it is
	byKind   [16][]int32 // detector kind → rules naming it
	regexes  []int32     // rules with regexes
	prec     *precision  // nil when no word is listed
	pool     sync.Pool   // *scratch
	layer    *layer      // an edit layered over a base (overlay.go); nil when compiled in full
	together []uint8     // by list index: List.Together (together.go); nil when no list has one
}

type compiledRule struct {
	*Rule
	kinds    chatKindSet
	severity Severity // for detector and regex hits
	forms    uint32   // bit set of the enforced forms; 0: every form
}

// enforces reports whether the rule acts on a hit of form f with
// confidence conf.
func (r *compiledRule) enforces(f moderation.Form, conf uint8) bool {
	if conf < r.MinConfidence {
		return false
	}
	return r.forms == 0 || r.forms&(1<<f) != 0
}

// ruleRef is one rule a keyword falls under, with what the hit reports.
type ruleRef struct {
	rule     int32
	list     int32
	category string
	severity Severity
}

// candidate is a hit before masking and explanation.
type candidate struct {
	rule       int32
	list       int32 // -1 unless a keyword hit
	kind       moderation.Kind
	start, end int
	category   string
	severity   Severity
	form       moderation.Form
	confidence uint8
	context    int8  // index into contextRules, or -1
	data       int32 // 1 + index into scratch.data, or 0
	// bs, be are the span's byte offsets when known (be > bs: keyword
	// hits, whose precision pass needed them), so that the evidence is
	// cut without counting runes again.
	bs, be int32
	tag    int32 // the keyword's Tag (e.words), for keyword hits
}

type scratch struct {
	findings []moderation.Finding
	cands    []candidate
	data     []DataMatch
}

// Compile builds an Engine for rs: one moderation.Scanner for every word
// list, global and per-rule allow phrase, and the detectors the rules name.
func Compile(rs *RuleSet) (*Engine, error) {
	if rs == nil {
		return nil, fmt.Errorf("compile rules: nil rule set")
	}
	e := &Engine{rs: rs, rules: make([]compiledRule, len(rs.Rules))}
	var detectors []moderation.Kind
	for i := range rs.Rules {
		r := &rs.Rules[i]
		cr := compiledRule{Rule: r, kinds: allChatKinds, severity: r.Severity}
		if len(r.ChatKinds) > 0 {
			cr.kinds = 0
			for _, k := range r.ChatKinds {
				cr.kinds |= 1 << k
			}
		}
		if cr.severity == SeverityNone {
			cr.severity = SeverityMedium
			if ci := slices.IndexFunc(rs.Categories, func(c Category) bool { return c.Name == r.Category }); ci >= 0 {
				cr.severity = rs.Categories[ci].Severity
			}
		}
		for _, f := range r.Forms {
			cr.forms |= 1 << f
		}
		e.rules[i] = cr
		for _, k := range r.Detectors {
			if int(k) >= len(e.byKind) {
				return nil, fmt.Errorf("compile rules: rule %q: detector kind %d out of range", r.ID, k)
			}
			if !slices.Contains(e.byKind[k], int32(i)) {
				e.byKind[k] = append(e.byKind[k], int32(i))
			}
			detectors = append(detectors, dataDetectors(k)...)
		}
		if len(r.Regexps) > 0 {
			e.regexes = append(e.regexes, int32(i))
		}
	}

	// One entry per distinct word; its Tag indexes e.keywords.
	var entries []moderation.Entry
	tags := map[string]int32{}
	// asWritten: some list holds the word as an ordinary entry, so it is
	// not split-only although a split-only list holds it too.
	var asWritten []bool
	for ci := range rs.Categories {
		c := &rs.Categories[ci]
		for li := range c.Lists {
			list := &c.Lists[li]
			listName := c.Name + "/" + list.Name
			listIdx := int32(len(e.lists))
			e.lists = append(e.lists, listName)
			var refs []ruleRef
			for ri, r := range rs.Rules {
				if slices.Contains(r.Categories, c.Name) || slices.Contains(r.Lists, listName) {
					sev := r.Severity
					if sev == SeverityNone {
						sev = c.Severity
					}
					refs = append(refs, ruleRef{rule: int32(ri), list: listIdx, category: c.Name, severity: sev})
				}
			}
			for _, w := range list.Words {
				tag, ok := tags[w.Text]
				if !ok {
					tag = int32(len(entries))
					tags[w.Text] = tag
					entries = append(entries, moderation.Entry{Word: w.Text, Tag: tag})
					e.keywords = append(e.keywords, nil)
					e.words = append(e.words, w.Text)
					asWritten = append(asWritten, false)
				}
				asWritten[tag] = asWritten[tag] || !list.SplitOnly
				entries[tag].SplitOnly = !asWritten[tag]
				entries[tag].Pinyin = entries[tag].Pinyin || list.Pinyin
				entries[tag].Initials = entries[tag].Initials || list.Initials
				entries[tag].Homophones = entries[tag].Homophones || list.Homophones
				entries[tag].Split = entries[tag].Split || list.Split
				for _, ref := range refs {
					if w.Severity != SeverityNone {
						ref.severity = w.Severity
					}
					// One hit per rule: the first list a rule meets the word
					// in names the hit, the highest severity given counts.
					k := slices.IndexFunc(e.keywords[tag], func(x ruleRef) bool { return x.rule == ref.rule })
					if k < 0 {
						e.keywords[tag] = append(e.keywords[tag], ref)
					} else {
						e.keywords[tag][k].severity = max(e.keywords[tag][k].severity, ref.severity)
					}
				}
			}
		}
	}

	e.together = togetherOf(rs)

	var scoped []moderation.Entry
	allowTags := map[string]int32{}
	for ri, r := range rs.Rules {
		for _, a := range r.Allow {
			tag, ok := allowTags[a]
			if !ok {
				tag = int32(len(scoped))
				allowTags[a] = tag
				scoped = append(scoped, moderation.Entry{Word: a, Tag: tag})
				e.allow = append(e.allow, nil)
			}
			if !slices.Contains(e.allow[tag], int32(ri)) {
				e.allow[tag] = append(e.allow[tag], int32(ri))
			}
		}
	}
	global := make([]string, len(rs.Allow))
	for i, w := range rs.Allow {
		global[i] = w.Text
	}

	sc, err := moderation.Compile(entries, moderation.Options{
		Allow:           global,
		ScopedAllow:     scoped,
		Detectors:       moderation.Detectors(detectors...),
		URLAllowDomains: rs.Company.URLAllowDomains,
	})
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	e.scanner = sc
	if len(entries) > 0 {
		if e.prec, err = newPrecision(); err != nil {
			return nil, fmt.Errorf("compile rules: %w", err)
		}
	}
	e.pool.New = func() any {
		return &scratch{findings: make([]moderation.Finding, 0, 32), cands: make([]candidate, 0, 16)}
	}
	return e, nil
}

// RuleSet returns the rule set e was compiled from.
func (e *Engine) RuleSet() *RuleSet { return e.rs }

// Words returns how many distinct words e matches.
func (e *Engine) Words() int {
	if e.layer != nil {
		return e.layer.words
	}
	return len(e.keywords)
}

// applies reports whether rule ri is in force for mc.
func (e *Engine) applies(ri int32, mc Context) bool {
	r := &e.rules[ri]
	if !r.kinds.has(mc.ChatKind) {
		return false
	}
	if mc.Time.IsZero() || len(r.Windows) == 0 {
		return true
	}
	for _, w := range r.Windows {
		if w.Contains(mc.Time) {
			return true
		}
	}
	return false
}

// Evaluate checks text in context mc. A message without hits costs no
// allocations: buffers come from a pool and the zero Verdict is returned.
func (e *Engine) Evaluate(text string, mc Context) Verdict {
	if e.layer != nil {
		return e.layer.evaluate(text, mc)
	}
	pre := e.scanner.Prepare(text)
	if pre.Clean() && len(e.regexes) == 0 && (mc.Data == nil || !cleanNeedsData(mc.Data, text)) {
		return Verdict{} // the clean path: no finding, no regex, no employee data to look for
	}
	sc := e.pool.Get().(*scratch)
	defer e.putScratch(sc)
	sc.findings = e.scanner.ScanPrepared(text, pre, sc.findings[:0])
	cands := sc.cands[:0]
	for _, f := range sc.findings {
		switch f.Kind {
		case moderation.KindAllow:
		case moderation.KindKeyword:
			if f.Tag < 0 || int(f.Tag) >= len(e.keywords) {
				continue
			}
			refs := e.keywords[f.Tag]
			if !slices.ContainsFunc(refs, func(ref ruleRef) bool { return e.applies(ref.rule, mc) }) {
				continue
			}
			// Judged once per finding, and only for findings a rule takes:
			// the clean path never gets here.
			bs, be := byteOffsets(text, f.Start, f.End)
			if e.prec != nil && e.prec.inOrdinaryWords(text, f.Start, f.End, bs, be) {
				continue
			}
			if e.prec != nil && (f.Form == moderation.FormHomophone || f.Form == moderation.FormSplit) &&
				e.prec.ordinaryLookalike(text, bs, be, e.words[f.Tag]) {
				continue
			}
			conf, ctx := f.Rated(), int8(-1)
			if i := applyContext(text, bs, be, e.words[f.Tag]); i >= 0 {
				ctx, conf = int8(i), min(conf, contextRules[i].Confidence)
			}
			for _, ref := range refs {
				if e.applies(ref.rule, mc) {
					cands = append(cands, candidate{rule: ref.rule, list: ref.list, kind: f.Kind, start: f.Start, end: f.End,
						category: ref.category, severity: ref.severity, form: f.Form, confidence: conf, context: ctx,
						bs: int32(bs), be: int32(be), tag: f.Tag})
				}
			}
		default:
			if int(f.Kind) >= len(e.byKind) {
				continue
			}
			form := f.Form
			if form == moderation.FormExact {
				form = moderation.FormDetector
			}
			conf, ctx, judged := f.Rated(), int8(-1), false
			for _, ri := range e.byKind[f.Kind] {
				if e.applies(ri, mc) {
					if f.Kind == moderation.KindWeChatID && !judged {
						// A solicitation quoted in a warning (不要轻信"加V领取红包")
						// or someone else's (骗子让我加vx): judged once, and only
						// when a rule takes it.
						judged = true
						bs, be := byteOffsets(text, f.Start, f.End)
						if i := detectorContext(text, bs, be); i >= 0 {
							ctx, conf = int8(i), min(conf, contextRules[i].Confidence)
						}
					}
					r := &e.rules[ri]
					cands = append(cands, candidate{rule: ri, list: -1, kind: f.Kind, start: f.Start, end: f.End,
						category: r.Category, severity: r.severity, form: form, confidence: conf, context: ctx})
				}
			}
		}
	}
	if mc.Data != nil {
		cands = e.matchData(text, mc, sc, cands)
	}
	for _, ri := range e.regexes {
		if e.applies(ri, mc) {
			cands = e.matchRegexps(cands, ri, text)
		}
	}
	cands = e.dropAllowed(cands, sc.findings)
	sc.cands = cands
	if len(cands) == 0 {
		return Verdict{}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.rule != b.rule {
			return int(a.rule - b.rule)
		}
		return a.end - b.end
	})
	cands = dedupSpans(cands)
	v := Verdict{Hits: make([]Hit, len(cands))}
	for i, c := range cands {
		r := &e.rules[c.rule]
		h := Hit{
			Category:   c.category,
			Rule:       r.ID,
			Kind:       c.kind,
			Start:      c.start,
			End:        c.end,
			Masked:     Mask(c.kind, c.evidence(text)),
			Severity:   c.severity,
			Action:     r.Action,
			Shadow:     r.Shadow,
			Form:       c.form,
			Confidence: c.confidence,
		}
		if c.list >= 0 {
			h.List = e.lists[c.list]
			if int(c.list) < len(e.together) && e.together[c.list] > 0 {
				h.word = e.words[c.tag]
			}
		}
		if c.context >= 0 {
			h.Context = contextRules[c.context].Name
		}
		if c.data > 0 {
			dataHit(&h, c, sc)
		}
		if !r.enforces(c.form, c.confidence) {
			h.Held, h.Shadow = true, true
		}
		if mc.Explain {
			h.Explanation = explain(&h, mc)
		}
		v.Hits[i] = h
		if !h.Shadow {
			v.Action = max(v.Action, h.Action)
			v.Severity = max(v.Severity, h.Severity)
		}
	}
	if e.together != nil && !mc.apart {
		v = e.keepTogether(v)
	}
	return v
}

// dedupSpans keeps one keyword candidate per rule and span, the most
// confident: 傻逼 is both the listed 傻逼 and a homophone of the listed
// 煞笔, which is one hit, not two. cands are sorted by start, rule, end.
func dedupSpans(cands []candidate) []candidate {
	out := cands[:0]
	for _, c := range cands {
		if n := len(out); n > 0 && c.kind == moderation.KindKeyword && out[n-1].kind == moderation.KindKeyword &&
			out[n-1].start == c.start && out[n-1].end == c.end && out[n-1].rule == c.rule {
			if c.confidence > out[n-1].confidence {
				out[n-1] = c
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// maxPooledFindings bounds the buffers kept for reuse, so one huge message
// does not pin its buffers for the life of the Engine.
const maxPooledFindings = 4096

func (e *Engine) putScratch(sc *scratch) {
	if cap(sc.findings) > maxPooledFindings || cap(sc.cands) > maxPooledFindings {
		return
	}
	e.pool.Put(sc)
}

// matchRegexps appends the matches of rule ri's regexes, as rune offsets.
func (e *Engine) matchRegexps(cands []candidate, ri int32, text string) []candidate {
	r := &e.rules[ri]
	for _, re := range r.Regexps {
		byteOff, runeOff := 0, 0
		for byteOff <= len(text) {
			loc := re.FindStringIndex(text[byteOff:])
			if loc == nil {
				break
			}
			start := runeOff + utf8.RuneCountInString(text[byteOff:byteOff+loc[0]])
			end := start + utf8.RuneCountInString(text[byteOff+loc[0]:byteOff+loc[1]])
			if loc[1] > loc[0] {
				cands = append(cands, candidate{rule: ri, list: -1, kind: moderation.KindRegex, start: start, end: end,
					category: r.Category, severity: r.severity, form: moderation.FormExact, confidence: 100, context: -1})
			}
			next := byteOff + loc[1]
			if loc[1] == loc[0] {
				// Step over one character after an empty match.
				_, size := utf8.DecodeRuneInString(text[next:])
				next += max(size, 1)
			}
			runeOff = start + (end - start)
			if loc[1] == loc[0] {
				runeOff++
			}
			byteOff = next
		}
	}
	return cands
}

// dropAllowed removes candidates that lie inside one of their rule's own
// allow phrases.
func (e *Engine) dropAllowed(cands []candidate, findings []moderation.Finding) []candidate {
	if len(e.allow) == 0 || len(cands) == 0 {
		return cands
	}
	out := cands[:0]
	for _, c := range cands {
		allowed := false
		for _, f := range findings {
			if f.Kind != moderation.KindAllow || f.Start > c.start || f.End < c.end ||
				f.Tag < 0 || int(f.Tag) >= len(e.allow) {
				continue
			}
			if slices.Contains(e.allow[f.Tag], c.rule) {
				allowed = true
				break
			}
		}
		if !allowed {
			out = append(out, c)
		}
	}
	return out
}

// runeSlice returns text[start:end] in rune offsets, clamped to the text.
// evidence is the text of the candidate's span.
func (c *candidate) evidence(text string) string {
	if c.be > c.bs && int(c.be) <= len(text) {
		return text[c.bs:c.be]
	}
	return runeSlice(text, c.start, c.end)
}

func runeSlice(text string, start, end int) string {
	if start < 0 {
		start = 0
	}
	if end <= start {
		return ""
	}
	bs, be := runeByteOffsets(text, start, end)
	if bs > be {
		return ""
	}
	return text[bs:be]
}

// explain builds the Hit's explanation without fmt: it runs for every hit
// on the hot path.
func explain(h *Hit, mc Context) string {
	buf := make([]byte, 0, 160)
	buf = append(buf, "rule "...)
	buf = strconv.AppendQuote(buf, h.Rule)
	buf = append(buf, ": "...)
	buf = append(buf, h.Kind.String()...)
	buf = append(buf, ' ')
	buf = strconv.AppendQuote(buf, h.Masked)
	if h.List != "" {
		buf = append(buf, " from list "...)
		buf = append(buf, h.List...)
	} else {
		buf = append(buf, " (category "...)
		buf = append(buf, h.Category...)
		buf = append(buf, ')')
	}
	buf = append(buf, " in a "...)
	buf = append(buf, mc.ChatKind.String()...)
	buf = append(buf, " chat, severity "...)
	buf = append(buf, h.Severity.String()...)
	buf = append(buf, ", action "...)
	buf = append(buf, h.Action.String()...)
	buf = append(buf, ", form "...)
	buf = append(buf, h.Form.String()...)
	buf = append(buf, ", confidence "...)
	buf = strconv.AppendUint(buf, uint64(h.Confidence), 10)
	buf = append(buf, '%')
	if h.Context != "" {
		buf = append(buf, " (context rule "...)
		buf = append(buf, h.Context...)
		buf = append(buf, ')')
	}
	switch {
	case h.Held:
		buf = append(buf, " (held: confidence or form below what the rule enforces; reported, not enforced)"...)
	case h.Shadow:
		buf = append(buf, " (shadow: reported, not enforced)"...)
	}
	return string(buf)
}
