// Command wecom-fake serves the fake WeCom API (bot/wecom/wecomtest) as a
// standalone process, for the chaos suite and for trying wecom-guard by hand:
// point wecom-guard's WECOM_API_BASE at it. It injects WeCom's faults
// (-faults, a share of answers: busy, frequency and concurrency limits,
// HTTP 500 and replies lost after delivery), seeds a directory of members
// with direct leaders and leavers with customers (离职继承), and serves what
// it delivered, and the intercept rules it holds, at GET /fake/record.
//
//	wecom-fake -listen 127.0.0.1:9090 -corp-id wwcorp -secret s -agent-id 1000002 \
//	    -faults 0.3 -members 20 -leaders 4
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "wecom-fake:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	listen, corpID, secret, urlFile string
	agentID                         int64
	faults                          float64
	seed                            uint64
	latency                         time.Duration
	members, leaders, leavers       int
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("wecom-fake", flag.ContinueOnError)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "listen address (port 0: any free port)")
	fs.StringVar(&o.corpID, "corp-id", "wwfakecorp", "the corp id gettoken accepts")
	fs.StringVar(&o.secret, "secret", "fakesecret", "the app secret gettoken accepts")
	fs.Int64Var(&o.agentID, "agent-id", 1000002, "the app's AgentId")
	fs.StringVar(&o.urlFile, "url-file", "", "write the base URL to this file once listening")
	fs.Float64Var(&o.faults, "faults", 0, "share of answers that fail (0–1), in the mix of the fault tests: of 0.30, busy 0.08, 45009 0.06, 45033 0.04, HTTP 500 0.07, lost reply 0.05")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the fault draws")
	fs.DurationVar(&o.latency, "latency", 0, "latency added to every answer")
	fs.IntVar(&o.members, "members", 0, "seed members member000… (user/get)")
	fs.IntVar(&o.leaders, "leaders", 0, "give member i the direct leader leader(i mod N)")
	fs.IntVar(&o.leavers, "leavers", 0, "seed leavers leaver00… who left an hour ago, each with 3 unassigned customers (the third one's name withheld) and a customer group")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.faults < 0 || o.faults > 1:
		return o, fmt.Errorf("-faults %v: use a share between 0 and 1", o.faults)
	case o.members < 0 || o.leaders < 0 || o.leavers < 0:
		return o, fmt.Errorf("-members, -leaders and -leavers must not be negative")
	case o.latency < 0:
		return o, fmt.Errorf("-latency %s is negative", o.latency)
	}
	return o, nil
}

// faultMix scales the fault tests' mix (0.30 in all) to share.
func faultMix(share float64, seed uint64, latency time.Duration) wecomtest.Faults {
	k := share / 0.30
	return wecomtest.Faults{Seed: seed, Busy: 0.08 * k, RateLimit: 0.06 * k, Concurrency: 0.04 * k,
		HTTP500: 0.07 * k, LostReply: 0.05 * k, Latency: latency}
}

// memberID names seeded member i.
func memberID(i int) string { return fmt.Sprintf("member%03d", i) }

func run(ctx context.Context, args []string) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	fake := wecomtest.NewHandler(wecomtest.Config{CorpID: o.corpID, Secret: o.secret, AgentID: o.agentID})
	fake.SetFaults(faultMix(o.faults, o.seed, o.latency))
	for i := 0; i < o.members; i++ {
		u := wecomtest.User{UserID: memberID(i), Name: fmt.Sprintf("成员%03d", i)}
		if o.leaders > 0 {
			u.DirectLeader = []string{fmt.Sprintf("leader%02d", i%o.leaders)}
		}
		fake.SetUser(u)
	}
	seedLeavers(fake, o.leavers, time.Now().Add(-time.Hour))
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	url := "http://" + ln.Addr().String()
	if o.urlFile != "" {
		if err := os.WriteFile(o.urlFile, []byte(url+"\n"), 0o644); err != nil {
			return fmt.Errorf("write url file: %w", err)
		}
	}
	fmt.Fprintf(os.Stderr, "wecom-fake: serving the fake WeCom API at %s (faults %.0f %%)\n", url, o.faults*100)
	srv := &http.Server{Handler: routes(fake), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fake.Close()
	return srv.Shutdown(sctx)
}

// seedLeavers makes n leavers with customers and a customer group each.
func seedLeavers(fake *wecomtest.Server, n int, left time.Time) {
	for i := 0; i < n; i++ {
		leaver := fmt.Sprintf("leaver%02d", i)
		var custs []string
		for k := 0; k < 3; k++ {
			id := fmt.Sprintf("wm%sCustomer%02d", leaver, k)
			custs = append(custs, id)
			if k < 2 { // the third: WeCom withholds the name (84061)
				fake.SetCustomer(wecomtest.Customer{ExternalUserID: id, Name: fmt.Sprintf("客户%02d-%d", i, k), Type: 1 + k%2, CorpName: map[int]string{1: "华东贸易"}[k]})
			}
		}
		fake.SetLeaver(leaver, left, custs...)
		fake.SetGroupChat(wecomtest.GroupChat{ChatID: fmt.Sprintf("wr%sGroup", leaver), Name: fmt.Sprintf("离职成员%02d的客户群", i), Owner: leaver})
	}
}

// Record is GET /fake/record: what the fake delivered, what WeCom's
// frequency limit dropped silently, and the resends its duplicate check
// swallowed (accepted, not delivered again).
type Record struct {
	Sent       []wecomtest.Sent    `json:"sent"`
	Dropped    []wecomtest.Dropped `json:"dropped"`
	Duplicates []wecomtest.Sent    `json:"duplicates"`
	Calls      map[string]int      `json:"calls"`
	// InterceptRules are the customer-chat intercept rules WeCom holds.
	InterceptRules []wecomtest.InterceptRule `json:"intercept_rules"`
}

func routes(fake *wecomtest.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/cgi-bin/", fake.Handler())
	mux.HandleFunc("GET /fake/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /fake/record", func(w http.ResponseWriter, _ *http.Request) {
		rec := Record{Sent: fake.Sent(), Dropped: fake.Dropped(), Duplicates: fake.Duplicates(), Calls: map[string]int{}, InterceptRules: fake.InterceptRules()}
		for _, api := range []string{wecomtest.APIGetToken, wecomtest.APIMessageSend, wecomtest.APIUserGet, wecomtest.APIWebhookSend,
			wecomtest.APIAddInterceptRule, wecomtest.APIUpdateInterceptRule, wecomtest.APIDelInterceptRule,
			wecomtest.APIResignedTransfer, wecomtest.APIGroupChatTransfer, wecomtest.APICustomerGet} {
			rec.Calls[api] = fake.Calls(api)
		}
		w.Header().Set("Content-Type", "application/json")
		// A write error means the reader went away: nobody to tell.
		_ = json.NewEncoder(w).Encode(rec)
	})
	return mux
}
