package store

import (
	"context"

	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Statistics are counted per day (in China Standard Time, the company's
// day) in one hash a day: "total", and "cat:", "chat:", "user:", "sev:"
// fields. They are written with the violation, once per violation.

// cst is China Standard Time; a fixed zone needs no tzdata.
var cst = time.FixedZone("CST", 8*3600)

func statsDay(t time.Time) string { return t.In(cst).Format("2006-01-02") }

func statFields(v Violation) []string {
	fields := []string{"total", "sev:" + v.Severity, "user:" + v.From}
	if v.ChatID == "" {
		fields = append(fields, "chat:-")
	} else {
		fields = append(fields, "chat:"+v.ChatID)
	}
	var cats []string
	for _, h := range v.Hits {
		if !slices.Contains(cats, h.Category) {
			cats = append(cats, h.Category)
			fields = append(fields, "cat:"+h.Category)
		}
	}
	return fields
}

// DayStats is one day's counts.
type DayStats struct {
	Date       string           `json:"date"` // YYYY-MM-DD, China Standard Time
	Total      int64            `json:"total"`
	ByCategory map[string]int64 `json:"by_category"`
	BySeverity map[string]int64 `json:"by_severity"`
	ByChat     map[string]int64 `json:"by_chat"` // "-": outside any chat
	ByUser     map[string]int64 `json:"by_user"`
}

// Stats returns the counts of the days days up to and including the day
// of now, oldest first; days without violations are there with zeros.
func (s *Store) Stats(ctx context.Context, now time.Time, days int) ([]DayStats, error) {
	pipe := s.rdb.Pipeline()
	out := make([]DayStats, days)
	cmds := make([]func() (map[string]string, error), days)
	for i := range days {
		day := statsDay(now.AddDate(0, 0, i-days+1))
		out[i].Date = day
		cmd := pipe.HGetAll(ctx, s.keyStats(day))
		cmds[i] = cmd.Result
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read statistics: %w", err)
	}
	for i := range out {
		fields, err := cmds[i]()
		if err != nil {
			return nil, fmt.Errorf("read statistics of %s: %w", out[i].Date, err)
		}
		d := &out[i]
		d.ByCategory, d.BySeverity, d.ByChat, d.ByUser = map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
		for f, v := range fields {
			n, _ := strconv.ParseInt(v, 10, 64)
			kind, name, _ := strings.Cut(f, ":")
			switch kind {
			case "total":
				d.Total = n
			case "cat":
				d.ByCategory[name] = n
			case "sev":
				d.BySeverity[name] = n
			case "chat":
				d.ByChat[name] = n
			case "user":
				d.ByUser[name] = n
			}
		}
	}
	return out, nil
}

// CachedDepartment returns the main department of userID as the sender's
// cached user lookup knows it; ok is false when the user is not cached.
func (s *Store) CachedDepartment(ctx context.Context, userID string) (dept string, ok bool, err error) {
	var u struct {
		UserID         string
		Department     []int64
		MainDepartment int64
	}
	found, err := s.getJSON(ctx, s.keyCache("user:"+userID), &u)
	if err != nil || !found || u.UserID == "" {
		return "", false, err
	}
	switch {
	case u.MainDepartment != 0:
		return strconv.FormatInt(u.MainDepartment, 10), true, nil
	case len(u.Department) > 0:
		return strconv.FormatInt(u.Department[0], 10), true, nil
	}
	return "", false, nil
}
