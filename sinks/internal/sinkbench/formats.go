package sinkbench

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
)

// Formats is the whole of a sink's BenchmarkFormats, its throughput with
// each schema / audit_body against the normalized record: for each kind
// of formattest.Kinds, a sub-benchmark sends batches of Batch stored
// records of that kind through SendRaw of one sink per formattest.Modes,
// made by open with the mode's options and closed when the kind is done,
// the modes taking turns (formattest.CompareModes). meta is
// formattest.Skip's: whether body_B counts the metadata an entry carries
// under format.MetaKey.
func Formats(b *testing.B, meta bool, open func(b *testing.B, opts format.Options) exporter.RawSender) {
	observed := time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)
	for _, kind := range formattest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			batch := formattest.Raw(b, formattest.Batch(kind, Batch, observed))
			skip, size := formattest.Skip(b, batch, meta)
			sinks := make([]exporter.RawSender, len(formattest.Modes))
			for m, mode := range formattest.Modes {
				sinks[m] = open(b, mode.Opts)
				defer sinks[m].Close()
			}
			formattest.CompareModes(b, Batch, skip, size, func(m, _ int) error {
				return sinks[m].SendRaw(context.Background(), batch)
			})
		})
	}
}
