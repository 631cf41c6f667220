package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// hecReceiver is a minimal HEC endpoint that refuses (503) while down and
// otherwise keeps every event line it is sent.
type hecReceiver struct {
	down     atomic.Bool
	mu       sync.Mutex
	events   []string
	requests []string
}

func (h *hecReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.down.Load() {
		http.Error(w, `{"text":"Server is busy","code":9}`, http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err == nil {
			b, _ = io.ReadAll(zr)
		}
	}
	h.mu.Lock()
	h.requests = append(h.requests, r.URL.Path)
	for _, l := range strings.SplitAfter(string(b), "}{") {
		if strings.Contains(l, `"action"`) {
			h.events = append(h.events, l)
		}
	}
	h.mu.Unlock()
	_, _ = w.Write([]byte(`{"text":"Success","code":0}`))
}

func (h *hecReceiver) count(sub string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if strings.Contains(e, sub) {
			n++
		}
	}
	return n
}

// A crash right after the 2xx: the delivery's records were committed before
// the answer, so the restarted binary delivers them (the sink was down
// until the kill, so nothing left before it).
func TestWebhook_CrashRightAfter2xx_RecordsDeliveredAfterRestart(t *testing.T) {
	bin := buildBinary(t)
	sim, gh := oneAlertGitHub(t)
	hec := &hecReceiver{}
	hec.down.Store(true)
	hecSrv := httptest.NewServer(hec)
	defer hecSrv.Close()
	dir := t.TempDir()
	for name, v := range map[string]string{"token": "tok", "hec": "hec-token", "hook": "s3cret"} {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600))
	}
	cfg := writeConfig(t, fmt.Sprintf(`github:
  base_url: %s/
  orgs: [acme]
  token_file: %s
state: {path: %s}
schedules: {alerts: "@every 1h", audit_log: "@every 1h"}
delivery: {min_backoff: 20ms, max_backoff: 50ms}
log: {level: info}
webhook:
  listen: 127.0.0.1:0
  secret_file: %s
sinks:
  - {name: hec, type: splunk_hec, url: %s, token_file: %s, health_check: false}
`, gh.URL, filepath.Join(dir, "token"), filepath.Join(dir, "state.db"), filepath.Join(dir, "hook"), hecSrv.URL, filepath.Join(dir, "hec")))

	cmd := exec.Command(bin, "run", "-config", cfg)
	stderr, err := cmd.StderrPipe()
	must(t, err)
	must(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addrRe := regexp.MustCompile(`msg="webhook listener" listen=(\S+)`)
	addr := make(chan string, 1)
	polled := make(chan struct{}, 16)
	var logs bytes.Buffer
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			if strings.Contains(sc.Text(), `msg="alert poll"`) {
				polled <- struct{}{}
			}
		}
	}()
	var listen string
	select {
	case listen = <-addr:
	case <-time.After(30 * time.Second):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("no webhook listener:\n%s", logs.String())
	}
	for i := 0; i < 3; i++ { // the first poll of the three kinds: the backfill
		<-polled
	}
	sim.AddHook(ghsim.Hook{URL: "http://" + listen + "/github/webhook", Secret: []byte("s3cret"), Org: "acme", APIBase: gh.URL})
	sim.Advance(time.Minute)
	must(t, sim.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "alice", "tolerable_risk", ""))
	if n := sim.SendPending(context.Background()); n != 1 {
		t.Fatal("delivery not acknowledged")
	}
	must(t, cmd.Process.Kill()) // SIGKILL right after the 2xx
	_ = cmd.Wait()
	if n := hec.count(`"dismissed"`); n != 0 {
		t.Fatalf("sink was down, yet got %d", n)
	}

	hec.down.Store(false)
	out, err := exec.Command(bin, "once", "-config", cfg, "-drain-timeout", "20s").CombinedOutput()
	if err != nil {
		t.Fatalf("once after the crash: %v\n%s", err, out)
	}
	if n := hec.count(`"action":"dismissed"`); n != 1 {
		t.Fatalf("dismissed delivered %d times after restart, want 1\n%s\n%q %q", n, out, hec.events, hec.requests)
	}
	if n := hec.count(`"origin":"webhook"`); n != 1 {
		t.Fatalf("webhook-origin records: %d", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
