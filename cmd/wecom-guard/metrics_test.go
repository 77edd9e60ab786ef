package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.yaml.in/yaml/v3"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/store/storetest"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// wantMetrics are the metrics an operator alerts on (docs/operations.md).
var wantMetrics = []string{
	"wecom_guard_callbacks_total", "wecom_guard_callback_duration_seconds",
	"wecom_guard_outbox_entries", "wecom_guard_outbox_dead_letters", "wecom_guard_outbox_oldest_age_seconds", "wecom_guard_outbox_scrape_ok",
	"wecom_guard_deliveries_total", "wecom_guard_violations_total",
	"wecom_guard_rules_version", "wecom_guard_rules_compile_duration_seconds",
	"wecom_guard_redis_command_duration_seconds",
	"wecom_guard_archive_records_total", "wecom_guard_archive_last_seq", "wecom_guard_archive_newest_record_timestamp_seconds",
}

// scrape reads a Prometheus text exposition into family name → samples
// (the sample lines, labels and value).
func scrape(t *testing.T, url string) (families map[string][]string, status int) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	families = map[string][]string{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			families[strings.Fields(name)[0]] = nil
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		fam := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if _, ok := families[name]; ok {
			fam = name
		}
		families[fam] = append(families[fam], line)
	}
	return families, resp.StatusCode
}

// sampleValue sums the samples of family whose line contains every one of labels.
func sampleValue(samples []string, labels ...string) (sum float64, found bool) {
	for _, s := range samples {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(s, l)
		}
		if !ok {
			continue
		}
		f := strings.Fields(s)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum, found = sum+v, true
		}
	}
	return sum, found
}

// TestMetrics runs the sandbox with METRICS_ADDR, makes it record a
// violation, deliver an alert and ingest an archive record, and reads the
// operator's metrics from the metrics listener; the main listener no
// longer serves them.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	addr, stop := startSandboxWith(t, dir, &logs, map[string]string{"METRICS_ADDR": "127.0.0.1:0"})
	defer stop()
	metricsAddr := ""
	for _, line := range strings.Split(logs.String(), "\n") {
		var e struct{ Message, Addr string }
		if json.Unmarshal([]byte(line), &e) == nil && strings.HasPrefix(e.Message, "serving /metrics") {
			metricsAddr = e.Addr
		}
	}
	if metricsAddr == "" {
		t.Fatalf("no log line gives the metrics address:\n%s", logs.String())
	}
	if _, status := scrape(t, "http://"+addr+"/metrics"); status != http.StatusNotFound {
		t.Errorf("main listener /metrics: %d, want 404 with METRICS_ADDR set", status)
	}

	t.Setenv("WG_STATE_DIR", dir)
	for range 3 { // the third insult alerts the owner: a delivery
		if err := run(context.Background(), []string{"send", "--url", "http://" + addr + "/wecom/callback", "你真是个傻逼"}, nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(context.Background(), []string{"send", "--url", "http://" + addr + "/api/v1/archive/messages", "--chat", sandboxRoom, "你好"}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}

	url := "http://" + metricsAddr + "/metrics"
	var fams map[string][]string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var status int
		fams, status = scrape(t, url)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", url, status)
		}
		if n, _ := sampleValue(fams["wecom_guard_deliveries_total"], `outcome="ok"`); n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery counted:\n%s", strings.Join(fams["wecom_guard_deliveries_total"], "\n"))
		}
	}
	for _, name := range wantMetrics {
		if _, ok := fams[name]; !ok {
			t.Errorf("metric %s is not exposed", name)
		}
	}
	for _, c := range []struct {
		family string
		labels []string
		min    float64
	}{
		{"wecom_guard_violations_total", []string{`category="abuse"`, `action="alert_owner"`}, 1},
		{"wecom_guard_violations_total", []string{`category="abuse"`}, 3},
		{"wecom_guard_rules_version", nil, 1},
		{"wecom_guard_rules_compile_duration_seconds", []string{"_count"}, 1},
		{"wecom_guard_redis_command_duration_seconds", []string{"_count", `command="evalsha"`}, 1},
		{"wecom_guard_archive_records_total", []string{`outcome="processed"`}, 1},
		{"wecom_guard_archive_newest_record_timestamp_seconds", nil, float64(time.Now().Add(-time.Hour).Unix())},
		{"wecom_guard_outbox_scrape_ok", nil, 1},
	} {
		if got, ok := sampleValue(fams[c.family], c.labels...); !ok || got < c.min {
			t.Errorf("%s%v = %v (found %v), want at least %v\n%s", c.family, c.labels, got, ok, c.min, strings.Join(fams[c.family], "\n"))
		}
	}
	if _, ok := sampleValue(fams["wecom_guard_outbox_oldest_age_seconds"]); !ok {
		t.Error("no outbox age sample")
	}
}

// TestDeployUsesRealMetricNames: every wecom_guard_ metric the Grafana
// dashboard, the alert rules and the operations guide name is one the
// service exposes, and each metric is used by the dashboard.
func TestDeployUsesRealMetricNames(t *testing.T) {
	known := map[string]bool{}
	for _, m := range wantMetrics {
		known[m] = true
	}
	files, _ := filepath.Glob("../../deploy/*/*")
	files = append(files, "../../docs/operations.md")
	if len(files) < 3 {
		t.Fatalf("deploy files: %v", files)
	}
	re := regexp.MustCompile(`wecom_guard_[a-z_]+`)
	used := map[string]map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".json") && !json.Valid(data) {
			t.Errorf("%s is not valid JSON", f)
		}
		if strings.HasSuffix(f, ".yml") {
			var rules struct {
				Groups []struct {
					Name  string `yaml:"name"`
					Rules []struct {
						Alert       string            `yaml:"alert"`
						Expr        string            `yaml:"expr"`
						For         string            `yaml:"for"`
						Labels      map[string]string `yaml:"labels"`
						Annotations map[string]string `yaml:"annotations"`
					} `yaml:"rules"`
				} `yaml:"groups"`
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			if err := dec.Decode(&rules); err != nil {
				t.Errorf("%s: not Prometheus rule groups: %v", f, err)
			}
			for _, g := range rules.Groups {
				for _, r := range g.Rules {
					if r.Alert == "" || r.Expr == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
						t.Errorf("%s: rule %q lacks alert, expr, severity or summary", f, r.Alert)
					}
				}
			}
		}
		used[f] = map[string]bool{}
		for _, m := range re.FindAll(data, -1) {
			name := string(bytes.TrimSuffix(bytes.TrimSuffix(bytes.TrimSuffix(m, []byte("_bucket")), []byte("_sum")), []byte("_count")))
			if !known[name] {
				t.Errorf("%s names %s, which the service does not expose", f, m)
			}
			used[f][name] = true
		}
	}
	for _, m := range wantMetrics {
		if !used["../../deploy/grafana/wecom-guard.json"][m] && m != "wecom_guard_outbox_scrape_ok" {
			t.Errorf("the dashboard does not show %s", m)
		}
		if !used["../../docs/operations.md"][m] {
			t.Errorf("docs/operations.md does not describe %s", m)
		}
	}
}

type fakeIngester struct{ results []bot.IngestResult }

func (f fakeIngester) IngestArchive(_ context.Context, recs []wecom.ArchiveRecord) []bot.IngestResult {
	return f.results[:len(recs)]
}
func (fakeIngester) SetArchiveSeq(context.Context, string, uint64) error { return nil }
func (fakeIngester) ArchiveSeq(context.Context, string) (uint64, error)  { return 0, nil }

var _ handlers.ArchiveIngester = fakeIngester{}

func TestObservedArchive(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newServiceMetrics(reg, storetest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	recs := []wecom.ArchiveRecord{{MsgTime: t1.UnixMilli()}, {MsgTime: t1.Add(time.Hour).UnixMilli()}, {MsgTime: t1.Add(2 * time.Hour).UnixMilli()}}
	a := observedArchive{ArchiveIngester: fakeIngester{results: []bot.IngestResult{
		{Status: bot.IngestProcessed}, {Status: bot.IngestProcessed}, {Status: bot.IngestError},
	}}, m: m}
	a.IngestArchive(context.Background(), recs)
	// An older batch later does not move the newest record back.
	a.IngestArchive(context.Background(), recs[:1])
	if err := a.SetArchiveSeq(context.Background(), "ww1", 42); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"processed", testutil.ToFloat64(m.archiveRecords.WithLabelValues("processed")), 3},
		{"error", testutil.ToFloat64(m.archiveRecords.WithLabelValues("error")), 1},
		{"seq", testutil.ToFloat64(m.archiveSeq), 42},
		// The errored record is the newest but was not checked.
		{"newest", testutil.ToFloat64(m.archiveNewest), float64(t1.Add(time.Hour).Unix())},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	m, err := newServiceMetrics(prometheus.NewRegistry(), storetest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	m.delivered("text", &wecom.SendResult{}, nil)
	m.delivered("text", &wecom.SendResult{InvalidUser: []string{"x"}}, nil)
	m.delivered("text", nil, fmt.Errorf("send: %w", &wecom.APIError{Code: 60020, API: "message/send"}))
	m.delivered("webhook", nil, &wecom.HTTPError{Status: 502})
	m.delivered("markdown", nil, context.DeadlineExceeded)
	for _, c := range []struct{ kind, outcome, code string }{
		{"text", "ok", "0"}, {"text", "invalid_recipients", "0"}, {"text", "wecom_error", "60020"},
		{"webhook", "http_error", "502"}, {"markdown", "error", ""},
	} {
		if got := testutil.ToFloat64(m.deliveries.WithLabelValues(c.kind, c.outcome, c.code)); got != 1 {
			t.Errorf("deliveries{%s,%s,%s} = %v, want 1", c.kind, c.outcome, c.code, got)
		}
	}
}

// TestViolationsCountedOnce: the pipeline writes a violation's record
// again for a retry after a failure and, with plan marks on, for every
// duplicate of the message (a WeCom retry, an archive re-pull completes
// its plan); wecom_guard_violations_total counts the violation once, in
// both modes. Counting every successful write counts 3 here.
func TestViolationsCountedOnce(t *testing.T) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint("plan marks ", on), func(t *testing.T) {
			st := storetest.New(t)
			m, err := newServiceMetrics(prometheus.NewRegistry(), st)
			if err != nil {
				t.Fatal(err)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(st.EnablePlanMarks(ctx, on))
			obs := observedStore{Store: st, m: m}
			now := time.Now()
			id := fmt.Sprint("msg:counted-once-", on)
			tl, err := obs.TallyViolation(ctx, id, "zhangsan", []string{"abuse"}, now, []time.Duration{time.Hour}, 24*time.Hour)
			must(err)
			r := store.Record{
				Violation: store.Violation{ID: id, Time: now, From: "zhangsan", Severity: "high", Action: "alert_owner",
					Hits: []store.VHit{{Category: "abuse", Masked: "傻*"}}},
				Retention: 48 * time.Hour, Now: now,
				Actions: []store.Action{{Key: id + "/alert_owner", Payload: []byte(`{}`)}},
			}
			if tl.PlanMarks {
				r.DedupTTL = 48 * time.Hour
			}
			must(obs.RecordViolation(ctx, r))
			// A retry of the message that decided again (plan marks off:
			// a replica stopped before its MarkSeen).
			r.Now = now.Add(time.Second)
			must(obs.RecordViolation(ctx, r))
			if on {
				// A duplicate finds the plan and completes it.
				tl, err := obs.TallyViolation(ctx, id, "zhangsan", []string{"abuse"}, now, []time.Duration{time.Hour}, 24*time.Hour)
				must(err)
				if tl.Plan == nil {
					t.Fatalf("duplicate's tally %+v: no plan", tl)
				}
				must(obs.RecordViolation(ctx, *tl.Plan))
			} else {
				must(obs.RecordViolation(ctx, r))
			}
			if got := testutil.ToFloat64(m.violations.WithLabelValues("abuse", "alert_owner")); got != 1 {
				t.Errorf("violations{abuse,alert_owner} = %v, want 1", got)
			}
		})
	}
}
