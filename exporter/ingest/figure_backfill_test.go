package ingest

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// BenchmarkFigureBackfill: the first poll of an org of N alerts (a third of
// each kind, 200 repositories) in the simulator, served over HTTP to the
// real GitHub client, through the Poller into a real fsynced state file with
// one sink outbox. "alerts/s" is N over the time spent diffing and
// committing (PollStats.Commit), "e2e-alerts/s" N over the wall time of the
// three listings (fetch, decode, diff and commit, overlapped), and
// "cpu-us/alert" the process's CPU time (user+system) over those listings
// per alert: the simulator rendering and serving the pages, the client
// reading and decoding them, the diff and the commit, on every core.
func BenchmarkFigureBackfill(b *testing.B) {
	n := testtools.BenchSize(2000)
	perKind := n / 3
	n = 3 * perKind
	sim := ghsim.New(ghsim.Options{Token: "t", RateLimit: 1 << 30})
	ghsim.Populate(sim, "acme", 200, perKind, 1)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	gh, err := ghapi.New(ghapi.Options{BaseURL: srv.URL + "/", Token: "t", Now: sim.Now})
	if err != nil {
		b.Fatal(err)
	}
	scope := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	for b.Loop() {
		b.StopTimer()
		db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p := &Poller{DB: db, GH: gh, Sinks: []string{"out"}, Now: sim.Now}
		b.StartTimer()
		var items, records int
		var commit time.Duration
		start, cpu0 := time.Now(), testtools.CPUTime()
		for _, src := range exporter.AlertSources {
			st, err := p.Poll(context.Background(), scope, src)
			if err != nil {
				b.Fatal(err)
			}
			items, records, commit = items+st.Items, records+st.Records, commit+st.Commit
		}
		wall, cpu := time.Since(start), testtools.CPUTime()-cpu0
		b.StopTimer()
		var pending int
		if err := db.View(func(tx *state.Tx) error { pending, err = tx.Pending("out"); return err }); err != nil {
			b.Fatal(err)
		}
		if items != n || records < n || pending != records {
			b.Fatalf("backfill of %d alerts: %d listed, %d records, %d in the outbox", n, items, records, pending)
		}
		b.ReportMetric(float64(n)/commit.Seconds(), "alerts/s")
		b.ReportMetric(float64(n)/wall.Seconds(), "e2e-alerts/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/alert")
		b.ReportMetric(float64(records)/float64(n), "records/alert")
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
