package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// A compacted state file cut to half, to 3 pages, to 8,202 bytes or to
// nothing: `run` and `state show` crashed with exit 2 and a goroutine dump
// from bbolt (or, on an empty file, said "bad file descriptor" or started
// empty on it), a crash loop under Restart=on-failure. Each must exit 1
// with one line naming the file and what to do, and leave the file as it
// was. The program runs as its own process: a crash must not take the test
// with it.
func TestCLI_TruncatedStateFileIsOneClearError(t *testing.T) {
	whole := statetest.CompactedBytes(t, 2000, 16)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	cfgFor := func(path string) string {
		return writeConfig(t, fmt.Sprintf("github:\n  base_url: http://127.0.0.1:1/\n  orgs: [acme]\n  token_env: GHSEC_CLI_TOKEN\nstate: {path: %s}\nsinks: [{name: f, type: file, path: %s}]\n",
			path, out))
	}
	for _, size := range []int{len(whole) / 2, 3 * 4096, 8202, 0} {
		for _, args := range [][]string{{"state", "show"}, {"run"}} {
			t.Run(fmt.Sprintf("%s/%d bytes", strings.Join(args, " "), size), func(t *testing.T) {
				path := statetest.WriteFile(t, whole[:size])
				ctx, cancel := context.WithTimeout(context.Background(), eventWait) // a hang guard: run started on it
				defer cancel()
				cmd := exec.CommandContext(ctx, os.Args[0])
				cmd.Env = append(os.Environ(), "GHSEC_CLI_TOKEN=tok",
					"GHSEC_EXEC_ARGS="+strings.Join(append(args, "-config", cfgFor(path)), "\x1f"))
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run() // run gives up at the state file, before any job starts
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Fatalf("exit: %v, want status 1\n%s", err, stderr.String())
				}
				msg := stderr.String()
				for _, want := range []string{path, "state file is damaged", "backup", "backfill"} {
					if !strings.Contains(msg, want) {
						t.Errorf("stderr lacks %q:\n%s", want, msg)
					}
				}
				if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
					t.Errorf("a crash, not an error:\n%s", msg)
				}
				statetest.Unchanged(t, path, whole[:size])
			})
		}
	}
}
