package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/rules"
)

// PolicyStore is where the rule set lives, shared by replicas (bot/store).
type PolicyStore interface {
	Rules(ctx context.Context) (map[string][]byte, int64, error)
	RulesVersion(ctx context.Context) (int64, error)
	SeedRules(ctx context.Context, files map[string][]byte) (bool, error)
	WatchRules(ctx context.Context, changed func(version int64))
}

// Policy holds the compiled rule set in force and keeps it current: a
// change in Redis (announced on pub/sub, or seen by the periodic version
// check when an announcement is lost) is compiled in the background and
// swapped in atomically, so no message meets a half-built matcher and no
// callback waits for a rebuild.
type Policy struct {
	store PolicyStore
	log   zerolog.Logger
	poll  time.Duration
	// compiled is PolicyConfig.Compiled.
	compiled func(version int64, took time.Duration)

	cur atomic.Pointer[compiled]
	mu  sync.Mutex // one rebuild at a time
}

type compiled struct {
	engine  *rules.Engine
	version int64
}

// PolicyConfig holds a Policy's dependencies.
type PolicyConfig struct {
	Store PolicyStore
	// Seed is the rule set written to a Redis that has none yet (the
	// embedded default, or a rules directory).
	Seed   map[string][]byte
	Logger zerolog.Logger
	// Poll is the period of the version check (default 1 s).
	Poll time.Duration
	// Compiled, when set, is told each rule set compiled into force and
	// how long compiling took (metrics).
	Compiled func(version int64, took time.Duration)
}

// NewPolicy seeds Redis if it holds no rule set, loads the stored one and
// compiles it.
func NewPolicy(ctx context.Context, cfg PolicyConfig) (*Policy, error) {
	p := &Policy{store: cfg.Store, log: cfg.Logger, poll: cfg.Poll, compiled: cfg.Compiled}
	if p.poll <= 0 {
		p.poll = time.Second
	}
	if _, err := cfg.Store.SeedRules(ctx, cfg.Seed); err != nil {
		return nil, err
	}
	if err := p.reload(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Engine returns the engine in force.
func (p *Policy) Engine() *rules.Engine { return p.cur.Load().engine }

// Checker returns the engine in force as a Checker (for Config.Checker).
func (p *Policy) Checker() Checker { return p.cur.Load().engine }

// Version returns the version of the rule set in force.
func (p *Policy) Version() int64 { return p.cur.Load().version }

// Run keeps the policy current until ctx ends.
func (p *Policy) Run(ctx context.Context) {
	go p.store.WatchRules(ctx, func(v int64) {
		if v != p.Version() {
			p.reloadLogged(ctx)
		}
	})
	t := time.NewTicker(p.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			v, err := p.store.RulesVersion(ctx)
			if err != nil {
				p.log.Warn().Err(err).Msg("rule set version check failed; keeping the rules in force")
				continue
			}
			if v != p.Version() {
				p.reloadLogged(ctx)
			}
		}
	}
}

func (p *Policy) reloadLogged(ctx context.Context) {
	before := p.Version()
	if err := p.reload(ctx); err != nil {
		p.log.Error().Err(err).Int64("in_force", before).Msg("rule set reload failed; keeping the rules in force")
		return
	}
	if v := p.Version(); v != before {
		p.log.Info().Int64("version", v).Int("words", p.Engine().Words()).Msg("rule set reloaded")
	}
}

// reload compiles the stored rule set if it is not the one in force.
func (p *Policy) reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	files, v, err := p.store.Rules(ctx)
	if err != nil {
		return err
	}
	if cur := p.cur.Load(); cur != nil && cur.version == v {
		return nil
	}
	start := time.Now()
	engine, err := CompileFiles(files)
	if err != nil {
		return fmt.Errorf("rule set version %d: %w", v, err)
	}
	if p.compiled != nil {
		p.compiled(v, time.Since(start))
	}
	p.cur.Store(&compiled{engine: engine, version: v})
	return nil
}

// CompileFiles loads and compiles a rule set given as files (path →
// content, as in a rules directory and in Redis).
func CompileFiles(files map[string][]byte) (*rules.Engine, error) {
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return nil, err
	}
	return rules.Compile(rs)
}
