// Package bot is wecom-guard's orchestration: the pipeline that takes a
// Message from a callback or the chat archive, deduplicates it, has it
// checked against the policy, climbs the escalation ladder on Redis counters
// and queues what must be sent in the durable outbox; and the sender that
// delivers the outbox to WeCom.
package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// DefaultDedupTTL keeps a processed message's mark for two days: WeCom
// retries within seconds, but an archive re-pull may come a day later.
const DefaultDedupTTL = 48 * time.Hour

// DefaultRetention is how long violation records are kept.
const DefaultRetention = 180 * 24 * time.Hour

// Store is what the pipeline keeps in Redis (bot/store).
type Store interface {
	Seen(ctx context.Context, id string) (bool, error)
	MarkSeen(ctx context.Context, id string, ttl time.Duration) (first bool, err error)
	// SeenPlan and MarkSeenPlan are Seen and MarkSeen that also return
	// the plan a mark carries (a violating message maybe stored in part,
	// store/plan.go), for the pipeline to complete.
	SeenPlan(ctx context.Context, id string) (seen bool, plan *store.Record, err error)
	MarkSeenPlan(ctx context.Context, id string, ttl time.Duration) (first bool, plan *store.Record, err error)
	CountViolation(ctx context.Context, user, category, eventID string, now time.Time, windows []time.Duration) ([]int64, error)
	SaveViolation(ctx context.Context, v store.Violation, retention time.Duration) error
	OpenCase(ctx context.Context, c store.Case) (bool, error)
	Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (bool, error)
	// IndexUserViolation lists a violation under its sender, for the
	// intelligent bot's 我的记录.
	IndexUserViolation(ctx context.Context, v store.Violation, retention time.Duration) error
	Violation(ctx context.Context, id string) (store.Violation, bool, error)
	// TallyViolation and RecordViolation are a violating message's first
	// two round trips (the dedup check and counting; everything stored),
	// MarkSeen its third unless plan marks are on (store/plan.go).
	TallyViolation(ctx context.Context, msgID, user string, categories []string, now time.Time, windows []time.Duration, keep time.Duration) (store.Tally, error)
	RecordViolation(ctx context.Context, r store.Record) error
	RecallStore
	DirectoryStore
}

// Checker evaluates a message against the policy (rules.Engine); its rule
// set also carries the escalation ladder and the categories' labels.
type Checker interface {
	Evaluate(text string, mc rules.Context) rules.Verdict
	RuleSet() *rules.RuleSet
}

// Config holds the pipeline's dependencies and policy settings.
type Config struct {
	Store Store
	// Checker returns the engine in force; it is called per message so a
	// policy reload takes effect at once.
	Checker func() Checker
	// Data, when set, returns the customer records and protected documents
	// in force (Data.Matcher); rules naming customer_record or document
	// act on them.
	Data func() rules.DataMatcher
	// DedupTTL is how long a processed message is remembered
	// (DefaultDedupTTL); at most store.OutboxKeyTTL, so that a violating
	// message's plan mark never outlives its actions' enqueue marks.
	DedupTTL time.Duration
	// Retention of violation records (DefaultRetention); KeepRaw also keeps
	// the message text in the record, for the same time.
	Retention time.Duration
	KeepRaw   bool
	// GroupNotices names the chats with a group robot for public
	// criticism: violations that reach the owner are also criticised there
	// (masked). The robots' keys are the sender's (SenderConfig.Robots), so
	// no key is ever stored with a queued action.
	GroupNotices map[string]bool
	// ArchiveNotify, when set, is called once for each msgaudit_notify
	// event (new chat-archive data is ready): count it, start a pull.
	ArchiveNotify func(ctx context.Context) error
	// Images is how the QR codes of images are checked (image.go).
	Images ImageConfig
	// Links, with the console's public address, gives the warnings
	// answered as passive replies (messages to the app) the link to the
	// employee's own record, as the sender gives the queued ones.
	Links ConsoleLinks
	Now   func() time.Time
}

// Pipeline turns a received message into a decision and its consequences.
type Pipeline struct {
	cfg  Config
	seen *groupsSeen // nil when the store keeps no groups seen
}

// Result is what the pipeline decided for one message.
type Result struct {
	// Duplicate is true when the message was processed before (a WeCom
	// retry or a replayed callback); nothing else was done.
	Duplicate bool
	// Verdict is what the policy said (zero for duplicates and non-text).
	Verdict rules.Verdict
	// Step is what the ladder decided (zero when nothing was violated).
	Step Step
	// Reply, when not empty, is a text to send back to the sender as the
	// callback's passive reply.
	Reply string
}

// New returns a pipeline.
func New(cfg Config) (*Pipeline, error) {
	if cfg.Store == nil || cfg.Checker == nil {
		return nil, fmt.Errorf("new pipeline: Store and Checker are required: %w", ErrInvalid)
	}
	if cfg.DedupTTL == 0 {
		cfg.DedupTTL = DefaultDedupTTL
	}
	if cfg.DedupTTL > store.OutboxKeyTTL {
		return nil, fmt.Errorf("new pipeline: DedupTTL %v is longer than the outbox's enqueue marks (%v): a message completed after they expired would queue its warnings and alerts again; set it to %v or less: %w",
			cfg.DedupTTL, store.OutboxKeyTTL, store.OutboxKeyTTL, ErrInvalid)
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Pipeline{cfg: cfg}
	if gs, ok := cfg.Store.(GroupsSeenStore); ok {
		p.seen = newGroupsSeen(gs, cfg.Now)
	}
	return p, nil
}

// HandleCallback processes one message or event received on the app
// callback. It returns ErrUnavailable (wrapped) when the message could not
// be processed durably, so the caller answers with an error and WeCom retries.
func (p *Pipeline) HandleCallback(ctx context.Context, m *wecom.Message) (Result, error) {
	if m.IsEvent() && m.Event == wecom.EventMsgAuditNotify && p.cfg.ArchiveNotify != nil {
		// Marked after the hook ran, so a failed hook is retried by WeCom.
		id := m.DedupKey()
		seen, err := p.cfg.Store.Seen(ctx, id)
		if err != nil {
			return Result{}, fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)
		}
		if seen {
			return Result{Duplicate: true}, nil
		}
		if err := p.cfg.ArchiveNotify(ctx); err != nil {
			return Result{}, fmt.Errorf("archive notify: %w: %w", ErrUnavailable, err)
		}
		return p.markOnly(ctx, id)
	}
	if m.IsEvent() {
		return p.HandleDirectoryEvent(ctx, m)
	}
	if m.MsgType == wecom.MsgTypeImage && m.MediaID != "" && p.cfg.Images.Media != nil {
		return p.handleAppImage(ctx, m)
	}
	msg, ok := messageFromCallback(m)
	if !ok {
		// Media without text: deduplicated and acknowledged.
		return p.markOnly(ctx, m.DedupKey())
	}
	return p.Process(ctx, msg)
}

func (p *Pipeline) markOnly(ctx context.Context, id string) (Result, error) {
	first, err := p.cfg.Store.MarkSeen(ctx, id, p.cfg.DedupTTL)
	if err != nil {
		return Result{}, fmt.Errorf("dedup %s: %w: %w", id, ErrUnavailable, err)
	}
	return Result{Duplicate: !first}, nil
}

// Process checks one message and records and queues its consequences.
//
// Every effect is idempotent by the message id (counters add the id once,
// records and cases are keyed by it, outbox actions carry it in their key),
// and the dedup mark is set only after all of them: a replica that dies
// half-way leaves the message to WeCom's retry, which completes it without
// counting anything twice.
//
// Most messages break no rule: for them there is nothing to do but the
// mark, so the check runs first (it is pure and takes microseconds) and a
// clean message costs one Redis round trip. A violating one costs three,
// whatever its categories and actions (bot/store/record.go): the dedup
// check with the counting, everything stored, the mark — two with plan
// marks on, where the mark, carrying the decided record, is stored with
// it (store/plan.go). A message whose mark is a plan is completed from it,
// whatever it is decided now.
func (p *Pipeline) Process(ctx context.Context, m Message) (Result, error) {
	if m.Time.IsZero() {
		m.Time = p.cfg.Now()
	}
	checker := p.cfg.Checker() // one rule set for the whole message
	res := Result{Verdict: checker.Evaluate(m.Text, rules.Context{ChatKind: m.ChatKind, Time: m.Time, Data: p.data()})}
	cats := foldCategories(res.Verdict)
	if res.Verdict.Action == rules.ActionNone || len(cats) == 0 {
		first, plan, err := p.cfg.Store.MarkSeenPlan(ctx, m.ID, p.cfg.DedupTTL)
		if err != nil {
			return Result{}, fmt.Errorf("dedup %s: %w: %w", m.ID, ErrUnavailable, err)
		}
		if plan != nil {
			return p.completePlan(ctx, m, plan)
		}
		if !first {
			return Result{Duplicate: true}, nil
		}
		p.seen.note(m.ChatID, m.ChatKind.String(), m.Time) // in memory (groupseen.go)
		return res, nil
	}
	e, err := p.enforce(ctx, m, checker.RuleSet(), cats, &res)
	if err != nil {
		return Result{}, fmt.Errorf("enforce %s: %w: %w", m.ID, ErrUnavailable, err)
	}
	if e.plan != nil {
		return p.completePlan(ctx, m, e.plan)
	}
	if e.seen {
		return p.repeatWarning(ctx, m)
	}
	if !e.marked {
		if _, err := p.cfg.Store.MarkSeen(ctx, m.ID, p.cfg.DedupTTL); err != nil {
			return Result{}, fmt.Errorf("dedup %s: %w: %w", m.ID, ErrUnavailable, err)
		}
	}
	p.seen.note(m.ChatID, m.ChatKind.String(), m.Time)
	return res, nil
}

// repeatWarning answers WeCom's retry of a message to the app that was
// processed already: the first answer, which carried the warning as its
// passive reply, may never have reached WeCom (its 5 s cut-off, a reset
// connection), so the retry carries the same warning again, rebuilt from
// the violation record. Nothing else is done twice.
func (p *Pipeline) repeatWarning(ctx context.Context, m Message) (Result, error) {
	res := Result{Duplicate: true}
	if m.Source != SourceApp {
		return res, nil
	}
	v, ok, err := p.cfg.Store.Violation(ctx, m.ID)
	if err != nil || !ok {
		return res, nil // best effort: the message itself is done
	}
	res.Reply = p.warningAgain(m, v)
	return res, nil
}

// completePlan completes a message whose dedup mark is a plan: decided
// violating before and stored at least in part (store/plan.go). The plan
// is written again, each part idempotent, as decided then — not as the
// policy or an image's reading would decide now — and the retry of a
// message to the app carries the plan's warning again.
func (p *Pipeline) completePlan(ctx context.Context, m Message, plan *store.Record) (Result, error) {
	if err := p.cfg.Store.RecordViolation(ctx, *plan); err != nil {
		return Result{}, fmt.Errorf("complete %s: %w: %w", m.ID, ErrUnavailable, err)
	}
	res := Result{Duplicate: true}
	if m.Source == SourceApp {
		res.Reply = p.warningAgain(m, plan.Violation)
	}
	return res, nil
}

// warningAgain is the warning of violation v of m, rebuilt from its
// record; empty when v warned nobody.
func (p *Pipeline) warningAgain(m Message, v store.Violation) string {
	if v.Action == "log" || v.Action == "" {
		return ""
	}
	a := Action{MsgID: m.ID, Key: m.ID + "/" + string(ActWarnSender), From: v.From, ChatID: v.ChatID}
	rs := p.cfg.Checker().RuleSet()
	for _, h := range v.Hits {
		if !slices.Contains(a.Categories, h.Category) {
			a.Categories = append(a.Categories, h.Category)
			a.Labels = append(a.Labels, labelOf(rs, h.Category))
		}
		if !slices.Contains(a.Evidence, h.Masked) && len(a.Evidence) < maxEvidence {
			a.Evidence = append(a.Evidence, h.Masked)
		}
	}
	a.Link = p.cfg.Links.Record(a.ref())
	return WarningText(a)
}

// labelOf is the label of category c in rs, or c.
func labelOf(rs *rules.RuleSet, c string) string {
	for _, rc := range rs.Categories {
		if rc.Name == c && rc.Label != "" {
			return rc.Label
		}
	}
	return c
}

// categoryHits folds a verdict's non-shadow hits by category.
type categoryHits struct {
	name     string
	severity rules.Severity
	action   rules.Action
}

func foldCategories(v rules.Verdict) []categoryHits {
	var out []categoryHits
	for _, h := range v.Hits {
		if h.Shadow {
			continue
		}
		i := slices.IndexFunc(out, func(c categoryHits) bool { return c.name == h.Category })
		if i < 0 {
			out = append(out, categoryHits{name: h.Category})
			i = len(out) - 1
		}
		out[i].severity = max(out[i].severity, h.Severity)
		out[i].action = max(out[i].action, h.Action)
	}
	slices.SortStableFunc(out, func(a, b categoryHits) int { return cmp.Compare(b.severity, a.severity) })
	return out
}
