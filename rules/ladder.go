package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sanctions of the company rules, in increasing order. The bot only ever
// suggests one; HR decides.
const (
	SanctionWarning   = "警告"
	SanctionCriticism = "通报批评"
	SanctionSuspend   = "停用账号"
	SanctionDismiss   = "解除劳动合同"
)

// sanctionOrder ranks the sanctions: index+1 is the rank.
var sanctionOrder = [...]string{SanctionWarning, SanctionCriticism, SanctionSuspend, SanctionDismiss}

func sanctionRank(s string) int {
	for i, n := range sanctionOrder {
		if n == s {
			return i + 1
		}
	}
	return 0
}

// Ladder is the escalation policy of policy.yaml's ladder: section: what
// repeated violations of one category by one user lead to.
type Ladder struct {
	// ShortWindow and OwnerAfter: this many violations within ShortWindow
	// alert the group owner (default 3 in 24 h).
	ShortWindow time.Duration
	OwnerAfter  int
	// LongWindow and HRAfter: this many within LongWindow escalate to HR
	// and open a case (default 5 in 168 h).
	LongWindow time.Duration
	HRAfter    int
	// Sanctions suggest a sanction by the count within LongWindow: the
	// last step whose At the count reaches. At increases strictly.
	Sanctions []SanctionStep
}

// SanctionStep suggests Sanction from At violations on.
type SanctionStep struct {
	At       int
	Sanction string
}

// DefaultLadder is the ladder of a policy without a ladder: section; it
// mirrors the company rules.
func DefaultLadder() Ladder {
	return Ladder{
		ShortWindow: 24 * time.Hour, OwnerAfter: 3,
		LongWindow: 7 * 24 * time.Hour, HRAfter: 5,
		Sanctions: []SanctionStep{
			{At: 1, Sanction: SanctionWarning},
			{At: 3, Sanction: SanctionCriticism},
			{At: 5, Sanction: SanctionSuspend},
			{At: 8, Sanction: SanctionDismiss},
		},
	}
}

type rawLadder struct {
	OwnerAfter  *int          `yaml:"owner_after"`
	ShortWindow *string       `yaml:"short_window"`
	HRAfter     *int          `yaml:"hr_after"`
	LongWindow  *string       `yaml:"long_window"`
	Sanctions   []rawSanction `yaml:"sanctions"`
}

type rawSanction struct {
	At       int    `yaml:"at"`
	Sanction string `yaml:"sanction"`
}

// ladder validates the ladder: section; absent fields keep their default.
func (l *loader) ladder(raw *rawLadder) Ladder {
	lad := DefaultLadder()
	if raw == nil {
		return lad
	}
	at := func(keys ...any) int { return l.line(append([]any{"ladder"}, keys...)...) }
	count := func(key string, v *int, dst *int) {
		if v == nil {
			return
		}
		if *v < 1 {
			l.addf(policyFile, at(key), "ladder: %s is %d; it counts violations, so it must be at least 1", key, *v)
			return
		}
		*dst = *v
	}
	count("owner_after", raw.OwnerAfter, &lad.OwnerAfter)
	count("hr_after", raw.HRAfter, &lad.HRAfter)

	windowsOK := true
	window := func(key string, v *string, dst *time.Duration) {
		if v == nil {
			return
		}
		d, err := parseWindowDuration(*v)
		switch {
		case err != nil:
			l.addf(policyFile, at(key), "ladder: %s %q is not a duration; write it with a unit, e.g. 24h, 168h or 7d", key, *v)
		case d <= 0:
			l.addf(policyFile, at(key), "ladder: %s is %s; a window must be positive", key, *v)
		default:
			*dst = d
			return
		}
		windowsOK = false
	}
	window("short_window", raw.ShortWindow, &lad.ShortWindow)
	window("long_window", raw.LongWindow, &lad.LongWindow)
	if windowsOK && lad.LongWindow < lad.ShortWindow {
		key := "long_window"
		if raw.LongWindow == nil {
			key = "short_window"
		}
		l.addf(policyFile, at(key), "ladder: long_window %s is shorter than short_window %s; the long window must contain the short one", formatWindow(lad.LongWindow), formatWindow(lad.ShortWindow))
	}

	if raw.Sanctions == nil {
		return lad
	}
	if len(raw.Sanctions) == 0 {
		l.addf(policyFile, at("sanctions"), "ladder: sanctions is empty; list at least {at: 1, sanction: %s}, or remove the key for the default", SanctionWarning)
		return lad
	}
	steps := make([]SanctionStep, 0, len(raw.Sanctions))
	ok := true
	for i, rs := range raw.Sanctions {
		name := strings.TrimSpace(rs.Sanction)
		switch {
		case rs.At < 1:
			l.addf(policyFile, at("sanctions", i, "at"), "ladder: sanctions step %d: at is %d; it counts violations, so it must be at least 1", i+1, rs.At)
			ok = false
		case len(steps) > 0 && rs.At <= steps[len(steps)-1].At:
			l.addf(policyFile, at("sanctions", i, "at"), "ladder: sanctions step %d: at %d does not follow at %d; list the steps by increasing at", i+1, rs.At, steps[len(steps)-1].At)
			ok = false
		}
		switch {
		case name == "":
			l.addf(policyFile, at("sanctions", i), "ladder: sanctions step %d has no sanction; add \"sanction:\" with one of %s", i+1, strings.Join(sanctionOrder[:], ", "))
			ok = false
		case sanctionRank(name) == 0:
			l.addf(policyFile, at("sanctions", i, "sanction"), "ladder: sanctions step %d: unknown sanction %q (known: %s)", i+1, name, strings.Join(sanctionOrder[:], ", "))
			ok = false
		case len(steps) > 0 && sanctionRank(name) < sanctionRank(steps[len(steps)-1].Sanction):
			l.addf(policyFile, at("sanctions", i, "sanction"), "ladder: sanctions step %d: %s comes after %s; sanctions only climb (%s)", i+1, name, steps[len(steps)-1].Sanction, strings.Join(sanctionOrder[:], " → "))
			ok = false
		}
		steps = append(steps, SanctionStep{At: rs.At, Sanction: name})
	}
	if ok {
		lad.Sanctions = steps
	}
	return lad
}

// parseWindowDuration parses a Go duration ("24h", "90m") or a whole
// number of days ("7d"), which time.ParseDuration lacks and HR writes.
func parseWindowDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100_000 || n < -100_000 {
			return 0, fmt.Errorf("parse duration %q: want a whole number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse duration %q: %w", s, err)
	}
	return d, nil
}

// formatWindow writes d as policy.yaml would: "24h", "168h", "90m".
func formatWindow(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
