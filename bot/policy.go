package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// PolicyStore is where the rule set lives, shared by replicas (bot/store).
type PolicyStore interface {
	Rules(ctx context.Context) (map[string][]byte, int64, error)
	RulesVersion(ctx context.Context) (int64, error)
	SeedRules(ctx context.Context, files map[string][]byte) (bool, error)
	WatchRules(ctx context.Context, changed func(version int64))
	// RulesDelta returns the stored version and, when it is from+1, the
	// save's delta from version from (nil when none was stored).
	RulesDelta(ctx context.Context, from int64) (int64, *store.RulesDelta, error)
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

	// foldAfter is PolicyConfig.FoldAfter; fold is the pending fold of a
	// layered engine, folding is set while one compiles.
	foldAfter time.Duration
	fold      *time.Timer
	folding   atomic.Bool
	// foldCompiled, when set (tests), runs after a fold's compile and
	// before the result is swapped in.
	foldCompiled func()
}

type compiled struct {
	engine  *rules.Engine
	version int64
	files   map[string][]byte // the stored rule set engine was made from
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
	// FoldAfter is how long after the last edit layered over the engine in
	// force (rules.Engine.Update) it is folded into one full compile, in
	// the background (default 30 s).
	FoldAfter time.Duration
}

// NewPolicy seeds Redis if it holds no rule set, loads the stored one and
// compiles it.
func NewPolicy(ctx context.Context, cfg PolicyConfig) (*Policy, error) {
	p := &Policy{store: cfg.Store, log: cfg.Logger, poll: cfg.Poll, compiled: cfg.Compiled, foldAfter: cfg.FoldAfter}
	if p.poll <= 0 {
		p.poll = time.Second
	}
	if p.foldAfter <= 0 {
		p.foldAfter = 30 * time.Second
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
	defer func() {
		// No fold after the service stopped.
		p.mu.Lock()
		if p.fold != nil {
			p.fold.Stop()
		}
		p.mu.Unlock()
	}()
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

// reload compiles the stored rule set if it is not the one in force. An
// edit of a few list words is layered over the engine in force (no full
// compile on every replica, rules/overlay.go) and folded in later. A
// replica one version behind reads the save's delta alone and applies it
// to the lists it holds (applyDelta); one further behind, or a delta it
// cannot apply, reads the whole set.
func (p *Policy) reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.cur.Load()
	if cur != nil {
		v, d, err := p.store.RulesDelta(ctx, cur.version)
		switch {
		case errors.Is(err, store.ErrInvalidDelta):
			p.log.Warn().Err(err).Int64("in_force", cur.version).Msg("rule set delta unusable; reading the whole rule set")
		case err != nil:
			return err
		case v == cur.version:
			return nil
		case d != nil:
			done, err := p.applyDelta(cur, v, d)
			if done || err != nil {
				return err
			}
		}
	}
	files, v, err := p.store.Rules(ctx)
	if err != nil {
		return err
	}
	if cur != nil && cur.version == v {
		return nil
	}
	return p.install(cur, files, v)
}

// applyDelta (under mu) applies d, the delta from the version in force cur
// to version v, to cur's files and installs the result; done is false when
// the delta does not fit cur's files (logged: the caller reads the whole
// set). An edit of list words alone is applied to the lists in force
// without reading the lists in full (rules.RuleSet.WithListHunks).
func (p *Policy) applyDelta(cur *compiled, v int64, d *store.RulesDelta) (done bool, err error) {
	if len(d.Added)+len(d.Removed) > 0 {
		return false, nil // files added or removed: the loader reads the set
	}
	files := maps.Clone(cur.files)
	hunks := make(map[string]rules.ListHunk, len(d.Files))
	lists := true
	for _, e := range d.Files {
		old, ok := files[e.Path]
		if !ok {
			p.log.Warn().Int64("in_force", cur.version).Int64("version", v).Str("file", e.Path).Msg("rule set delta names a file not in force; reading the whole rule set")
			return false, nil
		}
		data, err := e.Apply(old)
		if err != nil {
			p.log.Warn().Err(err).Int64("in_force", cur.version).Int64("version", v).Msg("rule set delta does not fit the rules in force; reading the whole rule set")
			return false, nil
		}
		files[e.Path] = data
		hunks[e.Path] = rules.ListHunk{Data: data, At: e.At, Removed: e.Cutout(old), Added: e.Insert}
		lists = lists && isWordList(e.Path)
	}
	start := time.Now()
	if len(hunks) == 0 {
		// Nothing changed: the engine in force is the version's.
		p.cur.Store(&compiled{engine: cur.engine, version: v, files: files})
		return true, nil
	}
	if lists {
		if rs, changed, ok := cur.engine.RuleSet().WithListHunks(hunks); ok {
			layered, ok, err := cur.engine.UpdateWords(rs, changed)
			if err != nil {
				return true, fmt.Errorf("rule set version %d: %w", v, err)
			}
			if ok {
				p.installed(&compiled{engine: layered, version: v, files: files}, start)
				p.scheduleFold()
				return true, nil
			}
		}
	}
	return true, p.install(cur, files, v)
}

// install (under mu) compiles files, version v, and swaps the engine in:
// an edit of list files alone is read from those files and layered over
// the engine in force cur, anything else is loaded and compiled in full.
func (p *Policy) install(cur *compiled, files map[string][]byte, v int64) error {
	start := time.Now()
	var engine *rules.Engine
	if cur != nil {
		// Only list files changed: read those alone and layer the edit.
		if rs, ok, err := cur.engine.RuleSet().WithListFiles(changedLists(cur.files, files)); err != nil {
			return fmt.Errorf("rule set version %d: %w", v, err)
		} else if ok {
			layered, ok, err := cur.engine.Update(rs)
			if err != nil {
				return fmt.Errorf("rule set version %d: %w", v, err)
			}
			if ok {
				engine = layered
				p.scheduleFold()
			}
		}
	}
	if engine == nil {
		rs, err := rules.LoadFiles(files)
		if err != nil {
			return fmt.Errorf("rule set version %d: %w", v, err)
		}
		if engine, err = rules.Compile(rs); err != nil {
			return fmt.Errorf("rule set version %d: %w", v, err)
		}
	}
	p.installed(&compiled{engine: engine, version: v, files: files}, start)
	return nil
}

// installed (under mu) puts c in force, compiled since start.
func (p *Policy) installed(c *compiled, start time.Time) {
	if p.compiled != nil {
		p.compiled(c.version, time.Since(start))
	}
	p.cur.Store(c)
}

// isWordList reports whether path is a word list file (not policy.yaml,
// not an allow list).
func isWordList(path string) bool {
	return strings.HasPrefix(path, "lists/") && !strings.HasPrefix(path, "lists/allow/")
}

// changedLists returns the files of next that differ from before, when
// all of them are word lists that before has too (an edit WithListFiles
// can read alone); otherwise, or when nothing changed, a set that
// WithListFiles refuses (policy.yaml, an added or removed file).
func changedLists(before, next map[string][]byte) map[string][]byte {
	changed := map[string][]byte{}
	refuse := map[string][]byte{"policy.yaml": nil}
	for p, data := range next {
		old, ok := before[p]
		switch {
		case ok && bytes.Equal(old, data):
		case !ok || !isWordList(p):
			return refuse
		default:
			changed[p] = data
		}
	}
	for p := range before {
		if _, ok := next[p]; !ok {
			return refuse
		}
	}
	if len(changed) == 0 {
		return refuse
	}
	return changed
}

// scheduleFold (under mu) folds the layered engine in force FoldAfter
// from now, unless another edit comes first and moves the fold on.
func (p *Policy) scheduleFold() {
	if p.fold != nil {
		p.fold.Stop()
	}
	p.fold = time.AfterFunc(p.foldAfter, p.foldNow)
}

// foldNow compiles the layered engine in force in full and swaps the
// result in if no edit came meanwhile. It does not hold mu while it
// compiles, so an edit arriving meanwhile is layered at once; one fold
// runs at a time, so at most one full compile is alive next to the
// engine in force.
func (p *Policy) foldNow() {
	if !p.folding.CompareAndSwap(false, true) {
		return
	}
	defer p.folding.Store(false)
	cur := p.cur.Load()
	if cur == nil || cur.engine.Layered() == 0 {
		return
	}
	start := time.Now()
	engine, err := CompileFiles(cur.files) // read anew: the layered lists' line numbers
	if err != nil {
		p.log.Error().Err(err).Int64("version", cur.version).Msg("folding the rule set edits failed; keeping them layered")
		return
	}
	if p.foldCompiled != nil {
		p.foldCompiled()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := p.cur.Load(); now != cur {
		switch {
		case now != nil && now.engine == cur.engine:
			// A save that changed no file moved the version meanwhile: the
			// fold is still the rules in force, under the new version.
			p.cur.Store(&compiled{engine: engine, version: now.version, files: now.files})
			p.log.Info().Int64("version", now.version).Int("words", engine.Words()).Dur("took", time.Since(start)).Msg("rule set edits folded in")
		case now != nil && now.engine.Layered() > 0:
			// Edited meanwhile: fold again later (an edit of words has
			// scheduled it already; this only moves it on).
			p.scheduleFold()
		}
		return
	}
	p.cur.Store(&compiled{engine: engine, version: cur.version, files: cur.files})
	p.log.Info().Int64("version", cur.version).Int("words", engine.Words()).Dur("took", time.Since(start)).Msg("rule set edits folded in")
}

// Fold folds a layered engine in force at once (tests, and a shutdown
// that wants the full compile measured); it does nothing otherwise.
func (p *Policy) Fold() { p.foldNow() }

// CompileFiles loads and compiles a rule set given as files (path →
// content, as in a rules directory and in Redis).
func CompileFiles(files map[string][]byte) (*rules.Engine, error) {
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return nil, err
	}
	return rules.Compile(rs)
}
