package bot

import (
	"html"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestConsoleLinks(t *testing.T) {
	if got := (ConsoleLinks{}).Record("1d991024"); got != "" {
		t.Errorf("no base: link %q, want none", got)
	}
	got := ConsoleLinks{Base: "https://guard.example.com/"}.Record("1d991024")
	u, err := url.Parse(got)
	if err != nil || u.Scheme != "https" || u.Host != "guard.example.com" || u.Path != consoleSignInPath || u.Query().Get("to") != "/ui/r/1d991024" {
		t.Errorf("link %q: want https://guard.example.com%s?to=/ui/r/1d991024", got, consoleSignInPath)
	}
}

func TestAlertsCarryTheirLink(t *testing.T) {
	links := ConsoleLinks{Base: "https://guard.example.com"}
	base := Action{Key: "m1:alert_owner", MsgID: "m1", From: "zhangsan", ChatID: "wrA", Time: time.Date(2026, 12, 1, 6, 5, 0, 0, time.UTC),
		Categories: []string{"abuse"}, Labels: []string{"辱骂"}, Severity: "medium", Evidence: []string{"狗**"}, InShort: 1}
	owner := base
	owner.Kind = ActAlertOwner
	hr := base
	hr.Kind, hr.Key, hr.CaseID, hr.Sanction = ActEscalateHR, "m1:escalate_hr", "C7", "警告"
	warn := base
	warn.Kind, warn.Key = ActWarnSender, "m1:warn_sender"
	acts := links.withLinks([]Action{owner, hr, warn})
	for _, tc := range []struct {
		name string
		kind ActionKind
		acts []Action
		want string
	}{
		{"owner alert", ActAlertOwner, acts[:1], "[在控制台查看](" + links.Record(acts[0].ref()) + ")"},
		{"HR escalation", ActEscalateHR, acts[1:2], "[在控制台处理](" + links.Record(acts[1].ref()) + ")"},
		{"owner digest", ActAlertOwner, []Action{acts[0], acts[0]}, "[查看](" + links.Record(acts[0].ref()) + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := render(tc.kind, tc.acts)
			if !strings.Contains(text, tc.want) {
				t.Errorf("render:\n%s\nmisses %s", text, tc.want)
			}
			if !strings.Contains(text, "/ui/r/"+url.QueryEscape(tc.acts[0].ref())) && !strings.Contains(text, url.QueryEscape("/ui/r/"+tc.acts[0].ref())) {
				t.Errorf("the link does not name the record %s shown in the text", tc.acts[0].ref())
			}
		})
	}
	// The warning links the employee to their own record, where they appeal.
	if want := `<a href="` + html.EscapeString(links.Record(acts[2].ref())) + `">在线查看并申诉</a>`; acts[2].Link != links.Record(acts[2].ref()) ||
		!strings.Contains(render(ActWarnSender, acts[2:]), want) {
		t.Errorf("warning:\n%s\nmisses %s", render(ActWarnSender, acts[2:]), want)
	}
	// Without a base, alerts read as before.
	plain := ConsoleLinks{}.withLinks([]Action{owner, warn})
	if strings.Contains(render(ActAlertOwner, plain[:1]), "](") || strings.Contains(render(ActWarnSender, plain[1:]), "<a ") {
		t.Error("a link without console.public_url")
	}
}
