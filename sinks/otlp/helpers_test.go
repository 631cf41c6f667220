package otlp

import (
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// resolved is c after the resolve step, which New builds from.
func resolved(tb testing.TB, c Config) Resolved {
	tb.Helper()
	if err := c.Validate(); err != nil {
		tb.Fatal(err)
	}
	r, err := c.Resolve()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// newSinkT validates, resolves and builds c's sink, closed when the test
// ends.
func newSinkT(tb testing.TB, c Config) *Sink {
	tb.Helper()
	return sinktest.Build(tb, c, New, sinktest.Deps())
}
