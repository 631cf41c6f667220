package main

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// A reload to github.api_version 2026-03-10 on a GHES 3.19 whose release
// is detected, not configured: the new config validates, but that GitHub
// does not serve the version, so the daemon says so and starts the old
// config again, which keeps delivering (it used to exit).
func TestRun_SIGHUPToAnAPIVersionGHESRefusesFallsBack(t *testing.T) {
	sim := ghsim.New(ghsim.Options{Product: "ghes", Token: "tok"})
	sim.AddRepo("acme/widgets")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	conf := func(apiVersion string) string {
		return fmt.Sprintf("github:\n  base_url: %s/api/v3/\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\n%sstate: {path: %s}\nschedules: {alerts: \"@every 1s\"}\nsinks: [{name: f, type: file, path: %s}]\n",
			srv.URL, apiVersion, filepath.Join(dir, "s.db"), out)
	}
	p := filepath.Join(dir, "config.yaml")
	write := func(body string) {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(conf(""))
	d := startDaemon(t, p, "GHSEC_CLI_TOKEN=tok")
	d.waitFor("READY=1", func() bool { return d.countNotify("READY=1") == 1 })
	first := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	d.waitFor("a record on the first config", fileHas(out, fmt.Sprintf(`"number":%d`, first)))

	write(conf("  api_version: \"2026-03-10\"\n"))
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the fallback", func() bool {
		l := d.logText()
		return strings.Contains(l, `level=ERROR msg="config reload: cannot start on the new config; starting the old one again"`) &&
			strings.Contains(l, "does not serve REST API version 2026-03-10") && d.countNotify("READY=1") == 2
	})
	n := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	d.waitFor("a record on the old config", fileHas(out, fmt.Sprintf(`"number":%d`, n)))
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.logText())
	}
}
