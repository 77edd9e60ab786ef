package rules

import "github.com/wecom-guard/wecom-guard/moderation"

// DataMatcher knows the company's own data: its customer records (exact
// data matching) and fingerprints of its confidential documents (package
// dlp builds one from Redis). The engine asks it only about detector
// findings and, for documents, only about messages of at least MinSpan
// bytes or that it says may hold MinSpan characters all the same
// (CleanTextChecker): a message without a finding and shorter than the
// minimum span costs an interface call and a scan of its bytes.
type DataMatcher interface {
	// Record reports the customer record a detector finding of kind k
	// (phone, id_card, bank_card, email) whose text is evidence belongs to.
	Record(k moderation.Kind, evidence string) (DataMatch, bool)
	// Tokens appends the values of token columns (customer numbers,
	// contract numbers: columns no detector finds) that text holds.
	Tokens(text string, dst []DataMatch) []DataMatch
	// MinSpan is the fewest characters a message needs before it is
	// fingerprinted (0: no documents are protected).
	MinSpan() int
	// Documents appends the protected documents text reproduces.
	Documents(text string, dst []DataMatch) []DataMatch
}

// CleanTextChecker is implemented by a DataMatcher that can tell the
// engine a message without detector findings needs no lookup at all: no
// token column and no document it could reproduce (under the minimum
// span). The engine then keeps to its clean path (no buffers, no scan) for
// such messages, as it does without a DataMatcher.
type CleanTextChecker interface {
	// CleanTextMatches reports whether text, without detector findings,
	// could still match: Tokens or Documents could find something.
	CleanTextMatches(text string) bool
	// MayReachMinSpan reports whether text may hold MinSpan normalized
	// characters. A byte count is no bound on them (㌖ is three bytes and
	// folds to six letters): the engine asks it of a message with fewer
	// bytes than MinSpan before leaving Documents out.
	MayReachMinSpan(text string) bool
}

// cleanNeedsData reports whether a message without findings must still be
// given to d.
func cleanNeedsData(d DataMatcher, text string) bool {
	if c, ok := d.(CleanTextChecker); ok {
		return c.CleanTextMatches(text)
	}
	return true
}

// mayReachMinSpan reports whether a message of fewer bytes than d's
// MinSpan must still be given to d.Documents.
func mayReachMinSpan(d DataMatcher, text string) bool {
	c, ok := d.(CleanTextChecker)
	return ok && c.MayReachMinSpan(text)
}

// DataMatch is one match of the company's own data in a message.
type DataMatch struct {
	// Kind is moderation.KindCustomerRecord or moderation.KindDocument.
	Kind moderation.Kind
	// Start and End are rune offsets into the text, End exclusive.
	Start, End int
	// Set names the record set, or the document.
	Set string
	// Column is the record set's column the value is in ("手机"), or the
	// document's category.
	Column string
	// Shared is how many normalized characters of the document the text
	// reproduces, and Paragraph (1-based) where in the document they start.
	Shared, Paragraph int
	// Masked is the evidence fit to show (138****5678, 《…》第 3 段起 212 字).
	Masked string
}

// dataDetectors returns the detectors a rule naming kind k needs: a
// customer_record rule needs the detectors whose findings it looks up.
func dataDetectors(k moderation.Kind) []moderation.Kind {
	if k == moderation.KindCustomerRecord {
		return []moderation.Kind{k, moderation.KindPhone, moderation.KindIDCard, moderation.KindBankCard, moderation.KindEmail}
	}
	return []moderation.Kind{k}
}

// matchData appends the candidates of the rules naming customer_record or
// document for what mc.Data finds: detector findings whose value is a
// customer's, token values, and reproduced documents. It is the engine's
// only contact with package dlp.
func (e *Engine) matchData(text string, mc Context, sc *scratch, cands []candidate) []candidate {
	sc.data = sc.data[:0]
	d := mc.Data
	recRules, docRules := e.byKind[moderation.KindCustomerRecord], e.byKind[moderation.KindDocument]
	if len(recRules) > 0 {
		for _, f := range sc.findings {
			switch f.Kind {
			case moderation.KindPhone, moderation.KindIDCard, moderation.KindBankCard, moderation.KindEmail:
			default:
				continue
			}
			evidence := runeSlice(text, f.Start, f.End)
			m, ok := d.Record(f.Kind, evidence)
			if !ok {
				continue
			}
			m.Kind, m.Start, m.End = moderation.KindCustomerRecord, f.Start, f.End
			if m.Masked == "" {
				m.Masked = Mask(f.Kind, evidence)
			}
			sc.data = append(sc.data, m)
		}
		sc.data = d.Tokens(text, sc.data)
	}
	if len(docRules) > 0 {
		if n := d.MinSpan(); n > 0 && (len(text) >= n || mayReachMinSpan(d, text)) {
			sc.data = d.Documents(text, sc.data)
		}
	}
	for i, m := range sc.data {
		for _, ri := range e.byKind[m.Kind] {
			if e.applies(ri, mc) {
				r := &e.rules[ri]
				cands = append(cands, candidate{rule: ri, list: -1, kind: m.Kind, start: m.Start, end: m.End,
					category: r.Category, severity: r.severity, form: moderation.FormDetector, confidence: 100,
					context: -1, data: int32(i) + 1})
			}
		}
	}
	return cands
}

// dataHit fills in h from the data match of candidate c.
func dataHit(h *Hit, c candidate, sc *scratch) {
	m := sc.data[c.data-1]
	h.Masked = m.Masked
	h.Data = &m
}
