package bot

import (
	"fmt"
	"time"

	"github.com/wecom-guard/wecom-guard/rules"
)

// Sanctions of the company rules, in increasing order. The bot only ever
// suggests one; HR decides, and the bot never suspends or dismisses anyone.
const (
	SanctionWarning   = "警告"
	SanctionCriticism = "通报批评"
	SanctionSuspend   = "停用账号"
	SanctionDismiss   = "解除劳动合同"
)

// Ladder is the escalation policy: what repeated violations lead to.
type Ladder struct {
	// ShortWindow and OwnerAfter: this many violations of one category by
	// one user within ShortWindow alert the group owner (default 3 in 24 h).
	ShortWindow time.Duration
	OwnerAfter  int
	// LongWindow and HRAfter: this many within LongWindow escalate to HR
	// and open a case (default 5 in 7 days).
	LongWindow time.Duration
	HRAfter    int
	// Sanctions suggest a sanction by the count within LongWindow: the last
	// step whose At the count reaches.
	Sanctions []SanctionStep
}

// SanctionStep suggests Sanction from At violations on.
type SanctionStep struct {
	At       int
	Sanction string
}

// DefaultLadder mirrors the company rules.
func DefaultLadder() Ladder {
	return Ladder{
		ShortWindow: 24 * time.Hour, OwnerAfter: 3,
		LongWindow: 7 * 24 * time.Hour, HRAfter: 5,
		Sanctions: []SanctionStep{
			{1, SanctionWarning}, {3, SanctionCriticism}, {5, SanctionSuspend}, {8, SanctionDismiss},
		},
	}
}

// Validate reports a ladder that cannot work.
func (l Ladder) Validate() error {
	switch {
	case l.ShortWindow <= 0 || l.LongWindow <= 0:
		return fmt.Errorf("ladder: windows must be positive (short %s, long %s)", l.ShortWindow, l.LongWindow)
	case l.OwnerAfter < 1 || l.HRAfter < 1:
		return fmt.Errorf("ladder: owner_after and hr_after must be at least 1 (got %d, %d)", l.OwnerAfter, l.HRAfter)
	}
	return nil
}

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

// Decide applies the ladder to a violation of the given severity, whose
// rule asked for action, with the user's counts in the category.
func (l Ladder) Decide(sev rules.Severity, action rules.Action, inShort, inLong int64) Step {
	var s Step
	if action == rules.ActionNone || action == rules.ActionLog {
		s.Action = "log"
		s.Reason = "the rule only records"
		return s
	}
	s.Warn = true
	s.Reason = fmt.Sprintf("violation %d in %s, %d in %s", inShort, l.ShortWindow, inLong, l.LongWindow)
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
