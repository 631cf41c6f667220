package otlp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
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
	const segment, batch = 2500, 500
	n := testtools.BenchSize(2000)
	o := receivers.StartOtelcolOTLP(b, receivers.OtelcolOTLPOptions{})
	c := DefaultConfig()
	c.Endpoint = o.Endpoint
	s, err := New(resolved(b, c), exporter.SinkDeps{Name: "otlp", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var sinkSecs, rawSecs, peak float64
	var sinkCPU, rawCPU, sinkRecvCPU, rawRecvCPU time.Duration
	runs := 0
	out := &otlpOutput{path: o.OutPath}
	sent := 0 // records sent to the receiver so far, by both sides
	deliver := func(from, m int) {
		db := fillOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "otlp", Sink: s, BatchSize: batch, Retry: &delivery.Retrier{Name: "otlp"}}
		out.waitWritten(b, o, sent)
		runtime.GC()
		stop := testtools.PeakHeap()
		t0, c0, r0 := time.Now(), testtools.CPUTime(), receiverCPU(b, o)
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
		sinkSecs += time.Since(t0).Seconds()
		sinkCPU += testtools.CPUTime() - c0
		sinkRecvCPU += receiverCPU(b, o) - r0
		peak = max(peak, stop())
		if hl := d.Health(); hl.Delivered != m || hl.DeadLettered != 0 || hl.Failures != 0 {
			b.Fatalf("delivery health %+v, want %d delivered and nothing else", hl, m)
		}
		sent += m
	}
	post := func(from, m int) {
		bodies := rawBodies(b, s, from, m, batch)
		out.waitWritten(b, o, sent)
		t0, c0, r0 := time.Now(), testtools.CPUTime(), receiverCPU(b, o)
		postRaw(b, s, bodies)
		sent += m
		rawSecs += time.Since(t0).Seconds()
		rawCPU += testtools.CPUTime() - c0
		rawRecvCPU += receiverCPU(b, o) - r0
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
	out.waitWritten(b, o, sent) // every record of every run (sink and raw loop) was written
	records := float64(n * runs)
	per10k := func(d time.Duration) float64 { return d.Seconds() * 1000 / (records / 10000) }
	b.ReportMetric(records/sinkSecs, "sink-records/s")
	b.ReportMetric(records/rawSecs, "raw-records/s")
	b.ReportMetric(rawSecs/sinkSecs, "ratio")
	b.ReportMetric(per10k(sinkCPU), "sink-cpu-ms/10k")
	b.ReportMetric(per10k(rawCPU), "raw-cpu-ms/10k")
	b.ReportMetric(per10k(sinkRecvCPU), "recv-cpu-ms/10k-sink")
	b.ReportMetric(per10k(rawRecvCPU), "recv-cpu-ms/10k-raw")
	b.ReportMetric(peak, "peak-heap-MiB")
}

var benchBase = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// benchRecord is record i of a benchmark: every fifth an audit record,
// the others alert records of the three sources and four severities.
func benchRecord(i int) exporter.Record {
	at := benchBase.Add(time.Duration(i) * time.Second)
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
	sev := []string{exporter.SeverityCritical, exporter.SeverityHigh, exporter.SeverityMedium, exporter.SeverityLow}[i%4]
	return exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: exporter.CategoryAlert, Source: src,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: sev, SeverityRaw: sev,
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
		},
	}
}

// fillOutbox appends records from..from+n-1 to a fresh state file in
// transactions of 5000, never holding all of them in memory.
func fillOutbox(b *testing.B, from, n int) *state.DB {
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
			return tx.Append("otlp", recs...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// rawBodies builds the request bodies the sink sent: the same records in
// the same batches, rendered, encoded and gzipped by the same code.
func rawBodies(b *testing.B, s *Sink, from, n, batch int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += batch {
		raw := make([]exporter.RawRecord, 0, batch)
		for i := start; i < min(start+batch, from+n); i++ {
			r := benchRecord(i)
			j, err := recordjson.MarshalRecord(&r)
			if err != nil {
				b.Fatal(err)
			}
			raw = append(raw, exporter.RawRecord{JSON: j, Head: r.Head()})
		}
		p := s.prepare(raw, &rejections{})
		for _, c := range p.chunks {
			bd := p.bodies[[2]int{c[0], len(c)}]
			if bd.err != nil {
				b.Fatal(bd.err)
			}
			out = append(out, bd.b)
		}
	}
	return out
}

// postRaw is the baseline: a bare loop posting prepared bodies.
func postRaw(b *testing.B, s *Sink, bodies [][]byte) {
	client := &http.Client{}
	for _, body := range bodies {
		req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("raw post: %s", resp.Status)
		}
	}
}

// otlpOutput counts the log records the receiver wrote, parsing only the
// lines appended since the last look: a large run writes hundreds of
// thousands.
type otlpOutput struct {
	path string
	off  int64
	n    int
}

func (o *otlpOutput) count(b *testing.B) int {
	f, err := os.Open(o.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(o.off, io.SeekStart); err != nil {
		b.Fatal(err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return o.n // a last line without its newline is still being written
		}
		if err != nil {
			b.Fatal(err)
		}
		o.off += int64(len(line))
		var req struct {
			ResourceLogs []struct {
				ScopeLogs []struct{ LogRecords []json.RawMessage }
			}
		}
		if err := json.Unmarshal(line, &req); err != nil {
			b.Fatalf("%s: %v", o.path, err)
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				o.n += len(sl.LogRecords)
			}
		}
	}
}

// waitWritten waits until the receiver has written the want records it
// was sent, so that neither side of the ratio pays for the other's backlog.
func (o *otlpOutput) waitWritten(b *testing.B, r *receivers.OtelcolOTLP, want int) {
	if !receivers.Poll(2*time.Minute, func() bool { return o.count(b) >= want }) {
		b.Fatalf("the OTLP receiver wrote %d of %d records in two minutes\n%s", o.n, want, r.Log())
	}
}

func receiverCPU(b *testing.B, r *receivers.OtelcolOTLP) time.Duration {
	d, err := r.CPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}
