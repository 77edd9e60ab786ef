package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// OutboxStore is what the sender needs of the outbox in Redis (bot/store).
type OutboxStore interface {
	EnsureOutboxGroup(ctx context.Context) error
	ReadOutbox(ctx context.Context, consumer string, count int, block time.Duration) ([]store.OutboxEntry, error)
	ClaimStale(ctx context.Context, consumer string, minIdle time.Duration, count int) ([]store.OutboxEntry, error)
	AckOutbox(ctx context.Context, entries ...store.OutboxEntry) error
	Reschedule(ctx context.Context, e store.OutboxEntry, due time.Time) error
	PromoteDue(ctx context.Context, now time.Time, max int) (int, error)
	DeadLetter(ctx context.Context, e store.OutboxEntry, reason string, now time.Time) error
	MarkDelivered(ctx context.Context, keys ...string) error
	Delivered(ctx context.Context, key string) (bool, error)
	TakeSendSlot(ctx context.Context, recipient, token string, now time.Time, perMinute, perHour int) (time.Duration, error)
	CacheGet(ctx context.Context, key string, v any) (bool, error)
	CacheSet(ctx context.Context, key string, v any, ttl time.Duration) error
	NoteOwnedChat(ctx context.Context, owner, chat string) error
	ChatStore
}

// WeComAPI is what the sender calls of WeCom (bot/wecom.Client).
type WeComAPI interface {
	SendText(ctx context.Context, target wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error)
	SendMarkdown(ctx context.Context, target wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error)
	Webhook(ctx context.Context, key string, msg wecom.WebhookMessage) error
	AppChatOwner(ctx context.Context, chatID string) (string, error)
	ExternalGroupChatOwner(ctx context.Context, chatID string) (string, error)
	ArchiveGroupChatCreator(ctx context.Context, roomID string) (string, error)
	User(ctx context.Context, userID string) (*wecom.User, error)
}

// Recipients name who gets HR's notices: members, departments or tags.
type Recipients struct {
	Users   []string `yaml:"users" json:"users,omitempty"`
	Parties []string `yaml:"departments" json:"departments,omitempty"`
	Tags    []string `yaml:"tags" json:"tags,omitempty"`
}

// Empty reports whether nobody is named.
func (r Recipients) Empty() bool { return len(r.Users)+len(r.Parties)+len(r.Tags) == 0 }

// SenderConfig holds the sender's dependencies and limits.
type SenderConfig struct {
	Store OutboxStore
	API   WeComAPI
	// Consumer names this replica in the outbox's consumer group.
	Consumer string
	// HR receives escalations (and owner alerts nobody else can take).
	HR Recipients
	// Owners overrides the owner of a chat (chat id → userid).
	Owners map[string]string
	// Robots are the group robots' webhook keys by chat id, for group
	// notices. They are secrets: kept here, never in the outbox or logs.
	Robots map[string]string
	// MaxAge is how long an action is retried before it goes to the dead
	// letters (default 24 h: a WeCom outage of hours loses nothing);
	// MaxAttempts, when positive, also bounds the attempts.
	MaxAge      time.Duration
	MaxAttempts int
	// Backoff grows from BaseBackoff (default 2 s) doubling to MaxBackoff
	// (default 5 min), with full jitter.
	BaseBackoff, MaxBackoff time.Duration
	// PerMinute and PerHour pace messages to one member below WeCom's
	// silent-drop limits of 30/min and 1000/h (defaults 20 and 600).
	PerMinute, PerHour int
	// ClaimIdle is how long an entry may stay unacknowledged at another
	// replica before this one takes it over (default 5 min: far longer
	// than a round, so a slow replica's entries are not sent twice).
	ClaimIdle time.Duration
	// Batch is how many entries one round reads (default 100): a burst for
	// one recipient within a batch becomes one digest.
	Batch int
	// Poll is how long a round waits for new entries (default 1 s).
	Poll time.Duration
	// LookupTTL is how long owners and users are cached (default 1 h).
	LookupTTL time.Duration
	Logger    zerolog.Logger
	Now       func() time.Time
	// Rand returns a float in [0,1) for jitter (math/rand/v2 by default).
	Rand func() float64
}

// Sender delivers the outbox to WeCom.
type Sender struct{ cfg SenderConfig }

// NewSender returns a sender.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Store == nil || cfg.API == nil || cfg.Consumer == "" {
		return nil, fmt.Errorf("new sender: Store, API and Consumer are required: %w", ErrInvalid)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.PerMinute, 20)
	def(&cfg.PerHour, 600)
	def(&cfg.Batch, 100)
	defD(&cfg.BaseBackoff, 2*time.Second)
	defD(&cfg.MaxBackoff, 5*time.Minute)
	defD(&cfg.MaxAge, 24*time.Hour)
	defD(&cfg.ClaimIdle, 5*time.Minute)
	defD(&cfg.Poll, time.Second)
	defD(&cfg.LookupTTL, time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Sender{cfg: cfg}, nil
}

// Run delivers until ctx ends. Errors of one round are logged and the
// round is retried after a pause: the outbox keeps everything meanwhile.
func (s *Sender) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if err := s.cfg.Store.EnsureOutboxGroup(ctx); err != nil {
			s.cfg.Logger.Warn().Err(err).Msg("outbox not ready; retrying")
			sleep(ctx, 2*time.Second)
			continue
		}
		break
	}
	for ctx.Err() == nil {
		if _, err := s.Round(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn().Err(err).Msg("outbox round failed; retrying")
			sleep(ctx, time.Second)
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Round is one pass: due retries back into the stream, entries abandoned
// by a dead replica taken over, new entries read and delivered. It returns
// how many entries it handled.
func (s *Sender) Round(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	if _, err := s.cfg.Store.PromoteDue(ctx, now, 1000); err != nil {
		return 0, err
	}
	entries, err := s.cfg.Store.ClaimStale(ctx, s.cfg.Consumer, s.cfg.ClaimIdle, s.cfg.Batch)
	if err != nil {
		return 0, err
	}
	if len(entries) < s.cfg.Batch {
		block := s.cfg.Poll
		if len(entries) > 0 {
			block = 0
		}
		fresh, err := s.cfg.Store.ReadOutbox(ctx, s.cfg.Consumer, s.cfg.Batch-len(entries), block)
		if err != nil {
			return 0, err
		}
		entries = append(entries, fresh...)
	}
	if len(entries) == 0 {
		return 0, nil
	}
	return len(entries), s.deliver(ctx, entries)
}

// pending is one decoded entry.
type pending struct {
	entry  store.OutboxEntry
	action Action
}

// batchKey groups entries that become one message.
type batchKey struct {
	kind      ActionKind
	recipient string // "user:ID", "hr", "webhook:KEY"
}

func (s *Sender) deliver(ctx context.Context, entries []store.OutboxEntry) error {
	now := s.cfg.Now()
	groups := map[batchKey][]pending{}
	var order []batchKey
	for _, e := range entries {
		var a Action
		if err := json.Unmarshal(e.Payload, &a); err != nil || a.Kind == "" {
			reason := "undecodable action"
			if e.LastError != "" {
				reason = e.LastError
			}
			if err := s.cfg.Store.DeadLetter(ctx, e, reason, now); err != nil {
				return err
			}
			continue
		}
		done, err := s.cfg.Store.Delivered(ctx, e.Key)
		if err != nil {
			return err
		}
		if done {
			// Delivered before a crash kept it from being acknowledged.
			if err := s.cfg.Store.AckOutbox(ctx, e); err != nil {
				return err
			}
			continue
		}
		rcpt, err := s.recipient(ctx, a)
		if err != nil {
			if err := s.fail(ctx, []pending{{e, a}}, err); err != nil {
				return err
			}
			continue
		}
		k := batchKey{a.Kind, rcpt}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], pending{e, a})
	}
	for _, k := range order {
		if err := s.send(ctx, k, groups[k]); err != nil {
			return err
		}
	}
	return nil
}

// send delivers one group as one message, or a digest when it holds
// several (cut into parts that fit WeCom's size limit); each part takes a
// pacing slot for its recipient and is acknowledged once delivered.
func (s *Sender) send(ctx context.Context, k batchKey, ps []pending) error {
	slices.SortFunc(ps, func(a, b pending) int { return a.action.Time.Compare(b.action.Time) })
	if k.kind != ActWarnSender {
		// Names first: the split must measure the text that is sent.
		acts := s.withNames(ctx, actionsOf(ps))
		for i := range ps {
			ps[i].action = acts[i]
		}
	}
	parts := splitToFit(k.kind, ps)
	for i, part := range parts {
		now := s.cfg.Now()
		if !strings.HasPrefix(k.recipient, "webhook:") {
			// The slot's member must be unique per send: a retried send is
			// another message to WeCom's limits.
			slot := fmt.Sprintf("%s#%d#%d", part[0].entry.Key, part[0].entry.Attempt, now.UnixNano())
			wait, err := s.cfg.Store.TakeSendSlot(ctx, k.recipient, slot, now, s.cfg.PerMinute, s.cfg.PerHour)
			if err != nil {
				return err
			}
			if wait > 0 {
				// Not dropped and not a failure: back in the queue until a
				// slot frees, where later alerts join them in a digest.
				for _, rest := range parts[i:] {
					for _, p := range rest {
						if err := s.cfg.Store.Reschedule(ctx, p.entry, now.Add(wait)); err != nil {
							return err
						}
					}
				}
				return nil
			}
		}
		// Another replica may have delivered these meanwhile (a round
		// slower than ClaimIdle): look again right before sending.
		part, err := s.undelivered(ctx, part)
		if err != nil {
			return err
		}
		if len(part) == 0 {
			continue
		}
		if err := s.call(ctx, k, actionsOf(part)); err != nil {
			// Only this part failed; the next ones are still tried.
			if err := s.fail(ctx, part, err); err != nil {
				return err
			}
			continue
		}
		keys := make([]string, len(part))
		es := make([]store.OutboxEntry, len(part))
		for j, p := range part {
			keys[j], es[j] = p.entry.Key, p.entry
		}
		if err := s.cfg.Store.MarkDelivered(ctx, keys...); err != nil {
			return err
		}
		if err := s.cfg.Store.AckOutbox(ctx, es...); err != nil {
			return err
		}
		s.cfg.Logger.Info().Str("kind", string(k.kind)).Int("actions", len(part)).
			Str("recipient", redactRecipient(k.recipient)).Msg("delivered")
	}
	return nil
}

// undelivered drops (and acknowledges) the entries already delivered.
func (s *Sender) undelivered(ctx context.Context, ps []pending) ([]pending, error) {
	out := ps[:0:0]
	for _, p := range ps {
		done, err := s.cfg.Store.Delivered(ctx, p.entry.Key)
		if err != nil {
			return nil, err
		}
		if done {
			if err := s.cfg.Store.AckOutbox(ctx, p.entry); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func actionsOf(ps []pending) []Action {
	out := make([]Action, len(ps))
	for i, p := range ps {
		out[i] = p.action
	}
	return out
}

// maxContent is WeCom's limit for text and markdown content (bytes).
const maxContent = 2048

// fit cuts text to maxContent bytes on a rune boundary. splitToFit leaves
// only a single action too long (bounded evidence makes even that
// unlikely), which is better sent shortened than refused by WeCom and
// dead-lettered; several actions are never cut, they are split.
func fit(text string) string {
	if len(text) <= maxContent {
		return text
	}
	const more = "…"
	cut := maxContent - len(more)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + more
}

// splitToFit cuts a group into parts whose message fits maxContent.
func splitToFit(kind ActionKind, ps []pending) [][]pending {
	if len(ps) <= 1 || len(render(kind, actionsOf(ps))) <= maxContent {
		return [][]pending{ps}
	}
	mid := len(ps) / 2
	return append(splitToFit(kind, ps[:mid]), splitToFit(kind, ps[mid:])...)
}

// dupCheck makes a resend of the same content to the same member within
// half an hour a no-op at WeCom: the guard for a crash between a send and
// its acknowledgement.
const dupCheck = 30 * time.Minute

func (s *Sender) call(ctx context.Context, k batchKey, acts []Action) error {
	opt := wecom.SendOptions{DuplicateCheckInterval: dupCheck}
	switch {
	case strings.HasPrefix(k.recipient, "webhook:"):
		return s.cfg.API.Webhook(ctx, strings.TrimPrefix(k.recipient, "webhook:"),
			wecom.WebhookMessage{MsgType: "markdown", Content: fit(render(k.kind, acts))})
	case k.recipient == "hr":
		_, err := s.cfg.API.SendMarkdown(ctx, wecom.SendTarget{ToUser: s.cfg.HR.Users, ToParty: s.cfg.HR.Parties, ToTag: s.cfg.HR.Tags},
			fit(render(k.kind, acts)), opt)
		return err
	default:
		target := wecom.SendTarget{ToUser: []string{strings.TrimPrefix(k.recipient, "user:")}}
		if k.kind == ActWarnSender {
			// Plain text reads best on a phone.
			_, err := s.cfg.API.SendText(ctx, target, fit(render(k.kind, acts)), opt)
			return err
		}
		_, err := s.cfg.API.SendMarkdown(ctx, target, fit(render(k.kind, acts)), opt)
		return err
	}
}

// fail reschedules entries with backoff, or dead-letters them when the
// error is permanent or they ran out of attempts.
func (s *Sender) fail(ctx context.Context, ps []pending, cause error) error {
	now := s.cfg.Now()
	if pe, ok := errors.AsType[*wecom.PaceError](cause); ok {
		// The client's pacer refused before sending: wait, not a failure.
		for _, p := range ps {
			if err := s.cfg.Store.Reschedule(ctx, p.entry, now.Add(max(pe.Wait, time.Second))); err != nil {
				return err
			}
		}
		return nil
	}
	permanent := errors.Is(cause, errNoRecipient) || (wecom.Permanent(cause) && !wecom.Retryable(cause))
	for _, p := range ps {
		e := p.entry
		e.Attempt++
		e.LastError = cause.Error()
		tooOld := !e.Enqueued.IsZero() && now.Sub(e.Enqueued) > s.cfg.MaxAge
		if permanent || tooOld || (s.cfg.MaxAttempts > 0 && e.Attempt >= s.cfg.MaxAttempts) {
			reason := fmt.Sprintf("after %d attempts in %s: %v", e.Attempt, now.Sub(e.Enqueued).Round(time.Second), cause)
			if permanent {
				reason = "permanent error: " + cause.Error()
			}
			s.cfg.Logger.Error().Str("key", e.Key).Str("kind", string(p.action.Kind)).Str("reason", reason).Msg("action dead-lettered")
			if err := s.cfg.Store.DeadLetter(ctx, e, reason, now); err != nil {
				return err
			}
			continue
		}
		due := now.Add(s.backoff(e.Attempt))
		s.cfg.Logger.Warn().Str("key", e.Key).Int("attempt", e.Attempt).Time("retry_at", due).Err(cause).Msg("delivery failed; will retry")
		if err := s.cfg.Store.Reschedule(ctx, e, due); err != nil {
			return err
		}
	}
	return nil
}

// backoff is exponential with full jitter: a random wait in
// [base*2^(n-1)/2, base*2^(n-1)], capped.
func (s *Sender) backoff(attempt int) time.Duration {
	d := s.cfg.BaseBackoff << min(attempt-1, 20)
	if d <= 0 || d > s.cfg.MaxBackoff {
		d = s.cfg.MaxBackoff
	}
	return d/2 + time.Duration(s.cfg.Rand()*float64(d/2))
}

// recipient resolves who gets an action: "user:ID", "hr" or "webhook:KEY".
func (s *Sender) recipient(ctx context.Context, a Action) (string, error) {
	switch a.Kind {
	case ActWarnSender:
		return "user:" + a.From, nil
	case ActEscalateHR, ActDigest:
		if s.cfg.HR.Empty() {
			return "", fmt.Errorf("no HR recipients configured (hr.users, hr.departments or hr.tags): %w", errNoRecipient)
		}
		return "hr", nil
	case ActGroupNotice:
		key := s.cfg.Robots[a.ChatID]
		if key == "" {
			return "", fmt.Errorf("no group robot configured for chat %q (enforcement.group_notices): %w", a.ChatID, errNoRecipient)
		}
		return "webhook:" + key, nil
	case ActReport:
		return s.reportRecipient(ctx, a)
	case ActProfileName, ActHandoverHR, ActHandoverLeader:
		return s.directoryRecipient(ctx, a)
	case ActAlertOwner:
		owner, err := s.owner(ctx, a)
		if err != nil {
			return "", err
		}
		if owner != "" && a.ChatID != "" {
			// Lets the owner see this chat's violations in the console.
			if err := s.cfg.Store.NoteOwnedChat(ctx, owner, a.ChatID); err != nil {
				return "", err
			}
		}
		if owner == "" || owner == a.From {
			// Nobody else to tell (no owner, or the owner is the sender):
			// the alert goes to HR rather than nowhere.
			if s.cfg.HR.Empty() {
				return "", fmt.Errorf("no owner for %q and no HR recipients: %w", a.ChatID, errNoRecipient)
			}
			return "hr", nil
		}
		return "user:" + owner, nil
	}
	return "", fmt.Errorf("unknown action kind %q: %w", a.Kind, errNoRecipient)
}

// errNoRecipient is permanent: retrying cannot find a recipient.
var errNoRecipient = errors.New("no recipient")

// owner finds the owner of the action's chat, or for a message outside a
// group the sender's direct leader, through the cache.
func (s *Sender) owner(ctx context.Context, a Action) (string, error) {
	if a.ChatID != "" {
		if o := s.cfg.Owners[a.ChatID]; o != "" {
			return o, nil
		}
		c, ok, err := s.cfg.Store.Chat(ctx, a.ChatID)
		if err != nil {
			return "", err
		}
		if ok && c.Owner != "" {
			return c.Owner, nil // set by HR in the console
		}
	}
	cacheKey := "owner:" + a.ChatKind + ":" + a.ChatID
	if a.ChatID == "" {
		cacheKey = "leader:" + a.From
	}
	var owner string
	if ok, err := s.cfg.Store.CacheGet(ctx, cacheKey, &owner); err != nil {
		return "", err
	} else if ok {
		return owner, nil
	}
	var err error
	switch {
	case a.ChatID == "":
		var u wecom.User
		var found bool
		u, found, err = s.user(ctx, a.From)
		if err == nil && found && len(u.DirectLeader) > 0 {
			owner = u.DirectLeader[0]
		}
	case a.ChatKind == "external":
		owner, err = s.cfg.API.ExternalGroupChatOwner(ctx, a.ChatID)
	case strings.HasPrefix(a.ChatID, "wr") || a.ChatKind == "work" || a.ChatKind == "private":
		owner, err = s.cfg.API.ArchiveGroupChatCreator(ctx, a.ChatID)
	default:
		owner, err = s.cfg.API.AppChatOwner(ctx, a.ChatID)
	}
	if err != nil {
		if wecom.NotFound(err) {
			return "", nil
		}
		if wecom.Permanent(err) && !wecom.Retryable(err) {
			// E.g. no right to read that kind of chat: the alert goes to HR
			// (an empty owner) rather than to the dead letters, and the
			// refusal is cached like an answer.
			s.cfg.Logger.Warn().Err(err).Str("chat", a.ChatID).Msg("owner lookup refused; alerting HR instead")
			return "", s.cfg.Store.CacheSet(ctx, cacheKey, "", s.cfg.LookupTTL)
		}
		return "", fmt.Errorf("look up owner of %q: %w", a.ChatID, err)
	}
	if err := s.cfg.Store.CacheSet(ctx, cacheKey, owner, s.cfg.LookupTTL); err != nil {
		return "", err
	}
	return owner, nil
}

// user looks a member up (name, departments, direct leader) through the
// Redis cache shared by replicas; found is false for an unknown userid.
func (s *Sender) user(ctx context.Context, id string) (u wecom.User, found bool, err error) {
	key := "user:" + id
	if ok, err := s.cfg.Store.CacheGet(ctx, key, &u); err != nil || ok {
		return u, ok && u.UserID != "", err
	}
	got, err := s.cfg.API.User(ctx, id)
	switch {
	case wecom.NotFound(err):
		u = wecom.User{} // cached too: an unknown id stays unknown for a while
	case err != nil:
		return u, false, fmt.Errorf("look up user %q: %w", id, err)
	default:
		u = *got
	}
	if err := s.cfg.Store.CacheSet(ctx, key, u, s.cfg.LookupTTL); err != nil {
		return u, false, err
	}
	return u, u.UserID != "", nil
}

// withNames fills in the display names of the senders of acts, for the
// people who read alerts; a failed lookup leaves the userid alone.
func (s *Sender) withNames(ctx context.Context, acts []Action) []Action {
	for i := range acts {
		if acts[i].FromName != "" {
			continue
		}
		if u, ok, err := s.user(ctx, acts[i].From); err == nil && ok {
			acts[i].FromName = u.Name
		}
	}
	return acts
}

// redactRecipient keeps robot keys (secrets) out of logs.
func redactRecipient(r string) string {
	if strings.HasPrefix(r, "webhook:") {
		return "webhook:***"
	}
	return r
}
