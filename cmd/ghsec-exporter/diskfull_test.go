package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// fullDisk plays a full disk under the state file: a small tmpfs filled up
// (where mount works, e.g. as root), or else RLIMIT_FSIZE on the daemon, set
// by re-executing this test binary as a shim (fsizeShim) that lowers
// the limit and execs the daemon.
type fullDisk struct {
	dir    string // holds the state file
	tmpfs  bool
	filler string
	limit  int64 // RLIMIT_FSIZE in bytes while full; 0 when not full
}

func newFullDisk(t *testing.T) *fullDisk {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	fd := &fullDisk{dir: dir, filler: filepath.Join(dir, "filler")}
	if os.Getenv("GHSEC_DISKFULL") != "rlimit" {
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err == nil {
			fd.tmpfs = true
			t.Cleanup(func() {
				if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
					t.Errorf("umount %s: %v %s", dir, err, out)
				}
			})
		} else {
			t.Logf("no tmpfs (%v: %s); playing the full disk with RLIMIT_FSIZE", err, bytes.TrimSpace(out))
		}
	}
	return fd
}

// fill takes the remaining space: on tmpfs a filler file up to ENOSPC, else
// a file-size limit at the state file's current size.
func (fd *fullDisk) fill(t *testing.T, stateFile string) {
	t.Helper()
	if !fd.tmpfs {
		st, err := os.Stat(stateFile)
		if err != nil {
			t.Fatal(err)
		}
		fd.limit = st.Size()
		return
	}
	f, err := os.OpenFile(fd.filler, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill tmpfs: %v", err)
			}
			return
		}
	}
}

// free gives the space back.
func (fd *fullDisk) free(t *testing.T) {
	t.Helper()
	fd.limit = 0
	if fd.tmpfs {
		if err := os.Remove(fd.filler); err != nil {
			t.Fatal(err)
		}
	}
}

// command runs the daemon binary, under the file-size limit when one is set.
func (fd *fullDisk) command(bin string, args ...string) *exec.Cmd {
	if fd.limit == 0 {
		return exec.Command(bin, args...)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GHSEC_FSIZE_SHIM="+strconv.FormatInt(fd.limit, 10)+"\x1f"+bin+"\x1f"+strings.Join(args, "\x1f"))
	return cmd
}

// fsizeShim runs in place of the tests when TestMain finds
// GHSEC_FSIZE_SHIM (limit, binary, arguments): it lowers RLIMIT_FSIZE and
// execs the daemon, which inherits the limit.
func fsizeShim(spec string) {
	parts := strings.Split(spec, "\x1f")
	limit, err := strconv.ParseUint(parts[0], 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit})
	}
	if err == nil {
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GHSEC_FSIZE_SHIM=") {
				env = append(env, kv)
			}
		}
		err = syscall.Exec(parts[1], parts[1:], env)
	}
	fmt.Fprintf(os.Stderr, "fsize shim: %v\n", err)
	os.Exit(2)
}

// TestStateDiskFull: a poll that cannot grow the state file fails with one
// clear error and a non-zero exit, the state file still opens with every
// committed alert and nothing queued twice, and once space returns the next
// run commits and delivers every record exactly as expected.
func TestStateDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the daemon")
	}
	bin := buildBinary(t)
	fd := newFullDisk(t)
	sim := ghsim.New(ghsim.Options{Token: "tok", RateLimit: 1 << 30})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	m := &mutator{sim: sim, repos: []string{"acme/api", "acme/web"}}
	m.rng = newRand(7)
	for i := 0; i < 30; i++ {
		m.create(ghsim.Kinds[i%3])
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl") // outside the full disk
	stateFile := filepath.Join(fd.dir, "state.db")
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf("github:\n  base_url: %s/\n  token_env: GHSEC_DISKFULL_TOKEN\n  orgs: [acme]\nstate:\n  path: %s\nsinks:\n  - {name: out, type: file, path: %s}\n",
		srv.URL, stateFile, out)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	once := func() (int, string) {
		cmd := fd.command(bin, "once", "-config", cfgPath, "-drain-timeout", "5s")
		cmd.Env = append(cmd.Environ(), "GHSEC_DISKFULL_TOKEN=tok")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}

	if code, stderr := once(); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	before := showState(t, bin, cfgPath)

	// far more new alerts than the space left can hold
	sim.Advance(10 * 60e9)
	for i := 0; i < 1500; i++ {
		m.create(ghsim.Kinds[i%3])
	}
	fd.fill(t, stateFile)
	diskErr := "no space left on device"
	if !fd.tmpfs {
		diskErr = "file too large"
	}
	// the daemon: the failed poll is one ERROR line naming the cause, the
	// daemon stays up and stops cleanly
	runLog := runUntilLogged(t, fd.command(bin, "run", "-config", cfgPath), "job failed")
	if n := countLogged(runLog, diskErr); n != 1 || !strings.Contains(runLog, "level=ERROR msg=\"job failed") {
		t.Fatalf("run on a full disk: %d WARN/ERROR lines name %q, want exactly 1 (the failed job):\n%s", n, diskErr, runLog)
	}
	// once: exit 1 and a message naming the state file and the cause
	code, stderr := once()
	if code != 1 || !strings.Contains(stderr, "ghsec-exporter once: ") || !strings.Contains(stderr, stateFile+": "+diskErr) {
		t.Fatalf("once on a full disk: exit %d, want 1 and an error naming %s and %q:\n%s", code, stateFile, diskErr, stderr)
	}
	for _, out := range []string{runLog, stderr} {
		if strings.Contains(out, "panic:") || countLogged(strings.ReplaceAll(out, "level=INFO", "level=ERROR"), "err=") != countLogged(out, "err=") {
			t.Fatalf("a panic, or a failure logged at INFO:\n%s", out)
		}
	}
	t.Logf("full disk as reported by once:\n%s", stderr)

	// the state file opens and still holds what was committed
	during := showState(t, bin, cfgPath)
	if during.tracked < before.tracked {
		t.Fatalf("state lost alerts on a full disk: %d tracked before, %d after", before.tracked, during.tracked)
	}

	fd.free(t)
	if code, stderr := once(); code != 0 {
		t.Fatalf("run after space returned: exit %d\n%s", code, stderr)
	}
	after := showState(t, bin, cfgPath)
	if after.tracked != len(m.alerts) || after.pending != 0 {
		t.Fatalf("after space returned: %d tracked (want %d), %d queued (want 0)", after.tracked, len(m.alerts), after.pending)
	}
	checkSink(t, "after the full disk", out, m.expected)
}

// shown is what the checks need from `state show`.
type shown struct{ tracked, pending int }

func showState(t *testing.T, bin, cfgPath string) shown {
	t.Helper()
	b, err := exec.Command(bin, "state", "show", "-config", cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("state show: %v\n%s", err, b)
	}
	return parseShow(t, b)
}

// parseShow sums the tracked alerts and queued records `state show` prints.
func parseShow(t *testing.T, b []byte) shown {
	t.Helper()
	var v struct {
		Tracked  map[string]map[string]int `json:"tracked_alerts"`
		Outboxes map[string]int            `json:"outbox_pending"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("state show: %v\n%s", err, b)
	}
	var s shown
	for _, byState := range v.Tracked {
		for _, n := range byState {
			s.tracked += n
		}
	}
	for _, n := range v.Outboxes {
		s.pending += n
	}
	return s
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// countLogged counts the WARN and ERROR log lines containing s.
func countLogged(log, s string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) && (strings.Contains(l, "level=ERROR") || strings.Contains(l, "level=WARN")) {
			n++
		}
	}
	return n
}

// runUntilLogged starts the daemon, reads its log until a line contains
// want, stops it with SIGTERM and returns the whole log; the daemon must
// exit 0.
func runUntilLogged(t *testing.T, cmd *exec.Cmd, want string) string {
	t.Helper()
	cmd.Env = append(cmd.Environ(), "GHSEC_DISKFULL_TOKEN=tok")
	pr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(pr)
	seen := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if !seen && strings.Contains(sc.Text(), want) {
			seen = true
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err != nil || !seen {
		t.Fatalf("daemon: exit %v, saw %q: %v\n%s", err, want, seen, log.String())
	}
	return log.String()
}
