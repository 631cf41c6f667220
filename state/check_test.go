package state_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// A state file cut short (a full disk, a bad copy, a restore that stopped)
// made bbolt die on its freelist assertion or SIGBUS inside Open, killing
// the process without naming the file. Open must refuse it with
// ErrDamaged, name it, and leave it byte for byte as it was; read-only and
// read-write alike.
func TestOpen_TruncatedFileIsDamagedNotACrash(t *testing.T) {
	whole := statetest.CompactedBytes(t, 1000, 8)
	for _, size := range []int{len(whole) / 2, 3 * 4096, 8202, 2 * 4096, 4096, 100, 0} {
		for _, ro := range []bool{true, false} {
			t.Run(fmt.Sprintf("%d bytes/readonly=%v", size, ro), func(t *testing.T) {
				path := statetest.WriteFile(t, whole[:size])
				db, err := state.Open(path, state.Options{ReadOnly: ro})
				if err == nil {
					db.Close()
					t.Fatalf("opened a file truncated to %d of %d bytes", size, len(whole))
				}
				if !errors.Is(err, state.ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "backup") {
					t.Fatalf("error %q: want ErrDamaged naming %s and saying what to do", err, path)
				}
				statetest.Unchanged(t, path, whole[:size])
				if _, serr := os.Stat(state.CompactPath(path)); !errors.Is(serr, os.ErrNotExist) {
					t.Fatalf("left %s beside it: %v", state.CompactPath(path), serr)
				}
			})
		}
	}
}

// Both meta pages overwritten: nothing tells bbolt which page holds what.
func TestOpen_UnreadableMetaPagesAreDamaged(t *testing.T) {
	path := statetest.CompactedFile(t, 1000)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xAB}, 2*4096), 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := state.Open(path, state.Options{}); !errors.Is(err, state.ErrDamaged) || !strings.Contains(err.Error(), "meta") {
		t.Fatalf("open with both meta pages overwritten: %v; want state.ErrDamaged", err)
	}
}

// The check must not refuse what bbolt reads fine: a new file, a reopened
// one, and one with one meta page damaged (bbolt falls back to the other).
func TestOpen_HealthyFilesPassTheCheck(t *testing.T) {
	path := statetest.CompactedFile(t, 1000)
	db, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := countSnapshots(t, db)
	db.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xAB}, 64), 16); err != nil { // page 0's meta
		t.Fatal(err)
	}
	f.Close()
	db, err = state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open with meta page 0 damaged: %v", err)
	}
	if got := countSnapshots(t, db); got != want || got != 1000 {
		t.Errorf("read %d snapshots after the fallback, want %d", got, want)
	}
	db.Close()
}

func countSnapshots(t *testing.T, db *state.DB) int {
	t.Helper()
	n := 0
	if err := db.View(func(tx *state.Tx) error {
		return tx.ForEachSnapshot("", "", func(exporter.AlertKey, exporter.Snapshot) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
