package azuremonitor

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
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/state"
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
	const segment = 2500
	n := testtools.BenchSize(2000)
	f := newFakeAzure(b)
	f.light = true
	s := newSink(b, f.config(b))
	s.log = slog.New(slog.DiscardHandler)
	tok, err := s.cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{s.scope}})
	if err != nil {
		b.Fatal(err)
	}
	var sinkSecs, rawSecs, peak float64
	runs := 0
	deliver := func(from, m int) {
		db := benchOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "azure", Sink: s, BatchSize: 500, Retry: &delivery.Retrier{Name: "azure"}}
		runtime.GC()
		stop := testtools.PeakHeap()
		t0 := time.Now()
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
		sinkSecs += time.Since(t0).Seconds()
		peak = max(peak, stop())
		if hl := d.Health(); hl.Delivered != m || hl.DeadLettered != 0 || hl.Failures != 0 {
			b.Fatalf("delivery health %+v, want %d delivered and nothing else", hl, m)
		}
	}
	post := func(from, m int) {
		bodies := benchBodies(b, s, from, m)
		t0 := time.Now()
		postRaw(b, s, f.dce.URL, tok.Token, bodies)
		rawSecs += time.Since(t0).Seconds()
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
		}
		runs++
	}
	f.mu.Lock()
	got := f.lightCount
	f.mu.Unlock()
	if got != 2*n*runs {
		b.Fatalf("the DCE counted %d records, want %d (sink and raw loop, %d runs)", got, 2*n*runs, runs)
	}
	records := float64(n * runs)
	b.ReportMetric(records/sinkSecs, "sink-records/s")
	b.ReportMetric(records/rawSecs, "raw-records/s")
	b.ReportMetric(rawSecs/sinkSecs, "ratio")
	b.ReportMetric(peak, "peak-heap-MiB")
}

// benchRecord is the i-th record: four alerts of each five, one audit
// record with an entry.
func benchRecord(i int) exporter.Record {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
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
	return exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: exporter.CategoryAlert, Source: src,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: exporter.SeverityHigh, SeverityRaw: "high",
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
		},
	}
}

// benchOutbox appends records from..from+n-1 to a fresh state file in
// transactions of 5000, never holding all of them in memory.
func benchOutbox(b *testing.B, from, n int) *state.DB {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for start := from; start < from+n; start += 5000 {
		err := db.Update(func(tx *state.Tx) error {
			recs := make([]exporter.Record, 0, 5000)
			for i := start; i < min(start+5000, from+n); i++ {
				recs = append(recs, benchRecord(i))
			}
			return tx.Append("azure", recs...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// benchBodies builds the bodies the sink sent: the same records as
// stored, the same batches of 500, cut and gzipped by the same code.
func benchBodies(b *testing.B, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := make([]exporter.Record, 0, 500)
		for i := start; i < min(start+500, from+n); i++ {
			recs = append(recs, benchRecord(i))
		}
		p := s.PrepareRaw(rawRecords(b, recs)).(*prepared)
		for _, c := range p.calls {
			if c.err != nil {
				b.Fatal(c.err)
			}
			out = append(out, c.body)
		}
	}
	return out
}

// postRaw is the baseline: a bare loop posting prepared bodies over the
// sink's own transport (the same TLS, connection reuse).
func postRaw(b *testing.B, s *Sink, base, token string, bodies [][]byte) {
	url := base + "/dataCollectionRules/" + testRule + "/streams/" + DefaultStream + "?api-version=2023-01-01"
	for _, body := range bodies {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := s.hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("raw post: %s", resp.Status)
		}
	}
}
