package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/prometheus/client_golang/prometheus"
)

// trimEvery is how often the daemon asks whether the state file is worth a
// trim: the question is cheap (the free-page count, the outbox counts, and
// a walk of the file only after it grew by a quarter), and
// state.DefaultTrimPolicy keeps the trims themselves rare.
const trimEvery = time.Minute

// trimFailWait is how long the daemon waits after a failed trim before the
// next: a copy that failed for want of disk must not fill the disk again
// every minute.
const trimFailWait = time.Hour

var (
	descStateFile  = prometheus.NewDesc("ghsec_state_file_bytes", "Size of the state file on disk.", nil, nil)
	descStateFree  = prometheus.NewDesc("ghsec_state_free_bytes", "Free pages in the state file: space deleted data left, reused for new data.", nil, nil)
	descTrims      = prometheus.NewDesc("ghsec_state_trims_total", "Times the daemon rewrote the state file to return unused space to the filesystem.", nil, nil)
	descTrimFailed = prometheus.NewDesc("ghsec_state_trim_failures_total", "State file trims that failed (the file is kept as it was).", nil, nil)
)

// trimStatus is what /healthz says about the state file.
type trimStatus struct {
	FileBytes    int64     `json:"file_bytes"`
	FreeBytes    int64     `json:"free_bytes"`
	Trims        int       `json:"trims"`
	TrimFailures int       `json:"trim_failures"`
	LastError    string    `json:"last_trim_error,omitempty"`
	LastTrim     time.Time `json:"last_trim,omitzero"`
	StateError   string    `json:"state_error,omitempty"`
}

type trimTracker struct {
	mu        sync.Mutex
	st        trimStatus
	failing   bool
	nextAfter time.Time
}

// runTrims trims the state file when it is worth it until ctx ends.
func (a *App) runTrims(ctx context.Context) {
	exporter.Every(ctx, trimEvery, nil, a.trimState)
}

// trimState trims the state file when state.DefaultTrimPolicy finds it
// worth it (every outbox empty, enough space to return). A failure is
// logged once per run of failures and waits trimFailWait.
func (a *App) trimState() {
	tr := &a.trim
	tr.mu.Lock()
	wait := a.opts.Now().Before(tr.nextAfter)
	tr.mu.Unlock()
	if wait {
		return
	}
	res, err := a.db.Trim(state.DefaultTrimPolicy)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if res.Trimmed {
		tr.st.Trims++
		tr.st.LastTrim = a.opts.Now()
	}
	if err != nil {
		tr.st.TrimFailures++
		tr.st.LastError = err.Error()
		tr.nextAfter = a.opts.Now().Add(trimFailWait)
		if !tr.failing {
			a.log.Error("state file trim failed; will try again later", "path", a.db.Path(), "retry_in", trimFailWait, "err", err)
		}
		tr.failing = true
		return
	}
	tr.failing, tr.st.LastError = false, ""
	if res.Trimmed {
		a.log.Info("state file trimmed", "path", a.db.Path(), "before_bytes", res.Before.FileBytes,
			"after_bytes", res.After.FileBytes, "took", res.Took.Round(time.Millisecond))
	}
}

func (a *App) trimHealth() trimStatus {
	a.trim.mu.Lock()
	st := a.trim.st
	a.trim.mu.Unlock()
	fs, err := a.db.Stats()
	if err != nil {
		st.StateError = err.Error()
	}
	st.FileBytes, st.FreeBytes = fs.FileBytes, fs.FreeBytes
	return st
}

func (a *App) collectState(ch chan<- prometheus.Metric) {
	a.trim.mu.Lock()
	st := a.trim.st
	a.trim.mu.Unlock()
	if fs, err := a.db.Stats(); err != nil {
		ch <- prometheus.NewInvalidMetric(descStateFile, err)
	} else {
		ch <- prometheus.MustNewConstMetric(descStateFile, prometheus.GaugeValue, float64(fs.FileBytes))
		ch <- prometheus.MustNewConstMetric(descStateFree, prometheus.GaugeValue, float64(fs.FreeBytes))
	}
	ch <- prometheus.MustNewConstMetric(descTrims, prometheus.CounterValue, float64(st.Trims))
	ch <- prometheus.MustNewConstMetric(descTrimFailed, prometheus.CounterValue, float64(st.TrimFailures))
}
