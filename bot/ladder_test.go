package bot

import (
	"testing"
	"time"

	"github.com/wecom-guard/wecom-guard/rules"
)

func TestLadderDecide(t *testing.T) {
	l := rules.DefaultLadder()
	for _, tc := range []struct {
		name         string
		sev          rules.Severity
		act          rules.Action
		short, long  int64
		want         string
		warn, owner  bool
		hr, critical bool
		sanction     string
	}{
		{"log only", rules.SeverityLow, rules.ActionLog, 9, 9, "log", false, false, false, false, ""},
		{"first medium", rules.SeverityMedium, rules.ActionWarn, 1, 1, "warn", true, false, false, false, SanctionWarning},
		{"second", rules.SeverityMedium, rules.ActionWarn, 2, 2, "warn", true, false, false, false, SanctionWarning},
		{"third in 24h", rules.SeverityMedium, rules.ActionWarn, 3, 3, "alert_owner", true, true, false, false, SanctionCriticism},
		{"fifth in 7 days", rules.SeverityLow, rules.ActionWarn, 1, 5, "escalate_hr", true, false, true, false, SanctionSuspend},
		{"eighth in 7 days", rules.SeverityLow, rules.ActionWarn, 1, 8, "escalate_hr", true, false, true, false, SanctionDismiss},
		{"high at once", rules.SeverityHigh, rules.ActionWarn, 1, 1, "escalate_hr", true, false, true, false, SanctionCriticism},
		{"critical at once", rules.SeverityCritical, rules.ActionWarn, 1, 1, "escalate_hr", true, false, true, true, SanctionSuspend},
		{"rule asks owner", rules.SeverityLow, rules.ActionAlertOwner, 1, 1, "alert_owner", true, true, false, false, SanctionWarning},
		{"rule asks HR", rules.SeverityLow, rules.ActionEscalateHR, 1, 1, "escalate_hr", true, true, true, false, SanctionWarning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Decide(l, tc.sev, tc.act, tc.short, tc.long)
			if got.Action != tc.want || got.Warn != tc.warn || got.AlertOwner != tc.owner || got.EscalateHR != tc.hr ||
				got.Critical != tc.critical || got.Sanction != tc.sanction {
				t.Fatalf("Decide = %+v, want action %s warn=%v owner=%v hr=%v critical=%v sanction %q",
					got, tc.want, tc.warn, tc.owner, tc.hr, tc.critical, tc.sanction)
			}
		})
	}
}

// TestLadderReasonIsChinese checks that a case's reason reads as a
// sentence with the windows in hours and days, not Go durations.
func TestLadderReasonIsChinese(t *testing.T) {
	got := Decide(rules.DefaultLadder(), rules.SeverityMedium, rules.ActionWarn, 1, 2).Reason
	if want := "24 小时内第 1 次违规，7 天内第 2 次"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{24 * time.Hour, "24 小时"}, {48 * time.Hour, "2 天"}, {36 * time.Hour, "36 小时"}, {90 * time.Minute, "90 分钟"}, {90 * time.Second, "1m30s"},
	} {
		if got := Span(tc.d); got != tc.want {
			t.Errorf("Span(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
