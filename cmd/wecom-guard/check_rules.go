package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// checkRulesChoice is how check's flags pick the rule set.
type checkRulesChoice struct {
	dir        string // --rules
	embedded   bool   // --embedded
	configPath string // --config
}

// auditScan bounds how far back check looks in the audit log for the
// rule set's last change.
const auditScan = 1000

// checkRuleSet returns the rule set check evaluates against and says on
// stderr which one it is: --rules DIR or --embedded when given; otherwise
// the rule set in force, which is the one stored in the configured Redis,
// or without a Redis the one serve would start with.
func checkRuleSet(ctx context.Context, c checkRulesChoice, getenv func(string) string, stderr io.Writer) (*rules.RuleSet, error) {
	switch {
	case c.dir != "" && c.embedded:
		return nil, usageErrorf("check", "check: --rules and --embedded choose different rule sets: give one")
	case c.dir != "":
		rs, err := loadRuleDir("--rules", c.dir)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "check: using the rule set in %s (--rules)\n", c.dir)
		return rs, nil
	case c.embedded:
		fmt.Fprintln(stderr, "check: using the embedded default policy (--embedded)")
		return defaultRuleSet()
	}
	cfg, err := loadConfig(c.configPath, getenv)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if err := errors.Join(cfg.validateRedis()...); err != nil {
		return nil, fmt.Errorf("check: invalid configuration:\n%w", err)
	}
	if !cfg.redisConfigured() {
		if cfg.RulesDir != "" {
			rs, err := loadRuleDir("rules_dir (RULES_DIR)", cfg.RulesDir)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(stderr, "check: no Redis configured: using the rule set in %s (rules_dir), as serve would start with\n", cfg.RulesDir)
			return rs, nil
		}
		fmt.Fprintln(stderr, "check: no Redis configured: using the embedded default policy, as serve would start with (REDIS_URL or --rules DIR choose another)")
		return defaultRuleSet()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer st.Close()
	files, version, err := st.Rules(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if version == 0 {
		seed, err := readRuleFiles(cfg.RulesDir)
		if err != nil {
			return nil, fmt.Errorf("check: %w", err)
		}
		fmt.Fprintf(stderr, "check: Redis (%s, prefix %s) holds no rule set yet: using %s, which serve will store there on its first start\n",
			redisSource(cfg), cfg.RedisPrefix, rulesSource(cfg.RulesDir))
		files = seed
	} else {
		fmt.Fprintf(stderr, "check: using the rule set stored in Redis (%s, prefix %s): version %d, %s\n",
			redisSource(cfg), cfg.RedisPrefix, version, lastRulesChange(ctx, st))
	}
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("check: the stored rule set version %d: %w", version, err)
	}
	return rs, nil
}

// lastRulesChange describes the newest rule-set change in the audit log
// ("imported 2026-11-30 10:00:00 +08:00 by cli:root (rules.import)").
// Seeding by serve is not audited, so version 1 may have no entry.
func lastRulesChange(ctx context.Context, st *store.Store) string {
	before := ""
	for seen := 0; seen < auditScan; {
		page, err := st.AuditLog(ctx, 200, before)
		if err != nil {
			return "import time unknown (audit log: " + err.Error() + ")"
		}
		for _, e := range page {
			if strings.HasPrefix(e.Action, "rules.") {
				return fmt.Sprintf("imported %s by %s (%s)", e.Time.In(chinaTime()).Format("2006-01-02 15:04:05 -07:00"), e.User, e.Action)
			}
		}
		if len(page) < 200 {
			break
		}
		seen += len(page)
		before = page[len(page)-1].ID
	}
	return "import time unknown (no rule change in the audit log: the set serve stored on its first start)"
}

// chinaTime is China Standard Time, the time zone of the people reading
// the output.
func chinaTime() *time.Location { return time.FixedZone("CST", 8*3600) }

func defaultRuleSet() (*rules.RuleSet, error) {
	rs, err := rules.Default()
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	return rs, nil
}

// loadRuleDir loads the rule set in dir; what names where dir came from.
func loadRuleDir(what, dir string) (*rules.RuleSet, error) {
	files, err := readRuleFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("check: %s: %w", what, err)
	}
	rs, err := rules.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("check: load rules from %s: %w", dir, err)
	}
	return rs, nil
}
