package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
)

const rulesUsage = `Usage:
  wecom-guard rules export DIR     write the rule set in force (Redis) to DIR
  wecom-guard rules import DIR     validate DIR and make it the rule set in force

The rule set lives in Redis (REDIS_URL), where every replica picks up a
change within a second. DIR has the layout of rules/: policy.yaml and
lists/<category>/*.txt (see rules/README.md).
`

func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), rulesUsage+"\nFlags:\n"); fs.PrintDefaults() }
	if len(args) == 0 {
		return usageErrorf("rules", "rules: expected export or import")
	}
	verb := args[0]
	if verb == "-h" || verb == "--help" || verb == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err := parseFlags(fs, "rules", args[1:], stdout); err != nil {
		return err
	}
	if (verb != "export" && verb != "import") || fs.NArg() != 1 {
		return usageErrorf("rules", "rules: expected `rules export DIR` or `rules import DIR`")
	}
	dir := fs.Arg(0)
	var files map[string][]byte
	if verb == "import" {
		// The directory is checked before anything is connected.
		var err error
		if files, err = readRuleFiles(dir); err != nil {
			return err // names the directory, or the file and line of every problem
		}
	}
	cfg, err := redisCommandConfig(*configPath, "rules", "the rule set lives in the Redis the service uses")
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	if verb == "export" {
		files, v, err := st.Rules(ctx)
		if err != nil {
			return err
		}
		if v == 0 {
			return errors.New("rules export: Redis holds no rule set yet (start `serve` once, or `rules import` one)")
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("rules export: %w", err)
			}
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				return fmt.Errorf("rules export: %w", err)
			}
		}
		fmt.Fprintf(stdout, "exported rule set version %d (%d files) to %s\n", v, len(files), dir)
		return nil
	}
	engine, err := bot.CompileFiles(files) // what every replica will do next
	if err != nil {
		return fmt.Errorf("rules in %s: %w", dir, err)
	}
	v, err := st.SaveRules(ctx, files, -1)
	if err != nil {
		return err
	}
	if err := st.Audit(ctx, store.AuditEntry{Time: time.Now(), User: "cli:" + currentUser(), Role: "hr", Action: "rules.import", Target: dir}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s as rule set version %d (%d files, %d words); running replicas switch within a second\n",
		dir, v, len(files), engine.Words())
	return nil
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}
