package splunkhec

import (
	"log/slog"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFormats is the sink's throughput with each schema / audit_body
// against the normalized record: batches of 500 stored records (the
// delivery loop's default) through SendRaw, gzip on, to the real OTel
// Collector splunk_hec receiver, one sink per mode on one receiver, the
// modes taking turns batch by batch (sinkbench.Formats). Metrics per
// mode: events/s, ratio to record, and body_B, the mean event without the
// envelope (an entry's metadata is in indexed fields). A mode whose mapper
// cannot render the records yet is left out, saying so.
//
//	go test -run '^$' -bench '^BenchmarkFormats$' -benchtime 20x ./sinks/splunkhec/
func BenchmarkFormats(b *testing.B) {
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	sinkbench.Formats(b, false, func(b *testing.B, opts format.Options) exporter.RawSender {
		c := DefaultConfig()
		c.URL, c.TokenFile, c.HealthCheck, c.Options = h.URL, tokenFile(b, h.Token), false, opts
		s, err := New(resolved(b, c), exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
