package ingest

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/state"
)

const testSink = "fake"

var (
	t0      = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	errDown = errors.New("connection refused")
)

func openDB(t *testing.T) *state.DB {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
