package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// drainedStateFile is a state file whose outbox held n records, all acked.
func drainedStateFile(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := state.Open(path, state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := make([]exporter.Record, n)
	for i := range recs {
		recs[i] = exporter.Record{Schema: exporter.SchemaVersion, ID: fmt.Sprint("r", i), Category: exporter.CategoryAlert,
			Source: exporter.SourceDependabot, Action: exporter.ActionCreated, Repo: "acme/widgets", Raw: []byte(`{"padding":"` + strings.Repeat("x", 400) + `"}`)}
	}
	if err := db.Update(func(tx *state.Tx) error {
		return tx.Append("f", recs...)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *state.Tx) error {
		items, err := tx.Peek("f", n)
		if err != nil {
			return err
		}
		seqs := make([]uint64, len(items))
		for i, it := range items {
			seqs[i] = it.Seq
		}
		return tx.Ack("f", seqs...)
	}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLI_StateCompactPrintsSizes(t *testing.T) {
	path := drainedStateFile(t, 3000)
	cfg := writeConfig(t, fmt.Sprintf("github:\n  orgs: [acme]\n  token_env: X\nstate: {path: %s}\nsinks: [{name: f, type: file, path: \"-\"}]\n", path))
	code, stdout, stderr := runCLI("state", "compact", "-config", cfg)
	m := regexp.MustCompile(`^compacted (.+): (\d+) bytes → (\d+) bytes\n$`).FindStringSubmatch(stdout)
	if code != 0 || m == nil || m[1] != path {
		t.Fatalf("state compact: %d\n%q\n%s", code, stdout, stderr)
	}
	before, _ := strconv.ParseInt(m[2], 10, 64)
	after, _ := strconv.ParseInt(m[3], 10, 64)
	fi, err := os.Stat(path)
	if err != nil || before <= after || fi.Size() != after {
		t.Fatalf("printed %d → %d bytes, file is now %v (%v)", before, after, fi.Size(), err)
	}
}

func TestCLI_StateCompactRefusedWhileDaemonHoldsFile(t *testing.T) {
	path := drainedStateFile(t, 10)
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := writeConfig(t, fmt.Sprintf("github:\n  orgs: [acme]\n  token_env: X\nstate: {path: %s}\nsinks: [{name: f, type: file, path: \"-\"}]\n", path))
	code, stdout, stderr := runCLI("state", "compact", "-config", cfg)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "in use by another process") || !strings.Contains(stderr, path) {
		t.Fatalf("state compact beside a holder: %d\n%q\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(state.CompactPath(path)); !os.IsNotExist(err) {
		t.Fatalf("refused compaction left %s: %v", state.CompactPath(path), err)
	}
}
