package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// pageLister serves pre-built observations in pages, so the benchmark
// measures the diff and the state commit, not HTTP or JSON decoding.
type pageLister struct {
	obs []exporter.Observation
}

func (p *pageLister) ListAlerts(_ context.Context, lr ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	var res ghapi.ListResult
	for i := 0; i < len(p.obs); i += 100 {
		page := p.obs[i:min(i+100, len(p.obs))]
		res.Requests++
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (p *pageLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

func synthOrg(n int, at time.Time) []exporter.Observation {
	out := make([]exporter.Observation, n)
	for i := range out {
		out[i] = synthObs(i, at)
	}
	return out
}

// synthObs is the i-th alert of the synthetic org: three kinds, 200 repos,
// every fifth one dismissed.
func synthObs(i int, at time.Time) exporter.Observation {
	sev := [...]string{"critical", "high", "medium", "low"}
	src := exporter.AlertSources[i%3]
	o := exporter.Observation{
		Key: exporter.AlertKey{Source: src, Repo: fmt.Sprintf("acme/repo-%04d", i%200), Number: i/600 + 1 + (i%3)*10000},
		Org: "acme", State: "open", Severity: sev[i%4], SeverityRaw: sev[i%4],
		Title:     "Prototype pollution in some-package before 4.17.21",
		HTMLURL:   fmt.Sprintf("https://github.com/acme/repo-%04d/security/dependabot/%d", i%200, i),
		CreatedAt: at.Add(-time.Duration(i) * time.Minute), UpdatedAt: at.Add(-time.Duration(i) * time.Second),
		Package: "some-package", Ecosystem: "npm", Manifest: "package-lock.json", GHSAID: "GHSA-aaaa-bbbb-cccc",
	}
	if i%5 == 0 {
		o.State, o.ClosedAt, o.ClosedBy, o.Reason = "dismissed", o.UpdatedAt, "alice", "tolerable_risk"
	}
	return o
}

// lazyLister synthesizes its n alerts page by page (synthObs), so a
// figure benchmark's input is never held in memory: the peak heap it
// reports is the pipeline's. Missing is how many alerts, from the end of
// the listing, it leaves out (a reconcile then finds them gone); GetAlert
// answers 404 for every one.
type lazyLister struct {
	n, missing int
	at         time.Time
	requests   int
}

func (l *lazyLister) ListAlerts(_ context.Context, lr ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	var res ghapi.ListResult
	for i := 0; i < l.n-l.missing; i += 100 {
		page := make([]exporter.Observation, 0, 100)
		for j := i; j < min(i+100, l.n-l.missing); j++ {
			page = append(page, synthObs(j, l.at))
		}
		res.Requests++
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
	}
	l.requests += res.Requests
	return res, nil
}

func (l *lazyLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	l.requests++
	return exporter.Observation{}, ghapi.ErrNotFound
}

// BenchmarkBackfill100k: diff + state commit of a 100k-alert org through the
// real Poller and a real (fsynced) state file with one sink outbox.
// Reports alerts/s, state bytes per tracked alert, and peak Go heap in use.
func BenchmarkBackfill100k(b *testing.B) {
	const n = 100_000
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	obs := synthOrg(n, at)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	// the benchmark's own input, held in memory for the whole run: subtract
	// it from peak-heap-MiB for the pipeline's working set
	inputMiB := float64(m1.HeapInuse-m0.HeapInuse) / (1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		lister := &pageLister{obs: obs}
		var peak uint64
		p := &Poller{DB: db, GH: lister, Sinks: []string{"out"}, Now: func() time.Time { return at },
			Notify: func() {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}}
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		st, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot)
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.StopTimer()
		if st.Items != n {
			b.Fatalf("committed %d alerts", st.Items)
		}
		// bytes per tracked alert: snapshots alone, outbox drained
		if err := db.Update(func(tx *state.Tx) error {
			items, err := tx.Peek("out", 1<<30)
			if err != nil {
				return err
			}
			seqs := make([]uint64, len(items))
			for i := range items {
				seqs[i] = items[i].Seq
			}
			return tx.Ack("out", seqs...)
		}); err != nil {
			b.Fatal(err)
		}
		var used int64
		_ = db.View(func(tx *state.Tx) error { used = tx.SnapshotBytes(); return nil })
		size, _ := db.Size()
		b.ReportMetric(float64(n)/el.Seconds(), "alerts/s")
		b.ReportMetric(float64(used)/n, "snapshot-bytes/alert")
		b.ReportMetric(float64(size)/n, "file-bytes/alert")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(inputMiB, "input-MiB")
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkSteadyState100k: the same org polled again with nothing changed
// (every snapshot compared, nothing written but the cursor).
func BenchmarkSteadyState100k(b *testing.B) {
	const n = 100_000
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	obs := synthOrg(n, at)
	db := statetest.Open(b)
	p := &Poller{DB: db, GH: &pageLister{obs: obs}, Sinks: []string{"out"}, Now: func() time.Time { return at }}
	scope := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	if _, err := p.Reconcile(context.Background(), scope, exporter.SourceDependabot); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		st, err := p.Reconcile(context.Background(), scope, exporter.SourceDependabot)
		if err != nil || st.Records != 0 {
			b.Fatalf("%v %+v", err, st)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "alerts/s")
	}
}
