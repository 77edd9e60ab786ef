package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// HR's review of what the bot did: false alarms (误报, falsealarm.go),
// employees' appeals (申诉, appeal.go) and HR's decisions on cases that
// reach people (decision.go). Every message it sends goes through the
// outbox like any alert, keyed so that a retried request sends nothing
// twice.

// Action kinds of the review.
const (
	// ActMemberNotice is a private message to one member (From): a
	// decision, an appeal's result, a withdrawn violation. Its Content is
	// the text.
	ActMemberNotice ActionKind = "member_notice"
	// ActHRNotice tells HR something to review (an appeal, an owner's
	// false-alarm request). Its Content is the markdown.
	ActHRNotice ActionKind = "hr_notice"
	// ActCriticism is HR's public criticism (通报批评) of From: through
	// the robot of the group ChatID, or in HR's announcement chat Announce.
	ActCriticism ActionKind = "criticism"
)

// DecisionFalseAlarm is the decision recorded on a case all of whose
// violations were withdrawn as false alarms.
const DecisionFalseAlarm = "false_alarm"

// ReviewStore is what the review keeps in Redis (bot/store).
type ReviewStore interface {
	Violation(ctx context.Context, id string) (store.Violation, bool, error)
	UpdateViolation(ctx context.Context, id string, change func(v *store.Violation) error) (store.Violation, store.Violation, error)
	UncountViolation(ctx context.Context, user, eventID string, categories []string) (int, error)
	CountFalseAlarm(ctx context.Context, v store.Violation, keep time.Duration) (bool, error)
	UserViolations(ctx context.Context, user string, limit int) ([]store.Violation, error)
	UserViolationsBetween(ctx context.Context, user string, from, to time.Time, limit int) ([]store.Violation, error)
	Case(ctx context.Context, id string) (store.Case, bool, error)
	Cases(ctx context.Context, all bool, limit int) ([]store.Case, error)
	OpenCase(ctx context.Context, c store.Case) (bool, error)
	UpdateCase(ctx context.Context, id string, change func(c *store.Case) error) (store.Case, store.Case, error)
	FileAppeal(ctx context.Context, a store.Appeal) (store.Appeal, bool, error)
	Appeal(ctx context.Context, id string) (store.Appeal, bool, error)
	UpdateAppeal(ctx context.Context, id string, change func(a *store.Appeal) error) (store.Appeal, store.Appeal, error)
	RequestFalseAlarm(ctx context.Context, r store.FalseAlarmRequest) (store.FalseAlarmRequest, bool, error)
	UpdateFalseAlarmRequest(ctx context.Context, vid string, change func(r *store.FalseAlarmRequest) error) (store.FalseAlarmRequest, store.FalseAlarmRequest, error)
	ArmConfirmation(ctx context.Context, action, caseID, token string, ttl time.Duration) error
	TakeConfirmation(ctx context.Context, action, caseID, token string) (bool, error)
	Enqueue(ctx context.Context, key string, payload []byte, now time.Time) (bool, error)
}

// Accounts carries out an account suspension in WeCom (wecom.Client's
// DisableUser: user/update with enable 0).
type Accounts interface {
	DisableUser(ctx context.Context, userID string) error
}

// ReviewConfig holds the review's dependencies.
type ReviewConfig struct {
	Store ReviewStore
	// Policy returns the rule set in force: its ladder recomputes cases,
	// its labels name categories.
	Policy func() *rules.RuleSet
	// Retention of violation records (DefaultRetention), which bounds the
	// life of false-alarm statistics.
	Retention time.Duration
	// GroupNotices are the chats with a group robot (the sender holds the
	// keys): 通报批评 of a violation there goes to that group.
	GroupNotices map[string]bool
	// AnnounceChat is the app group chat (appchat) where 通报批评 goes
	// when the group has no robot; "" for none.
	AnnounceChat string
	// Accounts suspends accounts from the console; nil when WeCom does not
	// let this deployment (the console says so).
	Accounts Accounts
	// Links, with the console's public address, ends the messages to a
	// member about their record (appeal result, withdrawal, decision)
	// with the link that opens it (their own page).
	Links ConsoleLinks
	Now   func() time.Time
}

// Reviewer carries out HR's review.
type Reviewer struct{ cfg ReviewConfig }

// NewReviewer returns a reviewer.
func NewReviewer(cfg ReviewConfig) (*Reviewer, error) {
	if cfg.Store == nil || cfg.Policy == nil {
		return nil, fmt.Errorf("new reviewer: Store and Policy are required: %w", ErrInvalid)
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Reviewer{cfg: cfg}, nil
}

// ladder is the policy's ladder (the default when there is no policy).
func (r *Reviewer) ladder() rules.Ladder {
	if rs := r.cfg.Policy(); rs != nil && rs.Ladder.LongWindow > 0 {
		return rs.Ladder
	}
	return rules.DefaultLadder()
}

// label names a category for people.
func (r *Reviewer) label(category string) string {
	if rs := r.cfg.Policy(); rs != nil {
		if l := labelOf(rs, category); l != category {
			return l
		}
	}
	return categoryLabel(category)
}

// labels names the categories of v's hits.
func (r *Reviewer) labels(v store.Violation) string {
	var out []string
	for _, c := range categoriesOf(v) {
		out = append(out, r.label(c))
	}
	return strings.Join(out, "、")
}

// categoriesOf lists the distinct categories of v's hits.
func categoriesOf(v store.Violation) []string {
	var out []string
	for _, h := range v.Hits {
		if !slices.Contains(out, h.Category) {
			out = append(out, h.Category)
		}
	}
	return out
}

// Ref is the reference a violation's messages carry (（记录 1d991024）):
// the first of the action keys the pipeline gives a violation.
func Ref(violationID string) string { return refOfKey(violationID + "/" + string(ActWarnSender)) }

// refsOf are every reference a violation's messages may carry: warning,
// owner alert, HR escalation, group notice.
func refsOf(violationID string) []string {
	kinds := []ActionKind{ActWarnSender, ActAlertOwner, ActEscalateHR, ActGroupNotice}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = refOfKey(violationID + "/" + string(k))
	}
	return out
}

func refOfKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

// whereOf says where a violation happened, for the employee.
func whereOf(v store.Violation) string {
	if v.ChatID == "" {
		return "企业微信"
	}
	return "群聊「" + v.ChatID + "」"
}

// when writes a time for people, in the company's time zone.
func when(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }

// enqueue queues a under its key (a.Key), once.
func (r *Reviewer) enqueue(ctx context.Context, a Action) error {
	a.Time = r.cfg.Now()
	payload, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode action %s: %w", a.Key, err)
	}
	if _, err := r.cfg.Store.Enqueue(ctx, a.Key, payload, a.Time); err != nil {
		return fmt.Errorf("queue %s: %w: %w", a.Key, ErrUnavailable, err)
	}
	return nil
}

// tell queues a private message to member user.
func (r *Reviewer) tell(ctx context.Context, key, user, text string) error {
	return r.enqueue(ctx, Action{Kind: ActMemberNotice, Key: key, MsgID: key, From: user, Content: text})
}

// tellHR queues a notice to HR.
func (r *Reviewer) tellHR(ctx context.Context, key, markdown string) error {
	return r.enqueue(ctx, Action{Kind: ActHRNotice, Key: key, MsgID: key, Content: markdown})
}

// storeErr marks a store failure unavailable, keeping the store's own
// kinds (not found, state) for the caller to map.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return WithKind(err, ErrNotFound)
	case errors.Is(err, store.ErrState):
		return WithKind(err, ErrConflict)
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrConflict), errors.Is(err, ErrNotFound), errors.Is(err, ErrForbidden):
		return err
	}
	return WithKind(err, ErrUnavailable)
}

// WarningEvidence is v's masked evidence as its warning showed it: the
// distinct masked hits, scrubbed and bounded (the employee's page).
func WarningEvidence(v store.Violation) string {
	var ev []string
	for _, h := range v.Hits {
		if !slices.Contains(ev, h.Masked) && len(ev) < maxEvidence {
			ev = append(ev, h.Masked)
		}
	}
	return Action{Evidence: ev}.evidence()
}

// recordLink is the link to the member's record of violation id that ends
// a notice to them, or "" without the console's address. The notices are
// text messages, which may carry an <a> tag.
func (r *Reviewer) recordLink(violationID string) string {
	l := r.cfg.Links.Record(Ref(violationID))
	if l == "" || violationID == "" {
		return ""
	}
	return `<a href="` + html.EscapeString(l) + `">查看记录</a>`
}
