package daemon

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// The security overview's series after a backfill, and after a restart
// (a new App on the same file) unchanged: they are read from the state.
func TestHandler_SecurityOverview(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	must(t, e.once(Options{}))
	a := e.app(Options{})
	defer a.Close()
	base := serve(t, a)
	created := strconv.FormatFloat(float64(e.sim.Now().Add(-2*time.Minute).Unix()), 'g', -1, 64)
	body := metricsHave(t, base,
		`ghsec_alerts_open{org="acme",severity="high",source="dependabot"} 1`,
		`ghsec_alerts_open{org="acme",severity="medium",source="code_scanning"} 1`,
		`ghsec_alerts_open{org="other",severity="high",source="code_scanning"} 1`,
		// the dismissed critical one is not open
		`ghsec_alert_transitions_total{action="dismissed",source="dependabot"} 1`,
		`ghsec_alert_transitions_total{action="created",source="secret_scanning"} 2`,
		`ghsec_alerts_oldest_open_created_timestamp_seconds{org="acme",severity="high"} `+created,
	)
	if strings.Contains(body, `severity="critical",source="dependabot"} 1`) || strings.Contains(body, "widgets") {
		t.Errorf("a closed alert counted, or a repo as a label:\n%s", grepLines(body, "ghsec_alert"))
	}
	if t.Failed() {
		t.Log(grepLines(body, "ghsec_alert"))
	}
}

// Debian's Prometheus scrapes the running daemon (polling the simulator)
// with the shipped rules loaded: a secret that GitHub reports live fires
// GhsecLiveSecretLeaked for its org, and every metric the rules read is
// one the daemon serves.
func TestPrometheus_LiveLeakedSecretFires(t *testing.T) {
	testtools.NeedExec(t, receivers.PrometheusBin)
	rules, err := filepath.Abs("../../content/prometheus/ghsec-exporter.rules.yml")
	must(t, err)
	e := newEnv(t, "dotcom")
	e.seed()
	// the seeded secrets get a validity from the simulator's catalogue:
	// make neither live, so the rule can only fire on the one made below
	for _, repo := range []string{"acme/gadgets", "acme/widgets"} {
		must(t, e.sim.SetValidity(repo, 1, "inactive"))
	}
	metricsAddr := "127.0.0.1:" + strconv.Itoa(receivers.FreePort(t))
	e.cfg.Metrics.Listen = metricsAddr
	e.cfg.Schedules.Alerts = "@every 1s"
	a, _ := e.run(Options{})
	testtools.WaitFor(t, "the first poll", func() bool { return a.jobStats.snapshot()["alerts"].Runs > 0 })

	prom := receivers.StartPrometheus(t, metricsAddr, rules)
	alerts := func() []receivers.PromAlert {
		al, err := prom.Alerts()
		if err != nil {
			t.Fatalf("%v\n%s", err, prom.Log())
		}
		return al
	}
	waitProm := func(what string, cond func() bool) {
		t.Helper()
		// Prometheus scrapes and evaluates every second: a bound for a
		// loaded machine, not a timing assertion
		if !testtools.Poll(90*time.Second, 100*time.Millisecond, cond) {
			health, lastErr, _ := prom.TargetHealth()
			t.Fatalf("timed out waiting for %s; target %s %s; alerts %+v\n%s", what, health, lastErr, alerts(), prom.Log())
		}
	}
	waitProm("a scrape of the daemon", func() bool { h, _, _ := prom.TargetHealth(); return h == "up" })
	for _, al := range alerts() {
		if al.Labels["alertname"] == "GhsecLiveSecretLeaked" {
			t.Fatalf("fired before any secret was live: %+v", al)
		}
	}

	e.sim.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "aws_access_key_id", Secret: leaked + "live", Validity: "active"})
	var fired receivers.PromAlert
	waitProm("GhsecLiveSecretLeaked firing", func() bool {
		for _, al := range alerts() {
			if al.Labels["alertname"] == "GhsecLiveSecretLeaked" && al.State == "firing" {
				fired = al
				return true
			}
		}
		return false
	})
	if fired.Labels["org"] != "acme" || fired.Labels["severity"] != "critical" || fired.Value != "1e+00" {
		t.Errorf("alert %+v", fired)
	}

	// every metric a rule reads is served
	raw, err := os.ReadFile(rules)
	must(t, err)
	names := regexp.MustCompile(`ghsec_[a-z_]+`).FindAllString(string(raw), -1)
	slices.Sort(names)
	body := get(t, "http://"+metricsAddr+"/metrics", 200)
	for _, n := range slices.Compact(names) {
		if !strings.Contains(body, "\n# TYPE "+n+" ") {
			t.Errorf("the rules read %s, which the daemon does not serve", n)
		}
	}
}
