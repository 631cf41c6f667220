package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// events is a test's view of a daemon run in this process: its log and the
// GitHub server's connections, each change waking waitFor.
type events struct {
	t    *testing.T
	mu   sync.Mutex
	log  bytes.Buffer
	open map[net.Conn]bool
	wake chan struct{}
}

func (e *events) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.poke()
	return e.log.Write(p)
}

func (e *events) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// connState tracks the GitHub server's open connections.
func (e *events) connState(c net.Conn, s http.ConnState) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch s {
	case http.StateNew:
		e.open[c] = true
	case http.StateClosed, http.StateHijacked:
		delete(e.open, c)
	}
	e.poke()
}

func (e *events) openConns() map[net.Conn]bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[net.Conn]bool{}
	for c := range e.open {
		out[c] = true
	}
	return out
}

func (e *events) logCount(s string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Count(e.log.String(), s)
}

// waitFor waits until cond holds, re-checking on every log line and
// connection change, and at least every 50ms for what is no event here
// (the metrics endpoint).
func (e *events) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.After(eventWait)
	for !cond() {
		select {
		case <-e.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			e.mu.Lock()
			defer e.mu.Unlock()
			e.t.Fatalf("waiting for %s; daemon log:\n%s", what, e.log.String())
		}
	}
}

// scrapeMetrics is the daemon's /metrics, "" while it does not answer (the
// endpoint is down between two Apps of a reload).
func scrapeMetrics(addr string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return ""
	}
	return string(b)
}

// metricValue is the value of the series line starting with series; -1
// when there is none.
func metricValue(body, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// A valid SIGHUP reload keeps every counter counting (Prometheus must not
// see a restart) and drops only the series of what the new config removed;
// the replaced GitHub client leaves no keep-alive connection behind.
func TestServe_ReloadKeepsCountersAndClosesOldConnections(t *testing.T) {
	t.Setenv("GHSEC_CLI_TOKEN", "tok")
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	ev := &events{t: t, open: map[net.Conn]bool{}, wake: make(chan struct{}, 1)}
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ConnState = ev.connState
	srv.Start()
	defer srv.Close()

	metricsAddr := testtools.ClosedAddr(t)
	dir := t.TempDir()
	// alerts run once as each App starts, and not again within the test
	conf := func(sinks string) string {
		return fmt.Sprintf("github:\n  base_url: %s/\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nmetrics: {listen: %q}\nschedules: {alerts: \"@every 24h\"}\nsinks: [%s]\n",
			srv.URL, filepath.Join(dir, "s.db"), metricsAddr, sinks)
	}
	sinkF := fmt.Sprintf("{name: f, type: file, path: %s}", filepath.Join(dir, "f.jsonl"))
	sinkG := fmt.Sprintf("{name: g, type: file, path: %s}", filepath.Join(dir, "g.jsonl"))
	p := filepath.Join(dir, "config.yaml")
	write := func(body string) { must(t, os.WriteFile(p, []byte(body), 0o600)) }
	write(conf(sinkF + ", " + sinkG))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, p, ev, hup) }()

	var m string
	// runs is ghsec_job_runs_total of alerts: each App's first poll adds one
	runs := func(n int) func() bool {
		return func() bool {
			m = scrapeMetrics(metricsAddr)
			return metricValue(m, `ghsec_job_runs_total{job="alerts",result="success"}`) == float64(n) &&
				metricValue(m, `ghsec_records_delivered_total{sink="f"}`) == 1
		}
	}
	ev.waitFor("the first poll delivered", runs(1))
	if metricValue(m, `ghsec_records_delivered_total{sink="g"}`) != 1 {
		t.Fatalf("sink g did not deliver:\n%s", m)
	}
	requests := metricValue(m, "ghsec_github_requests_total")

	// reload without sink g, then more reloads on the same config
	write(conf(sinkF))
	const reloads = 5
	for i := 1; i <= reloads; i++ {
		before := ev.openConns()
		if len(before) == 0 {
			t.Fatal("no keep-alive connection to GitHub before the reload: the test would prove nothing")
		}
		hup <- syscall.SIGHUP
		ev.waitFor("config reloaded", func() bool { return ev.logCount(`msg="config reloaded"`) == i })
		ev.waitFor(fmt.Sprintf("reload %d: the replaced client's connections closed", i), func() bool {
			now := ev.openConns()
			for c := range before {
				if now[c] {
					return false
				}
			}
			return true
		})
		ev.waitFor(fmt.Sprintf("reload %d: the new App's first poll counted on top of the old ones", i), runs(i+1))
		if strings.Contains(m, `sink="g"`) {
			t.Fatalf("reload %d: removed sink g is still reported:\n%s", i, m)
		}
		if r := metricValue(m, "ghsec_github_requests_total"); r <= requests {
			t.Fatalf("reload %d: ghsec_github_requests_total %v, was %v before", i, r, requests)
		} else {
			requests = r
		}
	}
	resp, err := http.Get("http://" + metricsAddr + "/healthz")
	must(t, err)
	h, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(h), fmt.Sprintf(`"alerts":{"runs":%d,"failures":0`, reloads+1)) {
		t.Errorf("/healthz lost the runs before the reloads:\n%s", h)
	}

	cancel()
	must(t, <-done)
	ev.waitFor("every GitHub connection closed at shutdown", func() bool { return len(ev.openConns()) == 0 })
}
