package splunkhec

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw, gzip on, to the real OTel
// Collector splunk_hec receiver, one sink per mode on one receiver, the
// modes taking turns batch by batch (formattest.CompareModes). Metrics per
// mode: events/s, ratio to record, and body_B, the mean event without the
// envelope (an entry's metadata is in indexed fields). A mode whose mapper
// cannot render the records yet is left out, saying so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 20x ./sinks/splunkhec/
func BenchmarkFormats(b *testing.B) {
	const n = 500
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	observed := time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)
	for _, kind := range formattest.Kinds {
		b.Run(string(kind), func(b *testing.B) {
			batch := formattest.Raw(b, formattest.Batch(kind, n, observed))
			skip, size := formattest.Skip(b, batch, false)
			sinks := make([]*Sink, len(formattest.Modes))
			for m, mode := range formattest.Modes {
				c := DefaultConfig()
				c.URL, c.TokenFile, c.HealthCheck, c.Options = h.URL, tokenFile(b, h.Token), false, mode.Opts
				s, err := New(resolved(b, c), exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				sinks[m] = s
			}
			formattest.CompareModes(b, n, skip, size, func(m, _ int) error {
				return sinks[m].SendRaw(context.Background(), batch)
			})
		})
	}
}
