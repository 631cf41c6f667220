package sinktest

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/configtest"
)

// Build validates and resolves c and builds its sink with newSink (the
// sink package's New) and deps, as the daemon does; the test fails on any
// error, and the sink is closed when the test ends.
func Build[C, R any, P configtest.Config[C, R], S interface{ Close() error }](t testing.TB, c C, newSink func(R, exporter.SinkDeps) (S, error), deps exporter.SinkDeps) S {
	t.Helper()
	if err := P(&c).Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	r, err := P(&c).Resolve()
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	s, err := newSink(r, deps)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
