package bot

import (
	"net/url"
	"strings"
)

// consoleSignInPath is where a link in an alert enters the console: the
// WeCom sign-in (handlers.SignInPath), which goes on to ?to= once signed
// in — silently inside WeCom — or at once for a browser already signed in.
// A link to WeCom's authorize page itself cannot be written into a message:
// its state must be bound to the browser that opens it.
const consoleSignInPath = "/ui/login/wecom"

// ConsoleLinks builds the links in owner and HR alerts that open their
// record in the console. The zero value builds none.
type ConsoleLinks struct {
	// Base is the console's public address (console.public_url).
	Base string
}

// Record is the link that opens the violation or case with reference ref
// (/ui/r/<ref>), signed in; "" without a Base.
func (l ConsoleLinks) Record(ref string) string {
	if l.Base == "" || ref == "" {
		return ""
	}
	return strings.TrimRight(l.Base, "/") + consoleSignInPath + "?to=" + url.QueryEscape("/ui/r/"+url.PathEscape(ref))
}

// withLinks gives each warning, owner alert and HR escalation of acts its
// link. The warning's opens the employee's own record, where they appeal
// (a member without a console role signs in as an employee and sees only
// their own records).
func (l ConsoleLinks) withLinks(acts []Action) []Action {
	for i := range acts {
		switch acts[i].Kind {
		case ActWarnSender, ActAlertOwner, ActEscalateHR:
			acts[i].Link = l.Record(acts[i].ref())
		}
	}
	return acts
}
