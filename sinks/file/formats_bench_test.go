package file

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw to a regular file (each batch
// written and fsynced), one file per mode. Metrics: events/s, "ratio"
// (events/s ÷ record's, same kind of record, same run) and line_B (the
// mean line). A mode whose mapper refuses the records is skipped, saying
// so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 200x ./sinks/file/
func BenchmarkFormats(b *testing.B) {
	const batchSize = 500
	observed := time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)
	for _, kind := range []exporter.Category{exporter.CategoryAudit, exporter.CategoryAlert} {
		batch := rawBatch(b, formattest.Batch(kind, batchSize, observed))
		var base float64
		for _, m := range formattest.Modes {
			if kind == exporter.CategoryAlert && m.Opts.AuditBody == format.AuditBodyEntry {
				continue // the same as record for alerts
			}
			b.Run(string(kind)+"/"+m.Name, func(b *testing.B) {
				for i := range batch {
					if _, _, err := format.RenderStored(&batch[i], m.Opts); err != nil {
						b.Skipf("%s cannot render these records: %v", m.Name, err)
					}
				}
				cfg := DefaultConfig()
				cfg.Path, cfg.Options = filepath.Join(b.TempDir(), "out.jsonl"), m.Opts
				r, err := cfg.Resolve()
				if err != nil {
					b.Fatal(err)
				}
				s, err := New(r, exporter.SinkDeps{})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					if err := s.SendRaw(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				rate := float64(b.N*batchSize) / time.Since(start).Seconds()
				b.StopTimer()
				st, _ := s.f.Stat()
				b.ReportMetric(rate, "events/s")
				b.ReportMetric(float64(st.Size())/float64(b.N*batchSize), "line_B")
				if m.Name == "record" {
					base = rate
				}
				if base > 0 {
					b.ReportMetric(rate/base, "ratio")
				}
			})
		}
	}
}
