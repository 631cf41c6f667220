package otlp

import (
	"log/slog"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func testDeps() exporter.SinkDeps {
	return exporter.SinkDeps{Name: "otlp", Logger: slog.New(slog.DiscardHandler), Version: "test", Now: time.Now}
}

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

func newSinkT(tb testing.TB, c Config) *Sink {
	tb.Helper()
	s, err := New(resolved(tb, c), testDeps())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
