package daemon

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// acceptSink takes every batch.
type acceptSink struct{}

func (acceptSink) Send(context.Context, []exporter.Record) error { return nil }
func (acceptSink) Close() error                                  { return nil }

// scrape is the App's /metrics and /healthz bodies.
func scrape(t *testing.T, a *App) (metrics, health string) {
	t.Helper()
	base := serve(t, a)
	resp, err := http.Get(base + "/healthz") // 200 or 503: the body is what counts
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return get(t, base+"/metrics", 200), string(b)
}

func wantLines(t *testing.T, when, body string, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: lacks %q", when, w)
		}
	}
}

// An App built with Options.Previous (a config reload) carries on the
// replaced App's counters and /healthz history, so they never go down;
// what the new config removed (a sink, the webhook) loses its series.
func TestNew_PreviousCarriesCountersAcrossReload(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	secretFile := filepath.Join(e.dir, "webhook-secret")
	must(t, os.WriteFile(secretFile, []byte(hookSecret+"\n"), 0o600))
	e.cfg.Webhook = &config.Webhook{Listen: "127.0.0.1:0", Path: config.DefaultWebhookPath, SecretFile: secretFile}
	gone := SinkSpec{Name: "gone", Build: func(exporter.SinkDeps) (exporter.Sink, error) { return acceptSink{}, nil }}
	ctx := context.Background()
	cycle := func(a *App) {
		a.runJob(ctx, "alerts", a.PollAlerts)
		must(t, a.Drain(ctx))
		// a GET is counted as received and failed, no signature needed
		a.WebhookHandler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}

	a1 := e.app(Options{Sinks: append(sinksOf(t, e.cfg, nil), gone)})
	cycle(a1)
	m, _ := scrape(t, a1)
	wantLines(t, "before the reload", m, []string{
		`ghsec_github_requests_total 8`, `ghsec_records_delivered_total{sink="out"} 7`, `ghsec_records_delivered_total{sink="gone"} 7`,
		`ghsec_job_runs_total{job="alerts",result="success"} 1`, `ghsec_webhook_deliveries_total{result="received"} 1`,
	})
	must(t, a1.Close())

	// the reload drops sink gone; nothing has run on the new App yet
	a2 := e.app(Options{Previous: a1})
	m, h := scrape(t, a2)
	wantLines(t, "right after the reload", m, []string{
		`ghsec_github_requests_total 8`, `ghsec_records_delivered_total{sink="out"} 7`,
		`ghsec_job_runs_total{job="alerts",result="success"} 1`, `ghsec_job_last_success_timestamp_seconds{job="alerts"}`,
		`ghsec_webhook_deliveries_total{result="received"} 1`, `ghsec_webhook_deliveries_total{result="failed"} 1`,
	})
	wantLines(t, "healthz right after the reload", h, []string{`"alerts":{"runs":1,"failures":0`, `"delivered":7`, `"received":1`})
	if strings.Contains(m, `sink="gone"`) || strings.Contains(h, `"gone"`) {
		t.Errorf("the removed sink is still reported:\n%s\n%s", m, h)
	}

	e.sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "low"})
	cycle(a2)
	m, _ = scrape(t, a2)
	wantLines(t, "after a poll on the new App", m, []string{
		`ghsec_github_requests_total 16`, `ghsec_records_delivered_total{sink="out"} 8`,
		`ghsec_job_runs_total{job="alerts",result="success"} 2`, `ghsec_webhook_deliveries_total{result="received"} 2`,
	})
	must(t, a2.Close())

	// a second reload drops the webhook section: its series go
	cfg3 := *e.cfg
	cfg3.Webhook = nil
	a3, err := New(&cfg3, Options{Now: e.sim.Now, Sinks: sinksOf(t, &cfg3, nil), Previous: a2})
	must(t, err)
	defer a3.Close()
	m, _ = scrape(t, a3)
	wantLines(t, "after the second reload", m, []string{`ghsec_github_requests_total 16`, `ghsec_records_delivered_total{sink="out"} 8`})
	if strings.Contains(m, "ghsec_webhook_") {
		t.Errorf("the removed webhook is still reported:\n%s", m)
	}
}
