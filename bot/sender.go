package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
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
	RescheduleAll(ctx context.Context, es []store.OutboxEntry, due time.Time) error
	RescheduleAt(ctx context.Context, es []store.OutboxEntry, dues []time.Time) error
	PromoteDue(ctx context.Context, now time.Time, max int) (int, error)
	DeadLetter(ctx context.Context, e store.OutboxEntry, reason string, now time.Time) error
	DeliveredMany(ctx context.Context, keys ...string) ([]bool, error)
	PromoteAndClaim(ctx context.Context, now time.Time, max int, consumer string, minIdle time.Duration, count int) (int, []store.OutboxEntry, error)
	LookupRound(ctx context.Context, q store.RoundLookup) (store.RoundLooked, error)
	NoteRound(ctx context.Context, consumer string, notes []store.RoundNote, now time.Time, stale time.Duration, limit int) (store.RoundNoted, error)
	SealBatch(ctx context.Context, consumer string, held []store.OutboxEntry, carrier store.OutboxEntry, now, until time.Time) (store.Lease, []string, error)
	RenewLease(ctx context.Context, l store.Lease, until time.Time) (bool, error)
	FinishLease(ctx context.Context, l store.Lease, keys ...string) (bool, error)
	RetryLease(ctx context.Context, l store.Lease, e store.OutboxEntry, due time.Time) (bool, error)
	KeepPending(ctx context.Context, consumer string, e store.OutboxEntry) (bool, error)
	DeadLease(ctx context.Context, l store.Lease, e store.OutboxEntry, reason string, now time.Time) (bool, error)
	TakeSendSlot(ctx context.Context, recipient, token string, now time.Time, perMinute, perHour int) (time.Duration, error)
	SendSlotsFree(ctx context.Context, recipient string, now time.Time, count int) ([]time.Time, error)
	CacheGet(ctx context.Context, key string, v any) (bool, error)
	CacheSet(ctx context.Context, key string, v any, ttl time.Duration) error
	CacheSetMany(ctx context.Context, writes []store.CacheWrite) error
	NoteOwnedChat(ctx context.Context, owner, chat string) error
	ChatStore
}

// WeComAPI is what the sender calls of WeCom (bot/wecom.Client).
type WeComAPI interface {
	SendText(ctx context.Context, target wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error)
	SendMarkdown(ctx context.Context, target wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error)
	Webhook(ctx context.Context, key string, msg wecom.WebhookMessage) error
	SendAppChat(ctx context.Context, chatID string, msg wecom.AppChatMessage) error
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
	// replica, and a message being sent may go without its lease renewed,
	// before this replica takes it over (default 20 s, so a dead replica's
	// alerts go out within 30 s). A slow but live replica loses nothing to
	// a double send: its message's lease is renewed while it sends, and
	// entries claimed from it are left out when it seals its message.
	ClaimIdle time.Duration
	// Batch is how many entries one round reads (default 500): a burst for
	// one recipient within a batch becomes one digest. A round lasts about
	// as long as its slowest recipient's few round trips, whatever its
	// size, so Batch and Workers bound how many alerts a second the sender
	// keeps up with (100 and 8 fell behind 250 offences a second).
	Batch int
	// Workers is how many recipients a round delivers to at once (default
	// 64); each recipient's messages go one after another, in order.
	Workers int
	// Poll is how long a round waits for new entries (default 1 s).
	Poll time.Duration
	// Links, when its Base is set, adds to owner alerts and HR escalations
	// a link that opens their record in the console (console.public_url).
	Links ConsoleLinks
	// LookupTTL is how long owners and users are cached (default 1 h).
	LookupTTL time.Duration
	// Calls are the handlers of the WeCom calls queued through the outbox
	// (ActWeComCall), by call name (sender_calls.go).
	Calls map[string]outcall.Handler
	// CallWorkers is how many of those calls this replica makes at once
	// (default 4), apart from the alerts: a slow WeCom API holds up no
	// round. A call found when all are busy goes back for BusyWait.
	CallWorkers int
	// BusyWait is how long a call waiting its turn (outcall.ErrBusy: an
	// add waiting for its plan's deletes, a rule another delivery is
	// changing) waits before it is tried again (default 2 s); no attempt
	// is counted, so waiting never dead-letters it.
	BusyWait time.Duration
	// UnhandledFor is how long a call whose handler this replica lacks (a
	// rolling deploy: an older replica, or one with the feature off) is
	// put back for another replica, every UnhandledWait (default 30 s),
	// before it is dead-lettered (default 1 h).
	UnhandledFor, UnhandledWait time.Duration

	Logger zerolog.Logger
	Now    func() time.Time
	// Rand returns a float in [0,1) for jitter (math/rand/v2 by default).
	Rand func() float64
}

// Sender delivers the outbox to WeCom.
type Sender struct {
	cfg SenderConfig
	// departments holds, per department id, when this replica last made
	// sure of its name (names.go): concurrent member lookups of one
	// department ask Redis and WeCom once.
	departments sync.Map
	// paced holds, per recipient whose pacing window was found full, when
	// the alerts this replica put back come back (*pacing,
	// sender_pacing.go): its alerts of the rounds between wait without a
	// round trip, and its backlog comes back one message's worth a slot.
	paced sync.Map
	// callSlots bounds the calls in progress (CallWorkers); inCall holds
	// the stream ids of those calls, so that one is never made twice here
	// at once; calls waits for them (WaitCalls).
	callSlots chan struct{}
	inCall    sync.Map
	calls     sync.WaitGroup
}

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
	def(&cfg.Batch, 500)
	def(&cfg.Workers, 64)
	def(&cfg.CallWorkers, 4)
	defD(&cfg.BusyWait, 2*time.Second)
	defD(&cfg.UnhandledFor, time.Hour)
	defD(&cfg.UnhandledWait, 30*time.Second)
	defD(&cfg.BaseBackoff, 2*time.Second)
	defD(&cfg.MaxBackoff, 5*time.Minute)
	defD(&cfg.MaxAge, 24*time.Hour)
	defD(&cfg.ClaimIdle, 20*time.Second)
	defD(&cfg.Poll, time.Second)
	defD(&cfg.LookupTTL, time.Hour)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Sender{cfg: cfg, callSlots: make(chan struct{}, cfg.CallWorkers)}, nil
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
	s.WaitCalls()
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
	_, entries, err := s.cfg.Store.PromoteAndClaim(ctx, now, 1000, s.cfg.Consumer, s.cfg.ClaimIdle, s.cfg.Batch)
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
	return len(entries), s.deliver(ctx, now, entries)
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

// deliver delivers a round's entries; promoted is the time up to which the
// round promoted delayed entries (a paced recipient's turns up to then have
// come, and their parts are among the entries or with another replica).
func (s *Sender) deliver(ctx context.Context, promoted time.Time, entries []store.OutboxEntry) error {
	now := s.cfg.Now()
	// Decoded first, so that one round trip answers, for all entries,
	// whether they were delivered before and what their recipients'
	// lookups need from Redis (prefetch, sender_lookup.go).
	payloads := make([]payload, len(entries))
	decoded := make([]bool, len(entries))
	q := store.RoundLookup{Delivered: make([]string, len(entries))}
	asked := map[string]bool{}
	for i, e := range entries {
		q.Delivered[i] = e.Key
		err := json.Unmarshal(e.Payload, &payloads[i])
		decoded[i] = err == nil && (payloads[i].Kind != "" || payloads[i].Batch != nil)
		if decoded[i] && payloads[i].Batch == nil && payloads[i].Kind != ActWeComCall {
			s.wants(&q, payloads[i].Action, asked)
		}
	}
	looked, err := s.cfg.Store.LookupRound(ctx, q)
	if err != nil {
		return err
	}
	done := looked.Delivered
	ctx = withPrefetch(ctx, q, looked)
	defer func() {
		if ferr := prefetchOf(ctx).flush(ctx, s.cfg.Store); ferr != nil {
			// Only a cache: the next lookup asks WeCom again.
			s.cfg.Logger.Warn().Err(ferr).Msg("write the round's cached lookups")
		}
	}()
	var alerts []Action
	for i := range entries {
		if !done[i] && decoded[i] && payloads[i].Batch == nil && payloads[i].Kind == ActAlertOwner {
			alerts = append(alerts, payloads[i].Action)
		}
	}
	s.lookUpOwners(ctx, alerts)
	groups := map[batchKey][]pending{}
	var order []batchKey
	var acked []store.OutboxEntry
	var carriers []carried
	var calls []store.OutboxEntry
	memo := map[string]string{}
	for i, e := range entries {
		if done[i] {
			// Delivered before a crash kept it from being acknowledged.
			acked = append(acked, e)
			continue
		}
		p := payloads[i]
		if !decoded[i] {
			reason := "undecodable action"
			if e.LastError != "" {
				reason = e.LastError
			}
			if err := s.cfg.Store.DeadLetter(ctx, e, reason, now); err != nil {
				return err
			}
			continue
		}
		if p.Batch != nil {
			carriers = append(carriers, carried{e, *p.Batch})
			continue
		}
		a := p.Action
		if a.Kind == ActWeComCall {
			calls = append(calls, e)
			continue
		}
		rcpt, err := s.recipientMemo(ctx, a, memo)
		if errors.Is(err, errUnknownKind) {
			if err := s.unhandled(ctx, e, "action", string(a.Kind), now); err != nil {
				return err
			}
			continue
		}
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
	if err := s.cfg.Store.AckOutbox(ctx, acked...); err != nil {
		return err
	}
	// One job per recipient: recipients are served concurrently, each one's
	// messages in order — those tried before first (they are older, and a
	// resend must stay within WeCom's duplicate-check window), then the
	// new ones — so per-recipient order and pacing stay as they were.
	jobs := map[string]*recipientJob{}
	var rcpts []string
	job := func(r string) *recipientJob {
		j := jobs[r]
		if j == nil {
			j = &recipientJob{}
			jobs[r] = j
			rcpts = append(rcpts, r)
		}
		return j
	}
	for _, c := range carriers {
		r := c.b.Recipient
		if r == "webhook" {
			r = "webhook:" + s.cfg.Robots[c.b.ChatID]
		}
		j := job(r)
		j.carriers = append(j.carriers, c)
	}
	for _, k := range order {
		j := job(k.recipient)
		j.groups = append(j.groups, k)
	}
	// The round's entries are noted in their recipients' order, and those
	// with older ones waiting outside the round go back behind them
	// (sender_order.go).
	if err := s.keepOrder(ctx, now, rcpts, jobs, groups, calls); err != nil {
		return err
	}
	err = s.startCalls(ctx, calls)
	err2 := s.parallel(len(rcpts), func(i int) error {
		return s.serve(ctx, promoted, rcpts[i], jobs[rcpts[i]], groups)
	})
	return errors.Join(err, err2)
}

// parallel runs do(0) … do(n-1) on at most Workers goroutines and returns
// the first error; a failed job does not stop the others, whose entries
// would otherwise wait for ClaimIdle. (Hand-written rather than
// golang.org/x/sync/errgroup: a dozen lines, and no new module.)
func (s *Sender) parallel(n int, do func(i int) error) error {
	if n == 1 || s.cfg.Workers == 1 {
		var first error
		for i := 0; i < n; i++ {
			if err := do(i); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, s.cfg.Workers)
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := do(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// send delivers one group as one message, or a digest when it holds
// several (cut into parts that fit WeCom's size limit). Each part takes a
// pacing slot for its recipient, is sealed into one carrier (the unit of
// delivery from then on: retried as the same message) and sent. paced says
// that the recipient's window was found full and the rest put back.
//
// The first part's slot is taken before anything else: a recipient whose
// window is full (in sandbox mode every HR case goes to one member paced to
// 20 a minute) has its alerts put back at once, without resolving names or
// rendering and splitting a digest that cannot be sent now; that work was a
// quarter of the served binary's CPU under load. Parts that found the
// window full after the first went out are spread over the slots to come
// (stagger), one part a slot. A part whose send failed is retried at
// retry (transmit), and the parts after it go back to wait until then: a
// recipient's later alerts never overtake its earlier ones.
func (s *Sender) send(ctx context.Context, k batchKey, ps []pending) (paced bool, retry time.Time, err error) {
	slices.SortFunc(ps, func(a, b pending) int { return a.action.Time.Compare(b.action.Time) })
	now := s.cfg.Now()
	wait, err := s.slot(ctx, k.recipient, ps[0].entry, now)
	if err != nil {
		return false, time.Time{}, err
	}
	if wait > 0 {
		return true, time.Time{}, s.putBack(ctx, k.recipient, entriesOf(ps), now.Add(wait))
	}
	// Names and links first: the split must measure the text that is
	// sent. A warning needs no names; its link opens the employee's record.
	acts := actionsOf(ps)
	if k.kind != ActWarnSender {
		acts = s.withNames(ctx, acts)
	}
	acts = s.cfg.Links.withLinks(acts)
	for i := range ps {
		ps[i].action = acts[i]
	}
	parts := splitToFit(k.kind, ps)
	for i, part := range parts {
		if i > 0 {
			now = s.cfg.Now()
			wait, err := s.slot(ctx, k.recipient, part[0].entry, now)
			if err != nil {
				return false, time.Time{}, err
			}
			if wait > 0 {
				return true, time.Time{}, s.stagger(ctx, k.recipient, parts[i:], now, now.Add(wait))
			}
		}
		l, b, ok, err := s.seal(ctx, k, part)
		if err != nil {
			return false, time.Time{}, err
		}
		if !ok {
			continue // another replica took every entry of this part over
		}
		retry, err := s.transmit(ctx, l, b)
		if err != nil {
			return false, time.Time{}, err
		}
		if !retry.IsZero() {
			var rest []store.OutboxEntry
			for _, p := range parts[i+1:] {
				rest = append(rest, entriesOf(p)...)
			}
			return false, retry, s.cfg.Store.RescheduleAll(ctx, waitIn(k.recipient, rest), retry)
		}
	}
	return false, time.Time{}, nil
}

func entriesOf(ps []pending) []store.OutboxEntry {
	out := make([]store.OutboxEntry, len(ps))
	for i, p := range ps {
		out[i] = p.entry
	}
	return out
}

// slot takes a pacing slot towards recipient (robots pace themselves: their
// limit is answered, not silent) and says how long to wait when none is free.
func (s *Sender) slot(ctx context.Context, recipient string, e store.OutboxEntry, now time.Time) (time.Duration, error) {
	if strings.HasPrefix(recipient, "webhook") {
		return 0, nil
	}
	// The slot's member must be unique per send: a retried send is another
	// message to WeCom's limits.
	token := fmt.Sprintf("%s#%d#%d", e.Key, e.Attempt, now.UnixNano())
	return s.cfg.Store.TakeSendSlot(ctx, recipient, token, now, s.cfg.PerMinute, s.cfg.PerHour)
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

// dupCheck makes a resend of the same content to the same member a no-op
// at WeCom: the guard for a message whose answer was lost, or a crash
// between a send and its bookkeeping. It is WeCom's maximum, so a message
// retried for hours is still recognised; every message names its actions'
// references, so two different messages are never identical.
const dupCheck = 4 * time.Hour
