package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/rules"
)

// checkData returns the customer record sets and protected documents
// stored in the configured Redis, as serve uses them, or nil when no Redis
// or no dlp.secret is configured; stderr says which.
func checkData(ctx context.Context, configPath string, getenv func(string) string, stderr io.Writer) (rules.DataMatcher, error) {
	cfg, err := loadConfig(configPath, getenv)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if err := errors.Join(cfg.validateRedis()...); err != nil {
		return nil, fmt.Errorf("check: invalid configuration:\n%w", err)
	}
	if !cfg.redisConfigured() {
		return nil, nil
	}
	key, err := cfg.DLP.key()
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	if key == nil {
		fmt.Fprintln(stderr, "check: dlp.secret (DLP_SECRET_FILE) is not set: customer records and protected documents are not checked")
		return nil, nil
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer st.Close()
	x, v, unreadable, err := bot.LoadData(ctx, st, key, cfg.DLP.options())
	if err != nil {
		return nil, fmt.Errorf("check: load customer records and documents: %w", err)
	}
	for _, u := range unreadable {
		fmt.Fprintf(stderr, "check: %s is stored in a format this wecom-guard does not know (written by a newer one?): left out\n", u)
	}
	fmt.Fprintf(stderr, "check: using %d customer record sets (%d values) and %d protected documents from Redis (dlp version %d)\n",
		len(x.Sets()), x.Records(), len(x.Docs()), v)
	return x, nil
}
