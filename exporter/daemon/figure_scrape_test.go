package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// scrapeOrgs is how many orgs the figure's alerts are spread over: the
// overview has a series per org.
const scrapeOrgs = 50

// synthLister lists n synthetic alerts page by page, never all in memory:
// three kinds, scrapeOrgs orgs of 20 repositories, four severities, every
// fifth one dismissed, every seventh secret one live.
type synthLister struct {
	n  int
	at time.Time
}

func (l synthLister) ListAlerts(_ context.Context, _ ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	var res ghapi.ListResult
	sev := [...]string{"critical", "high", "medium", "low"}
	for i := 0; i < l.n; i += 100 {
		page := make([]exporter.Observation, 0, 100)
		for j := i; j < min(i+100, l.n); j++ {
			org := fmt.Sprintf("org-%02d", j%scrapeOrgs)
			o := exporter.Observation{
				Key: exporter.AlertKey{Source: exporter.AlertSources[j%3], Repo: fmt.Sprintf("%s/repo-%02d", org, j/scrapeOrgs%20), Number: j/(scrapeOrgs*20) + 1},
				Org: org, State: "open", Severity: sev[j%4], SeverityRaw: sev[j%4], Title: "Prototype pollution in some-package",
				CreatedAt: l.at.Add(-time.Duration(j) * time.Minute), UpdatedAt: l.at.Add(-time.Duration(j) * time.Second),
			}
			if j%5 == 0 {
				o.State, o.ClosedAt = "dismissed", o.UpdatedAt
			}
			if o.Key.Source == exporter.SourceSecretScanning && j%7 == 0 {
				o.Validity = "active"
			}
			page = append(page, o)
		}
		res.Requests++
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (synthLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

// BenchmarkFigureScrape: a /metrics scrape of the daemon tracking N alerts
// (filled through the real Poller commit path, no sink outbox). ns/op and
// "scrape-ms" are one scrape; "heap-MiB" is the Go heap in use with the
// daemon open after scrapes (after a GC), "scrape-peak-heap-MiB" the peak
// while scraping; "series" is the overview's series count.
func BenchmarkFigureScrape(b *testing.B) {
	n := testtools.BenchSize(3000)
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	dir := b.TempDir()
	path := filepath.Join(dir, "state.db")
	db, err := state.Open(path, state.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	p := &ingest.Poller{DB: db, GH: synthLister{n: n, at: at}, Now: func() time.Time { return at }}
	fill := time.Now()
	st, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "org-00"}, exporter.SourceDependabot)
	if err != nil || st.Items != n {
		b.Fatalf("fill: %d of %d alerts, %v", st.Items, n, err)
	}
	fillTime := time.Since(fill)
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}

	cfg := config.Default()
	cfg.GitHub.BaseURL = "http://127.0.0.1:1/"
	cfg.GitHub.TokenEnv = "GHSEC_BENCH_TOKEN"
	b.Setenv("GHSEC_BENCH_TOKEN", "t")
	cfg.GitHub.Orgs = []string{"org-00"}
	cfg.State.Path = path
	cfg.Sinks = []config.SinkEntry{{Name: "f", Type: "file", Body: fileBody(filepath.Join(dir, "out.jsonl"))}}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	a, err := New(&cfg, Options{Sinks: sinksOf(b, &cfg, nil)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	base := serve(b, a)
	scrape := func() string { return get(b, base+"/metrics", 200) }
	body := scrape()
	series := 0
	for _, l := range strings.Split(body, "\n") {
		for _, m := range []string{"ghsec_alerts_open{", "ghsec_secret_alerts_open_active{", "ghsec_alerts_oldest_open_created_timestamp_seconds{", "ghsec_alert_transitions_total{"} {
			if strings.HasPrefix(l, m) {
				series++
			}
		}
	}
	if want := `ghsec_alerts_open{org="org-01",severity="high",source="code_scanning"}`; !strings.Contains(body, want) {
		b.Fatalf("scrape lacks %s", want)
	}
	runtime.GC()
	peak := testtools.PeakHeap()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		scrape()
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(peak(), "scrape-peak-heap-MiB")
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(el.Seconds()*1000/float64(b.N), "scrape-ms")
	b.ReportMetric(float64(series), "series")
	b.ReportMetric(float64(n), "alerts")
	b.ReportMetric(fillTime.Seconds(), "fill-s")
}
