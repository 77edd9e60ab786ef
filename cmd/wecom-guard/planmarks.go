package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

const planMarksUsage = `Usage:
  wecom-guard planmarks status     print whether plan marks are on
  wecom-guard planmarks on         record violating messages in two Redis round trips
  wecom-guard planmarks off        back to three (the default)

With plan marks on, a violating message's dedup mark carries its decided
record and is written with it, saving a round trip (bot/store/plan.go,
docs/redis.md). Releases before plan marks take any mark for "done": turn
them on only when every replica runs a release that reads them. Off again
is always safe. The switch lives in Redis (REDIS_URL) and every replica
follows it from its next violating message.
`

func runPlanMarks(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("planmarks", flag.ContinueOnError)
	configPath := fs.String("config", "", "YAML config file (default: "+defaultConfigFile+" if it exists)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), planMarksUsage+"\nFlags:\n"); fs.PrintDefaults() }
	if len(args) == 0 {
		return usageErrorf("planmarks", "planmarks: expected status, on or off")
	}
	verb := args[0]
	if verb == "-h" || verb == "--help" || verb == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err := parseFlags(fs, "planmarks", args[1:], stdout); err != nil {
		return err
	}
	if (verb != "status" && verb != "on" && verb != "off") || fs.NArg() != 0 {
		return usageErrorf("planmarks", "planmarks: expected `planmarks status`, `planmarks on` or `planmarks off`")
	}
	cfg, err := redisCommandConfig(*configPath, "planmarks", "the switch lives in the Redis the service uses")
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if verb != "status" {
		if err := st.EnablePlanMarks(ctx, verb == "on"); err != nil {
			return err
		}
	}
	on, err := st.PlanMarks(ctx)
	if err != nil {
		return err
	}
	if on {
		fmt.Fprintln(stdout, "plan marks: on (a violating message costs two Redis round trips)")
	} else {
		fmt.Fprintln(stdout, "plan marks: off (a violating message costs three Redis round trips)")
	}
	return nil
}
