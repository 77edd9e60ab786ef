package intercept

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/outcall"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/rules"
)

// Client is the part of the WeCom API the sync calls (*wecom.Client).
type Client interface {
	AddInterceptRule(ctx context.Context, r wecom.InterceptRule) (string, error)
	InterceptRules(ctx context.Context) ([]wecom.InterceptRuleInfo, error)
	UpdateInterceptRule(ctx context.Context, u wecom.InterceptRuleUpdate) error
	DeleteInterceptRule(ctx context.Context, id string) error
}

// Store is what the sync keeps in Redis (*store.Store): the rule set, the
// lease that elects the one replica that plans, the sync state, and the
// outbox its calls travel through.
type Store interface {
	Rules(ctx context.Context) (map[string][]byte, int64, error)
	RulesVersion(ctx context.Context) (int64, error)
	WatchRules(ctx context.Context, changed func(version int64))
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	InterceptState(ctx context.Context) ([]byte, bool, error)
	UpdateInterceptState(ctx context.Context, change func(old []byte) ([]byte, error)) error
	outcall.Outbox
}

var _ Client = (*wecom.Client)(nil)

// Sync statuses.
const (
	StatusInStep  = "in_step" // WeCom holds what the rule set in force asks for
	StatusPending = "pending" // the rule set changed; its calls are not all made yet
	StatusFailed  = "failed"  // a call failed: the outbox retries it, or gave up (Dead)
)

// Owned is a rule the sync made, as WeCom holds it.
type Owned struct {
	ID   string `json:"id"`
	Rule Rule   `json:"rule"`
}

// State is the sync's record in Redis, changed atomically by the planning
// replica and by the deliveries of its calls.
type State struct {
	// Version is the rule-set version WeCom was last brought in step with;
	// Wanted the version the last plan aimed at.
	Version int64  `json:"version"`
	Wanted  int64  `json:"wanted"`
	Status  string `json:"status"`
	ErrCode int    `json:"errcode,omitempty"`
	Error   string `json:"error,omitempty"`
	// Attempts counts the tries of the failing call.
	Attempts int `json:"attempts,omitempty"`
	// NextTry is when the outbox tries the failing call again (or, when
	// Dead or the listing failed, when the sync plans again).
	NextTry time.Time `json:"next_try,omitzero"`
	// Dead: the outbox gave up on a call (a permanent refusal, or a day of
	// failures); the next plan tries again.
	Dead bool `json:"dead,omitempty"`
	// Synced is when WeCom was last found in step; Checked when the sync
	// last planned.
	Synced  time.Time        `json:"synced,omitzero"`
	Checked time.Time        `json:"checked,omitzero"`
	Rules   map[string]Owned `json:"rules"`
	LeftOut []LeftOut        `json:"left_out,omitempty"`
	// Foreign is how many rules others made (they count against the
	// corp's 100 and are never touched).
	Foreign int `json:"foreign"`
	// Changes counts the calls of the last plan that changed WeCom.
	Changes Changes `json:"changes"`
	// Plan numbers the plans: a call of an older plan is dropped.
	Plan int64 `json:"plan"`
	// Calls are the plan's calls not made yet, by outbox key; Queued says
	// they are all in the outbox.
	Calls  map[string]Call `json:"calls,omitempty"`
	Queued bool            `json:"queued,omitempty"`
	// Claims are the rules a delivery is changing now, by rule key: only
	// the claiming delivery calls WeCom for the rule.
	Claims map[string]Claim `json:"claims,omitempty"`
}

// Changes counts what a sync sent.
type Changes struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
	Adopted int `json:"adopted"`
}

// Config holds a Syncer's dependencies.
type Config struct {
	Client Client
	Store  Store
	Logger zerolog.Logger
	// Holder names this replica for the lease (default: random).
	Holder string
	// Poll is how often the sync checks the rule-set version and the
	// lease (default 2 s); a change announced on pub/sub starts it at once.
	Poll time.Duration
	// Verify is how often WeCom is checked while in step, for rules
	// deleted in the admin console, and how long the sync waits to plan
	// again after the outbox gave up on a call (default 10 min).
	Verify time.Duration
	// MaxRules is how many rules the sync may make (default and at most
	// 100, WeCom's limit a corp, less the rules others made).
	MaxRules int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Syncer keeps WeCom's intercept rules in step with the rule set: the
// replica holding the lease plans (Sync), and every replica's sender
// makes the planned calls through the outbox (Handler).
type Syncer struct {
	cfg  Config
	kick chan struct{}
}

// LeaseName is the lease the planning replica holds.
const LeaseName = "intercept-sync"

// New checks cfg and builds a Syncer.
func New(cfg Config) (*Syncer, error) {
	if cfg.Client == nil || cfg.Store == nil {
		return nil, errors.New("new intercept syncer: a WeCom client and a store are required")
	}
	if cfg.Holder == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.Holder = hex.EncodeToString(b[:])
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Verify <= 0 {
		cfg.Verify = 10 * time.Minute
	}
	if cfg.MaxRules <= 0 || cfg.MaxRules > wecom.MaxInterceptRules {
		cfg.MaxRules = wecom.MaxInterceptRules
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Syncer{cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Kick asks for a sync now (when this replica holds the lease).
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run plans after every rule-set change, after a failure's wait and
// periodically to verify WeCom's rules, while this replica holds the
// lease, until ctx ends.
func (s *Syncer) Run(ctx context.Context) {
	go s.cfg.Store.WatchRules(ctx, func(int64) { s.Kick() })
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		s.Step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Step runs one round: take or renew the lease, and plan when the rule
// set moved, a wait after a failure ended or a verification is due; queue
// again what a failed enqueue left. Errors are logged; the state records
// them.
func (s *Syncer) Step(ctx context.Context) {
	ok, err := s.cfg.Store.TryLease(ctx, LeaseName, s.cfg.Holder, max(15*time.Second, 5*s.cfg.Poll))
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync: lease check failed")
		return
	}
	if !ok {
		return // another replica plans
	}
	v, err := s.cfg.Store.RulesVersion(ctx)
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync: rule set version check failed")
		return
	}
	st, err := s.load(ctx)
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync: state unreadable")
		return
	}
	now := s.cfg.Now()
	due := false
	switch {
	case v != st.Wanted:
		due = true // a new rule set: at once
	case !st.Queued && len(st.Calls) > 0:
		if err := s.enqueue(ctx, st); err != nil {
			s.cfg.Logger.Warn().Err(err).Msg("intercept sync: queueing the calls failed; retrying")
		}
		return
	case st.Status == StatusFailed && (st.Dead || len(st.Calls) == 0):
		due = !now.Before(st.NextTry) // the outbox gave up, or the listing failed
	default:
		due = now.Sub(st.Checked) >= s.cfg.Verify
	}
	if !due {
		return
	}
	if err := s.Sync(ctx); err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync failed; retrying")
	}
}

func decodeState(data []byte) (State, error) {
	var st State
	if data != nil {
		if err := json.Unmarshal(data, &st); err != nil {
			return st, fmt.Errorf("decode intercept state: %w", err)
		}
	}
	if st.Rules == nil {
		st.Rules = map[string]Owned{}
	}
	if st.Calls == nil {
		st.Calls = map[string]Call{}
	}
	if st.Claims == nil {
		st.Claims = map[string]Claim{}
	}
	return st, nil
}

func (s *Syncer) load(ctx context.Context) (State, error) {
	data, _, err := s.cfg.Store.InterceptState(ctx)
	if err != nil {
		return State{}, err
	}
	return decodeState(data)
}

// change applies f to the state atomically.
func (s *Syncer) change(ctx context.Context, f func(st *State) error) (State, error) {
	var out State
	err := s.cfg.Store.UpdateInterceptState(ctx, func(old []byte) ([]byte, error) {
		st, err := decodeState(old)
		if err != nil {
			return nil, err
		}
		if err := f(&st); err != nil {
			return nil, err
		}
		out = st
		return json.Marshal(st)
	})
	return out, err
}

// backoff is the wait before planning again after n failed listings: 5 s
// doubling, at most 10 min.
func backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// fail records err as the state's failure.
func (st *State) fail(err error) {
	st.Status, st.Error, st.ErrCode = StatusFailed, err.Error(), 0
	if apiErr, ok := errors.AsType[*wecom.APIError](err); ok {
		st.ErrCode = apiErr.Code
	}
}

// Sync plans once: it reads the rule set and WeCom's rules, works out
// within the room the others' rules leave which rules to delete, update
// and add, records them as the plan's calls and queues each as an outbox
// entry (deletes first: they make room for adds). The calls are made by
// the sender (Handler). The caller holds the lease.
func (s *Syncer) Sync(ctx context.Context) error {
	files, v, err := s.cfg.Store.Rules(ctx)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	var remote []wecom.InterceptRuleInfo
	rs, err := rules.LoadFiles(files)
	if err != nil {
		err = fmt.Errorf("load rule set version %d: %w", v, err)
	} else {
		remote, err = s.cfg.Client.InterceptRules(ctx)
	}
	if err != nil {
		_, serr := s.change(ctx, func(st *State) error {
			st.Wanted, st.Checked = v, now
			st.fail(err)
			st.Attempts++
			st.NextTry = now.Add(backoff(st.Attempts))
			return nil
		})
		return errors.Join(err, serr)
	}
	st, err := s.change(ctx, func(st *State) error {
		s.plan(st, rs, remote, v, now)
		return nil
	})
	if err != nil {
		return err
	}
	if len(st.Calls) == 0 {
		s.cfg.Logger.Info().Int64("version", v).Int("rules", len(st.Rules)).Int("left_out", len(st.LeftOut)).Msg("intercept rules in step")
		return nil
	}
	s.cfg.Logger.Info().Int64("version", v).Int64("plan", st.Plan).Int("calls", len(st.Calls)).Int("left_out", len(st.LeftOut)).Msg("intercept rules: calls queued")
	return s.enqueue(ctx, st)
}

// plan makes st the plan for rule set rs (version v) against WeCom's
// rules remote.
func (s *Syncer) plan(st *State, rs *rules.RuleSet, remote []wecom.InterceptRuleInfo, v int64, now time.Time) {
	st.Wanted, st.Checked, st.Changes = v, now, Changes{}
	st.Plan++
	prev := st.Calls
	st.Calls, st.Queued, st.Dead = map[string]Call{}, false, false
	live := false // a delivery is changing a rule now
	for k, c := range st.Claims {
		if now.Sub(c.Since) >= staleClaim {
			delete(st.Claims, k)
		} else {
			live = true
		}
	}
	ids := map[string]string{} // id → name
	for _, r := range remote {
		ids[r.ID] = r.Name
	}
	// Rules deleted in the admin console are made again.
	for k, o := range st.Rules {
		if _, ok := ids[o.ID]; !ok && st.Claims[k].Call == "" {
			delete(st.Rules, k)
		}
	}
	owned := map[string]bool{}
	for _, o := range st.Rules {
		owned[o.ID] = true
	}
	// Rules of ours whose add answer was lost carry our name prefix.
	// While a delivery is under way such a rule may be its add: left
	// alone until the next plan.
	orphans := map[string]string{} // name → id
	var strays []string            // more rules of one name: all but one
	for _, r := range remote {
		if !owned[r.ID] && strings.HasPrefix(r.Name, NamePrefix) {
			if _, dup := orphans[r.Name]; dup {
				strays = append(strays, r.ID)
				continue
			}
			orphans[r.Name] = r.ID
		}
	}
	st.Foreign = len(remote) - len(st.Rules) - len(orphans) - len(strays)
	plan := Build(rs, min(s.cfg.MaxRules, wecom.MaxInterceptRules-st.Foreign))
	st.LeftOut = plan.LeftOut
	want := map[string]Rule{}
	names := map[string]bool{}
	for _, r := range plan.Rules {
		want[r.Key] = r
		names[r.Name] = true
	}
	// A change planned before and not made yet keeps its key, its entry
	// (still in the outbox, retried with backoff) and its attempts: a
	// replan (every Verify) does not start a failing call afresh, so the
	// outbox's dead-letter limit holds. Only while the call was planned or
	// failed within two verifications: a failing call fails every few
	// minutes (the backoff's 5 min at most), so one quiet longer may have
	// lost its entry (dropped by a replica of an older release as an older
	// plan's) and is queued anew. Other calls get keys of this plan, whose
	// random part no plan repeats, even after the state was lost (the
	// outbox keeps the marks of queued keys for 7 days).
	nonce := planNonce()
	n := 0
	add := func(c Call) {
		for k, old := range prev {
			if !old.Dead && sameCall(old, c) && now.Sub(old.Touched) < 2*s.cfg.Verify {
				st.Calls[k] = old
				delete(prev, k)
				return
			}
		}
		n++
		c.Plan, c.Seq, c.Touched = st.Plan, n, now
		st.Calls[fmt.Sprintf("intercept/%d-%s/%03d", st.Plan, nonce, n)] = c
	}
	for _, k := range slices.Sorted(maps.Keys(st.Rules)) {
		if _, keep := want[k]; !keep {
			add(Call{Op: OpDelete, Rule: k})
		}
	}
	if !live {
		for name, id := range orphans {
			if !names[name] {
				add(Call{Op: OpDelete, ID: id, Name: name})
			}
		}
		for _, id := range strays {
			add(Call{Op: OpDelete, ID: id, Name: ids[id]})
		}
	}
	for _, r := range plan.Rules {
		o, have := st.Rules[r.Key]
		if id, ok := orphans[r.Name]; !have && ok && !live {
			// Adopt it with an empty record: the update makes it what the
			// plan says, whatever it holds.
			o, have = Owned{ID: id, Rule: Rule{Name: r.Name}}, true
			st.Rules[r.Key] = o
			st.Changes.Adopted++
		}
		if have && same(o.Rule, r) {
			continue
		}
		add(Call{Op: OpEnsure, Rule: r.Key, Want: &r})
	}
	if len(st.Calls) == 0 {
		st.Status, st.Version, st.Synced = StatusInStep, v, now
		st.Attempts, st.ErrCode, st.Error, st.NextTry = 0, 0, "", time.Time{}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(st.Calls)) {
		if c := st.Calls[k]; c.Error != "" {
			// A failing call carried over: still failed, retried when
			// the outbox said.
			st.Status, st.Attempts, st.ErrCode, st.Error = StatusFailed, c.Attempts, c.ErrCode, c.Error
			return
		}
	}
	st.Status, st.Attempts, st.ErrCode, st.Error, st.NextTry = StatusPending, 0, 0, "", time.Time{}
}

// planNonce is the random part of a plan's call keys.
func planNonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// sameCall reports whether a and b make the same change.
func sameCall(a, b Call) bool {
	if a.Op != b.Op || a.Rule != b.Rule || a.ID != b.ID || (a.Want == nil) != (b.Want == nil) {
		return false
	}
	return a.Want == nil || (same(*a.Want, *b.Want) && a.Want.Key == b.Want.Key)
}

// enqueue puts the plan's calls in the outbox, in their order, and marks
// them queued. A call queued before under its key is not queued twice: a
// call carried from an earlier plan, or one this plan queued before a
// failure stopped it from marking them all.
func (s *Syncer) enqueue(ctx context.Context, st State) error {
	keys := slices.Sorted(maps.Keys(st.Calls))
	now := s.cfg.Now()
	for _, k := range keys {
		c := st.Calls[k]
		added, err := outcall.Enqueue(ctx, s.cfg.Store, CallName, k, c.Describe(st.Rules), callArgs{Key: k, Plan: c.Plan}, now)
		if err != nil {
			return err
		}
		if !added && c.Plan == st.Plan {
			s.cfg.Logger.Warn().Str("call", k).Int64("plan", st.Plan).Msg("intercept call already queued under its key; not queued again")
		}
	}
	_, err := s.change(ctx, func(cur *State) error {
		if cur.Plan == st.Plan {
			cur.Queued = true
		}
		return nil
	})
	return err
}

// update is the change from what WeCom holds (o) to r: words, semantics
// and type replaced, the range changed by what to add and to remove.
func update(o Owned, r Rule) wecom.InterceptRuleUpdate {
	u := wecom.InterceptRuleUpdate{ID: o.ID, Name: r.Name, Words: r.Words, Semantics: r.Semantics, Type: r.Type()}
	u.AddRange.Users = minus(r.Range.Users, o.Rule.Range.Users)
	u.AddRange.Departments = minus(r.Range.Departments, o.Rule.Range.Departments)
	u.RemoveRange.Users = minus(o.Rule.Range.Users, r.Range.Users)
	u.RemoveRange.Departments = minus(o.Rule.Range.Departments, r.Range.Departments)
	return u
}

func minus[T comparable](a, b []T) []T {
	var out []T
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func same(a, b Rule) bool {
	return a.Name == b.Name && a.Mode == b.Mode && slices.Equal(a.Words, b.Words) && slices.Equal(a.Semantics, b.Semantics) &&
		sameSet(a.Range.Users, b.Range.Users) && sameSet(a.Range.Departments, b.Range.Departments)
}

func sameSet[T comparable](a, b []T) bool {
	return len(minus(a, b)) == 0 && len(minus(b, a)) == 0
}

// Report is the sync's state as the admin API shows it.
type Report struct {
	State
	// Current is the version of the rule set in force.
	Current int64 `json:"current"`
}

// Status reads the sync state for the admin API: pending when the rule
// set moved past what WeCom holds and no failure is recorded.
func Status(ctx context.Context, st Store) (Report, error) {
	data, found, err := st.InterceptState(ctx)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if found {
		if err := json.Unmarshal(data, &r.State); err != nil {
			return Report{}, fmt.Errorf("decode intercept state: %w", err)
		}
	}
	if r.Current, err = st.RulesVersion(ctx); err != nil {
		return Report{}, err
	}
	if r.Status == "" || (r.Status == StatusInStep && r.Version != r.Current) {
		r.Status = StatusPending
	}
	return r, nil
}

// InterceptStatus reads the sync state for the admin API.
func (s *Syncer) InterceptStatus(ctx context.Context) (Report, error) {
	return Status(ctx, s.cfg.Store)
}
