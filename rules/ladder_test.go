package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLadderDefaults(t *testing.T) {
	tests := []struct {
		name   string
		ladder string // appended to validPolicy
		want   func(l *Ladder)
	}{
		{"absent", "", func(*Ladder) {}},
		{"empty section", "ladder: {}\n", func(*Ladder) {}},
		{"null section", "ladder:\n", func(*Ladder) {}},
		{"one field", "ladder:\n  owner_after: 2\n", func(l *Ladder) { l.OwnerAfter = 2 }},
		{"windows only", "ladder:\n  short_window: 12h\n  long_window: 30d\n", func(l *Ladder) {
			l.ShortWindow, l.LongWindow = 12*time.Hour, 30*24*time.Hour
		}},
		{
			name: "everything",
			ladder: `ladder:
  owner_after: 2
  short_window: 90m
  hr_after: 4
  long_window: 72h
  sanctions:
    - {at: 2, sanction: 警告}
    - {at: 4, sanction: 停用账号}
`,
			want: func(l *Ladder) {
				*l = Ladder{
					ShortWindow: 90 * time.Minute, OwnerAfter: 2,
					LongWindow: 72 * time.Hour, HRAfter: 4,
					Sanctions: []SanctionStep{{At: 2, Sanction: SanctionWarning}, {At: 4, Sanction: SanctionSuspend}},
				}
			},
		},
		{"sanctions only", "ladder:\n  sanctions:\n    - at: 1\n      sanction: 通报批评\n", func(l *Ladder) {
			l.Sanctions = []SanctionStep{{At: 1, Sanction: SanctionCriticism}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := LoadDir(policyFS(validPolicy + tc.ladder))
			if err != nil {
				t.Fatalf("LoadDir: %v", err)
			}
			want := DefaultLadder()
			tc.want(&want)
			if !reflect.DeepEqual(rs.Ladder, want) {
				t.Errorf("got %+v, want %+v", rs.Ladder, want)
			}
		})
	}
}

// TestDefaultPolicyLadder checks that the embedded policy.yaml spells out
// the defaults, so that editing it is the way to change them.
func TestDefaultPolicyLadder(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	if want := DefaultLadder(); !reflect.DeepEqual(rs.Ladder, want) {
		t.Errorf("got %+v, want %+v", rs.Ladder, want)
	}
	files, err := DefaultFiles()
	if err != nil {
		t.Fatalf("DefaultFiles: %v", err)
	}
	if !strings.Contains(string(files["policy.yaml"]), "\nladder:\n") {
		t.Errorf("the default policy.yaml has no ladder: section")
	}
}

func TestLadderProblems(t *testing.T) {
	// validPolicy has 28 lines: "ladder:" is line 29.
	tests := []struct {
		name   string
		ladder string
		want   []string
	}{
		{"zero owner_after", "  owner_after: 0\n", []string{
			`policy.yaml:30: ladder: owner_after is 0; it counts violations, so it must be at least 1`}},
		{"negative hr_after", "  hr_after: -1\n", []string{
			`policy.yaml:30: ladder: hr_after is -1; it counts violations, so it must be at least 1`}},
		{"zero window", "  short_window: 0s\n", []string{
			`policy.yaml:30: ladder: short_window is 0s; a window must be positive`}},
		{"negative window", "  long_window: -2d\n", []string{
			`policy.yaml:30: ladder: long_window is -2d; a window must be positive`}},
		{"not a duration", "  short_window: 1 day\n", []string{
			`policy.yaml:30: ladder: short_window "1 day" is not a duration; write it with a unit, e.g. 24h, 168h or 7d`}},
		{"number without unit", "  long_window: 168\n", []string{
			`policy.yaml:30: ladder: long_window "168" is not a duration`}},
		{"long shorter than short", "  short_window: 24h\n  long_window: 12h\n", []string{
			`policy.yaml:31: ladder: long_window 12h is shorter than short_window 24h; the long window must contain the short one`}},
		{"short longer than the default long", "  short_window: 240h\n", []string{
			`policy.yaml:30: ladder: long_window 168h is shorter than short_window 240h`}},
		{"sanctions not increasing", "  sanctions:\n    - {at: 3, sanction: 警告}\n    - {at: 3, sanction: 通报批评}\n", []string{
			`policy.yaml:32: ladder: sanctions step 2: at 3 does not follow at 3; list the steps by increasing at`}},
		{"sanctions decreasing", "  sanctions:\n    - {at: 1, sanction: 警告}\n    - {at: 5, sanction: 停用账号}\n    - at: 2\n      sanction: 通报批评\n", []string{
			`policy.yaml:33: ladder: sanctions step 3: at 2 does not follow at 5`,
			`policy.yaml:34: ladder: sanctions step 3: 通报批评 comes after 停用账号; sanctions only climb (警告 → 通报批评 → 停用账号 → 解除劳动合同)`}},
		{"unknown sanction", "  sanctions:\n    - {at: 1, sanction: 开除}\n", []string{
			`policy.yaml:31: ladder: sanctions step 1: unknown sanction "开除" (known: 警告, 通报批评, 停用账号, 解除劳动合同)`}},
		{"zero at", "  sanctions:\n    - {at: 0, sanction: 警告}\n", []string{
			`policy.yaml:31: ladder: sanctions step 1: at is 0; it counts violations, so it must be at least 1`}},
		{"missing at", "  sanctions:\n    - sanction: 警告\n", []string{
			`policy.yaml:31: ladder: sanctions step 1: at is 0`}},
		{"missing sanction", "  sanctions:\n    - {at: 1}\n", []string{
			`policy.yaml:31: ladder: sanctions step 1 has no sanction; add "sanction:" with one of 警告, 通报批评, 停用账号, 解除劳动合同`}},
		{"empty sanctions", "  sanctions: []\n", []string{
			`policy.yaml:30: ladder: sanctions is empty; list at least {at: 1, sanction: 警告}, or remove the key for the default`}},
		{"unknown key", "  owner_afer: 3\n", []string{
			`policy.yaml:30: unknown key "owner_afer" in ladder (known: owner_after, short_window, hr_after, long_window, sanctions); check its spelling`}},
		{"unknown step key", "  sanctions:\n    - {at: 1, sanction: 警告, days: 3}\n", []string{
			`policy.yaml:31: unknown key "days" in a sanctions step (known: at, sanction)`}},
		{"wrong type", "  owner_after: three\n", []string{
			"policy.yaml:30: cannot unmarshal !!str `three` into int"}},
		{"several at once", "  owner_after: 0\n  hr_after: 0\n  short_window: x\n", []string{
			"3 problems:", `policy.yaml:30: ladder: owner_after is 0`, `policy.yaml:31: ladder: hr_after is 0`, `policy.yaml:32: ladder: short_window "x"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadDir(policyFS(validPolicy + "ladder:\n" + tc.ladder))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}

func TestParseWindowDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"24h", 24 * time.Hour, true},
		{"7d", 7 * 24 * time.Hour, true},
		{" 168h ", 168 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"999999999d", 0, false},
		{"", 0, false},
		{"24", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseWindowDuration(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("got %v, %v; want %v, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}
