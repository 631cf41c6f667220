package statetest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Open opens a new state file in a directory of the test's own, with the
// default options, and closes it when the test ends. It fails the test
// when the file cannot be opened.
func Open(t testing.TB) *state.DB {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// CompactedFile writes a state file holding n open Dependabot alerts of
// acme/widgets (numbers 1 to n, each with a 150-byte title), compacts it
// and returns its path: a file of many pages whose layout is the one an
// operator's compacted file has, for tests that cut or overwrite it. It
// fails the test on any error.
func CompactedFile(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := state.Open(path, state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *state.Tx) error {
		for i := 1; i <= n; i++ {
			k := exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: i}
			if err := tx.PutSnapshot(k, exporter.Snapshot{State: "open", Title: strings.Repeat("x", 150)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := state.Compact(path, state.Options{}); err != nil {
		t.Fatal(err)
	}
	return path
}
