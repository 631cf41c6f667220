package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

func TestHandler_MetricsAndHealth(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	a := e.app(Options{})
	defer a.Close()
	a.runJob(context.Background(), "alerts", a.PollAlerts)
	base := serve(t, a)

	metricsHave(t, base,
		`ghsec_outbox_pending_records{sink="out"} 7`,
		// (3 kinds + the generic secret scanning listing) × (org acme + repo other/solo)
		`ghsec_github_requests_total 8`,
		`ghsec_job_runs_total{job="alerts",result="success"} 1`,
		`ghsec_job_last_success_timestamp_seconds{job="alerts"}`,
		`ghsec_deadletter_records{sink="out"} 0`,
	)
	if !strings.Contains(get(t, base+"/healthz", 200), `"status":"ok"`) {
		t.Error("healthz not ok")
	}
	a.runJob(context.Background(), "alerts", func(context.Context) error { return errors.New("github down") })
	if !strings.Contains(get(t, base+"/healthz", 503), "alerts failing") {
		t.Error("healthz must report the failing job")
	}

}

// metricsHave fetches /metrics from the server at base, fails the test
// for each of want the page does not contain, and returns the page.
func metricsHave(t *testing.T, base string, want ...string) string {
	t.Helper()
	body := get(t, base+"/metrics", 200)
	wantLines(t, "metrics", body, want)
	return body
}

// serve serves a's handler until the test ends and returns its URL.
func serve(t testing.TB, a *App) string {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t testing.TB, url string, code int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read the body: %v", url, err)
	}
	if resp.StatusCode != code {
		t.Fatalf("GET %s: %d, want %d\n%s", url, resp.StatusCode, code, b)
	}
	return string(b)
}

// scriptedFailSink fails its first n sends with err, then passes to next.
type scriptedFailSink struct {
	exporter.Sink
	mu  sync.Mutex
	n   int
	err error
}

func (f *scriptedFailSink) Send(ctx context.Context, batch []exporter.Record) error {
	f.mu.Lock()
	fail := f.n != 0
	if f.n > 0 {
		f.n--
	}
	f.mu.Unlock()
	if fail {
		return f.err
	}
	return f.Sink.Send(ctx, batch)
}

// A sink's failures, retries and waits show in its metrics, and a sink that
// keeps failing shows in /healthz with its error and queue.
func TestHandler_SinkFailuresShowInMetricsAndHealth(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	var waits []time.Duration
	sleep := func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	a := e.app(Options{Sleep: sleep, Sinks: sinksOf(t, e.cfg, func(s exporter.Sink) exporter.Sink {
		return &scriptedFailSink{Sink: s, n: 2, err: errors.New("hec down")}
	})})
	defer a.Close()
	must(t, a.Once(context.Background(), time.Minute, false))
	base := serve(t, a)
	body := metricsHave(t, base,
		`ghsec_delivery_failures_total{sink="out"} 2`,
		`ghsec_delivery_retries_total{sink="out"} 2`,
		`ghsec_records_delivered_total{sink="out"} 7`,
		`ghsec_delivery_failing_since_timestamp_seconds{sink="out"} 0`,
		`ghsec_outbox_pending_records{sink="out"} 0`,
	)
	if len(waits) != 2 || !strings.Contains(body, `ghsec_delivery_retry_wait_seconds_total{sink="out"} `) {
		t.Errorf("waits %v not shown", waits)
	}
	if h := get(t, base+"/healthz", 200); !strings.Contains(h, `"status":"ok"`) || !strings.Contains(h, `"last_error":"hec down"`) {
		t.Errorf("healthz after recovery: %s", h)
	}

	// Now a sink that needs an operator: records kept, sink reported.
	e2 := newEnv(t, "dotcom")
	e2.seed()
	// The paused wait lasts until the drain gives up.
	stop := func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
	b := e2.app(Options{Sleep: stop, Sinks: sinksOf(t, e2.cfg, func(s exporter.Sink) exporter.Sink {
		return &scriptedFailSink{Sink: s, n: -1, err: exporter.Paused(errors.New("401 invalid token"))}
	})})
	defer b.Close()
	if err := b.Once(context.Background(), 100*time.Millisecond, false); err == nil || !strings.Contains(err.Error(), "7 records still queued") {
		t.Fatalf("Once = %v, want the queued records named", err)
	}
	h := get(t, serve(t, b)+"/healthz", 200)
	wantLines(t, "healthz", h, []string{`"status":"degraded: sink out failing"`, `"pending":7`, `"paused":true`, `"last_error":"paused: 401 invalid token"`, `"failing_since":`})
}

// Requests that never got an answer are counted as requests and failures.
func TestHandler_FailedGitHubRequestsCounted(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.cfg.GitHub.BaseURL = "http://" + testtools.ClosedAddr(t) + "/" // connection refused
	a := e.app(Options{})
	defer a.Close()
	if err := a.PollAlerts(context.Background()); err == nil {
		t.Fatal("PollAlerts with GitHub unreachable = nil")
	}
	base := serve(t, a)
	// (3 kinds + the generic secret scanning listing) × 2 scopes
	metricsHave(t, base, "ghsec_github_requests_total 8", "ghsec_github_request_failures_total 8")
}

// The email sink mails on its own schedule; its SMTP failures are counted
// under its name in the same metrics and health as every outbox failure.
func TestRun_EmailFailuresShowUnderTheSink(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	_, port, err := net.SplitHostPort(testtools.ClosedAddr(t))
	must(t, err)
	y := fmt.Sprintf(`
github: {base_url: %s/, product: dotcom, token_file: %s, orgs: [acme]}
state: {path: %s}
sinks:
  - name: mail
    type: email
    host: 127.0.0.1
    port: %s
    tls: none
    from: ghsec@example.com
    to: [security@example.com]
    digest_schedule: "0 0 1 1 *"
    immediate_actions: [created]
    immediate_delay: 0s
`, e.srv.URL, filepath.Join(e.dir, "token"), filepath.Join(e.dir, "state.db"), port)
	cfg, err := config.Decode(strings.NewReader(y))
	must(t, err)
	var waits atomic.Int32
	// The first retry wait lasts until shutdown: exactly one failure.
	sleep := func(ctx context.Context, _ time.Duration) error { waits.Add(1); <-ctx.Done(); return ctx.Err() }
	a, err := New(cfg, Options{Now: e.sim.Now, Sleep: sleep, Sinks: sinksOf(t, cfg, nil)})
	must(t, err)
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	for waits.Load() == 0 {
		select {
		case err := <-done:
			t.Fatalf("Run ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	base := serve(t, a)
	metricsHave(t, base, `ghsec_delivery_failures_total{sink="mail"} 1`, `ghsec_delivery_retries_total{sink="mail"} 1`)
	h := get(t, base+"/healthz", 200)
	if !strings.Contains(h, `"status":"degraded: sink mail failing"`) || !strings.Contains(h, "connection refused") || !strings.Contains(h, `"failing":["immediate mail"]`) {
		t.Errorf("healthz does not report the failing mail sink:\n%s", h)
	}
	cancel()
	must(t, <-done)
}

func TestHandler_UndecodableAlertShows(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	e.sim.InjectFault(ghsim.Fault{PathContains: "/orgs/acme/dependabot/alerts", Count: 1, Status: 200,
		Body: `[{"number":9,"state":null,"updated_at":"2026-01-05T09:00:00Z","repository":{"full_name":"acme/widgets"}}]`})
	a := e.app(Options{})
	defer a.Close()
	a.runJob(context.Background(), "alerts", a.PollAlerts)
	base := serve(t, a)
	metricsHave(t, base,
		`ghsec_github_undecodable_items_total 1`,
		`ghsec_github_undecodable_items{cursor="alerts/org:acme/dependabot"} 1`,
		`ghsec_job_runs_total{job="alerts",result="success"} 1`,
	)
	if h := get(t, base+"/healthz", 200); !strings.Contains(h, `"undecodable_alerts":1`) {
		t.Errorf("healthz does not show the refused alert: %s", h)
	}
}

// A metrics.listen that cannot be bound stops run with an error instead of
// leaving the daemon running unobserved.
func TestRun_MetricsListenFailureStops(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	e := newEnv(t, "dotcom")
	e.cfg.Metrics.Listen = taken.Addr().String()
	a := e.app(Options{})
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err = a.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "metrics.listen "+taken.Addr().String()) {
		t.Fatalf("Run: %v, want an error naming metrics.listen", err)
	}
}
