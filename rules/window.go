package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is a weekly time window such as "Mon-Fri 09:00-18:00" in a time
// zone. A window whose end is before its start runs over midnight: its part
// after midnight belongs to the day it started on ("Fri 22:00-06:00" covers
// Saturday 03:00).
type Window struct {
	Text     string
	days     uint8 // bit time.Weekday
	start    int   // minutes since midnight, inclusive
	end      int   // minutes since midnight, exclusive; 1440 is midnight
	location *time.Location
}

var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWindow parses a time window: optional days ("Mon-Fri", "Sat,Sun",
// "Fri-Mon", "Mon") and an optional time range ("09:00-18:00",
// "22:00-06:00", end "24:00" for midnight), at least one of the two. loc is
// the time zone the window is read in.
func ParseWindow(s string, loc *time.Location) (Window, error) {
	w := Window{Text: s, days: 0x7f, start: 0, end: 24 * 60, location: loc}
	if loc == nil {
		w.location = time.UTC
	}
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return Window{}, fmt.Errorf("parse time window %q: want \"[days] [HH:MM-HH:MM]\", e.g. \"Mon-Fri 09:00-18:00\"", s)
	}
	rest := fields
	if !strings.Contains(fields[0], ":") {
		days, err := parseDays(fields[0])
		if err != nil {
			return Window{}, fmt.Errorf("parse time window %q: %w", s, err)
		}
		w.days = days
		rest = fields[1:]
	}
	switch len(rest) {
	case 0:
	case 1:
		start, end, err := parseClockRange(rest[0])
		if err != nil {
			return Window{}, fmt.Errorf("parse time window %q: %w", s, err)
		}
		w.start, w.end = start, end
	default:
		return Window{}, fmt.Errorf("parse time window %q: want \"[days] [HH:MM-HH:MM]\", e.g. \"Mon-Fri 09:00-18:00\"", s)
	}
	return w, nil
}

func parseDays(s string) (uint8, error) {
	var set uint8
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := parseWeekday(from)
		if !ok {
			return 0, fmt.Errorf("unknown day %q (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", from)
		}
		b := a
		if isRange {
			if b, ok = parseWeekday(to); !ok {
				return 0, fmt.Errorf("unknown day %q (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)", to)
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			set |= 1 << d
			if d == b {
				break
			}
		}
	}
	return set, nil
}

func parseWeekday(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, name := range weekdays {
		if s == name {
			return i, true
		}
	}
	return 0, false
}

func parseClockRange(s string) (start, end int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("time range %q: want HH:MM-HH:MM", s)
	}
	if start, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	if start == 24*60 {
		return 0, 0, fmt.Errorf("time range %q: a window cannot start at 24:00", s)
	}
	if start == end {
		return 0, 0, fmt.Errorf("time range %q is empty; omit it for the whole day", s)
	}
	return start, end, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("clock time %q: want HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("clock time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return hh*60 + mm, nil
}

// Contains reports whether t falls inside the window.
func (w Window) Contains(t time.Time) bool {
	t = t.In(w.location)
	day := int(t.Weekday())
	minute := t.Hour()*60 + t.Minute()
	if w.start < w.end {
		return w.days&(1<<day) != 0 && minute >= w.start && minute < w.end
	}
	// Over midnight: the evening of a listed day, or the morning after one.
	prev := (day + 6) % 7
	return (w.days&(1<<day) != 0 && minute >= w.start) ||
		(w.days&(1<<prev) != 0 && minute < w.end)
}
