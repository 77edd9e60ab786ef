// Command wecom-guard enforces a company's WeCom usage policy. It is the one
// binary of the project; its subcommands are:
//
//	wecom-guard [serve]   run the service (the default)
//	wecom-guard send      post a real encrypted text callback and print the reply
//	wecom-guard check     check messages from stdin against the rules, as JSON lines
//	wecom-guard admin     manage admin API tokens
//	wecom-guard rules     export and import the rule set in force
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "wecom-guard:", err)
		os.Exit(1)
	}
}

const usage = `wecom-guard enforces a company's WeCom (企业微信) usage policy.

Usage:
  wecom-guard [serve] [--config FILE]      run the service (default subcommand)
  wecom-guard send [flags] TEXT…           post an encrypted text callback, print the reply
  wecom-guard check [flags] < messages     check messages (one a line) against the rules
  wecom-guard archive pull [--once] [--limit N] [--url U]   pull the chat archive (msgaudit builds)
  wecom-guard admin token create|list|revoke   manage admin API tokens
  wecom-guard rules export|import DIR      move the rule set in force out of and into Redis

Run "wecom-guard COMMAND --help" for the flags of a command.
`

// run dispatches to a subcommand; it is main without the exit.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
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
	case "load":
		return runLoad(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
