package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/wecom-guard/wecom-guard/handlers"
)

const adminUsage = `Usage:
  wecom-guard admin token create --user USER --role hr|owner|auditor
  wecom-guard admin token list
  wecom-guard admin token revoke ID

Admin API tokens are stored hashed in Redis (REDIS_URL); the secret is shown
once, at creation. Roles: hr (everything, unmasked evidence), owner (the
violations and cases of their own chats, masked), auditor (read-only, masked).
`

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, adminUsage)
		return flag.ErrHelp
	}
	if len(args) < 2 || args[0] != "token" {
		return usageErrorf("admin", "admin: expected `admin token create|list|revoke`")
	}
	verb, rest := args[1], args[2:]
	fs := flag.NewFlagSet("admin token "+verb, flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	user := fs.String("user", "", "the token's user (a WeCom userid)")
	role := fs.String("role", "", "hr, owner or auditor")
	fs.Usage = func() { fmt.Fprint(fs.Output(), adminUsage+"\nFlags:\n"); fs.PrintDefaults() }
	if err := parseFlags(fs, "admin", rest, stdout); err != nil {
		return err
	}
	switch verb {
	case "create":
		if *user == "" {
			return usageErrorf("admin", "admin token create: --user is required (the token's WeCom userid)")
		}
		if !handlers.ValidRole(*role) {
			return usageErrorf("admin", "admin token create: unknown role %q: the roles are hr (everything), owner (their own chats) and auditor (read-only)", *role)
		}
	case "list":
	case "revoke":
		if fs.NArg() != 1 {
			return usageErrorf("admin", "admin token revoke: give the token ID (see `admin token list`)")
		}
	default:
		return usageErrorf("admin", "admin token: unknown verb %q (want create, list or revoke)", verb)
	}
	cfg, err := redisCommandConfig(*configPath, "admin", "tokens must go to the Redis the service uses (the embedded one lives only inside `serve`)")
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	switch verb {
	case "create":
		tok, secret, err := st.CreateToken(ctx, *user, *role, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %s for %s (%s) — shown once, keep it secret:\n%s\n", tok.ID, tok.User, tok.Role, secret)
		return nil
	case "list":
		toks, err := st.Tokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUSER\tROLE\tCREATED\tLAST_USED")
		for _, t := range toks {
			used := "-"
			if !t.LastUsed.IsZero() {
				used = t.LastUsed.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Role, t.Created.Format(time.RFC3339), used)
		}
		return w.Flush()
	case "revoke":
		ok, err := st.RevokeToken(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("admin token revoke: no token %q", fs.Arg(0))
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
		return nil
	}
	return fmt.Errorf("admin token: unknown verb %q", verb) // checked above
}
