package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
)

const configUsage = `Usage:
  wecom-guard config check [--config FILE] [--connect]
  wecom-guard config keys

check loads the configuration (the file and the environment) and runs
serve's validation, without starting anything: exit status 0 when serve
would accept it, 1 with every problem listed when not. --connect also opens
the configured Redis and pings it.

keys lists every configuration key with its environment variable (and the
older names that still work) and the form of its value.
`

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("config", "config: expected check or keys")
	}
	verb, rest := args[0], args[1:]
	fs := flag.NewFlagSet("config "+verb, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), configUsage+"\nFlags:\n"); fs.PrintDefaults() }
	if verb == "-h" || verb == "--help" || verb == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	connect := fs.Bool("connect", false, "also open the configured Redis and ping it")
	if err := parseFlags(fs, "config", rest, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("config", "config %s: unexpected arguments %q", verb, fs.Args())
	}
	switch verb {
	case "keys":
		return printConfigKeys(stdout)
	case "check":
	default:
		return usageErrorf("config", "config: unknown subcommand %q (want check or keys)", verb)
	}
	cfg, err := loadConfig(*configPath, osGetenv)
	if err != nil {
		return err
	}
	if err := checkServeConfig(cfg); err != nil {
		return err
	}
	if *connect {
		st, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		if err := st.Close(); err != nil {
			return fmt.Errorf("close redis: %w", err)
		}
	}
	src := *configPath
	if src == "" {
		src = "environment (and " + defaultConfigFile + " if present)"
	}
	mode := "WeCom app " + cfg.WeCom.CorpID
	if cfg.WeCom.Sandbox() {
		mode = "sandbox (no WeCom app)"
	}
	fmt.Fprintf(stdout, "configuration ok: %s; %s; Redis: %s; rules: %s\n", src, mode, redisSource(cfg), rulesSource(cfg.RulesDir))
	return nil
}

// checkServeConfig is every check serve makes of its configuration before
// it connects to anything: `config check` runs exactly this.
func checkServeConfig(cfg Config) error {
	errs := []error{cfg.Validate()}
	if err := sandboxRefusal(cfg, !cfg.redisConfigured()); err != nil {
		errs = append(errs, err)
	}
	if cfg.RulesDir != "" {
		if _, err := readRuleFiles(cfg.RulesDir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	return nil
}

// sandboxRefusal refuses sandbox mode on a real Redis unless asked for:
// a deployment whose WeCom settings went missing (an absent .env, a
// misspelt variable) must not quietly become a sandbox on the real Redis,
// printing HR tokens into its logs.
func sandboxRefusal(cfg Config, embedded bool) error {
	if cfg.WeCom.Sandbox() && !embedded && !cfg.SandboxOnRedis {
		return errors.New("no WeCom app is configured (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY) but a real Redis is named (" + redisSource(cfg) + "): " +
			"set the app's credentials, or set WG_SANDBOX=1 to run the sandbox on that Redis on purpose")
	}
	return nil
}

// printConfigKeys writes the key table of configKeys.
func printConfigKeys(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tENVIRONMENT\tVALUE")
	for _, k := range configKeys() {
		env := k.Env
		if len(k.Aliases) > 0 {
			env += " (also " + strings.Join(k.Aliases, ", ") + ")"
		}
		if k.Secret {
			env += " or " + k.Env + "_FILE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.Path, env, valueForm(k))
	}
	return tw.Flush()
}

// valueForm says how a key's value is written in the environment.
func valueForm(k configKey) string {
	t := k.Type
	secret := ""
	if k.Secret {
		secret = ", secret"
	}
	switch {
	case t == durationType:
		return "duration (10s, 4320h)"
	case t.Kind() == reflect.Bool:
		return "bool (1/0, true/false)"
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		return "whole number"
	case t.Kind() == reflect.Slice && k.Fields:
		return "list, separated by spaces"
	case t.Kind() == reflect.Slice:
		return "list, comma separated"
	case t.Kind() == reflect.Map:
		return "map, key=value,key=value" + secret
	}
	return "text" + secret
}
