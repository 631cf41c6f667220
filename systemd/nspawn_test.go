package systemd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// container is a Debian root booted by systemd-nspawn -b on a throwaway
// overlay (--volatile=overlay: the root on disk is never written). It shares
// this machine's network, so the daemon inside reaches a simulator on
// 127.0.0.1.
type container struct {
	t      *testing.T
	nspawn *exec.Cmd
	leader int // the container's PID 1, as seen from here
	exited chan struct{}
}

const bootWait = 2 * time.Minute // hang guards, not timing assertions

// nspawnRoot is the root scripts/deps/nspawn-root.sh made.
func nspawnRoot(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GHSEC_TOOLS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "ghsec-exporter-tools")
	}
	root := filepath.Join(dir, "nspawn-root")
	if _, err := os.Stat(filepath.Join(root, "lib/systemd/systemd")); err != nil {
		missing(t, "no Debian root at %s (scripts/deps/nspawn-root.sh makes it, as root): %v", root, err)
	}
	return root
}

// boot starts the container with dist bound read-only at /mnt/dist and
// waits until its systemd finished booting.
func boot(t *testing.T, root, dist string) *container {
	t.Helper()
	c := &container{t: t, exited: make(chan struct{})}
	var console bytes.Buffer
	c.nspawn = exec.Command("systemd-nspawn", "--quiet", "--directory="+root, "--volatile=overlay",
		"--register=no", "--keep-unit", "--bind-ro="+dist+":/mnt/dist", "--console=pipe", "--boot")
	c.nspawn.Stdout, c.nspawn.Stderr = &console, &console
	c.nspawn.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.nspawn.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.nspawn.Wait(); close(c.exited) }()
	t.Cleanup(c.poweroff)
	deadline := time.Now().Add(bootWait)
	for c.leader == 0 {
		select {
		case <-c.exited:
			t.Fatalf("systemd-nspawn exited before booting: %v\n%s", c.nspawn.ProcessState, console.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no container init under systemd-nspawn:\n%s", console.String())
		}
		c.leader = childOf(c.nspawn.Process.Pid)
	}
	// until its bus is up, systemctl answers "offline"; "degraded" is a
	// booted system with a failed unit, named below
	var s string
	if !testtools.Poll(time.Until(deadline), 200*time.Millisecond, func() bool {
		out, _ := c.execIn("", "systemctl", "is-system-running", "--wait")
		s = strings.TrimSpace(out)
		return s == "running" || s == "degraded"
	}) {
		t.Fatalf("container did not boot: %q\n%s", s, console.String())
	}
	if s != "running" {
		failed, _ := c.execIn("", "systemctl", "--failed", "--no-legend")
		t.Logf("container booted %q; failed units: %s", s, failed)
	}
	return c
}

// childOf finds the child of pid that runs systemd: nspawn's helper
// children come and go before it execs the container's init.
func childOf(pid int) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			if exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); strings.HasSuffix(exe, "/lib/systemd/systemd") {
				return p
			}
		}
	}
	return 0
}

// execIn runs a command inside the container, stdin from the given string.
func (c *container) execIn(stdin string, args ...string) (string, error) {
	cmd := exec.Command("nsenter", append([]string{"--target=" + strconv.Itoa(c.leader), "--all", "--"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *container) must(stdin string, args ...string) string {
	c.t.Helper()
	out, err := c.execIn(stdin, args...)
	if err != nil {
		c.t.Fatalf("in the container, %q: %v\n%s", args, err, out)
	}
	return out
}

// show reads unit properties with systemctl show.
func (c *container) show(props ...string) map[string]string {
	c.t.Helper()
	args := []string{"systemctl", "show", "ghsec-exporter"}
	for _, p := range props {
		args = append(args, "--property="+p)
	}
	m := map[string]string{}
	for _, l := range strings.Split(c.must("", args...), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func (c *container) poweroff() {
	if c.leader != 0 {
		_, _ = c.execIn("", "systemctl", "poweroff")
	}
	select {
	case <-c.exited:
	case <-time.After(bootWait):
		c.t.Errorf("container did not power off; killing systemd-nspawn")
		_ = syscall.Kill(-c.nspawn.Process.Pid, syscall.SIGKILL)
		<-c.exited
	}
}

// journal follows the unit's journal inside the container: every line, as
// an event to wait on.
type journal struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
	wake  chan struct{}
}

func (c *container) follow(unit string) *journal {
	c.t.Helper()
	j := &journal{t: c.t, wake: make(chan struct{}, 1)}
	cmd := exec.Command("nsenter", "--target="+strconv.Itoa(c.leader), "--all", "--",
		"journalctl", "--unit="+unit, "--follow", "--output=cat", "--lines=all")
	out, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			j.mu.Lock()
			j.lines = append(j.lines, sc.Text())
			j.mu.Unlock()
			select {
			case j.wake <- struct{}{}:
			default:
			}
		}
	}()
	return j
}

func (j *journal) text() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.lines, "\n")
}

// waitFor waits until a journal line contains every one of parts.
func (j *journal) waitFor(what string, parts ...string) string {
	j.t.Helper()
	deadline := time.After(bootWait)
	for {
		j.mu.Lock()
		for _, l := range j.lines {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(l, p)
			}
			if all {
				j.mu.Unlock()
				return l
			}
		}
		j.mu.Unlock()
		select {
		case <-j.wake:
		case <-deadline:
			j.t.Fatalf("waiting for %s in the journal:\n%s", what, j.text())
		}
	}
}

// recordOf is what identifies the created record of alert n of a kind.
func recordOf(source string, n int) []string {
	return []string{`"schema":1`, `"action":"created"`, `"source":"` + source + `"`, fmt.Sprintf(`"number":%d,`, n)}
}
