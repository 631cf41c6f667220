package splunkhec

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/state"
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
	const segment = 2500
	n := testtools.BenchSize(2000)
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	c := DefaultConfig()
	c.URL, c.TokenFile, c.HealthCheck = h.URL, tokenFile(b, h.Token), false
	s, err := New(resolved(b, c), exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var sinkSecs, rawSecs, sinkCPU, rawCPU, peak float64
	var sinkRecvCPU, rawRecvCPU time.Duration
	runs := 0
	out := &hecOutput{path: h.OutPath}
	sent := 0 // events sent to the receiver so far, by both sides
	deliver := func(from, m int) {
		db := fillOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "hec", Sink: s, BatchSize: 500, Retry: &delivery.Retrier{Name: "hec"}}
		out.waitWritten(b, h, sent)
		runtime.GC()
		stop := testtools.PeakHeap()
		t0, c0, r0 := time.Now(), cpuTime(), receiverCPU(b, h)
		if err := d.Drain(context.Background()); err != nil {
			b.Fatalf("drain: %v", err)
		}
		sinkSecs += time.Since(t0).Seconds()
		sinkCPU += cpuTime() - c0
		sinkRecvCPU += receiverCPU(b, h) - r0
		peak = max(peak, stop())
		if hl := d.Health(); hl.Delivered != m || hl.DeadLettered != 0 || hl.Failures != 0 {
			b.Fatalf("delivery health %+v, want %d delivered and nothing else", hl, m)
		}
		sent += m
	}
	post := func(from, m int) {
		bodies := rawBodies(b, s, from, m)
		out.waitWritten(b, h, sent)
		t0, c0, r0 := time.Now(), cpuTime(), receiverCPU(b, h)
		postRaw(b, h, bodies)
		sent += m
		rawSecs += time.Since(t0).Seconds()
		rawCPU += cpuTime() - c0
		rawRecvCPU += receiverCPU(b, h) - r0
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
	if n <= 20000 {
		// the receiver got every record of every run (sink and raw loop)
		h.WaitEvents(b, 2*n*runs, time.Minute)
	}
	events := float64(n * runs)
	b.ReportMetric(events/sinkSecs, "sink-events/s")
	b.ReportMetric(events/rawSecs, "raw-events/s")
	b.ReportMetric(rawSecs/sinkSecs, "ratio")
	b.ReportMetric(sinkCPU*1000/(events/10000), "sink-cpu-ms/10k")
	b.ReportMetric(rawCPU*1000/(events/10000), "raw-cpu-ms/10k")
	b.ReportMetric(sinkRecvCPU.Seconds()*1000/(events/10000), "recv-cpu-ms/10k-sink")
	b.ReportMetric(rawRecvCPU.Seconds()*1000/(events/10000), "recv-cpu-ms/10k-raw")
	b.ReportMetric(peak, "peak-heap-MiB")
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
				recs = append(recs, testRecord(i))
			}
			return tx.Append("hec", recs...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// rawBodies builds the request bodies the sink sent: the same records, the
// same chunks of 500, encoded and gzipped by the same code.
func rawBodies(b *testing.B, s *Sink, from, n int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += 500 {
		recs := make([]exporter.Record, 0, 500)
		for i := start; i < min(start+500, from+n); i++ {
			recs = append(recs, testRecord(i))
		}
		envs := make([][]byte, len(recs))
		sizes := make([]int, len(recs))
		for i := range recs {
			var err error
			if envs[i], err = s.enc.encode(&recs[i]); err != nil {
				b.Fatal(err)
			}
			sizes[i] = len(envs[i])
		}
		for _, chunk := range splunk.Chunks(sizes, s.maxEvents, s.maxBytes, 0) {
			body, err := s.body(chunk, envs)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, bytes.Clone(body))
		}
	}
	return out
}

// postRaw is the baseline: a bare loop posting prepared bodies.
func postRaw(b *testing.B, h *receivers.OtelcolHEC, bodies [][]byte) {
	client := &http.Client{}
	for _, body := range bodies {
		req, _ := http.NewRequest(http.MethodPost, h.URL+pathEvent, bytes.NewReader(body))
		req.Header.Set("Authorization", "Splunk "+h.Token)
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

// hecOutput counts the events the receiver wrote, parsing only the lines
// appended since the last look: a large run writes hundreds of thousands.
type hecOutput struct {
	path string
	off  int64
	n    int
}

func (o *hecOutput) count(b *testing.B) int {
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
		// one OTLP-JSON line per received batch (testdata/otelcol-hec.yaml)
		var batch struct {
			ResourceLogs []struct {
				ScopeLogs []struct{ LogRecords []json.RawMessage }
			}
		}
		if err := json.Unmarshal(line, &batch); err != nil {
			b.Fatalf("%s: %v", o.path, err)
		}
		for _, rl := range batch.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				o.n += len(sl.LogRecords)
			}
		}
	}
}

// waitWritten waits until the receiver has written the want events it was
// sent, so that neither side of the ratio pays for the other's backlog.
func (o *hecOutput) waitWritten(b *testing.B, h *receivers.OtelcolHEC, want int) {
	if !receivers.Poll(2*time.Minute, func() bool { return o.count(b) >= want }) {
		b.Fatalf("the HEC receiver wrote %d of %d events in two minutes\n%s", o.n, want, h.Log())
	}
}

func receiverCPU(b *testing.B, h *receivers.OtelcolHEC) time.Duration {
	d, err := h.CPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// cpuTime is this process's user+system CPU seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
