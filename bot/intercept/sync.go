package intercept

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

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
// lease that elects the one replica that syncs, and the sync state.
type Store interface {
	Rules(ctx context.Context) (map[string][]byte, int64, error)
	RulesVersion(ctx context.Context) (int64, error)
	WatchRules(ctx context.Context, changed func(version int64))
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	InterceptState(ctx context.Context) ([]byte, bool, error)
	SetInterceptState(ctx context.Context, data []byte) error
}

var _ Client = (*wecom.Client)(nil)

// Sync statuses.
const (
	StatusInStep  = "in_step" // WeCom holds what the rule set in force asks for
	StatusPending = "pending" // the rule set changed; the sync has not run yet
	StatusFailed  = "failed"  // the last sync failed; it is retried with backoff
)

// Owned is a rule the sync made, as WeCom holds it.
type Owned struct {
	ID   string `json:"id"`
	Rule Rule   `json:"rule"`
}

// State is the sync's record in Redis.
type State struct {
	// Version is the rule-set version WeCom was last brought in step with;
	// Wanted the version the last attempt aimed at.
	Version  int64  `json:"version"`
	Wanted   int64  `json:"wanted"`
	Status   string `json:"status"`
	ErrCode  int    `json:"errcode,omitempty"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
	// NextTry is when a failed sync is tried again.
	NextTry time.Time `json:"next_try,omitzero"`
	// Synced is when WeCom was last found in step; Checked when the sync
	// last ran.
	Synced  time.Time        `json:"synced,omitzero"`
	Checked time.Time        `json:"checked,omitzero"`
	Rules   map[string]Owned `json:"rules"`
	LeftOut []LeftOut        `json:"left_out,omitempty"`
	// Foreign is how many rules others made (they count against the
	// corp's 100 and are never touched).
	Foreign int `json:"foreign"`
	// Changes counts the calls of the last sync that changed WeCom.
	Changes Changes `json:"changes"`
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
	// deleted in the admin console (default 10 min).
	Verify time.Duration
	// MaxRules is how many rules the sync may make (default and at most
	// 100, WeCom's limit a corp, less the rules others made).
	MaxRules int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Syncer keeps WeCom's intercept rules in step with the rule set.
type Syncer struct {
	cfg  Config
	kick chan struct{}
}

// LeaseName is the lease the syncing replica holds.
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

// Run syncs after every rule-set change, retries failures with backoff and
// verifies WeCom's rules periodically, while this replica holds the lease,
// until ctx ends.
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

// Step runs one round: take or renew the lease, and sync when the rule set
// moved, a retry is due or a verification is. Errors are logged; the
// state records them.
func (s *Syncer) Step(ctx context.Context) {
	ok, err := s.cfg.Store.TryLease(ctx, LeaseName, s.cfg.Holder, max(15*time.Second, 5*s.cfg.Poll))
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync: lease check failed")
		return
	}
	if !ok {
		return // another replica syncs
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
		due = true // a new rule set: at once, whatever the backoff
	case st.Status != StatusInStep:
		due = !now.Before(st.NextTry)
	default:
		due = now.Sub(st.Checked) >= s.cfg.Verify
	}
	if !due {
		return
	}
	if err := s.Sync(ctx); err != nil {
		s.cfg.Logger.Warn().Err(err).Msg("intercept sync failed; retrying with backoff")
	}
}

func (s *Syncer) load(ctx context.Context) (State, error) {
	var st State
	data, found, err := s.cfg.Store.InterceptState(ctx)
	if err != nil || !found {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("decode intercept state: %w", err)
	}
	return st, nil
}

func (s *Syncer) save(ctx context.Context, st *State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode intercept state: %w", err)
	}
	return s.cfg.Store.SetInterceptState(ctx, data)
}

// backoff is the wait before attempt n+1 after n failures: 5 s doubling,
// at most 10 min.
func backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// Sync brings WeCom's rules in step with the stored rule set once: it
// lists WeCom's rules, plans within the room the others' rules leave,
// deletes, updates and adds what differs (saving the state after every
// change, so no made rule is forgotten), and records the outcome. The
// caller holds the lease.
func (s *Syncer) Sync(ctx context.Context) error {
	st, err := s.load(ctx)
	if err != nil {
		return err
	}
	if st.Rules == nil {
		st.Rules = map[string]Owned{}
	}
	files, v, err := s.cfg.Store.Rules(ctx)
	if err != nil {
		return err
	}
	st.Wanted, st.Checked, st.Changes = v, s.cfg.Now(), Changes{}
	err = s.apply(ctx, &st, files)
	if err != nil {
		st.Status = StatusFailed
		st.Attempts++
		st.NextTry = s.cfg.Now().Add(backoff(st.Attempts))
		st.Error = err.Error()
		st.ErrCode = 0
		if apiErr, ok := errors.AsType[*wecom.APIError](err); ok {
			st.ErrCode = apiErr.Code
		}
	} else {
		st.Status, st.Version, st.Synced = StatusInStep, v, s.cfg.Now()
		st.Attempts, st.ErrCode, st.Error, st.NextTry = 0, 0, "", time.Time{}
		s.cfg.Logger.Info().Int64("version", v).Int("rules", len(st.Rules)).Int("left_out", len(st.LeftOut)).
			Int("added", st.Changes.Added).Int("updated", st.Changes.Updated).Int("deleted", st.Changes.Deleted).
			Msg("intercept rules in step")
	}
	if serr := s.save(ctx, &st); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

func (s *Syncer) apply(ctx context.Context, st *State, files map[string][]byte) error {
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return fmt.Errorf("load rule set version %d: %w", st.Wanted, err)
	}
	remote, err := s.cfg.Client.InterceptRules(ctx)
	if err != nil {
		return err
	}
	ids := map[string]string{} // id → name
	for _, r := range remote {
		ids[r.ID] = r.Name
	}
	// Rules deleted in the admin console are made again.
	for k, o := range st.Rules {
		if _, ok := ids[o.ID]; !ok {
			delete(st.Rules, k)
		}
	}
	owned := map[string]bool{}
	for _, o := range st.Rules {
		owned[o.ID] = true
	}
	// Rules of ours whose add answer was lost carry our name prefix.
	orphans := map[string]string{} // name → id
	for _, r := range remote {
		if !owned[r.ID] && strings.HasPrefix(r.Name, NamePrefix) {
			orphans[r.Name] = r.ID
		}
	}
	st.Foreign = len(remote) - len(st.Rules) - len(orphans)
	plan := Build(rs, min(s.cfg.MaxRules, wecom.MaxInterceptRules-st.Foreign))
	st.LeftOut = plan.LeftOut
	want := map[string]Rule{}
	for _, r := range plan.Rules {
		want[r.Key] = r
	}
	var errs []error
	// Deletes first: they make room for adds.
	for _, k := range sortedKeys(st.Rules) {
		if _, keep := want[k]; keep {
			continue
		}
		if err := s.cfg.Client.DeleteInterceptRule(ctx, st.Rules[k].ID); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(st.Rules, k)
		st.Changes.Deleted++
		if err := s.save(ctx, st); err != nil {
			return err
		}
	}
	for _, id := range orphans {
		if !slices.ContainsFunc(plan.Rules, func(r Rule) bool { return orphans[r.Name] == id }) {
			if err := s.cfg.Client.DeleteInterceptRule(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, r := range plan.Rules {
		o, have := st.Rules[r.Key]
		if !have {
			if id, ok := orphans[r.Name]; ok {
				// Adopt it with an empty record: the update below makes
				// it what the plan says, whatever it holds.
				o, have = Owned{ID: id, Rule: Rule{Name: r.Name}}, true
				st.Changes.Adopted++
			}
		}
		switch {
		case have && same(o.Rule, r):
			continue
		case have:
			err = s.cfg.Client.UpdateInterceptRule(ctx, update(o, r))
			if err == nil {
				st.Changes.Updated++
			}
		default:
			var id string
			id, err = s.cfg.Client.AddInterceptRule(ctx, wecom.InterceptRule{Name: r.Name, Words: r.Words, Semantics: r.Semantics, Type: r.Type(), Range: r.Range})
			o = Owned{ID: id}
			if err == nil {
				st.Changes.Added++
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o.Rule = r
		st.Rules[r.Key] = o
		if err := s.save(ctx, st); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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
