package rules

import (
	"strings"
	"testing"
	"time"
)

func TestParseWindowErrors(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "want \"[days] [HH:MM-HH:MM]\""},
		{"Mon-Fri 09:00-18:00 extra", "want \"[days] [HH:MM-HH:MM]\""},
		{"Mon-Fry 09:00-18:00", `unknown day "Fry"`},
		{"Mon-Fri 9:00-18:00", `clock time "9:00": want HH:MM`},
		{"Mon-Fri 09:00-24:30", `clock time "24:30"`},
		{"09:60-10:00", `clock time "09:60"`},
		{"Mon 09:00", `time range "09:00": want HH:MM-HH:MM`},
		{"Mon 10:00-10:00", "is empty"},
		{"24:00-06:00", "cannot start at 24:00"},
		{"Mon 0a:00-10:00", `clock time "0a:00"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseWindow(tc.in, time.UTC)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestWindowContains(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-23 is a Monday.
	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, 11, 23+day, hour, minute, 0, 0, shanghai)
	}
	tests := []struct {
		window string
		t      time.Time
		want   bool
	}{
		{"Mon-Fri 09:00-18:00", at(0, 9, 0), true},
		{"Mon-Fri 09:00-18:00", at(0, 8, 59), false},
		{"Mon-Fri 09:00-18:00", at(4, 17, 59), true},
		{"Mon-Fri 09:00-18:00", at(4, 18, 0), false},
		{"Mon-Fri 09:00-18:00", at(5, 10, 0), false},
		{"Mon-Fri 09:00-18:00", at(0, 1, 30).UTC(), false},                           // 17:30 UTC Sunday is 01:30 Monday in Shanghai
		{"Mon-Fri 09:00-18:00", time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), true}, // 10:00 in Shanghai
		{"Sat,Sun", at(5, 0, 0), true},
		{"Sat,Sun", at(6, 23, 59), true},
		{"Sat,Sun", at(0, 0, 0), false},
		{"Fri-Mon", at(0, 12, 0), true},
		{"Fri-Mon", at(1, 12, 0), false},
		{"Fri 22:00-06:00", at(4, 23, 0), true},
		{"Fri 22:00-06:00", at(5, 5, 59), true},
		{"Fri 22:00-06:00", at(5, 6, 0), false},
		{"Fri 22:00-06:00", at(4, 5, 0), false},
		{"12:00-24:00", at(2, 23, 59), true},
		{"12:00-24:00", at(2, 11, 59), false},
		{"mon 09:00-10:00", at(0, 9, 30), true},
	}
	for _, tc := range tests {
		t.Run(tc.window+" "+tc.t.Format(time.RFC3339), func(t *testing.T) {
			w, err := ParseWindow(tc.window, shanghai)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if got := w.Contains(tc.t); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParseWindow checks that no window text panics and that a parsed
// window answers Contains.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"Mon-Fri 09:00-18:00", "Sat,Sun", "Fri 22:00-06:00", "12:00-24:00", "Mon-", "-", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s, time.UTC)
		if err == nil {
			w.Contains(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		}
	})
}
