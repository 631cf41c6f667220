package splunkhec

import (
	"bytes"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFigureHEC is the HEC figure: N records (testtools.BenchSize)
// go from real state outboxes through the daemon's own delivery loop
// (delivery.Deliverer, default batch size, gzip, default limits) and the
// sink to the real OTel Collector splunk_hec receiver, and a bare http loop
// posts the same gzipped bodies to the same receiver, the ceiling. The two
// alternate in segments of 2,500 records (five batches) (sink first, then raw
// first, …), each after the receiver wrote out every event it was sent, so
// that both see the same load on a shared machine and neither pays for the
// other's backlog.
// Metric "ratio" is sink events/s ÷ raw events/s (goal ≥ 0.8); beside it
// both rates, client and receiver CPU per 10k events of each (while each
// was timed; the receiver's is the same work, so a gap in it is noise),
// and the peak heap while the loop delivered. It fails if a record is not delivered.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureHEC$' -benchtime 1x -count 3 ./sinks/splunkhec/
func BenchmarkFigureHEC(b *testing.B) {
	n := testtools.BenchSize(2000)
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	c := DefaultConfig()
	c.URL, c.TokenFile, c.HealthCheck = h.URL, tokenFile(b, h.Token), false
	s, err := New(resolved(b, c), exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := &sinkbench.OTLPFile{Path: h.OutPath} // one OTLP-JSON line per received batch (testdata/otelcol-hec.yaml)
	f := &sinkbench.Figure{
		Name: "hec", Sink: s, Receiver: sinkbench.ReceiverCPU(b, h.CPU),
		Settle: func(sent int) { out.WaitWritten(b, "the HEC receiver", h.Log, sent) },
	}
	header := http.Header{"Authorization": {"Splunk " + h.Token}, "Content-Encoding": {"gzip"}}
	f.Run(b, n, func(from, m int) func() {
		bodies := rawBodies(b, s, from, m)
		return func() { sinkbench.PostRaw(b, &http.Client{}, h.URL+pathEvent, header, http.StatusOK, bodies) }
	})
	if n <= 20000 {
		// the receiver got every record of every run (sink and raw loop)
		h.WaitEvents(b, 2*n*f.Runs, time.Minute)
	}
	f.Report(b, n, "events", true)
}

// rawBodies builds the request bodies the sink sent: the same records, the
// same chunks of 500, encoded and gzipped by the same code.
func rawBodies(b *testing.B, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := sinkbench.Records(start, min(500, from+n-start))
		envs := make([][]byte, len(recs))
		sizes := make([]int, len(recs))
		for i := range recs {
			var err error
			if envs[i], err = s.enc.encode(&recs[i]); err != nil {
				b.Fatal(err)
			}
			sizes[i] = len(envs[i])
		}
		for _, chunk := range batching.Chunks(sizes, s.maxEvents, s.maxBytes, 0) {
			body, err := s.body(chunk, envs)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, bytes.Clone(body))
		}
	}
	return out
}
