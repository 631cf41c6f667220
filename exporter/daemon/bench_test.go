package daemon

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// cost sums the simulator's request log: requests and rate-limit units.
func cost(sim *ghsim.Sim) (requests, units, notModified int) {
	for _, r := range sim.Requests() {
		if !strings.Contains(r.Path, "/alerts") {
			continue
		}
		requests++
		units += r.Cost
		if r.Status == 304 {
			notModified++
		}
	}
	return
}

// change toggles k alerts (dismiss an open one, reopen a closed one), half
// Dependabot, half code scanning, spread over the repositories.
func change(sim *ghsim.Sim, k int) int {
	done := 0
	for i := 0; done < k && i < 50*k; i++ {
		kind := ghsim.Dependabot
		if i%2 == 1 {
			kind = ghsim.CodeScanning
		}
		repo := fmt.Sprintf("acme/repo-%04d", i%200+1)
		n := 1 + i/200
		if err := sim.Dismiss(kind, repo, n, "bench", "tolerable_risk", ""); err == nil {
			done++
		} else if err := sim.Reopen(kind, repo, n, "bench"); err == nil {
			done++
		}
	}
	return done
}

// BenchmarkPollingCost20k measures the GitHub API cost of polling an org of
// 3 kinds × 20,000 alerts over 200 repositories: the first backfill beside
// the minimum ceil(N/100) per kind (plus the generic secret scanning
// listing's one page), a steady-state poll with no change, and
// polls after k = 1, 50 and 500 changed alerts.
func BenchmarkPollingCost20k(b *testing.B) {
	const perKind = 20_000
	for b.Loop() {
		sim := ghsim.New(ghsim.Options{Token: "t", RateLimit: 1_000_000})
		ghsim.Populate(sim, "acme", 200, perKind, 1)
		srv := httptest.NewServer(sim)
		dir := b.TempDir()
		cfg := config.Default()
		cfg.GitHub.BaseURL = srv.URL + "/"
		cfg.GitHub.TokenEnv = "GHSEC_BENCH_TOKEN"
		b.Setenv("GHSEC_BENCH_TOKEN", "t")
		cfg.GitHub.Orgs = []string{"acme"}
		cfg.State.Path = filepath.Join(dir, "state.db")
		cfg.Sinks = []config.SinkEntry{{Name: "f", Type: "file", Body: fileBody(filepath.Join(dir, "out.jsonl"))}}
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		a, err := New(&cfg, Options{Now: sim.Now, Sinks: sinksOf(b, &cfg, nil)})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		poll := func(name string) {
			sim.ResetRequests()
			if err := a.PollAlerts(ctx); err != nil {
				b.Fatal(err)
			}
			req, units, nm := cost(sim)
			b.ReportMetric(float64(req), name+"-requests")
			b.ReportMetric(float64(units), name+"-units")
			// 3 kinds and the generic secret scanning listing, each a 304
			if name == "steady" && (req != 4 || nm != 4 || units != 0) {
				b.Errorf("steady state: %d requests, %d 304s, %d units; want 4, 4, 0", req, nm, units)
			}
		}
		start := time.Now()
		poll("backfill")
		b.ReportMetric(time.Since(start).Seconds(), "backfill-s")
		b.ReportMetric(3*math.Ceil(perKind/100.0), "backfill-min-requests")
		sim.Advance(5 * time.Minute)
		poll("steady")
		for _, k := range []int{1, 50, 500} {
			if got := change(sim, k); got != k {
				b.Fatalf("changed %d of %d alerts", got, k)
			}
			sim.Advance(5 * time.Minute)
			poll(fmt.Sprintf("k%d", k))
		}
		a.Close()
		srv.Close()
	}
}
