package statetest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

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

// CompactedBytes is the content of a CompactedFile of n alerts, for tests
// that write it back cut short. It fails the test unless the file spans at
// least minPages pages of 4 KiB: a cut must fall inside the data.
func CompactedBytes(t testing.TB, n, minPages int) []byte {
	t.Helper()
	b, err := os.ReadFile(CompactedFile(t, n))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < minPages*4096 {
		t.Fatalf("fixture too small to cut meaningfully: %d bytes, want %d pages", len(b), minPages)
	}
	return b
}

// WriteFile writes b to a new file s.db in a directory of the test's own
// and returns its path; it fails the test on an error.
func WriteFile(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Unchanged fails the test unless the file at path still holds b: what
// refuses a damaged file must leave it as it was for the operator.
func Unchanged(t testing.TB, path string, b []byte) {
	t.Helper()
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(after, b) {
		t.Errorf("the damaged file was changed (%d bytes now, %d before): %v", len(after), len(b), err)
	}
}

// RewriteOutbox rewrites the stored entries of sink's outbox in the closed
// state file at path, as an earlier version or a damaged disk would have
// left them: rewrite gets each entry (1-based position, stored bytes) and
// returns its new bytes, or nil to keep it. It fails the test on an error.
func RewriteOutbox(t testing.TB, path, sink string, rewrite func(i int, v []byte) []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("outbox")).Bucket([]byte(sink))
		c := b.Cursor()
		i := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			i++
			if nv := rewrite(i, bytes.Clone(v)); nv != nil {
				if err := b.Put(bytes.Clone(k), nv); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
