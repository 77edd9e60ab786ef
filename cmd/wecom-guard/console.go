package main

import (
	"net"
	"strings"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/bot/wecom/wecomtest"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// consoleSignIn configures 企业微信登录 for serve: on with console.public_url
// (its host is the app's 可信域名), and in sandbox mode always, through the
// fake WeCom's sign-in pages, signing in as the sandbox's HR member (the
// public URL is then the listener's, filled in by sandboxPublicURL).
func consoleSignIn(cfg Config, id appIdentity, hr bot.Recipients, dir handlers.SignInDirectory, sandbox *wecomtest.Server) *handlers.WeComSignIn {
	if cfg.Console.PublicURL == "" && sandbox == nil {
		return nil
	}
	si := &handlers.WeComSignIn{
		Links:     wecom.SignInLinks{CorpID: id.CorpID, AgentID: id.AgentID},
		Directory: dir,
		PublicURL: strings.TrimRight(cfg.Console.PublicURL, "/"),
		HR:        hr,
		Auditors:  trimmed(cfg.Console.Auditors),
	}
	if sandbox != nil {
		si.Links.AuthorizeBase, si.Links.SSOBase = sandbox.URL(), sandbox.URL()
		sandbox.SetVisitor(wecomtest.Visitor{UserID: sandboxHR})
	}
	return si
}

// consoleSignInRate is the sign-in's rate limit per client address:
// console.signin_per_minute requests a minute, as many at once; the
// handlers' default without it.
func consoleSignInRate(c ConsoleConfig) handlers.SignInRate {
	if c.SignInPerMinute <= 0 {
		return handlers.SignInRate{}
	}
	r := handlers.DefaultSignInRate
	r.PerMinute, r.Burst = c.SignInPerMinute, c.SignInPerMinute
	return r
}

// sandboxPublicURL is the console's address in sandbox mode without
// console.public_url: the bound listener, on loopback when it listens on
// every address.
func sandboxPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func trimmed(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
