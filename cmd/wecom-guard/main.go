// Command wecom-guard enforces a company's WeCom usage policy. It is the one
// binary of the project; its subcommands are:
//
//	wecom-guard [serve]   run the service (the default)
//	wecom-guard send      post a real encrypted text callback and print the reply
//	wecom-guard check     check messages from stdin against the rules, as JSON lines
//	wecom-guard admin     manage admin API tokens
//	wecom-guard rules     export and import the rule set in force
//	wecom-guard config    validate the configuration, list its keys
//	wecom-guard health    exit 0 when the running service is ready
//	wecom-guard load      load-test a callback URL with encrypted callbacks
//	wecom-guard version   print the version, commit and Go version
//
// Run any of them with --help for its flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wecom-guard/wecom-guard/bot/store"
)

func main() {
	// go-redis has one logger per process: its lines become JSON log
	// entries (debug level: what it logs, the calls also return as errors).
	store.SetLibraryLogger(libraryLogger(os.Stderr, osGetenv))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// libraryLogger logs go-redis's lines through zerolog, at debug level,
// with the level and format of LOG_LEVEL and LOG_FORMAT. It is set before
// any config file is read, so only the environment counts here.
func libraryLogger(w io.Writer, getenv func(string) string) func(ctx context.Context, msg string) {
	cfg := Config{LogLevel: getenv("LOG_LEVEL"), LogFormat: getenv("LOG_FORMAT")}
	cfg.applyDefaults()
	log, err := newLogger(cfg, w)
	if err != nil {
		log, _ = newLogger(Config{LogLevel: "info", LogFormat: "json"}, w)
	}
	log = log.With().Str("component", "redis").Logger()
	return func(_ context.Context, msg string) { log.Debug().Msg(msg) }
}

// exitCode prints err once and says how the process ends: 0 for success
// and for help, 2 for a usage error (a bad flag or argument, an unknown
// command), 1 for every other failure.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var logged loggedError
	if errors.As(err, &logged) {
		return 1
	}
	fmt.Fprintln(stderr, "wecom-guard:", err)
	var ue usageError
	if errors.As(err, &ue) {
		if ue.cmd != "" {
			fmt.Fprintf(stderr, "Run 'wecom-guard %s --help' for usage.\n", ue.cmd)
		} else {
			fmt.Fprintln(stderr, "Run 'wecom-guard help' for the commands.")
		}
		return 2
	}
	return 1
}

// usageError is a command line that cannot be run as written; main exits
// with status 2 for it. cmd names the subcommand whose help to point at.
type usageError struct {
	cmd string
	err error
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usageErrorf makes a usageError of subcommand cmd ("" for the top level).
func usageErrorf(cmd, format string, args ...any) error {
	return usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// parseFlags parses args with fs. Asked for help, it prints the usage on
// stdout and returns flag.ErrHelp; a bad flag becomes a usageError, so the
// message is printed once (by main), not by the flag package as well.
func parseFlags(fs *flag.FlagSet, cmd string, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err != nil {
		return usageErrorf(cmd, "%s: %v", cmd, err)
	}
	fs.SetOutput(stdout) // for PrintDefaults in later help
	return nil
}

const usage = `wecom-guard enforces a company's WeCom (企业微信) usage policy.

Usage:
  wecom-guard serve [--config FILE]        run the service (also without a command)
  wecom-guard send [flags] TEXT…           post an encrypted text callback, print the reply
  wecom-guard check [flags] < messages     check messages (one a line) against the rules in force
  wecom-guard archive pull [--once] [--limit N] [--url U]   pull the chat archive (msgaudit builds)
  wecom-guard admin token create|list|revoke   manage admin API tokens
  wecom-guard rules export|import DIR      move the rule set in force out of and into Redis
  wecom-guard records import FILE --columns phone,id_card   customer records as keyed hashes (also list, delete, protect)
  wecom-guard config check|keys            validate the configuration as serve would; list every key
  wecom-guard planmarks status|on|off      violating messages in two Redis round trips instead of three
  wecom-guard health [--url URL]           exit 0 when the running service is ready (healthchecks)
  wecom-guard load [flags]                 load-test a callback URL with encrypted callbacks
  wecom-guard version                      print the version, commit and Go version
  wecom-guard help                         print this text

Every setting comes from the config file (--config, default wecom-guard.yaml)
or the environment; see docs/configuration.md.
Run "wecom-guard COMMAND --help" for the flags of a command.
`

// run dispatches to a subcommand; it is main without the exit.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprint(stdout, usage)
			return nil
		case a == "-version" || a == "--version":
			return runVersion(args[1:], stdout)
		case !strings.HasPrefix(a, "-"):
			cmd, args = a, args[1:]
		}
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, stdout, stderr)
	case "send":
		return runSend(ctx, args, stdout, stderr)
	case "check":
		return runCheck(ctx, args, stdin, stdout, stderr)
	case "archive":
		return runArchive(ctx, args, stdout, stderr)
	case "admin":
		return runAdmin(ctx, args, stdout, stderr)
	case "rules":
		return runRules(ctx, args, stdout, stderr)
	case "records":
		return runRecords(ctx, args, stdout, stderr)
	case "config":
		return runConfig(ctx, args, stdout, stderr)
	case "planmarks":
		return runPlanMarks(ctx, args, stdout)
	case "health":
		return runHealth(ctx, args, stdout)
	case "version":
		return runVersion(args, stdout)
	case "load":
		return runLoad(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageErrorf("", "unknown command %q (commands: serve, send, check, archive, admin, rules, records, config, planmarks, health, load, version, help)", cmd)
	}
}
