package azuremonitor

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
)

// BenchmarkFigureAzureMonitor is the Logs Ingestion figure: N records
// (testtools.BenchSize) go from real state outboxes through the daemon's
// own delivery loop (delivery.Deliverer, batches of 500, the sink's
// defaults: calls of up to 1,000,000 bytes, gzip) and the sink to the
// fake DCE (https, the test CA, bearer token checked, gzip inflated, the
// array's JSON validated), and a bare http loop posts the same gzipped
// bodies with the same token and headers to the same DCE, the ceiling.
// The two alternate in segments of 2,500 records (sink first, then raw
// first, …) so that both see the same load on a shared machine.
// Metric "ratio" is sink records/s ÷ raw records/s (goal ≥ 0.8); beside
// it both rates and the peak heap while the loop delivered. It fails if
// a record is not delivered.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureAzureMonitor$' -benchtime 1x -count 3 ./sinks/azuremonitor/
func BenchmarkFigureAzureMonitor(b *testing.B) {
	n := testtools.BenchSize(2000)
	f := newFakeAzure(b)
	f.light = true
	s := newSink(b, f.config(b))
	s.log = slog.New(slog.DiscardHandler)
	tok, err := s.cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		b.Fatal(err)
	}
	fig := &sinkbench.Figure{Name: "azure", Sink: s}
	// the bare loop posts over the sink's own transport (the same TLS, connection reuse)
	url := f.dce.URL + "/dataCollectionRules/" + testRule + "/streams/" + DefaultStream + "?api-version=2023-01-01"
	header := http.Header{"Authorization": {"Bearer " + tok.Token}, "Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}
	fig.Run(b, n, func(from, m int) func() {
		bodies := benchBodies(b, s, from, m)
		return func() { sinkbench.PostRaw(b, s.hc, url, header, http.StatusNoContent, bodies) }
	})
	f.mu.Lock()
	got := f.lightCount
	f.mu.Unlock()
	if got != 2*n*fig.Runs {
		b.Fatalf("the DCE counted %d records, want %d (sink and raw loop, %d runs)", got, 2*n*fig.Runs, fig.Runs)
	}
	fig.Report(b, n, "records", false)
}

// benchBodies builds the bodies the sink sent: the same records as
// stored, the same batches of 500, cut and gzipped by the same code.
func benchBodies(b *testing.B, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := sinkbench.Records(start, min(500, from+n-start))
		p := s.PrepareRaw(formattest.Raw(b, recs)).(*prepared)
		for _, c := range p.chunks {
			body, err := p.calls.Take(c)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, body)
		}
	}
	return out
}
