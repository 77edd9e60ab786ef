package main

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/rules"
)

// startData loads the customer record sets and protected documents for
// serve, or returns nil (and says so) when no dlp.secret is configured.
func startData(ctx context.Context, cfg Config, st *store.Store, log zerolog.Logger) (*bot.Data, error) {
	key, err := cfg.DLP.key()
	if err != nil {
		return nil, err
	}
	if key == nil {
		log.Info().Msg("dlp.secret (DLP_SECRET_FILE) is not set: customer records and protected documents are off")
		return nil, nil
	}
	d, err := bot.NewData(ctx, bot.DataConfig{Store: st, Key: key, Options: cfg.DLP.options(),
		Logger: log.With().Str("component", "dlp").Logger()})
	if err != nil {
		return nil, fmt.Errorf("load customer records and protected documents from Redis: %w", err)
	}
	x := d.Index()
	log.Info().Int("record_sets", len(x.Sets())).Int("records", x.Records()).Int("documents", len(x.Docs())).
		Int64("version", d.Version()).Msg("customer records and protected documents loaded from Redis")
	return d, nil
}

// dataMatcher is Config.Data for d (nil without DLP).
func dataMatcher(d *bot.Data) func() rules.DataMatcher {
	if d == nil {
		return nil
	}
	return d.Matcher
}
