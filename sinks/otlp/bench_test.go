package otlp

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// BenchmarkFigureOTLP is the OTLP figure: N records (testtools.BenchSize)
// go from real state outboxes through the daemon's own delivery loop
// (delivery.Deliverer, batches of 500, default sink config: gzip) and the
// sink to the real OpenTelemetry Collector's otlp receiver, and a bare
// http loop posts the same gzipped request bodies to the same receiver,
// the ceiling. The two alternate in segments of 2,500 records (sink first,
// then raw first, …), each after the receiver wrote out every record it was
// sent, so that both see the same load on a shared machine and neither pays
// for the other's backlog.
// Metric "ratio" is sink records/s ÷ raw records/s (goal ≥ 0.8); beside it
// both rates, client and receiver CPU per 10k records of each, and the peak
// heap while the loop delivered. It fails if a record is not delivered.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureOTLP$' -benchtime 1x -count 3 ./sinks/otlp/
func BenchmarkFigureOTLP(b *testing.B) {
	n := testtools.BenchSize(2000)
	o := receivers.StartOtelcolOTLP(b, receivers.OtelcolOTLPOptions{})
	c := DefaultConfig()
	c.Endpoint = o.Endpoint
	s, err := New(resolved(b, c), exporter.SinkDeps{Name: "otlp", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := &sinkbench.OTLPFile{Path: o.OutPath}
	f := &sinkbench.Figure{
		Name: "otlp", Sink: s, Receiver: sinkbench.ReceiverCPU(b, o.CPU),
		Settle: func(sent int) { out.WaitWritten(b, "the OTLP receiver", o.Log, sent) },
	}
	header := http.Header{"Content-Type": {"application/x-protobuf"}, "Content-Encoding": {"gzip"}}
	f.Run(b, n, func(from, m int) func() {
		bodies := rawBodies(b, s, from, m, sinkbench.Batch)
		return func() { sinkbench.PostRaw(b, &http.Client{}, s.url, header, http.StatusOK, bodies) }
	})
	out.WaitWritten(b, "the OTLP receiver", o.Log, f.Sent) // every record of every run (sink and raw loop) was written
	f.Report(b, n, "records", true)
}

// rawBodies builds the request bodies the sink sent: the same records in
// the same batches, rendered, encoded and gzipped by the same code.
func rawBodies(b *testing.B, s *Sink, from, n, batch int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += batch {
		raw := make([]exporter.RawRecord, 0, batch)
		for i := start; i < min(start+batch, from+n); i++ {
			r := sinkbench.Record(i)
			j, err := recordjson.MarshalRecord(&r)
			if err != nil {
				b.Fatal(err)
			}
			raw = append(raw, exporter.RawRecord{JSON: j, Head: r.Head()})
		}
		p := s.prepare(raw, &batching.Rejections{})
		for _, c := range p.chunks {
			body, err := p.bodies.Take(c)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, body)
		}
	}
	return out
}
