package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// The unit of delivery is the message WeCom receives, not the action: a
// digest that failed ambiguously (WeCom delivered it but the answer was
// lost, an HTTP 5xx, a timeout) must be resent as the same request, which
// WeCom's duplicate check then recognises. Split into its actions and
// regrouped with others, the resend would be a new message and its
// recipient would see the alerts twice. So right before a message is sent
// its actions are sealed into one carrier entry holding the exact request
// (store.SealBatch), and from then on the carrier is retried, taken over
// and dead-lettered as a whole; its actions count as delivered exactly when
// it is.

// batch is one message to WeCom and the actions it carries.
type batch struct {
	Kind ActionKind `json:"kind"`
	// Recipient is "user:ID", "hr" or "webhook" (a robot's key is a secret:
	// it stays in the configuration, found again by ChatID).
	Recipient string `json:"recipient"`
	ChatID    string `json:"chat_id,omitempty"`
	// HR is who "hr" meant when the message was first sent: a resend goes
	// to the same people, or it would not be the same request.
	HR      *Recipients `json:"hr,omitempty"`
	Content string      `json:"content"`
	// Keys are the idempotency keys of the actions carried, marked
	// delivered with the message; Actions are kept for the dead letters.
	Keys    []string `json:"keys"`
	Actions []Action `json:"actions"`
}

// payload is an outbox entry's payload: an action, or a sealed batch.
type payload struct {
	Action
	Batch *batch `json:"batch,omitempty"`
}

// carried is a carrier entry read from the stream, with its batch.
type carried struct {
	entry store.OutboxEntry
	b     batch
}

// seal turns part into one carrier, leased to this replica. Entries that
// another replica took over meanwhile (a round slower than ClaimIdle) are
// left out and the rest sealed again; ok is false when none is left.
func (s *Sender) seal(ctx context.Context, k batchKey, part []pending) (store.Lease, batch, bool, error) {
	part = slices.Clone(part)
	for len(part) > 0 {
		b := s.batchOf(k, part)
		carrier, err := carrierOf(b, part)
		if err != nil {
			return store.Lease{}, batch{}, false, err
		}
		held := make([]store.OutboxEntry, len(part))
		for i, p := range part {
			held[i] = p.entry
		}
		// The carrier keeps its recipient's order while it is sent.
		carrier.Waits = part[0].entry.Waits
		now := s.cfg.Now()
		l, lost, err := s.cfg.Store.SealBatch(ctx, s.cfg.Consumer, held, carrier, now, now.Add(s.cfg.ClaimIdle))
		if err != nil {
			return store.Lease{}, batch{}, false, err
		}
		if len(lost) == 0 {
			return l, b, true, nil
		}
		s.cfg.Logger.Info().Int("entries", len(lost)).Msg("outbox entries taken over by another replica; leaving them out")
		part = slices.DeleteFunc(part, func(p pending) bool { return slices.Contains(lost, p.entry.StreamID) })
	}
	return store.Lease{}, batch{}, false, nil
}

// batchOf renders the message for part.
func (s *Sender) batchOf(k batchKey, part []pending) batch {
	acts := actionsOf(part)
	b := batch{Kind: k.kind, Recipient: k.recipient, Content: fit(render(k.kind, acts)), Actions: acts}
	for _, a := range acts {
		b.Keys = append(b.Keys, a.Key)
	}
	switch {
	case strings.HasPrefix(k.recipient, "webhook:"):
		b.Recipient, b.ChatID = "webhook", acts[0].ChatID
	case k.recipient == "hr":
		hr := s.cfg.HR
		b.HR = &hr
	}
	return b
}

// carrierOf is the outbox entry of b: its key is derived from the keys it
// carries, and it is as old as its oldest action, for MaxAge.
func carrierOf(b batch, part []pending) (store.OutboxEntry, error) {
	data, err := json.Marshal(struct {
		Batch batch `json:"batch"`
	}{b})
	if err != nil {
		return store.OutboxEntry{}, fmt.Errorf("encode batch: %w", err)
	}
	sum := sha256.Sum256([]byte(strings.Join(b.Keys, "\n")))
	e := store.OutboxEntry{Key: "batch/" + hex.EncodeToString(sum[:8]), Payload: data}
	for _, p := range part {
		if en := p.entry.Enqueued; !en.IsZero() && (e.Enqueued.IsZero() || en.Before(e.Enqueued)) {
			e.Enqueued = en
		}
		// Its place in the recipient's order is its oldest action's.
		if pl := p.entry.Place(); e.Order == "" || store.PlaceScore(pl) < store.PlaceScore(e.Order) {
			e.Order = pl
		}
	}
	return e, nil
}

// resend sends a carrier read back from the stream (a retry, or one taken
// over from a replica that died holding it) as it was, to recipient (its
// job's: the robot's key stands for "webhook"). paced says that the
// recipient's window was full and the carrier was put back; retry is when
// a carrier whose send failed comes back (transmit).
func (s *Sender) resend(ctx context.Context, recipient string, c carried) (paced bool, retry time.Time, err error) {
	now := s.cfg.Now()
	wait, err := s.slot(ctx, recipient, c.entry, now)
	if err != nil {
		return false, time.Time{}, err
	}
	if wait > 0 {
		return true, time.Time{}, s.putBack(ctx, recipient, []store.OutboxEntry{c.entry}, now.Add(wait))
	}
	l, lost, err := s.cfg.Store.SealBatch(ctx, s.cfg.Consumer, []store.OutboxEntry{c.entry}, c.entry, now, now.Add(s.cfg.ClaimIdle))
	if err != nil || len(lost) > 0 {
		return false, time.Time{}, err // lost: another replica holds it now
	}
	retry, err = s.transmit(ctx, l, c.b)
	return false, retry, err
}

// bookkeeping bounds the Redis work after a send, which is done even when
// the round's context ends meanwhile (a shutdown): what WeCom was told
// must be recorded, or it is sent again.
const bookkeeping = 5 * time.Second

// transmit sends b under lease l, keeping the lease alive meanwhile, and
// records the outcome: delivered (the carrier and its actions marked), or
// the carrier retried with backoff or dead-lettered as a whole. retry is
// when a carrier put back to be retried comes back (zero otherwise): the
// recipient's later alerts wait until then.
func (s *Sender) transmit(ctx context.Context, l store.Lease, b batch) (retry time.Time, err error) {
	hb, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.heartbeat(hb, l)
	}()
	err = s.call(ctx, b)
	stop()
	wg.Wait()

	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeeping)
	defer cancel()
	if err == nil {
		held, err := s.cfg.Store.FinishLease(bctx, l, b.Keys...)
		if err != nil {
			return time.Time{}, err
		}
		s.cfg.Logger.Info().Str("kind", string(b.Kind)).Int("actions", len(b.Keys)).Bool("lease_held", held).
			Str("recipient", redactRecipient(b.Recipient)).Msg("delivered")
		return time.Time{}, nil
	}
	now := s.cfg.Now()
	e, due, reason := s.verdict(l.Entry, err, now)
	if reason != "" {
		s.cfg.Logger.Error().Str("key", e.Key).Str("kind", string(b.Kind)).Int("actions", len(b.Keys)).Str("reason", reason).Msg("message dead-lettered")
		_, derr := s.cfg.Store.DeadLease(bctx, l, e, reason, now)
		return time.Time{}, derr
	}
	if e.Attempt > l.Entry.Attempt {
		s.cfg.Logger.Warn().Str("key", e.Key).Int("actions", len(b.Keys)).Int("attempt", e.Attempt).Time("retry_at", due).Err(err).Msg("delivery failed; will resend the same message")
	}
	// Retried, it keeps the recipient's later alerts behind it.
	if b.Recipient != "webhook" {
		e.Waits = b.Recipient
	}
	held, rerr := s.cfg.Store.RetryLease(bctx, l, e, due)
	if rerr != nil || !held {
		return time.Time{}, rerr // lost: another replica holds it now
	}
	return due, nil
}

// heartbeat renews l every third of ClaimIdle until ctx ends, so a slow
// but live sender keeps its message; a dead one's lease runs out and the
// message goes to another replica within ClaimIdle.
func (s *Sender) heartbeat(ctx context.Context, l store.Lease) {
	t := time.NewTicker(max(s.cfg.ClaimIdle/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := s.cfg.Store.RenewLease(ctx, l, s.cfg.Now().Add(s.cfg.ClaimIdle))
		if err != nil && ctx.Err() == nil {
			s.cfg.Logger.Warn().Err(err).Msg("renew outbox lease")
		}
		if err == nil && !ok {
			return // lost already: another replica resends the same message
		}
	}
}

// call sends b's message.
func (s *Sender) call(ctx context.Context, b batch) error {
	opt := wecom.SendOptions{DuplicateCheckInterval: dupCheck}
	switch {
	case b.Recipient == "webhook":
		key := s.cfg.Robots[b.ChatID]
		if key == "" {
			return fmt.Errorf("no group robot configured for chat %q (enforcement.group_notices): %w", b.ChatID, errNoRecipient)
		}
		return s.cfg.API.Webhook(ctx, key, wecom.WebhookMessage{MsgType: "markdown", Content: b.Content})
	case b.Recipient == "hr":
		hr := s.cfg.HR
		if b.HR != nil {
			hr = *b.HR
		}
		if hr.Empty() {
			return fmt.Errorf("no HR recipients configured (hr.users, hr.departments or hr.tags): %w", errNoRecipient)
		}
		_, err := s.cfg.API.SendMarkdown(ctx, wecom.SendTarget{ToUser: hr.Users, ToParty: hr.Parties, ToTag: hr.Tags}, b.Content, opt)
		return err
	case strings.HasPrefix(b.Recipient, "user:"):
		target := wecom.SendTarget{ToUser: []string{strings.TrimPrefix(b.Recipient, "user:")}}
		if b.Kind == ActWarnSender || b.Kind == ActMemberNotice {
			// Plain text reads best on a phone.
			_, err := s.cfg.API.SendText(ctx, target, b.Content, opt)
			return err
		}
		_, err := s.cfg.API.SendMarkdown(ctx, target, b.Content, opt)
		return err
	case strings.HasPrefix(b.Recipient, "appchat:"):
		return s.cfg.API.SendAppChat(ctx, strings.TrimPrefix(b.Recipient, "appchat:"), wecom.AppChatMessage{MsgType: "markdown", Content: b.Content})
	}
	return fmt.Errorf("unknown recipient %q: %w", b.Recipient, errNoRecipient)
}
