package handlers

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Callback outcomes, the label values of the callback metrics.
const (
	outcomeOK         = "ok"
	outcomeReply      = "reply"
	outcomeDuplicate  = "duplicate"
	outcomeVerified   = "url_verified"
	outcomeForbidden  = "forbidden"
	outcomeBadRequest = "bad_request"
	outcomeTooLarge   = "too_large"
	outcomeError      = "error"
)

// outcomeKey holds the callback outcome on the gin context for the log line.
const outcomeKey = "wg.outcome"

type metrics struct {
	callbacks *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wecom_guard_callbacks_total",
			Help: "WeCom callbacks received, by endpoint and outcome.",
		}, []string{"endpoint", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wecom_guard_callback_duration_seconds",
			Help:    "Time to answer a WeCom callback, by endpoint and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint", "outcome"}),
	}
	for _, c := range []prometheus.Collector{
		m.callbacks, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
