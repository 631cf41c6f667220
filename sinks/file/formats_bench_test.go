package file

import (
	"path/filepath"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw to a regular file (each batch
// written and fsynced), one file per mode, the modes taking turns batch by
// batch (sinkbench.Formats). Metrics per mode: events/s, ratio to
// record, and body_B, the mean line. A mode whose mapper cannot render the
// records yet is left out, saying so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 100x ./sinks/file/
func BenchmarkFormats(b *testing.B) {
	sinkbench.Formats(b, true, func(b *testing.B, opts format.Options) exporter.RawSender {
		cfg := DefaultConfig()
		cfg.Path, cfg.Options = filepath.Join(b.TempDir(), "out.jsonl"), opts
		r, err := cfg.Resolve()
		if err != nil {
			b.Fatal(err)
		}
		s, err := New(r, exporter.SinkDeps{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
