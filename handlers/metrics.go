package handlers

import (
	"fmt"
	"sync"

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

type metrics struct {
	callbacks *prometheus.CounterVec
	latency   *prometheus.HistogramVec

	// children holds each endpoint and outcome's counter and histogram,
	// looked up once: WithLabelValues hashes the labels, takes the vector's
	// lock and allocates its argument slice on every call, twice a callback
	// (1.3 % of the served binary's CPU under the load tool).
	mu       sync.RWMutex
	children map[callbackLabels]callbackObservers
}

type callbackLabels struct{ endpoint, outcome string }

type callbackObservers struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// observers returns the counter and histogram of endpoint and outcome.
func (m *metrics) observers(endpoint, outcome string) callbackObservers {
	k := callbackLabels{endpoint, outcome}
	m.mu.RLock()
	o, ok := m.children[k]
	m.mu.RUnlock()
	if ok {
		return o
	}
	o = callbackObservers{
		count:   m.callbacks.WithLabelValues(endpoint, outcome),
		latency: m.latency.WithLabelValues(endpoint, outcome),
	}
	m.mu.Lock()
	if m.children == nil {
		m.children = make(map[callbackLabels]callbackObservers)
	}
	m.children[k] = o
	m.mu.Unlock()
	return o
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
