package receivers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// Where Debian's prometheus package installs the server and promtool.
const (
	PrometheusBin = "/usr/bin/prometheus"
	PromtoolBin   = "/usr/bin/promtool"
)

// Prometheus is a running Prometheus server owned by a test, scraping one
// target and evaluating rule files every second.
type Prometheus struct {
	*Proc
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string
}

// StartPrometheus starts Debian's prometheus on a free loopback port with
// a storage directory in the test's temporary directory, scraping target
// (host:port, path /metrics) as job "ghsec" and evaluating ruleFiles
// (absolute paths), both every second; it returns once the server is
// ready and stops it when the test ends. Without the package the test is
// skipped, or fails under CI.
func StartPrometheus(t testing.TB, target string, ruleFiles ...string) *Prometheus {
	t.Helper()
	testtools.NeedExec(t, PrometheusBin)
	dir := t.TempDir()
	rules, _ := json.Marshal(ruleFiles)
	// YAML is a superset of JSON: the lists are written as JSON
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: %s
scrape_configs:
  - job_name: ghsec
    static_configs:
      - targets: [%q]
`, rules, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	p := &Prometheus{URL: "http://" + addr}
	ready := func() error {
		var err error
		if Poll(60*time.Second, func() bool {
			var resp *http.Response
			if resp, err = http.Get(p.URL + "/-/ready"); err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("/-/ready: %s", resp.Status)
				}
			}
			return err == nil
		}) {
			return nil
		}
		return err
	}
	p.Proc = Start(t, "prometheus", dir, nil, ready, PrometheusBin,
		"--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	return p
}

// PromAlert is one alert of the server's /api/v1/alerts.
type PromAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// State is pending or firing.
	State string `json:"state"`
	Value string `json:"value"`
}

// Alerts returns the server's active alerts (pending and firing).
func (p *Prometheus) Alerts() ([]PromAlert, error) {
	resp, err := http.Get(p.URL + "/api/v1/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Alerts []PromAlert `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decode /api/v1/alerts: %w", err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("/api/v1/alerts: status %q", body.Status)
	}
	return body.Data.Alerts, nil
}

// TargetHealth returns the health of the scrape target ("up", "down",
// "unknown") and its last scrape error, from /api/v1/targets.
func (p *Prometheus) TargetHealth() (health, lastError string, err error) {
	resp, err := http.Get(p.URL + "/api/v1/targets")
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			ActiveTargets []struct {
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", "", fmt.Errorf("decode /api/v1/targets: %w", err)
	}
	if len(body.Data.ActiveTargets) == 0 {
		return "unknown", "", nil
	}
	tg := body.Data.ActiveTargets[0]
	return tg.Health, tg.LastError, nil
}
