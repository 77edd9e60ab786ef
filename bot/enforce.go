package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// enforced is what enforce did with a violating message.
type enforced struct {
	seen   bool          // processed before: nothing was done
	plan   *store.Record // processed before, its mark a plan to complete
	marked bool          // recorded with its (plan) mark: no MarkSeen
}

// enforce counts a violating message, climbs the ladder and records what
// it decided, unless the message was processed before. A record stored
// without a mark (a try cut short on a cluster, store/plan.go) keeps its
// decision: the retry queues and records what that try decided, not what
// the policy in force now decides.
func (p *Pipeline) enforce(ctx context.Context, m Message, rs *rules.RuleSet, cats []categoryHits, res *Result) (enforced, error) {
	l := rs.Ladder
	names := make([]string, len(cats))
	labels := make([]string, len(cats))
	for i, c := range cats {
		names[i], labels[i] = c.name, labelOf(rs, c.name)
	}
	tally, err := p.cfg.Store.TallyViolation(ctx, m.ID, m.From, names, m.Time, []time.Duration{l.ShortWindow, l.LongWindow}, p.cfg.DedupTTL)
	if err != nil {
		return enforced{}, err
	}
	if tally.Seen {
		return enforced{seen: true, plan: tally.Plan}, nil
	}
	var step Step
	var inShort, inLong int64
	for i, c := range cats {
		counts := tally.Counts[i]
		step = merge(step, Decide(l, c.severity, c.action, counts[0], counts[1]))
		inShort, inLong = max(inShort, counts[0]), max(inLong, counts[1])
	}
	stored := tally.Stored
	if stored != nil && stored.Decided == nil {
		stored = nil // stored by a release that did not record its decision
	}
	if stored != nil {
		d := stored.Decided
		step = Step{Warn: d.Warn, AlertOwner: d.AlertOwner, EscalateHR: d.EscalateHR, Critical: d.Critical,
			Sanction: stored.Sanction, Action: stored.Action, Reason: d.Reason}
	}
	res.Step = step

	v := store.Violation{
		ID: m.ID, Time: m.Time, From: m.From, ChatID: m.ChatID, ChatKind: m.ChatKind.String(),
		Source: string(m.Source), Severity: res.Verdict.Severity.String(), Action: step.Action,
		Sanction: step.Sanction,
		Decided: &store.Decided{Warn: step.Warn, AlertOwner: step.AlertOwner, EscalateHR: step.EscalateHR,
			Critical: step.Critical, Reason: step.Reason},
	}
	for _, h := range res.Verdict.Hits {
		if h.Shadow {
			continue
		}
		v.Hits = append(v.Hits, store.VHit{Category: h.Category, Rule: h.Rule, Kind: h.Kind.String(),
			Severity: h.Severity.String(), Masked: h.Masked, Start: h.Start, End: h.End})
	}
	if stored != nil {
		// What the record says, the actions say too.
		v.Severity, v.Hits, v.CaseID = stored.Severity, stored.Hits, stored.CaseID
		names, labels = names[:0], labels[:0]
		for _, h := range v.Hits {
			if !slices.Contains(names, h.Category) {
				names, labels = append(names, h.Category), append(labels, labelOf(rs, h.Category))
			}
		}
	}
	var evidence []string
	for _, h := range v.Hits {
		if !slices.Contains(evidence, h.Masked) && len(evidence) < maxEvidence {
			evidence = append(evidence, h.Masked)
		}
	}
	if p.cfg.KeepRaw {
		v.Raw = m.Text
	}
	rec := store.Record{Retention: p.cfg.Retention, Now: p.cfg.Now()}
	if tally.PlanMarks {
		rec.DedupTTL = p.cfg.DedupTTL
	}
	if step.EscalateHR {
		if v.CaseID == "" {
			v.CaseID = store.CaseIDFor(m.ID, m.Time)
		}
		rec.Case = &store.Case{
			ID: v.CaseID, Opened: m.Time, User: m.From, Category: cats[0].name, Severity: v.Severity,
			Suggested: step.Sanction, Reason: step.Reason, Violations: []string{m.ID},
		}
	}
	rec.Violation = v

	base := Action{
		MsgID: m.ID, From: m.From, ChatID: m.ChatID, ChatKind: m.ChatKind.String(), Time: m.Time,
		Categories: names, Labels: labels, Severity: v.Severity, Evidence: evidence, InShort: inShort, InLong: inLong,
		Sanction: step.Sanction, CaseID: v.CaseID, Critical: step.Critical,
		ShortWindow: windowLabel(l.ShortWindow), LongWindow: windowLabel(l.LongWindow),
	}
	var acts []Action
	if step.Warn {
		if m.Source == SourceApp {
			w := base.as(ActWarnSender)
			w.Link = p.cfg.Links.Record(w.ref())
			res.Reply = WarningText(w)
		} else {
			acts = append(acts, base.as(ActWarnSender))
		}
	}
	if step.AlertOwner {
		acts = append(acts, base.as(ActAlertOwner))
		if m.ChatID != "" && p.cfg.GroupNotices[m.ChatID] {
			acts = append(acts, base.as(ActGroupNotice))
		}
	}
	if step.EscalateHR {
		acts = append(acts, base.as(ActEscalateHR))
	}
	for _, a := range acts {
		payload, err := json.Marshal(a)
		if err != nil {
			return enforced{}, fmt.Errorf("encode action %s: %w", a.Key, err)
		}
		rec.Actions = append(rec.Actions, store.Action{Key: a.Key, Payload: payload})
	}
	return enforced{marked: rec.DedupTTL > 0}, p.cfg.Store.RecordViolation(ctx, rec)
}

// maxEvidence bounds the masked excerpts an action carries: a message
// pasting hundreds of phone numbers must still give alerts that fit in one
// WeCom message (the record keeps every hit).
const maxEvidence = 10

func (a Action) as(kind ActionKind) Action {
	a.Kind = kind
	a.Key = a.MsgID + "/" + string(kind)
	return a
}

func merge(a, b Step) Step {
	a.Warn = a.Warn || b.Warn
	a.AlertOwner = a.AlertOwner || b.AlertOwner
	a.EscalateHR = a.EscalateHR || b.EscalateHR
	a.Critical = a.Critical || b.Critical
	if rank(b.Sanction) > rank(a.Sanction) {
		a.Sanction = b.Sanction
	}
	if actionRank(b.Action) > actionRank(a.Action) {
		a.Action, a.Reason = b.Action, b.Reason
	}
	return a
}

func actionRank(a string) int {
	return slices.Index([]string{"", "log", "warn", "alert_owner", "escalate_hr"}, a)
}
