package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// daemonProc is this test binary re-run as `ghsec-exporter run`, with its
// stderr lines and its sd_notify messages as events to wait on.
type daemonProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	mu     sync.Mutex
	log    []string
	notify []string
	ended  bool // its stderr closed: it exited
	wake   chan struct{}
}

const eventWait = 60 * time.Second // a hang guard, not a timing assertion

// startDaemon runs `run -config path` with a NOTIFY_SOCKET it listens on and
// a 200ms watchdog, as systemd would for Type=notify with WatchdogSec=.
func startDaemon(t *testing.T, path string, env ...string) *daemonProc {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	d := &daemonProc{t: t, wake: make(chan struct{}, 1)}
	d.cmd = exec.Command(os.Args[0])
	d.cmd.Env = append(append(os.Environ(), env...), "GHSEC_EXEC_ARGS=run\x1f-config\x1f"+path,
		"NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=200000")
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.cmd.Process.Kill(); _ = d.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			d.add(&d.log, sc.Text())
		}
		d.mu.Lock()
		d.ended = true
		d.mu.Unlock()
		d.add(&d.log, "")
	}()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			d.add(&d.notify, string(buf[:n]))
		}
	}()
	return d
}

func (d *daemonProc) add(to *[]string, s string) {
	d.mu.Lock()
	*to = append(*to, s)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds, re-checking on every new event.
func (d *daemonProc) waitFor(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(eventWait)
	for !cond() {
		select {
		case <-d.wake:
		case <-time.After(50 * time.Millisecond): // files written by the daemon are not events
		case <-deadline:
			d.t.Fatalf("waiting for %s; daemon log:\n%s\nnotify: READY=1 %d, RELOADING=1 %d, WATCHDOG=1 %d, STOPPING=1 %d", what, d.logText(),
				d.countNotify("READY=1"), d.countNotify("RELOADING=1"), d.countNotify("WATCHDOG=1"), d.countNotify("STOPPING=1"))
		}
	}
}

func (d *daemonProc) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.log, "\n")
}

func (d *daemonProc) notifications() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.notify...)
}

func (d *daemonProc) countNotify(msg string) int {
	n := 0
	for _, m := range d.notifications() {
		if m == msg {
			n++
		}
	}
	return n
}

func fileHas(path, s string) func() bool {
	return func() bool { b, _ := os.ReadFile(path); return bytes.Contains(b, []byte(s)) }
}

func TestRun_SIGHUPReloadsAndKeepsOldConfigOnError(t *testing.T) {
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	sim.AddRepo("acme/widgets")
	first := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	conf := func(out string) string {
		return fmt.Sprintf("github:\n  base_url: %s/\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nschedules: {alerts: \"@every 1s\"}\nsinks: [{name: f, type: file, path: %s}]\n",
			srv.URL, filepath.Join(dir, "s.db"), out)
	}
	out1, out2 := filepath.Join(dir, "out1.jsonl"), filepath.Join(dir, "out2.jsonl")
	p := filepath.Join(dir, "config.yaml")
	write := func(body string) {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(conf(out1))
	d := startDaemon(t, p, "GHSEC_CLI_TOKEN=tok")
	d.waitFor("READY=1", func() bool { return d.countNotify("READY=1") == 1 })
	d.waitFor("watchdog pings", func() bool { return d.countNotify("WATCHDOG=1") >= 2 })
	d.waitFor("the first record in out1", fileHas(out1, fmt.Sprintf(`"number":%d`, first)))

	// an invalid config: ERROR naming the field, the old config keeps running
	write(strings.Replace(conf(out2), "type: file", "type: bogus", 1))
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the reload error", func() bool {
		return strings.Contains(d.logText(), `level=ERROR msg="config reload failed; keeping the running config"`)
	})
	if l := d.logText(); !strings.Contains(l, "sinks[0].type") || !strings.Contains(l, "bogus") {
		t.Fatalf("reload error does not name the field and value:\n%s", l)
	}
	second := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "low"})
	d.waitFor("a new record in out1 on the old config", fileHas(out1, fmt.Sprintf(`"number":%d`, second)))
	if n := d.countNotify("RELOADING=1"); n != 0 {
		t.Fatalf("RELOADING sent for an invalid config")
	}

	// a valid config: the daemon restarts on it and records go to out2
	write(conf(out2))
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitFor("RELOADING=1 then READY=1", func() bool { return d.countNotify("RELOADING=1") == 1 && d.countNotify("READY=1") == 2 })
	third := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "medium"})
	d.waitFor("a new record in out2", fileHas(out2, fmt.Sprintf(`"number":%d`, third)))
	l := d.logText()
	reloading, reloaded := strings.Index(l, `msg="reloading: finishing jobs in flight"`), strings.Index(l, `msg="config reloaded"`)
	if reloading < 0 || reloaded < reloading {
		t.Fatalf("want a reloading log, then config reloaded:\n%s", l)
	}
	if strings.Contains(l, "stopping") || strings.Contains(l, "shutting down") || strings.Contains(l, "msg=stopped") {
		t.Fatalf("a reload logged as an exit:\n%s", l)
	}
	if fileHas(out1, fmt.Sprintf(`"number":%d`, third))() {
		t.Fatal("a record went to the old sink after the reload")
	}

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.logText())
	}
	d.waitFor("STOPPING=1", func() bool { return d.countNotify("STOPPING=1") == 1 })
	d.waitFor("stopping, then stopped", func() bool {
		l := d.logText()
		i := strings.LastIndex(l, `msg="stopping: finishing jobs in flight"`)
		return i > reloaded && strings.Contains(l[i:], "msg=stopped")
	})
}

// A config that validates but cannot start: the daemon starts the old
// config again and keeps delivering. Either its state file cannot be
// created (its directory would be a regular file), or it asks for a
// github.api_version that the GitHub (a GHES 3.19 whose release is
// detected, not configured) does not serve, which used to end the daemon.
func TestRun_SIGHUPFallsBackWhenTheNewConfigCannotStart(t *testing.T) {
	for _, tc := range []struct {
		name, product, path string
		// change is the new config's difference: the state path, and
		// lines under github:
		change func(dir, config string) (state, github string)
		why    string // in the log besides the fallback
	}{
		{"state path under a file", "dotcom", "/", func(_, config string) (string, string) {
			return filepath.Join(config, "s.db"), ""
		}, "create state"},
		{"API version GHES does not serve", "ghes", "/api/v3/", func(dir, _ string) (string, string) {
			return filepath.Join(dir, "s.db"), "  api_version: \"2026-03-10\"\n"
		}, "does not serve REST API version 2026-03-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := ghsim.New(ghsim.Options{Product: tc.product, Token: "tok"})
			sim.AddRepo("acme/widgets")
			srv := httptest.NewServer(sim)
			defer srv.Close()
			dir := t.TempDir()
			out := filepath.Join(dir, "out.jsonl")
			p := filepath.Join(dir, "config.yaml")
			write := func(state, github string) {
				body := fmt.Sprintf("github:\n  base_url: %s%s\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\n%sstate: {path: %s}\nschedules: {alerts: \"@every 1s\"}\nsinks: [{name: f, type: file, path: %s}]\n",
					srv.URL, tc.path, github, state, out)
				if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(filepath.Join(dir, "s.db"), "")
			d := startDaemon(t, p, "GHSEC_CLI_TOKEN=tok")
			d.waitFor("READY=1", func() bool { return d.countNotify("READY=1") == 1 })

			write(tc.change(dir, p))
			if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			d.waitFor("the fallback", func() bool {
				l := d.logText()
				return strings.Contains(l, `level=ERROR msg="config reload: cannot start on the new config; starting the old one again"`) &&
					strings.Contains(l, tc.why) && d.countNotify("READY=1") == 2
			})
			n := sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
			d.waitFor("a record on the old config", fileHas(out, fmt.Sprintf(`"number":%d`, n)))
			if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := d.cmd.Wait(); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, d.logText())
			}
		})
	}
}
