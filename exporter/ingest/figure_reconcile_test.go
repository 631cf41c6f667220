package ingest

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// sourceLister is the lazyLister's org listed one kind at a time, as
// GitHub lists it: the alerts synthObs makes of the requested source,
// newest update first, in pages of 100 synthesized on demand, stopping at
// ListRequest.Since. The last missing of all n are left out (spread over
// the three kinds); GetAlert answers 404 for them.
type sourceLister struct {
	n, missing int
	at         time.Time
}

func (l *sourceLister) ListAlerts(_ context.Context, lr ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	var res ghapi.ListResult
	first := 0
	for first < 3 && exporter.AlertSources[first] != lr.Source {
		first++
	}
	page := make([]exporter.Observation, 0, 100)
	flush := func() error {
		res.Requests++
		res.Items += len(page)
		err := fn(page)
		page = make([]exporter.Observation, 0, 100) // the page is the callee's to keep
		return err
	}
	for i := first; i < l.n-l.missing; i += 3 {
		o := synthObs(i, l.at)
		if o.UpdatedAt.Before(lr.Since) {
			break
		}
		if o.UpdatedAt.After(res.MaxUpdated) {
			res.MaxUpdated = o.UpdatedAt
		}
		if page = append(page, o); len(page) == cap(page) {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if len(page) > 0 {
		return res, flush()
	}
	return res, nil
}

func (l *sourceLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

// figureOrg is the org of the figure benchmarks: n alerts backfilled (one
// poll of each kind) into a real state file with one sink outbox, drained;
// it returns how long the backfill took.
func figureOrg(b *testing.B, n int, at time.Time) (*Poller, *state.DB, time.Duration) {
	b.Helper()
	db := statetest.Open(b)
	p := &Poller{DB: db, GH: &sourceLister{n: n, at: at}, Sinks: []string{"out"}, Now: func() time.Time { return at }}
	start := time.Now()
	items := 0
	for _, src := range exporter.AlertSources {
		st, err := p.Poll(context.Background(), figureScope, src)
		if err != nil {
			b.Fatal(err)
		}
		items += st.Items
	}
	if items != n {
		b.Fatalf("backfilled %d alerts, want %d", items, n)
	}
	took := time.Since(start)
	for {
		var more bool
		if err := db.Update(func(tx *state.Tx) error {
			batch, err := tx.Peek("out", 10000)
			seqs := make([]uint64, len(batch))
			for i := range batch {
				seqs[i] = batch[i].Seq
			}
			more = len(batch) > 0
			if err != nil {
				return err
			}
			return tx.Ack("out", seqs...)
		}); err != nil {
			b.Fatal(err)
		}
		if !more {
			return p, db, took
		}
	}
}

var figureScope = ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}

// reconcileAll reconciles each kind of the org and returns the totals and
// the peak Go heap in MiB while they ran. It reports the heap in use just
// before as base-heap-MiB: what the state file's bbolt keeps (its free page
// list grows with the file) and the test binary, there before the
// reconcile starts.
func reconcileAll(b *testing.B, p *Poller, l *sourceLister) (PollStats, float64) {
	b.Helper()
	p.GH = l
	var sum PollStats
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "base-heap-MiB")
	stop := testtools.PeakHeap()
	for _, src := range exporter.AlertSources {
		st, err := p.Reconcile(context.Background(), figureScope, src)
		if err != nil {
			stop()
			b.Fatal(err)
		}
		sum.Items += st.Items
		sum.Records += st.Records
		sum.Withdrawn += st.Withdrawn
		sum.Requests += st.Requests
	}
	return sum, stop()
}

func trackedCount(b *testing.B, db *state.DB) int {
	b.Helper()
	n := 0
	if err := db.View(func(tx *state.Tx) error {
		return tx.ScanSnapshotKeys("", "", nil, func(exporter.AlertKey) bool { n++; return true })
	}); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkFigureReconcile: a reconcile of N tracked alerts (every kind of
// the org) of which 1% are gone: N listed, N walked, N/100 rechecked and
// withdrawn. peak-heap-MiB is the Go heap while it runs; goal ≤ 64 at 1M.
func BenchmarkFigureReconcile(b *testing.B) {
	n := testtools.BenchSize(2000)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	p, db, backfill := figureOrg(b, n, at)
	missing := n / 100
	for b.Loop() {
		start := time.Now()
		st, peak := reconcileAll(b, p, &sourceLister{n: n, missing: missing, at: at})
		el := time.Since(start)
		if st.Items != n-missing || st.Withdrawn != missing || st.Records != missing {
			b.Fatalf("reconcile %+v: want %d listed, %d withdrawn", st, n-missing, missing)
		}
		if got := trackedCount(b, db); got != n-missing {
			b.Fatalf("%d alerts tracked after the reconcile, want %d", got, n-missing)
		}
		b.ReportMetric(peak, "peak-heap-MiB")
		b.ReportMetric(float64(n)/el.Seconds(), "alerts/s")
		b.ReportMetric(float64(missing), "withdrawn")
		b.ReportMetric(backfill.Seconds(), "backfill-s")
		n -= missing // a further iteration reconciles what is left, 1% gone again
		missing = n / 100
		p.GH = &sourceLister{n: n, at: at}
	}
}

// BenchmarkFigureSteady: the steady state at N tracked alerts with nothing
// changed: an incremental poll of each kind (it reads back to the
// watermark only) and a reconcile of each (every alert listed, compared
// with its snapshot, nothing written but the cursors). Reports the peak Go
// heap meanwhile and the stored snapshot bytes per alert; goals ≤ 64 MiB
// and ≤ 256 B at 1M.
func BenchmarkFigureSteady(b *testing.B) {
	n := testtools.BenchSize(2000)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	p, db, backfill := figureOrg(b, n, at)
	l := &sourceLister{n: n, at: at}
	for b.Loop() {
		p.GH = l
		runtime.GC()
		stop := testtools.PeakHeap()
		polled := 0
		for _, src := range exporter.AlertSources {
			st, err := p.Poll(context.Background(), figureScope, src)
			if err != nil || st.Records != 0 {
				stop()
				b.Fatalf("steady poll of %s: %+v %v", src, st, err)
			}
			polled += st.Items
		}
		pollPeak := stop()
		st, peak := reconcileAll(b, p, l)
		if st.Items != n || st.Records != 0 || st.Withdrawn != 0 {
			b.Fatalf("steady reconcile %+v: want %d listed, nothing emitted", st, n)
		}
		var used int64
		_ = db.View(func(tx *state.Tx) error { used = tx.SnapshotBytes(); return nil })
		b.ReportMetric(max(peak, pollPeak), "peak-heap-MiB")
		b.ReportMetric(float64(used)/float64(n), "snapshot-bytes/alert")
		b.ReportMetric(float64(polled), "polled-items")
		b.ReportMetric(backfill.Seconds(), "backfill-s")
	}
}
