package main

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/cmd/ghsec-exporter/wiring"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCheck runs `ghsec-exporter check -config p`, logs its output, and
// fails the test unless it exits with code and its output (flattened)
// has each of want.
func runCheck(t *testing.T, p string, code int, want ...string) (stdout, stderr string) {
	t.Helper()
	got, stdout, stderr := runCLI("check", "-config", p)
	t.Logf("check output:\n%s%s", stdout, stderr)
	if got != code {
		t.Errorf("exit %d, want %d", got, code)
	}
	outputHas(t, stdout, want...)
	return stdout, stderr
}

// flatten folds every run of white space in out into one space: check
// wraps its lines, and the tests look for phrases.
func flatten(out string) string { return strings.Join(strings.Fields(out), " ") }

// outputHas fails the test for each of want that out, flattened, lacks.
func outputHas(t *testing.T, out string, want ...string) {
	t.Helper()
	flat := flatten(out)
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestCLI_BadConfigNamesFieldAndExitsNonZero(t *testing.T) {
	p := writeConfig(t, "github:\n  orgs: [acme]\n  token_env: X\nstate: {path: /tmp/x.db}\nsinks:\n  - {name: s, type: syslog2}\n")
	code, _, stderr := runCLI("check-config", "-config", p)
	if code != 1 || !strings.Contains(stderr, "sinks[0].type") || !strings.Contains(stderr, "syslog2") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	p = writeConfig(t, "github:\n  orgs: [acme]\n  token_env: X\n  polling: fast\nsinks: [{name: s, type: file}]\n")
	code, _, stderr = runCLI("once", "-config", p)
	if code != 1 || !strings.Contains(stderr, "github.polling: unknown key (line 4)") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestCLI_CheckConfigRedacts(t *testing.T) {
	t.Setenv("GHSEC_CLI_TOKEN", "ghp_never_print_me")
	p := writeConfig(t, fmt.Sprintf("github:\n  orgs: [acme]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nsinks: [{name: s, type: file, path: \"-\"}]\n", filepath.Join(t.TempDir(), "s.db")))
	code, stdout, stderr := runCLI("check-config", "-config", p)
	if code != 0 || strings.Contains(stdout+stderr, "ghp_never_print_me") || !strings.Contains(stdout, "token_env: GHSEC_CLI_TOKEN") || !strings.Contains(stdout, "reconcile: '@daily'") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// oneAlertGitHub serves, until the test ends, a simulated GitHub that
// accepts the token "tok" and holds acme/widgets with one high Dependabot
// alert.
func oneAlertGitHub(t *testing.T) (*ghsim.Sim, *httptest.Server) {
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	sim.AddRepo("acme/widgets")
	sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

func TestCLI_OnceAgainstSimulator(t *testing.T) {
	_, srv := oneAlertGitHub(t)
	dir := t.TempDir()
	t.Setenv("GHSEC_CLI_TOKEN", "tok")
	out := filepath.Join(dir, "out.jsonl")
	p := writeConfig(t, fmt.Sprintf("github:\n  base_url: %s/\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nsinks: [{name: f, type: file, path: %s}]\n", srv.URL, filepath.Join(dir, "s.db"), out))
	if code, _, stderr := runCLI("once", "-config", p); code != 0 {
		t.Fatalf("once failed: %s", stderr)
	}
	b, _ := os.ReadFile(out)
	if !bytes.Contains(b, []byte(`"action":"created"`)) {
		t.Fatalf("no record: %s", b)
	}
	code, stdout, _ := runCLI("state", "show", "-config", p)
	if code != 0 || !strings.Contains(stdout, `"open": 1`) {
		t.Fatalf("state show: %d %s", code, stdout)
	}
	// GitHub down: once exits non-zero with a clear message
	srv.Close()
	code, _, stderr := runCLI("once", "-config", p)
	if code != 1 || !strings.Contains(stderr, "github") {
		t.Fatalf("once with GitHub down: %d %q", code, stderr)
	}
}

func TestCLI_VersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI("version"); code != 0 || !strings.HasPrefix(out, "ghsec-exporter ") {
		t.Fatal(out)
	}
	if code, _, _ := runCLI("frobnicate"); code != 2 {
		t.Fatal("unknown command must exit 2")
	}
}

func TestConfigExample_IsValid(t *testing.T) {
	cfg, err := config.Load("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wiring.Decode(cfg.Sinks); err != nil {
		t.Fatal(err)
	}
}

// The commented sink examples in config.example.yaml must be valid too once
// uncommented.
func TestConfigExample_CommentedSinksAreValid(t *testing.T) {
	raw, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	on := false
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, "# More sinks") {
			on = true
			continue
		}
		if on && strings.HasPrefix(l, "  # ") {
			l = "  " + strings.TrimPrefix(l, "  # ")
		}
		out = append(out, l)
	}
	// the secrets and the CA the examples name, as systemd and the system
	// would provide them, for the resolve step
	creds := t.TempDir()
	for _, f := range []string{"hec-token", "smtp-password", "azure-secret", "kafka-password", "es-api-key", "otlp-token"} {
		if err := os.WriteFile(filepath.Join(creds, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	doc := strings.ReplaceAll(strings.Join(out, "\n"), "/run/credentials/ghsec-exporter.service", creds)
	ca, _ := receivers.TLSFiles(t, creds)
	doc = strings.ReplaceAll(doc, "/etc/ssl/splunk-ca.pem", ca)
	doc = strings.ReplaceAll(doc, "/etc/ssl/kafka-ca.pem", ca)
	doc = strings.ReplaceAll(doc, "/etc/ghsec-exporter/es-http-ca.crt", ca)
	doc = strings.ReplaceAll(doc, "/etc/ssl/otel-ca.pem", ca)
	cfg, err := config.Decode(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := wiring.Decode(cfg.Sinks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wiring.Resolve(vs); err != nil {
		t.Fatal(err)
	}
	// every example: the stdout sink and each commented one
	if want := strings.Count(doc, "\n  - name: "); len(vs) != want {
		t.Fatalf("%d sinks decoded, want the %d the example names", len(vs), want)
	}
}

// check-config proves the App key usable, as run would need it, without
// printing it; a URL with credentials is refused without echoing them.
func TestCLI_CheckConfigRefusesWhatRunWouldFailOn(t *testing.T) {
	dir := t.TempDir()
	head := fmt.Sprintf("state: {path: %s}\nsinks: [{name: s, type: file, path: \"-\"}]\ngithub:\n  orgs: [acme]\n", filepath.Join(dir, "s.db"))
	notKey := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(notKey, []byte("not-a-key-never-print"), 0o600); err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		"  app: {app_id: 1, installation_id: 2, private_key_file: " + filepath.Join(dir, "missing.pem") + "}\n": "github.app.private_key_file: cannot read",
		"  app: {app_id: 1, installation_id: 2, private_key_file: " + notKey + "}\n":                            "github.app.private_key_file: not a PEM file",
		"  token_env: X\n  base_url: https://octo:hunter2@ghes.example/api/v3/\n":                               "github.base_url: must not contain a user name or password",
	} {
		code, stdout, stderr := runCLI("check-config", "-config", writeConfig(t, head+body))
		if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stdout+stderr, "hunter2") || strings.Contains(stdout+stderr, "never-print") {
			t.Errorf("code %d\nstdout %s\nstderr %s\nwant %q", code, stdout, stderr, want)
		}
	}
}
