package splunkhec

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw, gzip on, to the real OTel
// Collector splunk_hec receiver, one sink per mode on one receiver.
// Metrics: events/s, "ratio" (events/s ÷ record's, same kind of record,
// same run) and body_B (the mean size of one event's body, without the
// envelope). A mode whose
// mapper refuses the records is skipped, saying so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 20x ./sinks/splunkhec/
func BenchmarkFormats(b *testing.B) {
	const batchSize = 500
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	observed := time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)
	for _, kind := range []exporter.Category{exporter.CategoryAudit, exporter.CategoryAlert} {
		batch := rawRecords(b, formattest.Batch(kind, batchSize, observed))
		var base float64
		for _, m := range formattest.Modes {
			if kind == exporter.CategoryAlert && m.Opts.AuditBody == format.AuditBodyEntry {
				continue // the same as record for alerts
			}
			b.Run(string(kind)+"/"+m.Name, func(b *testing.B) {
				c := DefaultConfig()
				c.URL, c.TokenFile, c.HealthCheck, c.Options = h.URL, tokenFile(b, h.Token), false, m.Opts
				s, err := New(resolved(b, c), exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				size := 0
				for i := range batch {
					// an entry's metadata goes into indexed fields
					body, _, err := format.RenderStored(&batch[i], m.Opts)
					if err != nil {
						b.Skipf("%s cannot render these records: %v", m.Name, err)
					}
					size += len(body)
				}
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					if err := s.SendRaw(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				rate := float64(b.N*batchSize) / time.Since(start).Seconds()
				b.ReportMetric(rate, "events/s")
				b.ReportMetric(float64(size)/batchSize, "body_B")
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
