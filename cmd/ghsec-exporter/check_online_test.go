package main

import (
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// simForCheck is a github.com simulator with two orgs: acme's credential
// lacks the secret scanning permission, beta is not on Enterprise Cloud
// (its audit log answers 404).
func simForCheck(t *testing.T, product string) string {
	sim := ghsim.New(ghsim.Options{Product: product, Token: "tok"})
	sim.AddRepo("acme/widgets")
	sim.AddRepo("beta/app")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	sim.Deny(ghsim.Denial{PathContains: "/orgs/acme/secret-scanning/", Permission: "secret_scanning_alerts=read"})
	sim.SetAuditLogMissing("beta", true)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	if product == "ghes" {
		return srv.URL + "/api/v3/"
	}
	return srv.URL + "/"
}

// syslogListener stands in for the syslog sink's receiver: check connects
// to it. It is closed when the test ends, or sooner by the test.
func syslogListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func checkConfig(t *testing.T, base, syslogAddr string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GHSEC_CHECK_TOKEN", "tok")
	return writeConfig(t, fmt.Sprintf(`github:
  base_url: %s
  token_env: GHSEC_CHECK_TOKEN
  orgs: [acme, beta]
state: {path: %s}
sinks:
  - {name: out, type: file, path: %s}
  - {name: siem, type: syslog, network: tcp, address: %q}
`, base, filepath.Join(dir, "state.db"), filepath.Join(dir, "out.jsonl"), syslogAddr))
}

func TestCheck_TableAndExitCode(t *testing.T) {
	ln := syslogListener(t)
	p := checkConfig(t, simForCheck(t, "dotcom"), ln.Addr().String())
	// exit 1: two problems
	_, stderr := runCheck(t, p, 1,
		"product undecided (host 127.0.0.1 sent no GHES version): every list and audit log tried",
		"org:acme dependabot works",
		"org:acme secret_scanning 403: forbidden (GitHub: \"Resource not accessible by integration\"): needs permission secret_scanning_alerts=read",
		"org:acme secret_scanning (generic) 403: forbidden",
		"org:beta secret_scanning (generic) works",
		"org:acme audit_log works",
		"org:beta secret_scanning works",
		"org:beta audit_log 404: org beta has no audit-log API: not on GitHub Enterprise Cloud",
		"github rate limit 4989 of 5000 left (core)",
		"sink siem (syslog) reachable ok: connected to "+ln.Addr().String(),
		"2 problem(s):",
		// one cause, one line: both listings lack the same permission
		"- org:acme secret_scanning, secret_scanning (generic): grant the credential the permission secret_scanning_alerts=read for org:acme",
		"- org:beta audit_log: move beta to Enterprise Cloud",
	)
	if !strings.Contains(stderr, "2 problem(s) found") {
		t.Errorf("stderr: %q", stderr)
	}

	// the syslog receiver goes away: one more problem, naming what to do
	ln.Close()
	code, stdout, _ := runCLI("check", "-config", p)
	flat := flatten(stdout)
	if code != 1 || !strings.Contains(flat, "3 problem(s):") || !strings.Contains(flat, "- sink siem (syslog) reachable: check address") {
		t.Fatalf("exit %d with the receiver down:\n%s", code, stdout)
	}
}

func TestCheck_AllWorkExitsZero(t *testing.T) {
	ln := syslogListener(t)
	sim := ghsim.New(ghsim.Options{Product: "ghes", Token: "tok"})
	sim.AddRepo("acme/widgets")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := checkConfig(t, srv.URL+"/api/v3/", ln.Addr().String())
	code, stdout, stderr := runCLI("check", "-config", p)
	if code == 0 {
		t.Fatalf("beta is not in the simulator: its lists must fail:\n%s", stdout)
	}
	if !strings.Contains(stdout, "product ghes (detected: X-GitHub-Enterprise-Version: 3.19.0), GHES 3.19") {
		t.Fatalf("GHES not detected from its header:\n%s%s", stdout, stderr)
	}
	sim.AddRepo("beta/app")
	code, stdout, _ = runCLI("check", "-config", p)
	if code != 0 || !strings.Contains(stdout, "everything configured works") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}

// check on a GHES 3.19 with github.api_version 2026-03-10: one row says the
// release does not serve it (naming both versions), and GitHub's 400 for
// each list says what to change.
func TestCheck_APIVersionNotServedByGHES(t *testing.T) {
	ln := syslogListener(t)
	p := checkConfig(t, simForCheck(t, "ghes"), ln.Addr().String())
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "github:\n", "github:\n  api_version: \"2026-03-10\"\n", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	runCheck(t, p, 1,
		"GHES 3.19, REST API 2026-03-10",
		"github api_version GHES 3.19 does not serve REST API version 2026-03-10 (from GHES 3.21 on)",
		"set github.api_version to 2022-11-28 (or leave it out), or upgrade GHES to 3.21",
		"org:acme dependabot 400: REST API version refused",
	)
}
