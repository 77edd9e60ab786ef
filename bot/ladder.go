package bot

import (
	"fmt"
	"strconv"
	"time"

	"github.com/wecom-guard/wecom-guard/rules"
)

// Sanctions of the company rules, in increasing order (the policy's ladder
// names them). The bot only ever suggests one; HR decides, and the bot
// never suspends or dismisses anyone.
const (
	SanctionWarning   = rules.SanctionWarning
	SanctionCriticism = rules.SanctionCriticism
	SanctionSuspend   = rules.SanctionSuspend
	SanctionDismiss   = rules.SanctionDismiss
)

// Step is what the ladder decides for one violation.
type Step struct {
	Warn       bool // warn the sender privately
	AlertOwner bool // alert the group owner
	EscalateHR bool // tell HR and open a case
	Critical   bool // HR at once, marked urgent
	Sanction   string
	// Action names the highest of the above ("log" when none): the action
	// recorded on the violation.
	Action string
	Reason string
}

// Decide applies the escalation ladder l (policy.yaml's ladder:) to a
// violation of the given severity, whose rule asked for action, with the
// user's counts in the category within the ladder's short and long windows.
func Decide(l rules.Ladder, sev rules.Severity, action rules.Action, inShort, inLong int64) Step {
	var s Step
	if action == rules.ActionNone || action == rules.ActionLog {
		s.Action = "log"
		s.Reason = "该规则只记录，不处理"
		return s
	}
	s.Warn = true
	s.Reason = fmt.Sprintf("%s内第 %d 次违规，%s内第 %d 次", Span(l.ShortWindow), inShort, Span(l.LongWindow), inLong)
	if action >= rules.ActionAlertOwner || inShort >= int64(l.OwnerAfter) {
		s.AlertOwner = true
	}
	if action >= rules.ActionEscalateHR || inLong >= int64(l.HRAfter) || sev >= rules.SeverityHigh {
		s.EscalateHR = true
	}
	if sev >= rules.SeverityCritical {
		s.Critical, s.EscalateHR = true, true
	}
	for _, st := range l.Sanctions {
		if inLong >= int64(st.At) {
			s.Sanction = st.Sanction
		}
	}
	// Severity raises the floor of the suggestion.
	switch {
	case sev >= rules.SeverityCritical && rank(s.Sanction) < rank(SanctionSuspend):
		s.Sanction = SanctionSuspend
	case sev >= rules.SeverityHigh && rank(s.Sanction) < rank(SanctionCriticism):
		s.Sanction = SanctionCriticism
	}
	switch {
	case s.EscalateHR:
		s.Action = "escalate_hr"
	case s.AlertOwner:
		s.Action = "alert_owner"
	default:
		s.Action = "warn"
	}
	return s
}

func rank(sanction string) int {
	switch sanction {
	case SanctionWarning:
		return 1
	case SanctionCriticism:
		return 2
	case SanctionSuspend:
		return 3
	case SanctionDismiss:
		return 4
	}
	return 0
}

// Span writes a ladder window for people: "24 小时", "7 天", "90 分钟";
// whole days from two days on, hours below (24 小时 reads better than 1 天).
func Span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + " 天"
	case d > 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + " 小时"
	case d > 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " 分钟"
	}
	return d.String()
}
