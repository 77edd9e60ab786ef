package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const healthUsage = `Usage: wecom-guard health [--url URL] [--config FILE]

Asks a running service whether it is ready (GET /readyz: Redis answers) and
exits 0 when it is, 1 when not. Container healthchecks use it: the image has
no shell, curl or wget. The URL defaults to /readyz on LISTEN_ADDR.

Flags:
`

func runHealth(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), healthUsage); fs.PrintDefaults() }
	target := fs.String("url", "", "readiness URL (default: http://127.0.0.1:PORT/readyz from LISTEN_ADDR)")
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	if err := parseFlags(fs, "health", args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("health", "health: unexpected arguments %q", fs.Args())
	}
	u := *target
	if u == "" {
		cfg, err := loadConfig(*configPath, osGetenv)
		if err != nil {
			return err
		}
		u = strings.TrimSuffix(defaultCallbackURL(cfg.ListenAddr), "/wecom/callback") + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return usageErrorf("health", "health: --url %q: %v", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", u, resp.Status)
	}
	fmt.Fprintf(stdout, "ready: %s\n", u)
	return nil
}
