package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
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
	const segment = 2500
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
	var sinkSecs, rawSecs, peak float64
	var sinkCPU, rawCPU time.Duration
	runs := 0
	forget := func() {
		f.mu.Lock()
		f.docs = map[string]map[string][]byte{}
		f.mu.Unlock()
	}
	deliver := func(from, m int) {
		db := fillOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "es", Sink: s, BatchSize: 500, Retry: &delivery.Retrier{Name: "es"}}
		runtime.GC()
		stop := testtools.PeakHeap()
		t0, c0 := time.Now(), testtools.CPUTime()
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
		sinkSecs += time.Since(t0).Seconds()
		sinkCPU += testtools.CPUTime() - c0
		peak = max(peak, stop())
		if hl := d.Health(); hl.Delivered != m || hl.DeadLettered != 0 || hl.Failures != 0 {
			b.Fatalf("delivery health %+v, want %d delivered and nothing else", hl, m)
		}
	}
	post := func(from, m int) {
		bodies := rawBodies(b, s, from, m)
		t0, c0 := time.Now(), testtools.CPUTime()
		postRaw(b, raw, f, bodies)
		rawSecs += time.Since(t0).Seconds()
		rawCPU += testtools.CPUTime() - c0
	}
	for b.Loop() {
		for from := 0; from < n; from += segment {
			m := min(segment, n-from)
			if (from/segment)%2 == 0 {
				deliver(from, m)
				post(from, m)
			} else {
				post(from, m)
				runtime.GC() // the bodies are garbage before the heap is sampled
				deliver(from, m)
			}
			forget()
		}
		runs++
	}
	if v := f.Violations(); len(v) > 0 {
		b.Fatalf("the endpoint saw %d broken promises, first: %s", len(v), v[0])
	}
	if want := n * runs; f.created != want {
		b.Fatalf("%d documents created, want %d", f.created, want)
	}
	docs := float64(n * runs)
	b.ReportMetric(docs/sinkSecs, "sink-docs/s")
	b.ReportMetric(docs/rawSecs, "raw-docs/s")
	b.ReportMetric(rawSecs/sinkSecs, "ratio")
	b.ReportMetric(sinkCPU.Seconds()*1000/(docs/10000), "sink-cpu-ms/10k")
	b.ReportMetric(rawCPU.Seconds()*1000/(docs/10000), "raw-cpu-ms/10k")
	b.ReportMetric(peak, "peak-heap-MiB")
}

// benchRecord is the i-th record of the figure: alert transitions of the
// three sources, every fifth an audit-log entry, a second apart.
func benchRecord(i int) exporter.Record {
	at := time.Date(2026, 1, 5, 9, 0, 0, 123_000_000, time.UTC).Add(time.Duration(i) * time.Second)
	repo := fmt.Sprintf("acme/service-%03d", i%97)
	if i%5 == 4 {
		doc := fmt.Sprintf("doc-%08d", i)
		entry, _ := json.Marshal(map[string]any{
			"@timestamp": at.UnixMilli(), "action": "secret_scanning_alert.resolve", "actor": "octocat",
			"org": "acme", "repo": repo, "_document_id": doc, "user_agent": "Mozilla/5.0",
		})
		return exporter.Record{
			Schema: 1, ID: exporter.AuditRecordID(doc), Time: at, ObservedAt: at.Add(time.Minute),
			Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "secret_scanning_alert.resolve",
			Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
			Audit: &exporter.AuditInfo{Action: "secret_scanning_alert.resolve", DocumentID: doc, Entry: entry},
		}
	}
	src := exporter.AlertSources[i%3]
	created := at.Add(-72 * time.Hour)
	return exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: exporter.CategoryAlert, Source: src,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: exporter.SeverityHigh, SeverityRaw: "high",
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			Comment: "only used in build tooling", HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
			CreatedAt: &created, UpdatedAt: &at,
		},
	}
}

// fillOutbox appends records from..from+n-1 to a fresh state file.
func fillOutbox(b testing.TB, from, n int) *state.DB {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	err = db.Update(func(tx *state.Tx) error {
		recs := make([]exporter.Record, 0, n)
		for i := from; i < from+n; i++ {
			recs = append(recs, benchRecord(i))
		}
		return tx.Append("es", recs...)
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// rawBodies builds the request bodies the sink sends: the same records in
// the same chunks of 500, encoded and gzipped by the same code.
func rawBodies(b testing.TB, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := make([]exporter.Record, 0, 500)
		for i := start; i < min(start+500, from+n); i++ {
			recs = append(recs, benchRecord(i))
		}
		p := s.prepare(len(recs), func(buf []byte, i int) ([]byte, error) { return s.enc.appendRecord(buf, &recs[i]) })
		for i, body := range p.bodies {
			if p.errs[i] != nil {
				b.Fatal(p.errs[i])
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
