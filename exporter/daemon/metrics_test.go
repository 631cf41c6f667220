package daemon

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler_MetricsAndHealth(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	a := e.app(Options{})
	defer a.Close()
	a.runJob(context.Background(), "alerts", a.PollAlerts)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	body := get(t, srv.URL+"/metrics", 200)
	for _, want := range []string{
		`ghsec_outbox_pending_records{sink="out"} 7`,
		`ghsec_github_requests_total 6`, // 3 kinds × (org acme + repo other/solo)
		`ghsec_job_runs_total{job="alerts",result="success"} 1`,
		`ghsec_job_last_success_timestamp_seconds{job="alerts"}`,
		`ghsec_deadletter_records{sink="out"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(get(t, srv.URL+"/healthz", 200), `"status":"ok"`) {
		t.Error("healthz not ok")
	}
	a.runJob(context.Background(), "alerts", func(context.Context) error { return errors.New("github down") })
	if !strings.Contains(get(t, srv.URL+"/healthz", 503), "alerts failing") {
		t.Error("healthz must report the failing job")
	}

}

func get(t *testing.T, url string, code int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		t.Fatalf("GET %s: %d, want %d\n%s", url, resp.StatusCode, code, b)
	}
	return string(b)
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
