package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// jobStatus is what the health endpoint and metrics say about a job.
type jobStatus struct {
	Runs        int       `json:"runs"`
	Failures    int       `json:"failures"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastFailed  bool      `json:"last_failed"`
}

type jobTracker struct {
	mu   sync.Mutex
	jobs map[string]*jobStatus
}

func (j *jobTracker) record(name string, err error, at time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[string]*jobStatus{}
	}
	s := j.jobs[name]
	if s == nil {
		s = &jobStatus{}
		j.jobs[name] = s
	}
	s.Runs++
	s.LastFailed = err != nil
	if err != nil {
		s.Failures++
		s.LastError = err.Error()
	} else {
		s.LastSuccess = at
	}
}

func (j *jobTracker) snapshot() map[string]jobStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]jobStatus{}
	for k, v := range j.jobs {
		out[k] = *v
	}
	return out
}

var (
	descPending   = prometheus.NewDesc("ghsec_outbox_pending_records", "Records waiting in a sink's outbox.", []string{"sink"}, nil)
	descDead      = prometheus.NewDesc("ghsec_deadletter_records", "Records a sink refused for good, kept in its dead-letter bucket.", []string{"sink"}, nil)
	descDelivered = prometheus.NewDesc("ghsec_records_delivered_total", "Records a sink accepted.", []string{"sink"}, nil)
	descSendFail  = prometheus.NewDesc("ghsec_delivery_failures_total", "Failed delivery attempts of any kind (outbox batches and a sink's own mails).", []string{"sink"}, nil)
	descRetries   = prometheus.NewDesc("ghsec_delivery_retries_total", "Failed delivery attempts followed by a wait and another attempt.", []string{"sink"}, nil)
	descRetryWait = prometheus.NewDesc("ghsec_delivery_retry_wait_seconds_total", "Time spent waiting before delivery retries.", []string{"sink"}, nil)
	descDeadTotal = prometheus.NewDesc("ghsec_records_deadlettered_total", "Records moved to the dead-letter bucket by this process.", []string{"sink"}, nil)
	descFailing   = prometheus.NewDesc("ghsec_delivery_failing_since_timestamp_seconds", "When the sink's current run of failed deliveries began; 0 while its latest attempt succeeded.", []string{"sink"}, nil)
	descRequests  = prometheus.NewDesc("ghsec_github_requests_total", "Requests sent to GitHub, including those that failed.", nil, nil)
	descReqFail   = prometheus.NewDesc("ghsec_github_request_failures_total", "Requests to GitHub that got no response (network error, timeout) or a 5xx.", nil, nil)
	descNotMod    = prometheus.NewDesc("ghsec_github_not_modified_total", "Requests GitHub answered 304 Not Modified (no rate-limit cost).", nil, nil)
	descUnits     = prometheus.NewDesc("ghsec_github_ratelimit_units_total", "Primary rate-limit units spent.", nil, nil)
	descWaits     = prometheus.NewDesc("ghsec_github_ratelimit_waits_total", "Times the exporter waited for a GitHub rate limit.", nil, nil)
	descWaited    = prometheus.NewDesc("ghsec_github_ratelimit_wait_seconds_total", "Time spent waiting for GitHub rate limits.", nil, nil)
	descRemaining = prometheus.NewDesc("ghsec_github_ratelimit_remaining", "Last known remaining primary rate-limit units.", []string{"resource"}, nil)
	descJobRuns   = prometheus.NewDesc("ghsec_job_runs_total", "Job runs by result.", []string{"job", "result"}, nil)
	descRefused   = prometheus.NewDesc("ghsec_github_undecodable_items_total", "Alert list items refused because they do not decode (each logged with repo and number).", nil, nil)
	descPendingUn = prometheus.NewDesc("ghsec_github_undecodable_items", "Undecodable alert items kept in the state file to be tried again.", []string{"cursor"}, nil)
	descJobOK     = prometheus.NewDesc("ghsec_job_last_success_timestamp_seconds", "When the job last succeeded.", []string{"job"}, nil)
)

// collector reads live figures at scrape time.
type collector struct{ a *App }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPending, descDead, descDelivered, descSendFail, descRetries, descRetryWait, descDeadTotal, descFailing, descRequests, descReqFail, descNotMod, descUnits, descWaits, descWaited, descRemaining, descJobRuns, descJobOK, descRefused, descPendingUn, descWebhook, descWebhookRecords, descWebhookUp, descStateFile, descStateFree, descTrims, descTrimFailed} {
		ch <- d
	}
}

// countMetric is a sink's gauge from count, or an invalid metric that fails
// the scrape with count's error rather than reporting a false 0.
func countMetric(desc *prometheus.Desc, sink string, count func(sink string) (int, error)) prometheus.Metric {
	n, err := count(sink)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), sink)
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	_ = a.db.View(func(tx *state.Tx) error {
		for _, d := range a.deliverers {
			ch <- countMetric(descPending, d.Name, tx.Pending)
			ch <- countMetric(descDead, d.Name, tx.DeadCount)
		}
		un, err := ingest.Undecodable(tx)
		for name, items := range un {
			ch <- prometheus.MustNewConstMetric(descPendingUn, prometheus.GaugeValue, float64(len(items)), name)
		}
		return err
	})
	ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(a.undecodable()))
	for _, d := range a.deliverers {
		h := d.Health()
		ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(h.Delivered), d.Name)
		ch <- prometheus.MustNewConstMetric(descSendFail, prometheus.CounterValue, float64(h.Failures), d.Name)
		ch <- prometheus.MustNewConstMetric(descRetries, prometheus.CounterValue, float64(h.Retries), d.Name)
		ch <- prometheus.MustNewConstMetric(descRetryWait, prometheus.CounterValue, h.Waited.Seconds(), d.Name)
		ch <- prometheus.MustNewConstMetric(descDeadTotal, prometheus.CounterValue, float64(h.DeadLettered), d.Name)
		since := 0.0
		if !h.FailingSince.IsZero() {
			since = float64(h.FailingSince.Unix())
		}
		ch <- prometheus.MustNewConstMetric(descFailing, prometheus.GaugeValue, since, d.Name)
	}
	ls := a.ghStats()
	ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(ls.Requests))
	ch <- prometheus.MustNewConstMetric(descReqFail, prometheus.CounterValue, float64(ls.Failures))
	ch <- prometheus.MustNewConstMetric(descNotMod, prometheus.CounterValue, float64(ls.NotModified))
	ch <- prometheus.MustNewConstMetric(descUnits, prometheus.CounterValue, float64(ls.Units))
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(ls.Waits))
	ch <- prometheus.MustNewConstMetric(descWaited, prometheus.CounterValue, ls.Waited.Seconds())
	for _, r := range []string{"core", "audit_log"} {
		if rem, ok := a.gh.Limiter().Remaining(r); ok {
			ch <- prometheus.MustNewConstMetric(descRemaining, prometheus.GaugeValue, float64(rem), r)
		}
	}
	for name, s := range a.jobStats.snapshot() {
		ch <- prometheus.MustNewConstMetric(descJobRuns, prometheus.CounterValue, float64(s.Runs-s.Failures), name, "success")
		ch <- prometheus.MustNewConstMetric(descJobRuns, prometheus.CounterValue, float64(s.Failures), name, "failure")
		if !s.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(descJobOK, prometheus.GaugeValue, float64(s.LastSuccess.Unix()), name)
		}
	}
	a.collectWebhook(ch)
	a.collectState(ch)
}

// sinkHealth is what /healthz says about one sink's deliveries.
type sinkHealth struct {
	Pending      int       `json:"pending"`
	DeadLetter   int       `json:"dead_letter"`
	Delivered    int       `json:"delivered"`
	Failures     int       `json:"failures"`
	Retries      int       `json:"retries"`
	LastError    string    `json:"last_error,omitempty"`
	Failing      []string  `json:"failing,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	Paused       bool      `json:"paused,omitempty"`
	// StateError is set when the counts could not be read.
	StateError string `json:"state_error,omitempty"`
}

func (a *App) sinkHealth() map[string]sinkHealth {
	out := map[string]sinkHealth{}
	_ = a.db.View(func(tx *state.Tx) error {
		for _, d := range a.deliverers {
			h := d.Health()
			sh := sinkHealth{
				Delivered: h.Delivered, Failures: h.Failures, Retries: h.Retries, LastError: h.LastError,
				Failing: h.Failing, FailingSince: h.FailingSince, Paused: h.Paused,
			}
			var perr, derr error
			sh.Pending, perr = tx.Pending(d.Name)
			sh.DeadLetter, derr = tx.DeadCount(d.Name)
			if err := errors.Join(perr, derr); err != nil {
				sh.StateError = err.Error()
			}
			out[d.Name] = sh
		}
		return nil
	})
	return out
}

// Handler serves /metrics (Prometheus) and /healthz (JSON). /healthz
// answers 503 while the latest alerts or audit run failed; a failing sink
// makes it report "degraded" but keeps 200, since restarting the exporter
// cannot fix a destination and its records are kept.
func (a *App) Handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{a}, productCollector{a}, requestsCollector{a}, overviewCollector{a}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		jobs := a.jobStats.snapshot()
		sinks := a.sinkHealth()
		status, code := "ok", http.StatusOK
		for _, d := range a.deliverers {
			if !sinks[d.Name].FailingSince.IsZero() {
				status = "degraded: sink " + d.Name + " failing"
			}
		}
		for _, j := range []string{"alerts", "audit_log"} {
			if jobs[j].LastFailed {
				status, code = "degraded: "+j+" failing", http.StatusServiceUnavailable
			}
		}
		hook, hookFailed := a.webhook.health()
		if hookFailed {
			status, code = "degraded: webhook listener failed", http.StatusServiceUnavailable
		}
		body := map[string]any{"status": status, "jobs": jobs}
		// refused alert items do not fail a job, but an operator must see them
		_ = a.db.View(func(tx *state.Tx) error {
			un, err := ingest.Undecodable(tx)
			n := 0
			for _, items := range un {
				n += len(items)
			}
			body["undecodable_alerts"] = n
			return err
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		body["sinks"] = sinks
		body["github"] = a.productHealth()
		body["webhook"] = hook
		body["state"] = a.trimHealth()
		_ = json.NewEncoder(w).Encode(body)
	})
	return mux
}

// serveMetrics runs the metrics server on ln until ctx ends.
func (a *App) serveMetrics(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
