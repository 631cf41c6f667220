package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test re-run this binary as the real program: with
// GHSEC_EXEC_ARGS set, it runs main's code path on those arguments; with
// GHSEC_FSIZE_SHIM set, it execs the daemon under a file-size limit.
func TestMain(m *testing.M) {
	if spec := os.Getenv("GHSEC_FSIZE_SHIM"); spec != "" {
		fsizeShim(spec) // does not return
	}
	if args := os.Getenv("GHSEC_EXEC_ARGS"); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestRun_SIGTERMFinishesAndExitsZero(t *testing.T) {
	_, srv := oneAlertGitHub(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	p := writeConfig(t, fmt.Sprintf("github:\n  base_url: %s/\n  repos: [acme/widgets]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nsinks: [{name: f, type: file, path: %s}]\n",
		srv.URL, filepath.Join(dir, "s.db"), out))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GHSEC_CLI_TOKEN=tok", "GHSEC_EXEC_ARGS=run\x1f-config\x1f"+p)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, _ := os.ReadFile(out); bytes.Contains(b, []byte(`"action":"created"`)) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("daemon delivered nothing:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("daemon did not stop after SIGTERM:\n%s", stderr.String())
	}
	// it says what it does, then that it is done
	l := stderr.String()
	stopping, stopped := strings.Index(l, `msg="stopping: finishing jobs in flight"`), strings.Index(l, `msg=stopped`)
	if stopping < 0 || stopped < stopping || strings.Contains(l, "reloading") {
		t.Errorf("want a stopping log, then stopped:\n%s", l)
	}
}
