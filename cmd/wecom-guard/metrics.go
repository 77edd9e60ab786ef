package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
	"github.com/wecom-guard/wecom-guard/handlers"
)

// The service's operational metrics, beyond the HTTP ones of handlers:
// what an operator alerts on (docs/operations.md, deploy/). They are
// gathered by wrapping the dependencies serve wires (the WeCom client the
// sender calls, the store the pipeline writes violations to, the archive
// ingester) and by reading the outbox at scrape time, so the packages that
// do the work need no metrics code of their own.

// Delivery outcomes, the outcome label of wecom_guard_deliveries_total.
const (
	deliveryOK       = "ok"                 // WeCom accepted it for every recipient
	deliveryPartial  = "invalid_recipients" // accepted, some recipients unknown to WeCom
	deliveryAPIError = "wecom_error"        // WeCom answered with an errcode
	deliveryHTTP     = "http_error"         // a gateway answered with an HTTP error
	deliveryError    = "error"              // no answer: network, timeout, malformed answer
)

// serviceMetrics are the collectors serve registers.
type serviceMetrics struct {
	deliveries     *prometheus.CounterVec
	violations     *prometheus.CounterVec
	rulesVersion   prometheus.Gauge
	rulesCompile   prometheus.Histogram
	redisLatency   *prometheus.HistogramVec
	archiveRecords *prometheus.CounterVec
	archiveSeq     prometheus.Gauge
	archiveNewest  prometheus.Gauge
	// newestMs is archiveNewest's value in ms, kept to move it only forward.
	newestMs atomic.Int64
}

func newServiceMetrics(reg prometheus.Registerer, st *store.Store) (*serviceMetrics, error) {
	m := &serviceMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wecom_guard_deliveries_total",
			Help: "Messages the sender handed to WeCom, by kind (text, markdown, webhook), outcome and WeCom errcode (0 when none).",
		}, []string{"kind", "outcome", "errcode"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wecom_guard_violations_total",
			Help: "Violations recorded, by category and the ladder's action (log, warn, alert_owner, escalate_hr).",
		}, []string{"category", "action"}),
		rulesVersion: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wecom_guard_rules_version",
			Help: "Version of the rule set in force on this replica.",
		}),
		rulesCompile: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wecom_guard_rules_compile_duration_seconds",
			Help:    "Time to compile a rule set into force.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		redisLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wecom_guard_redis_command_duration_seconds",
			Help:    "Redis command latency as the service sees it, by command (pipeline for pipelines and transactions) and outcome (ok, error).",
			Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"command", "outcome"}),
		archiveRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wecom_guard_archive_records_total",
			Help: "Chat-archive records ingested, by outcome (processed, duplicate, skipped, recalled, error).",
		}, []string{"outcome"}),
		archiveSeq: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wecom_guard_archive_last_seq",
			Help: "The chat archive's resume point (seq) last stored by this replica.",
		}),
		archiveNewest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "wecom_guard_archive_newest_record_timestamp_seconds",
			Help: "Send time (Unix seconds) of the newest chat-archive record processed; time() minus it is the ingest lag.",
		}),
	}
	// Series that alerts divide by exist from the start, at zero.
	for _, kind := range []string{"text", "markdown", "webhook"} {
		m.deliveries.WithLabelValues(kind, deliveryOK, "0")
	}
	for _, s := range []bot.IngestStatus{bot.IngestProcessed, bot.IngestDuplicate, bot.IngestSkipped, bot.IngestRecalled, bot.IngestError} {
		m.archiveRecords.WithLabelValues(string(s))
	}
	for _, c := range []prometheus.Collector{
		m.deliveries, m.violations, m.rulesVersion, m.rulesCompile, m.redisLatency,
		m.archiveRecords, m.archiveSeq, m.archiveNewest, newOutboxCollector(st),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	st.ObserveCommands(func(cmd string, took time.Duration, failed bool) {
		outcome := "ok"
		if failed {
			outcome = "error"
		}
		m.redisLatency.WithLabelValues(cmd, outcome).Observe(took.Seconds())
	})
	return m, nil
}

// ruleSetCompiled is bot.PolicyConfig.Compiled.
func (m *serviceMetrics) ruleSetCompiled(version int64, took time.Duration) {
	m.rulesVersion.Set(float64(version))
	m.rulesCompile.Observe(took.Seconds())
}

// delivered counts one message handed to WeCom.
func (m *serviceMetrics) delivered(kind string, res *wecom.SendResult, err error) {
	outcome, code := deliveryOK, "0"
	var apiErr *wecom.APIError
	var httpErr *wecom.HTTPError
	switch {
	case errors.As(err, &apiErr):
		outcome, code = deliveryAPIError, strconv.Itoa(apiErr.Code)
	case errors.As(err, &httpErr):
		outcome, code = deliveryHTTP, strconv.Itoa(httpErr.Status)
	case err != nil:
		outcome, code = deliveryError, ""
	case res != nil && len(res.InvalidUser)+len(res.InvalidParty)+len(res.InvalidTag) > 0:
		outcome = deliveryPartial
	}
	m.deliveries.WithLabelValues(kind, outcome, code).Inc()
}

// observedAPI is the WeCom client as the sender sees it, counting deliveries.
type observedAPI struct {
	bot.WeComAPI
	m *serviceMetrics
}

func (a observedAPI) SendText(ctx context.Context, to wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	res, err := a.WeComAPI.SendText(ctx, to, content, opt)
	a.m.delivered("text", res, err)
	return res, err
}

func (a observedAPI) SendMarkdown(ctx context.Context, to wecom.SendTarget, content string, opt wecom.SendOptions) (*wecom.SendResult, error) {
	res, err := a.WeComAPI.SendMarkdown(ctx, to, content, opt)
	a.m.delivered("markdown", res, err)
	return res, err
}

func (a observedAPI) Webhook(ctx context.Context, key string, msg wecom.WebhookMessage) error {
	err := a.WeComAPI.Webhook(ctx, key, msg)
	a.m.delivered("webhook", nil, err)
	return err
}

// observedStore is the store as the pipeline sees it, counting the
// violations it records.
type observedStore struct {
	*store.Store
	m *serviceMetrics
}

func (s observedStore) SaveViolation(ctx context.Context, v store.Violation, retention time.Duration) error {
	if err := s.Store.SaveViolation(ctx, v, retention); err != nil {
		return err
	}
	s.count(v)
	return nil
}

// RecordViolation is how the pipeline stores a violation (one round trip
// for the record, its indexes, case and outbox entries). It is called
// again for the same violation — a retry after a failure, and with plan
// marks on every duplicate of a violating message (store/plan.go) — so
// only the call that wrote the record counts it.
func (s observedStore) RecordViolation(ctx context.Context, r store.Record) error {
	first, err := s.Store.RecordViolationFirst(ctx, r)
	if err != nil {
		return err
	}
	if first {
		s.count(r.Violation)
	}
	return nil
}

func (s observedStore) count(v store.Violation) {
	var cats []string
	for _, h := range v.Hits {
		if !slices.Contains(cats, h.Category) {
			cats = append(cats, h.Category)
		}
	}
	for _, c := range cats {
		s.m.violations.WithLabelValues(c, v.Action).Inc()
	}
}

// observedArchive is the archive ingester as the ingest endpoint sees it,
// counting records by outcome and following the resume point and lag.
type observedArchive struct {
	handlers.ArchiveIngester
	m *serviceMetrics
}

func (a observedArchive) IngestArchive(ctx context.Context, recs []wecom.ArchiveRecord) []bot.IngestResult {
	res := a.ArchiveIngester.IngestArchive(ctx, recs)
	var newest int64
	for i, r := range res {
		a.m.archiveRecords.WithLabelValues(string(r.Status)).Inc()
		if r.Status == bot.IngestProcessed && i < len(recs) {
			newest = max(newest, recs[i].MsgTime)
		}
	}
	// Only forward: a replayed old batch does not make the lag look larger.
	for {
		cur := a.m.newestMs.Load()
		if newest <= cur {
			break
		}
		if a.m.newestMs.CompareAndSwap(cur, newest) {
			a.m.archiveNewest.Set(float64(newest) / 1000)
			break
		}
	}
	return res
}

func (a observedArchive) SetArchiveSeq(ctx context.Context, corpID string, seq uint64) error {
	if err := a.ArchiveIngester.SetArchiveSeq(ctx, corpID, seq); err != nil {
		return err
	}
	a.m.archiveSeq.Set(float64(seq))
	return nil
}

// outboxCollector reads the outbox from Redis at scrape time: depth by
// state, dead letters and the age of the oldest entry, shared by all
// replicas (every replica reports the same values; alert on max()).
type outboxCollector struct {
	st                       *store.Store
	entries, dead, age, okay *prometheus.Desc
}

func newOutboxCollector(st *store.Store) outboxCollector {
	return outboxCollector{
		st: st,
		entries: prometheus.NewDesc("wecom_guard_outbox_entries",
			"Outbox entries by state: queued (in the stream, new or held by a sender), pending (held by a sender, unacknowledged), delayed (waiting for a retry).",
			[]string{"state"}, nil),
		dead: prometheus.NewDesc("wecom_guard_outbox_dead_letters",
			"Actions that exhausted their retries and wait in the dead letters for HR (console: 投递失败).", nil, nil),
		age: prometheus.NewDesc("wecom_guard_outbox_oldest_age_seconds",
			"Age of the oldest undelivered outbox entry since it was first enqueued; 0 when the outbox is empty.", nil, nil),
		okay: prometheus.NewDesc("wecom_guard_outbox_scrape_ok",
			"1 when the outbox could be read from Redis at this scrape, else 0 (and the outbox metrics are missing).", nil, nil),
	}
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.dead
	ch <- c.age
	ch <- c.okay
}

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := c.st.OutboxStats(ctx)
	var oldest time.Time
	var ok bool
	if err == nil {
		oldest, ok, err = c.st.OutboxOldest(ctx)
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.okay, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.okay, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(stats.Queued), "queued")
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(stats.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(stats.Delayed), "delayed")
	ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(stats.Dead))
	age := 0.0
	if ok {
		age = max(0, time.Since(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}

// metricsHandler serves the registry in Prometheus' text format.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// withoutMetrics answers 404 for /metrics, which then has its own listener
// (METRICS_ADDR) and must not face the internet through the main one.
func withoutMetrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
