package handover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// CallName is the name the transfers travel under in the outbox
// (bot.SenderConfig.Calls).
const CallName = "handover"

// transferCall is one queued transfer: customers
// (resigned/transfer_customer) or customer groups (groupchat/transfer) of
// a leaver to one successor.
type transferCall struct {
	Key      string   `json:"key"`
	Leaver   string   `json:"leaver"`
	Kind     string   `json:"kind"`
	Takeover string   `json:"takeover"`
	IDs      []string `json:"ids"`
}

// describe says in Chinese what the transfer does.
func (c transferCall) describe() string {
	if c.Kind == KindGroup {
		return fmt.Sprintf("离职继承：把离职成员 %s 的 %d 个客户群转给 %s", c.Leaver, len(c.IDs), c.Takeover)
	}
	return fmt.Sprintf("离职继承：把离职成员 %s 的 %d 位客户转接给 %s", c.Leaver, len(c.IDs), c.Takeover)
}

// Handler makes the handover's transfers for the sender.
func (s *Service) Handler() outcall.Handler { return handler{s} }

type handler struct{ s *Service }

func decodeCall(raw json.RawMessage) (transferCall, error) {
	var c transferCall
	if err := json.Unmarshal(raw, &c); err != nil || c.Key == "" || c.Leaver == "" || c.Takeover == "" {
		return c, fmt.Errorf("handover call %s: %w", raw, wecom.ErrInvalidRequest)
	}
	return c, nil
}

// ours reports whether it is still c's to send: sending under c's key, or
// failed when the outbox gave c up (it keeps the key, so an operator's
// retry of the dead letter sends it again; HR's new assignment clears it).
func (c transferCall) ours(it *Item) bool {
	return it != nil && it.Call == c.Key && (it.State == StateSending || it.State == StateFailed)
}

// pending returns the ids of c still to send under c's key: what a
// redelivered call sends (none, when an earlier delivery settled them).
func (h handler) pending(ctx context.Context, c transferCall) ([]string, error) {
	hv, err := h.s.Get(ctx, c.Leaver)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range c.IDs {
		if c.ours(hv.Items[itemKey(c.Kind, id)]) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Deliver makes one transfer for the items still sending under its key
// and records the outcome per item. A retry after a lost answer is safe:
// WeCom answers 40100 for a customer already in transfer (waiting, not
// sent again), and 90500 for a group whose owner is the successor already
// (taken).
func (h handler) Deliver(ctx context.Context, raw json.RawMessage, _ int) error {
	s := h.s
	c, err := decodeCall(raw)
	if err != nil {
		return err
	}
	ids, err := h.pending(ctx, c)
	if err != nil || len(ids) == 0 {
		return err
	}
	var outcome func(it *Item)
	now := func() time.Time { return s.cfg.Now() }
	switch c.Kind {
	case KindCustomer:
		res, callErr := s.cfg.Client.TransferResigned(ctx, c.Leaver, c.Takeover, ids)
		s.cfg.Logger.Info().Str("leaver", c.Leaver).Str("takeover", c.Takeover).Int("customers", len(ids)).AnErr("error", callErr).Msg("handover: customers transferred")
		if callErr != nil {
			return callErr
		}
		codes := map[string]int{}
		for _, r := range res {
			codes[r.ExternalUserID] = r.ErrCode
		}
		outcome = func(it *Item) {
			code, listed := codes[it.ID]
			switch {
			case !listed || code == 0 || code == codeInTransfer:
				// 40100: already in transfer, from an earlier try whose
				// answer was lost: waiting, not sent again.
				it.State, it.Sent = StateWaiting, now()
			default:
				it.State, it.ErrCode, it.Reason = StateFailed, code, Reason(code)
			}
		}
	case KindGroup:
		failed, callErr := s.cfg.Client.TransferGroupChats(ctx, ids, c.Takeover)
		s.cfg.Logger.Info().Str("leaver", c.Leaver).Str("takeover", c.Takeover).Int("groups", len(ids)).AnErr("error", callErr).Msg("handover: customer groups transferred")
		if callErr != nil {
			return callErr
		}
		fails := map[string]wecom.GroupTransferFailure{}
		for _, f := range failed {
			fails[f.ChatID] = f
		}
		// A group whose owner "has not left" may be one handed over
		// already (a lost answer): its owner says so.
		moved := map[string]bool{}
		for id, f := range fails {
			if f.ErrCode == codeOwnerNotResigned {
				if owner, err := s.cfg.Client.ExternalGroupChatOwner(ctx, id); err == nil && owner == c.Takeover {
					moved[id] = true
				}
			}
		}
		outcome = func(it *Item) {
			if f, bad := fails[it.ID]; bad && !moved[it.ID] {
				it.State, it.ErrCode, it.Reason = StateFailed, f.ErrCode, Reason(f.ErrCode)
				return
			}
			it.State, it.Done = StateTaken, now() // a group changes owner at once
		}
	default:
		return fmt.Errorf("handover call %s: unknown kind %q: %w", c.Key, c.Kind, wecom.ErrInvalidRequest)
	}
	var tally transferAudit
	err = h.settle(ctx, c, func() { tally = transferAudit{Takeover: c.Takeover, Call: c.Key} }, func(it *Item) {
		it.Call, it.Attempts, it.NextTry, it.ErrCode, it.Reason = "", 0, time.Time{}, 0, ""
		outcome(it)
		tally.count(it)
	})
	if err == nil && tally.Items > 0 {
		// Nothing left to settle: a concurrent delivery of this call (one
		// replica's slow call taken over by another) settled the items
		// first and audited the transfer; WeCom's answer to this one
		// (40100, already in transfer) changed nothing.
		h.audit(ctx, c, auditTransfer[c.Kind], tally)
	}
	return err
}

// transferAudit is what the audit log keeps of a transfer.
type transferAudit struct {
	Takeover string `json:"takeover"`
	Call     string `json:"call"`
	Items    int    `json:"items"`
	Waiting  int    `json:"waiting,omitempty"`
	Taken    int    `json:"taken,omitempty"`
	Failed   int    `json:"failed,omitempty"`
	ErrCode  int    `json:"errcode,omitempty"`
}

func (a *transferAudit) count(it *Item) {
	a.Items++
	switch it.State {
	case StateWaiting:
		a.Waiting++
	case StateTaken:
		a.Taken++
	case StateFailed:
		a.Failed++
	}
}

// Audit actions of the transfers (handlers/i18n.go names them).
var auditTransfer = map[string]string{KindCustomer: "handover.transfer", KindGroup: "handover.transfer_groups"}

const auditGivenUp = "handover.transfer_failed"

// givenUpReason is a given-up transfer's reason when WeCom gave no
// errcode (it could not be reached, or answered garbage).
const givenUpReason = "多次尝试仍未送达企业微信，已停止重试"

// audit records a transfer in the audit log; a failure is logged (the
// transfer is made and recorded on its items either way).
func (h handler) audit(ctx context.Context, c transferCall, action string, a transferAudit) {
	after, _ := json.Marshal(a)
	e := store.AuditEntry{Time: h.s.cfg.Now(), Role: "system", Action: action, Target: c.Leaver, After: after}
	if err := h.s.cfg.Store.Audit(ctx, e); err != nil {
		h.s.cfg.Logger.Warn().Err(err).Str("call", c.Key).Msg("handover: transfer not audited")
	}
}

// settle applies f to the items still c's. The change may run more than
// once (an optimistic transaction retried after a concurrent change, such
// as another delivery of c settling the items first): start runs before
// each run, so what f counts is the run that took effect.
func (h handler) settle(ctx context.Context, c transferCall, start func(), f func(it *Item)) error {
	_, err := h.s.update(ctx, c.Leaver, func(hv *Handover) error {
		start()
		for _, id := range c.IDs {
			if it := hv.Items[itemKey(c.Kind, id)]; c.ours(it) {
				f(it)
			}
		}
		return nil
	})
	return err
}

// Failed records a failed transfer on its items: still sending, with the
// attempt and when the outbox tries again, or failed with the reason in
// Chinese when the outbox gave up (HR may assign them again).
func (h handler) Failed(ctx context.Context, raw json.RawMessage, f outcall.Failure) error {
	c, err := decodeCall(raw)
	if err != nil {
		return nil // nothing to record: the entry is dead-lettered as is
	}
	code := 0
	if apiErr, ok := errors.AsType[*wecom.APIError](f.Err); ok {
		code = apiErr.Code
	}
	var tally transferAudit
	err = h.settle(ctx, c, func() { tally = transferAudit{Takeover: c.Takeover, Call: c.Key, ErrCode: code} }, func(it *Item) {
		it.Attempts, it.NextTry, it.ErrCode = f.Attempt, f.Retry, code
		if !f.Dead {
			return
		}
		it.State = StateFailed // the key stays: see ours
		switch {
		case code != 0:
			it.Reason = Reason(code)
		default:
			// HR reads this on the 离职继承 page: Chinese only; the
			// error itself (English, with URLs) is in the sender's log
			// line and the dead letter.
			it.Reason = givenUpReason
		}
		tally.count(it)
	})
	if err == nil && f.Dead && tally.Items > 0 {
		h.audit(ctx, c, auditGivenUp, tally)
	}
	return err
}
