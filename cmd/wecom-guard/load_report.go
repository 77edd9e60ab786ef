package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// loadReport is the outcome of a `load` run; --json prints it as is (its
// field names are a contract).
type loadReport struct {
	Run       string  `json:"run"`
	URL       string  `json:"url"`
	Conns     int     `json:"connections"`
	Rate      float64 `json:"rate"` // 0: flat out
	Planned   int     `json:"planned"`
	Completed int     `json:"completed"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"callbacks_per_second"`
	// Latency of every completed callback, of the clean and of the
	// offending ones, in milliseconds.
	All       latencies `json:"latency"`
	Clean     latencies `json:"latency_clean"`
	Violating latencies `json:"latency_violating"`
	// Status counts the answers by HTTP status ("200") and the failures
	// without one ("transport_error").
	Status map[string]int `json:"status"`
	// Replies counts offending callbacks answered with a passive reply
	// (wecom-guard's warning to the sender).
	Replies int          `json:"violating_replies"`
	Alerts  *alertReport `json:"alerts,omitempty"`
}

// alertReport is the violation → alert latency measured at the fake
// WeCom API.
type alertReport struct {
	URL string `json:"url"`
	// Expected offending callbacks (answered 200), and how many of them an
	// alert named within --alerts-wait.
	Expected int `json:"expected"`
	Seen     int `json:"seen"`
	// Latency from posting the callback to the fake's delivery of the
	// first alert that names its sender.
	Latency latencies `json:"latency"`
	// With --groups (Groups > 0): Owner is the owner alert, the first
	// message to the group's owner that names the offender (an alert or a
	// digest line); Warning the first message to the offender (the
	// warning). Each counts from posting the record.
	Groups  int           `json:"groups,omitempty"`
	Owner   *alertLatency `json:"owner,omitempty"`
	Warning *alertLatency `json:"warning,omitempty"`
}

// alertLatency is how many offending messages got one kind of message
// within --alerts-wait, and how soon.
type alertLatency struct {
	Seen    int       `json:"seen"`
	Latency latencies `json:"latency"`
}

func newLoadReport(lc loadPlan, run string, calls []loadCall, results []loadResult, elapsed time.Duration) *loadReport {
	rep := &loadReport{Run: run, URL: lc.URL, Conns: lc.Conns, Rate: lc.Rate, Planned: len(calls),
		Seconds: elapsed.Seconds(), Status: map[string]int{}}
	var all, clean, bad []time.Duration
	for i, r := range results {
		if !r.done {
			continue
		}
		rep.Completed++
		switch {
		case r.status == 0:
			rep.Status["transport_error"]++
		case r.ingestErr:
			rep.Status["ingest_error"]++
		default:
			rep.Status[strconv.Itoa(r.status)]++
		}
		all = append(all, r.latency)
		if calls[i].violating {
			bad = append(bad, r.latency)
			if r.replied && r.status == http.StatusOK {
				rep.Replies++
			}
		} else {
			clean = append(clean, r.latency)
		}
	}
	if elapsed > 0 {
		rep.PerSecond = float64(rep.Completed) / elapsed.Seconds()
	}
	rep.All, rep.Clean, rep.Violating = summarize(all), summarize(clean), summarize(bad)
	return rep
}

func (r *loadReport) print(w io.Writer) {
	mode := "flat out"
	if r.Rate > 0 {
		mode = fmt.Sprintf("at %g/s (latency from the scheduled time)", r.Rate)
	}
	fmt.Fprintf(w, "load run %s: %s, %d connections, %s\n", r.Run, r.URL, r.Conns, mode)
	fmt.Fprintf(w, "  %d of %d callbacks in %.2fs: %.0f callbacks/s\n", r.Completed, r.Planned, r.Seconds, r.PerSecond)
	fmt.Fprintf(w, "  %-10s %7s %9s %9s %9s %9s\n", "latency", "n", "p50", "p99", "p999", "max")
	for _, row := range []struct {
		name string
		l    latencies
	}{{"all", r.All}, {"clean", r.Clean}, {"violating", r.Violating}} {
		fmt.Fprintf(w, "  %-10s %7d %7.2fms %7.2fms %7.2fms %7.2fms\n", row.name, row.l.Sent, row.l.P50, row.l.P99, row.l.P999, row.l.Max)
	}
	keys := make([]string, 0, len(r.Status))
	for k := range r.Status {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprint(w, "  answers:")
	for _, k := range keys {
		fmt.Fprintf(w, " %s×%d", k, r.Status[k])
	}
	fmt.Fprintf(w, "; passive replies to offending callbacks: %d\n", r.Replies)
	if a := r.Alerts; a != nil {
		fmt.Fprintf(w, "  alerts at %s: %d of %d offending callbacks named; violation → alert p50 %.1fms p99 %.1fms max %.1fms\n",
			a.URL, a.Seen, a.Expected, a.Latency.P50, a.Latency.P99, a.Latency.Max)
		for _, row := range []struct {
			name string
			l    *alertLatency
		}{{fmt.Sprintf("owner alert (%d groups)", a.Groups), a.Owner}, {"warning to the sender", a.Warning}} {
			if row.l != nil {
				fmt.Fprintf(w, "    %s: %d of %d; p50 %.1fms p99 %.1fms p999 %.1fms max %.1fms\n",
					row.name, row.l.Seen, a.Expected, row.l.Latency.P50, row.l.Latency.P99, row.l.Latency.P999, row.l.Latency.Max)
			}
		}
	}
}

// sentRecord is the part of a fake's record of one delivered message that
// the correlation reads (wecomtest.Sent as /sandbox/outbox serves it).
type sentRecord struct {
	ToUser      []string  `json:"touser"`
	Content     string    `json:"content"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	At          time.Time `json:"at"`
}

// fetchSent reads a fake's record: {"sent": [...]} (the sandbox) or a bare
// array.
func fetchSent(ctx context.Context, client *http.Client, u string) ([]sentRecord, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("alerts: get %s: %w", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return nil, fmt.Errorf("alerts: read %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("alerts: %s answered HTTP %d (is the target a sandbox? give --alerts=URL otherwise)", u, resp.StatusCode)
	}
	var wrapped struct {
		Sent []sentRecord `json:"sent"`
	}
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Sent != nil {
		return wrapped.Sent, nil
	}
	var bare []sentRecord
	if err := json.Unmarshal(data, &bare); err != nil {
		return nil, fmt.Errorf("alerts: %s is neither {\"sent\": [...]} nor a JSON array of sent messages", u)
	}
	return bare, nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// alertsPoll is how often collectAlerts reads the fake's record. The
// record holds every message sent (thousands, with their bodies), and the
// sandbox encodes it on the core that is still delivering the last
// alerts; the latencies come from the record's own delivery times, so a
// slower poll changes only how long the run waits for the last one.
const alertsPoll = 2 * time.Second

// collectAlerts polls lc.Alerts until every offending callback answered
// 200 is named by a delivered message (with --groups: has its owner alert
// and its warning), or --alerts-wait passes.
func collectAlerts(ctx context.Context, lc loadPlan, run string, calls []loadCall, results []loadResult) (*alertReport, error) {
	rep := &alertReport{URL: lc.Alerts, Groups: lc.Groups}
	sentAt := map[int]time.Time{} // offending callback number → posted
	owners := map[int]string{}    // with --groups: its group's owner
	nv := 0
	for i, c := range calls {
		if !c.violating {
			continue
		}
		if r := results[i]; r.done && r.status == http.StatusOK && !r.ingestErr {
			sentAt[nv] = r.sentAt
			if c.group != "" {
				owners[nv], _ = loadGroupOwner(c.group)
			}
		}
		nv++
	}
	rep.Expected = len(sentAt)
	re := regexp.MustCompile(`wgload-` + run + `-v(\d{6})`)
	client := &http.Client{Timeout: 30 * time.Second}
	deadline := time.Now().Add(lc.AlertsWait)
	var first, owner, warning map[int]time.Time
	earliest := func(m map[int]time.Time, n int, at time.Time) {
		if t, ok := m[n]; !ok || at.Before(t) {
			m[n] = at
		}
	}
	// The first read waits too: right after the run the sender is still
	// delivering the last alerts, which a read at once held up by the
	// time it took (≈ 0.2 s at 5,000 callbacks/s: the run's p99).
	if err := sleepCtx(ctx, alertsPoll); err != nil {
		return nil, err
	}
	for {
		recs, err := fetchSent(ctx, client, lc.Alerts)
		if err != nil {
			return nil, err
		}
		first, owner, warning = map[int]time.Time{}, map[int]time.Time{}, map[int]time.Time{}
		for _, s := range recs {
			for _, text := range []string{s.Content, s.Title, s.Description} {
				for _, m := range re.FindAllStringSubmatch(text, -1) {
					n, _ := strconv.Atoi(m[1])
					if _, ok := sentAt[n]; !ok {
						continue
					}
					earliest(first, n, s.At)
					if o := owners[n]; o != "" && slices.Contains(s.ToUser, o) {
						earliest(owner, n, s.At)
					}
				}
			}
			if lc.Groups > 0 {
				for _, u := range s.ToUser {
					if m := re.FindStringSubmatch(u); m != nil && m[0] == u {
						n, _ := strconv.Atoi(m[1])
						if _, ok := sentAt[n]; ok {
							earliest(warning, n, s.At)
						}
					}
				}
			}
		}
		done := len(first) >= rep.Expected
		if lc.Groups > 0 {
			done = done && len(owner) >= rep.Expected && len(warning) >= rep.Expected
		}
		if done || !time.Now().Before(deadline) {
			break
		}
		if err := sleepCtx(ctx, alertsPoll); err != nil {
			return nil, err
		}
	}
	since := func(m map[int]time.Time) []time.Duration {
		ds := make([]time.Duration, 0, len(m))
		for n, at := range m {
			ds = append(ds, at.Sub(sentAt[n]))
		}
		return ds
	}
	ds := since(first)
	rep.Seen = len(ds)
	rep.Latency = summarize(ds)
	if lc.Groups > 0 {
		o, w := since(owner), since(warning)
		rep.Owner = &alertLatency{Seen: len(o), Latency: summarize(o)}
		rep.Warning = &alertLatency{Seen: len(w), Latency: summarize(w)}
	}
	return rep, nil
}
