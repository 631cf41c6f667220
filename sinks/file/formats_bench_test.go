package file

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw to a regular file (each batch
// written and fsynced), one file per mode, the modes taking turns batch by
// batch (formattest.CompareModes). Metrics per mode: events/s, ratio to
// record, and body_B, the mean line. A mode whose mapper cannot render the
// records yet is left out, saying so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 100x ./sinks/file/
func BenchmarkFormats(b *testing.B) {
	const n = 500
	observed := time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)
	for _, kind := range formattest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			batch := formattest.Raw(b, formattest.Batch(kind, n, observed))
			skip, size := formattest.Skip(b, batch, true)
			sinks := make([]*Sink, len(formattest.Modes))
			for m, mode := range formattest.Modes {
				cfg := DefaultConfig()
				cfg.Path, cfg.Options = filepath.Join(b.TempDir(), "out.jsonl"), mode.Opts
				r, err := cfg.Resolve()
				if err != nil {
					b.Fatal(err)
				}
				if sinks[m], err = New(r, exporter.SinkDeps{}); err != nil {
					b.Fatal(err)
				}
				defer sinks[m].Close()
			}
			formattest.CompareModes(b, n, skip, size, func(m, _ int) error {
				return sinks[m].SendRaw(context.Background(), batch)
			})
		})
	}
}
