package ingest

import (
	"errors"
	"testing"
	"time"
)

const testSink = "fake"

var (
	t0      = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	errDown = errors.New("connection refused")
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
