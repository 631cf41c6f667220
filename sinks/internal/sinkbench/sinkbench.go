// Package sinkbench is the shared half of the sink figures: each
// BenchmarkFigure* runs N records through the daemon's own delivery loop
// (delivery.Deliverer over a real state outbox) and the sink, and a bare
// loop sends the same payloads to the same receiver, the ceiling. The
// records, the outbox, the alternation of the two sides, the timing and
// the metrics are here, written once; what a sink's bare loop sends and
// how its receiver is settled stay in the sink's own benchmark. Formats
// is likewise the whole of a sink's BenchmarkFormats but for making the
// sink. It is imported by tests only.
package sinkbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Segment is how many records one side sends before the other takes its
// turn: short enough that both see the same load on a shared machine.
const Segment = 2500

// Batch is the delivery loop's batch size in every figure.
const Batch = 500

// base is the time of record 0: 2026-01-05T09:00:00.123Z.
var base = time.Date(2026, 1, 5, 9, 0, 0, 123_000_000, time.UTC)

var sevs = []string{exporter.SeverityCritical, exporter.SeverityHigh, exporter.SeverityMedium, exporter.SeverityLow}

// Record is the i-th record of the figures (and of tests that want
// realistic records): alert transitions of the three sources and four
// severities, every fifth an audit-log entry, each a second apart.
func Record(i int) exporter.Record {
	at := base.Add(time.Duration(i) * time.Second)
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
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: sevs[i%4], SeverityRaw: sevs[i%4],
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			Comment: "only used in build tooling", HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
			CreatedAt: &created, UpdatedAt: &at,
		},
	}
}

// Records returns records from..from+n-1.
func Records(from, n int) []exporter.Record {
	out := make([]exporter.Record, 0, n)
	for i := from; i < from+n; i++ {
		out = append(out, Record(i))
	}
	return out
}

// Outbox appends records from..from+n-1 to the outbox name of a fresh
// state file in transactions of 5000, never holding all of them in memory.
func Outbox(b testing.TB, name string, opts state.Options, from, n int) *state.DB {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	for start := from; start < from+n; start += 5000 {
		recs := Records(start, min(5000, from+n-start))
		if err := db.Update(func(tx *state.Tx) error { return tx.Append(name, recs...) }); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// Clock is what one side of a figure took while it was timed.
type Clock struct {
	Secs    float64       // wall time
	CPU     time.Duration // this process's CPU
	RecvCPU time.Duration // the receiver process's CPU, when it has one
}

// Figure is one sink-vs-bare-loop benchmark.
type Figure struct {
	Name  string        // the outbox's and the delivery loop's name
	Sink  exporter.Sink // the sink under measure
	Store state.Options // the outbox's state file options

	// Settle, if set, runs before either side is timed, after its input
	// was built, given the records sent so far by both sides: it waits
	// for a receiver's backlog or truncates a broker's log, so that
	// neither side pays for the other's.
	Settle func(sent int)
	// AfterSegment, if set, runs after both sides sent a segment.
	AfterSegment func()
	// Receiver, if set, is the receiver process's CPU so far.
	Receiver func() time.Duration

	SinkSide, RawSide Clock
	Peak              float64 // the peak heap in MiB while the loop delivered
	Runs              int     // the b.Loop iterations
	Sent              int     // the records sent by both sides
}

// Run sends n records a b.Loop iteration, in segments that alternate
// which side goes first (sink first, then raw first, …). raw builds the
// bare loop's input for records from..from+m-1, untimed, and returns the
// timed send. It fails if the delivery loop did not deliver every record.
func (f *Figure) Run(b *testing.B, n int, raw func(from, m int) (send func())) {
	for b.Loop() {
		for from := 0; from < n; from += Segment {
			m := min(Segment, n-from)
			if (from/Segment)%2 == 0 {
				f.deliver(b, from, m)
				f.raw(raw, from, m)
			} else {
				f.raw(raw, from, m)
				runtime.GC() // the raw input is garbage before the heap is sampled
				f.deliver(b, from, m)
			}
			if f.AfterSegment != nil {
				f.AfterSegment()
			}
		}
		f.Runs++
	}
}

func (f *Figure) deliver(b *testing.B, from, m int) {
	db := Outbox(b, f.Name, f.Store, from, m)
	defer db.Close()
	d := &delivery.Deliverer{DB: db, Name: f.Name, Sink: f.Sink, BatchSize: Batch, Retry: &delivery.Retrier{Name: f.Name}}
	if f.Settle != nil {
		f.Settle(f.Sent)
	}
	runtime.GC()
	stop := testtools.PeakHeap()
	f.time(&f.SinkSide, "sink", func() {
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
	})
	f.Peak = max(f.Peak, stop())
	if hl := d.Health(); hl.Delivered != m || hl.DeadLettered != 0 || hl.Failures != 0 {
		b.Fatalf("delivery health %+v, want %d delivered and nothing else", hl, m)
	}
	f.Sent += m
}

func (f *Figure) raw(raw func(from, m int) func(), from, m int) {
	send := raw(from, m)
	if f.Settle != nil {
		f.Settle(f.Sent)
	}
	f.time(&f.RawSide, "raw", send)
	f.Sent += m
}

// time runs run as one side, under the pprof label side=<side> (a
// profile of the benchmark, -cpuprofile, tells the sides apart with
// -tagfocus=side=sink).
func (f *Figure) time(c *Clock, side string, run func()) {
	var r0 time.Duration
	if f.Receiver != nil {
		r0 = f.Receiver()
	}
	t0, c0 := time.Now(), testtools.CPUTime()
	pprof.Do(context.Background(), pprof.Labels("side", side), func(context.Context) { run() })
	c.Secs += time.Since(t0).Seconds()
	c.CPU += testtools.CPUTime() - c0
	if f.Receiver != nil {
		c.RecvCPU += f.Receiver() - r0
	}
}

// Report reports the figure's metrics, per unit ("records", "events",
// "docs"): both rates, "ratio" (sink rate ÷ raw rate), with cpu this
// process's CPU per 10k of each, with a Receiver the receiver's, and the
// peak heap. scripts/bench.sh reads them by these names.
func (f *Figure) Report(b *testing.B, n int, unit string, cpu bool) {
	total := float64(n * f.Runs)
	per10k := func(d time.Duration) float64 { return d.Seconds() * 1000 / (total / 10000) }
	b.ReportMetric(total/f.SinkSide.Secs, "sink-"+unit+"/s")
	b.ReportMetric(total/f.RawSide.Secs, "raw-"+unit+"/s")
	b.ReportMetric(f.RawSide.Secs/f.SinkSide.Secs, "ratio")
	if cpu {
		b.ReportMetric(per10k(f.SinkSide.CPU), "sink-cpu-ms/10k")
		b.ReportMetric(per10k(f.RawSide.CPU), "raw-cpu-ms/10k")
	}
	if f.Receiver != nil {
		b.ReportMetric(per10k(f.SinkSide.RecvCPU), "recv-cpu-ms/10k-sink")
		b.ReportMetric(per10k(f.RawSide.RecvCPU), "recv-cpu-ms/10k-raw")
	}
	b.ReportMetric(f.Peak, "peak-heap-MiB")
}

// ReceiverCPU adapts a receiver's CPU method to Figure.Receiver.
func ReceiverCPU(b testing.TB, cpu func() (time.Duration, error)) func() time.Duration {
	return func() time.Duration {
		d, err := cpu()
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
}

// OTLPFile counts the log records a collector's file exporter wrote (one
// OTLP-JSON line a received batch), parsing only the lines appended since
// the last look: a large run writes hundreds of thousands.
type OTLPFile struct {
	Path string
	off  int64
	n    int
}

// Count is how many log records the file holds so far.
func (o *OTLPFile) Count(b testing.TB) int {
	f, err := os.Open(o.Path)
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
			b.Fatalf("%s: %v", o.Path, err)
		}
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				o.n += len(sl.LogRecords)
			}
		}
	}
}

// WaitWritten waits until the file holds the want records the receiver
// was sent, so that neither side of the ratio pays for the other's
// backlog; what names the receiver and log returns its log for the
// failure message.
func (o *OTLPFile) WaitWritten(b testing.TB, what string, log func() string, want int) {
	if !receivers.Poll(2*time.Minute, func() bool { return o.Count(b) >= want }) {
		b.Fatalf("%s wrote %d of %d records in two minutes\n%s", what, o.n, want, log())
	}
}
