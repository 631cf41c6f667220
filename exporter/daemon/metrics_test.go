package daemon

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
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
		`ghsec_github_undecodable_items_total 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if h := get(t, srv.URL+"/healthz", 200); !strings.Contains(h, `"status":"ok"`) || !strings.Contains(h, `"undecodable_alerts":0`) {
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

func TestHandler_UndecodableAlertShows(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	e.sim.InjectFault(ghsim.Fault{PathContains: "/orgs/acme/dependabot/alerts", Count: 1, Status: 200,
		Body: `[{"number":9,"state":null,"updated_at":"2026-01-05T09:00:00Z","repository":{"full_name":"acme/widgets"}}]`})
	a := e.app(Options{})
	defer a.Close()
	a.runJob(context.Background(), "alerts", a.PollAlerts)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	body := get(t, srv.URL+"/metrics", 200)
	for _, want := range []string{
		`ghsec_github_undecodable_items_total 1`,
		`ghsec_github_undecodable_items{cursor="alerts/org:acme/dependabot"} 1`,
		`ghsec_job_runs_total{job="alerts",result="success"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if h := get(t, srv.URL+"/healthz", 200); !strings.Contains(h, `"undecodable_alerts":1`) {
		t.Errorf("healthz does not show the refused alert: %s", h)
	}
}
