package elasticsearch

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
)

// BenchmarkFigureElasticsearch is the elasticsearch figure: N records
// (testtools.BenchSize) go from real state outboxes through the daemon's
// own delivery loop (delivery.Deliverer, batches of 500, the default
// config: gzip, 500 documents a request) and the sink to the fake _bulk
// endpoint over https, and a bare loop posts the same gzipped bodies to
// the same endpoint through net/http, the ceiling. The two alternate in
// segments of 2,500 records (sink first, then raw first, …); the endpoint
// forgets its documents after each segment, so each side writes half the
// segments and meets 409s in the other half, and its memory stays out of
// the heap figure. The endpoint runs in this process, checking every
// document (it decodes each one), so the CPU it takes is the same for
// both sides. Metric "ratio" is sink documents/s ÷ raw documents/s (goal
// ≥ 0.8); beside it both rates, the process's CPU per 10k documents while
// each was timed (the endpoint's included: the gap is the sink's and the
// delivery loop's), and the peak heap while the loop delivered.
// It fails if a record is not delivered or the endpoint saw a broken
// promise.
//
//	GHSEC_BENCH_ALERTS=100000 go test -run '^$' -bench '^BenchmarkFigureElasticsearch$' -benchtime 1x -count 3 ./sinks/elasticsearch/
func BenchmarkFigureElasticsearch(b *testing.B) {
	n := testtools.BenchSize(2000)
	f := startFakeES(b)
	f.idsOnly = true
	c := f.config(b)
	r, err := c.Resolve()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(r, exporter.SinkDeps{Name: "es", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	raw := &http.Client{Transport: &http.Transport{TLSClientConfig: r.tls, ForceAttemptHTTP2: true, DisableCompression: true}}
	fig := &sinkbench.Figure{Name: "es", Sink: s, AfterSegment: func() {
		// the endpoint forgets its documents: each side meets 409s in half the segments
		f.mu.Lock()
		f.docs = map[string]map[string][]byte{}
		f.mu.Unlock()
	}}
	fig.Run(b, n, func(from, m int) func() {
		bodies := rawBodies(b, s, from, m)
		return func() { postRaw(b, raw, f, bodies) }
	})
	if v := f.Violations(); len(v) > 0 {
		b.Fatalf("the endpoint saw %d broken promises, first: %s", len(v), v[0])
	}
	if want := n * fig.Runs; f.created != want {
		b.Fatalf("%d documents created, want %d", f.created, want)
	}
	fig.Report(b, n, "docs", true)
}

// rawBodies builds the request bodies the sink sends: the same records in
// the same chunks of 500, encoded and gzipped by the same code.
func rawBodies(b testing.TB, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := sinkbench.Records(start, min(500, from+n-start))
		p := s.prepare(len(recs), func(buf []byte, i int) ([]byte, error) { return s.enc.appendRecord(buf, &recs[i]) })
		for _, c := range p.chunks {
			body, err := p.bodies.Take(c)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, bytes.Clone(body))
		}
	}
	return out
}

// postRaw is the baseline: a bare loop posting prepared bodies.
func postRaw(b testing.TB, client *http.Client, f *fakeES, bodies [][]byte) {
	for _, body := range bodies {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/_bulk?filter_path="+strings.Join(filterPath, ","), bytes.NewReader(body))
		req.Header.Set("Authorization", "ApiKey "+f.apiKey)
		req.Header.Set("Content-Type", "application/x-ndjson")
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			req.Header.Set("Content-Encoding", "gzip")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || bytes.Contains(reply, []byte(`"status":4`)) && !bytes.Contains(reply, []byte(`"status":409`)) {
			b.Fatalf("raw post: %s %.200s", resp.Status, reply)
		}
	}
}
