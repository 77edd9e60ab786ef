package intercept

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// CallName is the name the sync's calls travel under in the outbox
// (bot.SenderConfig.Calls).
const CallName = "intercept"

// Call operations.
const (
	// OpEnsure makes WeCom's rule for Rule what Want says: an update of
	// the rule we made (or adopted), else an add.
	OpEnsure = "ensure"
	// OpDelete deletes the rule we made for Rule, or the stray rule ID.
	OpDelete = "delete"
)

// Call is one planned change of WeCom's rules.
type Call struct {
	Op   string `json:"op"`
	Rule string `json:"rule,omitempty"` // the rule's key
	ID   string `json:"id,omitempty"`   // a stray rule of ours to delete
	// Name is the stray rule's name in WeCom, for people (Describe).
	Name string `json:"name,omitempty"`
	Want *Rule  `json:"want,omitempty"`
	Plan int64  `json:"plan"`
	Seq  int    `json:"seq"`
	// Attempts, ErrCode and Error are the outbox's tries that failed;
	// Dead that it gave up.
	Attempts int    `json:"attempts,omitempty"`
	ErrCode  int    `json:"errcode,omitempty"`
	Error    string `json:"error,omitempty"`
	Dead     bool   `json:"dead,omitempty"`
	// Touched is when the call was planned or last failed: a replan keeps
	// the key of a call touched within two verifications (its entry is
	// alive, retried with backoff), never of one whose entry may be gone.
	Touched time.Time `json:"touched,omitzero"`
}

// Describe says in Chinese what c changes, given the rules made so far.
func (c Call) Describe(rules map[string]Owned) string {
	switch {
	case c.Op == OpEnsure && c.Want != nil:
		if _, have := rules[c.Rule]; have {
			return "更新客户聊天拦截规则「" + c.Want.Name + "」"
		}
		return "新建客户聊天拦截规则「" + c.Want.Name + "」"
	case c.Rule != "":
		if o, ok := rules[c.Rule]; ok && o.Rule.Name != "" {
			return "删除客户聊天拦截规则「" + o.Rule.Name + "」"
		}
		return "删除客户聊天拦截规则"
	}
	if c.Name != "" {
		return "删除多余的客户聊天拦截规则「" + c.Name + "」"
	}
	return "删除多余的客户聊天拦截规则" // never WeCom's rule id: it means nothing to HR
}

// Claim marks a rule a delivery is changing.
type Claim struct {
	Call  string    `json:"call"`
	Since time.Time `json:"since"`
}

// staleClaim is how long a claim holds: longer than any one call (the
// client's time limit), so only a delivery that died mid-call leaves one
// this old, and the next delivery takes the rule over.
const staleClaim = 2 * time.Minute

// callArgs is a call's outbox entry: the call itself stays in the state,
// where a newer plan replaces it.
type callArgs struct {
	Key  string `json:"key"`
	Plan int64  `json:"plan"`
}

// Handler makes the sync's calls for the sender.
func (s *Syncer) Handler() outcall.Handler { return handler{s} }

type handler struct{ s *Syncer }

// Deliver makes one planned call. A call the plan in force does not hold
// (an older plan's, or one made already) is dropped. The call's rule is claimed before WeCom is called,
// so two deliveries never change one rule at once; the outcome is recorded
// whatever the plan has become since, so no made rule is forgotten. A
// retry (attempt > 0) first looks for what an earlier try whose answer
// was lost did: an add that took effect is adopted, not made twice, and a
// delete that took effect is done.
func (h handler) Deliver(ctx context.Context, raw json.RawMessage, attempt int) error {
	s := h.s
	var a callArgs
	if err := json.Unmarshal(raw, &a); err != nil || a.Key == "" {
		return fmt.Errorf("intercept call %s: %w", raw, wecom.ErrInvalidRequest)
	}
	var (
		c        Call
		o        Owned
		have     bool
		obsolete bool
		takeover bool // a stale claim of a delivery that died mid-call
	)
	_, err := s.change(ctx, func(st *State) error {
		obsolete, takeover = false, false
		var ok bool
		// A call of the plan in force, planned by it or carried over
		// from an earlier one under its key (plan); keys never repeat.
		c, ok = st.Calls[a.Key]
		if !ok {
			obsolete = true
			return nil
		}
		slot := c.Rule
		if slot == "" {
			slot = "id:" + c.ID
		}
		// A claim under this very key is an earlier delivery of this
		// entry that did not finish: one that died mid-call (the outbox
		// hands the entry on after ClaimIdle, at the same attempt) or a
		// slow one still calling. Like another call's claim it holds
		// until stale, and is then taken over with a look first: WeCom
		// may have made the change already.
		if cl, held := st.Claims[slot]; held {
			if s.cfg.Now().Sub(cl.Since) < staleClaim {
				return fmt.Errorf("intercept call %s: rule %s: %w", a.Key, slot, outcall.ErrBusy)
			}
			takeover = true
		}
		o, have = st.Rules[c.Rule]
		if c.Op == OpEnsure && !have {
			// An add waits for the plan's deletes, which make its room
			// under WeCom's 100 rules (a refusal would be for good).
			for k, d := range st.Calls {
				if d.Op == OpDelete && !d.Dead {
					return fmt.Errorf("intercept call %s: waits for %s: %w", a.Key, k, outcall.ErrBusy)
				}
			}
		}
		st.Claims[slot] = Claim{Call: a.Key, Since: s.cfg.Now()}
		return nil
	})
	if err != nil || obsolete {
		return err
	}
	look := attempt > 0 || takeover
	var (
		result  *Owned // the rule as WeCom now holds it; nil when deleted
		counted func(*Changes)
		adopted bool
	)
	switch c.Op {
	case OpDelete:
		id := c.ID
		if id == "" {
			id = o.ID
		}
		gone := id == ""
		if !gone && look {
			gone, err = h.absent(ctx, id)
		}
		if !gone && err == nil {
			err = s.cfg.Client.DeleteInterceptRule(ctx, id)
			counted = func(ch *Changes) { ch.Deleted++ }
		}
	case OpEnsure:
		if c.Want == nil {
			err = fmt.Errorf("intercept call %s: no rule: %w", a.Key, wecom.ErrInvalidRequest)
			break
		}
		r := *c.Want
		if !have && look {
			var id string
			if id, err = h.named(ctx, r.Name); id != "" {
				o, have, adopted = Owned{ID: id, Rule: Rule{Name: r.Name}}, true, true
			}
		}
		switch {
		case err != nil:
		case have && same(o.Rule, r):
		case have:
			err = s.cfg.Client.UpdateInterceptRule(ctx, update(o, r))
			counted = func(ch *Changes) { ch.Updated++ }
		default:
			var id string
			id, err = s.cfg.Client.AddInterceptRule(ctx, wecom.InterceptRule{Name: r.Name, Words: r.Words, Semantics: r.Semantics, Type: r.Type(), Range: r.Range})
			o = Owned{ID: id}
			counted = func(ch *Changes) { ch.Added++ }
		}
		if err == nil {
			o.Rule = r
			result = &o
		}
	default:
		err = fmt.Errorf("intercept call %s: unknown op %q: %w", a.Key, c.Op, wecom.ErrInvalidRequest)
	}
	inStep := false
	_, serr := s.change(ctx, func(st *State) error {
		inStep = false
		slot := c.Rule
		if slot == "" {
			slot = "id:" + c.ID
		}
		if st.Claims[slot].Call == a.Key {
			delete(st.Claims, slot)
		}
		if err != nil {
			return nil // Failed records it
		}
		if c.Rule != "" {
			if result != nil {
				st.Rules[c.Rule] = *result
			} else {
				delete(st.Rules, c.Rule)
			}
		}
		if _, current := st.Calls[a.Key]; !current {
			return nil
		}
		if counted != nil {
			counted(&st.Changes)
		}
		if adopted {
			st.Changes.Adopted++
		}
		delete(st.Calls, a.Key)
		st.settle(s.cfg.Now())
		inStep = st.Status == StatusInStep
		return nil
	})
	if serr != nil {
		// The call was made but not recorded: the retry finds the rule by
		// its name, or finds it deleted.
		return errors.Join(err, serr)
	}
	if inStep {
		s.cfg.Logger.Info().Str("call", a.Key).Int64("plan", a.Plan).Msg("intercept rules in step")
	}
	return err
}

// settle sets the status from the calls left: in step when none is,
// failed while one has failed, pending otherwise.
func (st *State) settle(now time.Time) {
	if len(st.Calls) == 0 {
		st.Status, st.Version, st.Synced = StatusInStep, st.Wanted, now
		st.Attempts, st.ErrCode, st.Error, st.NextTry, st.Dead = 0, 0, "", time.Time{}, false
		return
	}
	for _, c := range st.Calls {
		if c.Error != "" {
			return // still failed
		}
	}
	st.Status, st.Attempts, st.ErrCode, st.Error, st.NextTry = StatusPending, 0, 0, "", time.Time{}
}

// Failed records a failed call in the state: failed with the errcode,
// the attempt and when the outbox tries again, or dead (planned again
// after Config.Verify).
func (h handler) Failed(ctx context.Context, raw json.RawMessage, f outcall.Failure) error {
	s := h.s
	var a callArgs
	_ = json.Unmarshal(raw, &a)
	if errors.Is(f.Err, outcall.ErrBusy) && !f.Dead {
		return nil // waiting its turn is no failure
	}
	_, err := s.change(ctx, func(st *State) error {
		c, ok := st.Calls[a.Key]
		if !ok {
			return nil // a call no plan wants any more
		}
		st.fail(f.Err)
		c.Attempts, c.Error, c.ErrCode, c.Dead, c.Touched = f.Attempt, st.Error, st.ErrCode, f.Dead, s.cfg.Now()
		st.Calls[a.Key] = c
		st.Attempts, st.NextTry = f.Attempt, f.Retry
		if f.Dead {
			st.Dead = true
			st.Error = f.Reason
			st.NextTry = s.cfg.Now().Add(s.cfg.Verify)
		}
		return nil
	})
	return err
}

// absent reports whether WeCom no longer holds rule id.
func (h handler) absent(ctx context.Context, id string) (bool, error) {
	remote, err := h.s.cfg.Client.InterceptRules(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range remote {
		if r.ID == id {
			return false, nil
		}
	}
	return true, nil
}

// named returns the id of WeCom's rule called name that the state does
// not own (an add whose answer was lost), or "".
func (h handler) named(ctx context.Context, name string) (string, error) {
	remote, err := h.s.cfg.Client.InterceptRules(ctx)
	if err != nil {
		return "", err
	}
	st, err := h.s.load(ctx)
	if err != nil {
		return "", err
	}
	owned := map[string]bool{}
	for _, o := range st.Rules {
		owned[o.ID] = true
	}
	for _, r := range remote {
		if r.Name == name && !owned[r.ID] {
			return r.ID, nil
		}
	}
	return "", nil
}
