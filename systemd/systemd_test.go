package systemd

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// The .deb under a real, booted systemd: installed with dpkg, the shipped
// config edited only where an operator must (what to poll), the token
// written root-only. Then: the unit starts (Type=notify: start returns once
// the daemon reported READY=1) as an unprivileged dynamic user that reads
// its config and its credential; records flow to the journal; watchdog
// pings arrive; an invalid config on reload is refused with the field named
// while the daemon keeps running; a valid one is taken; stop exits 0.
func TestUnit_UnderBootedSystemd(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "systemd-nspawn needs root")
	}
	need(t, "systemd-nspawn")
	need(t, "nsenter")
	root := nspawnRoot(t)
	needPackages(t)

	sim := ghsim.New(ghsim.Options{Token: "tok", Now: time.Now})
	sim.AddRepo("acme/widgets")
	first := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	srv := httptest.NewServer(sim)
	defer srv.Close()

	c := boot(t, root, filepath.Dir(debPath))
	c.must("", "dpkg", "-i", "/mnt/dist/"+filepath.Base(debPath))
	// no unknown keys or bad values, the binaries it names exist
	if out := c.must("", "systemd-analyze", "verify", "ghsec-exporter.service"); strings.Contains(out, "ghsec-exporter") {
		t.Errorf("systemd-analyze verify:\n%s", out)
	}

	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf := func(schedule string) string {
		s := strings.Replace(string(example), "https://api.github.com/", srv.URL+"/", 1)
		s = strings.Replace(s, "  orgs: [acme]", "  # orgs: [acme]", 1)
		return strings.Replace(s, `alerts: "@every 5m"`, `alerts: "`+schedule+`"`, 1)
	}
	// what an operator does after installing (README)
	c.must(conf("@every 2s"), "sh", "-c", "cat > /etc/ghsec-exporter/config.yaml")
	c.must("tok", "install", "-m", "0600", "/dev/stdin", "/etc/ghsec-exporter/github-token")
	c.must("", "systemctl", "enable", "--now", "ghsec-exporter")
	j := c.follow("ghsec-exporter")

	st := c.show("ActiveState", "SubState", "MainPID", "WatchdogUSec", "WatchdogTimestampMonotonic")
	if st["ActiveState"] != "active" || st["SubState"] != "running" || st["WatchdogUSec"] != "30s" {
		t.Fatalf("after start: %v\n%s", st, j.text())
	}
	pid := st["MainPID"]
	// DynamicUser= allocates from 61184-65519
	uid, _ := strconv.Atoi(strings.TrimSpace(c.must("", "ps", "-o", "uid=", "-p", pid)))
	if uid < 61184 || uid > 65519 {
		t.Fatalf("daemon runs as uid %d, want a dynamic user", uid)
	}
	j.waitFor("the first record", recordOf("dependabot", first)...)
	// the README's check, as root while the service holds the credential
	if out := c.must("", "ghsec-exporter", "check-config"); !strings.Contains(out, "/etc/ghsec-exporter/config.yaml is valid") {
		t.Errorf("check-config: %s", out)
	}
	second := sim.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{})
	j.waitFor("a record of an alert created while running", recordOf("secret_scanning", second)...)

	// the watchdog: systemd saw a ping after the one that came with READY
	if !testtools.Poll(bootWait, 500*time.Millisecond, func() bool {
		return c.show("WatchdogTimestampMonotonic")["WatchdogTimestampMonotonic"] != st["WatchdogTimestampMonotonic"]
	}) {
		t.Fatalf("no watchdog ping reached systemd:\n%s", j.text())
	}

	out := c.must("", "systemd-analyze", "security", "--threshold=15", "ghsec-exporter")
	if m := exposureRe.FindStringSubmatch(out); m != nil {
		t.Logf("systemd-analyze security on the running unit: exposure %s", m[1])
	} else {
		t.Fatalf("systemd-analyze security: %s", out)
	}

	// an invalid config: refused, named, the old one keeps running
	c.must(strings.Replace(conf("@every 2s"), "    type: file", "    type: bogus", 1), "sh", "-c", "cat > /etc/ghsec-exporter/config.yaml")
	c.must("", "systemctl", "reload", "ghsec-exporter")
	l := j.waitFor("the reload error", "level=ERROR", "config reload failed")
	if !strings.Contains(l, "sinks[0].type") || !strings.Contains(l, "bogus") {
		t.Errorf("reload error does not name the field and value: %s", l)
	}
	third := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "low"})
	j.waitFor("a record on the old config", recordOf("dependabot", third)...)
	if st := c.show("ActiveState", "MainPID"); st["ActiveState"] != "active" || st["MainPID"] != pid {
		t.Fatalf("after the refused reload: %v", st)
	}

	// a valid config: taken without a restart of the process
	c.must(conf("@every 3s"), "sh", "-c", "cat > /etc/ghsec-exporter/config.yaml")
	c.must("", "systemctl", "reload", "ghsec-exporter")
	j.waitFor("the reload", `msg="config reloaded"`)
	fourth := sim.CreateAlert(ghsim.CodeScanning, "acme/widgets", ghsim.AlertSpec{})
	j.waitFor("a record on the new config", recordOf("code_scanning", fourth)...)
	if st := c.show("ActiveState", "MainPID", "NRestarts"); st["ActiveState"] != "active" || st["MainPID"] != pid || st["NRestarts"] != "0" {
		t.Fatalf("after the reload: %v", st)
	}

	c.must("", "systemctl", "stop", "ghsec-exporter")
	if st := c.show("ActiveState", "Result", "ExecMainCode", "ExecMainStatus"); st["ActiveState"] != "inactive" || st["Result"] != "success" || st["ExecMainStatus"] != "0" {
		t.Fatalf("after stop: %v\n%s", st, j.text())
	}
}
