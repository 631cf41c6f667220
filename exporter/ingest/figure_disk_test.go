package ingest

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// countingSink accepts every batch and counts the records.
type countingSink struct{ n atomic.Int64 }

func (s *countingSink) Send(_ context.Context, batch []exporter.Record) error {
	s.n.Add(int64(len(batch)))
	return nil
}

func (s *countingSink) Close() error { return nil }

// diskRun is one backfill of n alerts into a new state file with one sink
// outbox, delivered while the backfill runs (live) or only after it (the
// sink was down throughout), then drained and trimmed the way the daemon
// trims.
type diskRun struct {
	fileBytes, drainedBytes, fill float64
	trimmed                       bool
	// trimTook is how long writes waited; trimCall includes the decision
	// (a walk of the file estimating its data).
	trimTook, trimCall time.Duration
}

func runDisk(b *testing.B, n int, live bool) diskRun {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	sink := &countingSink{}
	d := &delivery.Deliverer{DB: db, Name: "out", Sink: sink, Idle: time.Hour}
	p := &Poller{DB: db, GH: &lazyLister{n: n, at: at}, Sinks: []string{"out"}, Now: func() time.Time { return at }}
	var wg sync.WaitGroup
	if live {
		p.Notify = d.Wake
		dctx, stop := context.WithCancel(ctx)
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(dctx) }()
		defer func() { stop(); wg.Wait() }()
		st, err := p.Poll(ctx, ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot)
		if err != nil || st.Items != n {
			b.Fatalf("backfill: %d of %d alerts: %v", st.Items, n, err)
		}
		stop()
		wg.Wait()
		checkDrain(b, ctx, d, sink, st.Records)
	} else {
		st, err := p.Poll(ctx, ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot)
		if err != nil || st.Items != n {
			b.Fatalf("backfill: %d of %d alerts: %v", st.Items, n, err)
		}
		checkDrain(b, ctx, d, sink, st.Records)
	}
	var r diskRun
	before, err := db.Stats()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := db.Trim(state.DefaultTrimPolicy)
	if err != nil {
		b.Fatal(err)
	}
	r.trimCall = time.Since(start)
	_ = db.View(func(tx *state.Tx) error { r.fill = tx.SnapshotFill(); return nil })
	r.drainedBytes = float64(before.FileBytes) / float64(n)
	r.fileBytes = float64(res.After.FileBytes) / float64(n)
	r.trimmed, r.trimTook = res.Trimmed, res.Took
	return r
}

// checkDrain delivers what is left and fails unless every record the
// backfill queued reached the sink.
func checkDrain(b *testing.B, ctx context.Context, d *delivery.Deliverer, sink *countingSink, records int) {
	b.Helper()
	if err := d.Drain(ctx); err != nil {
		b.Fatal(err)
	}
	if got := sink.n.Load(); got != int64(records) {
		b.Fatalf("sink got %d records, the backfill queued %d", got, records)
	}
}

func bit(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// BenchmarkFigureDisk: the state file after an N-alert backfill through the
// real Poller into a real (fsynced) file with one sink outbox, drained by
// the real delivery.Deliverer, then trimmed as the daemon trims (state
// DefaultTrimPolicy). file-bytes/alert: delivered while the backfill runs,
// as the daemon does; backlog-file-bytes/alert: the sink was down during
// the backfill and drained after. The drained-* figures are before the
// trim; snapshot-fill is the share of the snapshot pages holding data.
func BenchmarkFigureDisk(b *testing.B) {
	n := testtools.BenchSize(2000)
	for b.Loop() {
		runtime.GC()
		stop := testtools.PeakHeap()
		live := runDisk(b, n, true)
		backlog := runDisk(b, n, false)
		b.ReportMetric(stop(), "peak-heap-MiB")
		b.ReportMetric(live.fileBytes, "file-bytes/alert")
		b.ReportMetric(backlog.fileBytes, "backlog-file-bytes/alert")
		b.ReportMetric(live.drainedBytes, "drained-file-bytes/alert")
		b.ReportMetric(backlog.drainedBytes, "backlog-drained-file-bytes/alert")
		b.ReportMetric(bit(live.trimmed), "trimmed")
		b.ReportMetric(bit(backlog.trimmed), "backlog-trimmed")
		b.ReportMetric(live.fill, "snapshot-fill")
		b.ReportMetric(float64(live.trimTook.Milliseconds()), "trim-ms")
		b.ReportMetric(float64(live.trimCall.Milliseconds()), "trim-call-ms")
		b.ReportMetric(float64(backlog.trimTook.Milliseconds()), "backlog-trim-ms")
	}
}
