package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// A signed delivery whose headers and first 100 bytes arrived before a
// SIGHUP or SIGTERM, and the rest after: the listener's stop returned at
// once, the state file closed under the running handler, and the delivery
// got 503 "state file is closed" (SIGHUP) or no answer at all from a
// process that exited 0 having stored nothing (SIGTERM). The daemon must
// finish reading it, commit it and answer 2xx before it closes the state.
func TestRun_WebhookDeliveryInFlightAtSignalIsAnswered(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { deliveryAcrossSignal(t, sig) })
	}
}

func deliveryAcrossSignal(t *testing.T, sig syscall.Signal) {
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	gh := httptest.NewServer(sim)
	defer gh.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for /healthz
	must(t, err)
	metrics := ln.Addr().String()
	ln.Close()
	p := writeConfig(t, fmt.Sprintf(`github:
  base_url: %s/
  repos: [acme/widgets]
  token_env: GHSEC_CLI_TOKEN
state: {path: %s}
schedules: {alerts: "@every 1h", audit_log: "@every 1h"}
metrics: {listen: %s}
webhook: {listen: 127.0.0.1:0, secret_env: GHSEC_HOOK_SECRET}
sinks: [{name: f, type: file, path: %s}]
`, gh.URL, filepath.Join(dir, "s.db"), metrics, out))
	d := startDaemon(t, p, "GHSEC_CLI_TOKEN=tok", "GHSEC_HOOK_SECRET=s3cret")
	d.waitFor("the backfill in the sink", fileHas(out, `"action":"created"`))
	var listen string
	d.waitFor("the webhook listener", func() bool {
		m := regexp.MustCompile(`msg="webhook listener" listen=(\S+)`).FindStringSubmatch(d.logText())
		if m != nil {
			listen = m[1]
		}
		return m != nil
	})

	sim.AddHook(ghsim.Hook{URL: "http://" + listen + "/github/webhook", Secret: []byte("s3cret"), Repo: "acme/widgets", APIBase: gh.URL})
	sim.Advance(time.Minute)
	must(t, sim.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "alice", "tolerable_risk", ""))
	pending := sim.PendingDeliveries()
	if len(pending) != 1 {
		t.Fatalf("%d deliveries queued, want 1", len(pending))
	}
	del := pending[0]
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(del.Body)
	conn, err := net.Dial("tcp", listen)
	must(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /github/webhook HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"+
		"X-GitHub-Event: %s\r\nX-GitHub-Delivery: %s\r\nX-Hub-Signature-256: sha256=%s\r\n\r\n%s",
		listen, len(del.Body), del.Event, del.GUID, hex.EncodeToString(mac.Sum(nil)), del.Body[:100])
	must(t, err)
	d.waitFor("the handler to take the delivery", func() bool {
		resp, err := http.Get("http://" + metrics + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"received":1`)
	})

	must(t, d.cmd.Process.Signal(sig))
	d.waitFor("the listener's stop", func() bool {
		l := d.logText()
		d.mu.Lock()
		ended := d.ended
		d.mu.Unlock()
		// the last two are the bug: the old daemon closed the state (or
		// exited) while the delivery was still arriving
		return strings.Contains(l, "webhook listener stopping") || strings.Contains(l, `msg="config reloaded"`) || ended
	})
	_, err = conn.Write(del.Body[100:])
	must(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the delivery in flight at %s: %v\n%s", sig, err, d.logText())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery in flight at %s: %s %q\n%s", sig, resp.Status, body, d.logText())
	}

	if sig == syscall.SIGHUP {
		d.waitFor("the reload", func() bool { return strings.Contains(d.logText(), `msg="config reloaded"`) })
		d.waitFor("the dismissal in the sink, from the new daemon", fileHas(out, `"action":"dismissed"`))
		must(t, d.cmd.Process.Signal(syscall.SIGTERM))
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, d.logText())
	}
	// committed before the answer: the state holds the dismissal, whether
	// or not the sink got it before the stop
	cfg := writeConfig(t, fmt.Sprintf("github:\n  repos: [acme/widgets]\n  token_env: X\nstate: {path: %s}\nsinks: [{name: f, type: file, path: \"-\"}]\n", filepath.Join(dir, "s.db")))
	code, stdout, stderr := runCLI("state", "show", "-config", cfg)
	if code != 0 || !regexp.MustCompile(`"dependabot":\s*\{\s*"dismissed":\s*1`).MatchString(stdout) {
		t.Fatalf("state after %s: %d\n%s\n%s", sig, code, stdout, stderr)
	}
}
