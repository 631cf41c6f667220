package splunkhec

import (
	"bytes"
	"context"
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
// first, …), each after the receiver went quiet, so that both see the same
// load on a shared machine and neither pays for the other's backlog.
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
	s, err := New(c, exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var sinkSecs, rawSecs, sinkCPU, rawCPU, peak float64
	var sinkRecvCPU, rawRecvCPU time.Duration
	runs := 0
	deliver := func(from, m int) {
		db := fillOutbox(b, from, m)
		defer db.Close()
		d := &delivery.Deliverer{DB: db, Name: "hec", Sink: s, BatchSize: 500, Retry: &delivery.Retrier{Name: "hec"}}
		quiesce(b, h)
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
	}
	post := func(from, m int) {
		bodies := rawBodies(b, s, from, m)
		quiesce(b, h)
		t0, c0, r0 := time.Now(), cpuTime(), receiverCPU(b, h)
		postRaw(b, h, bodies)
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

// quiesce waits until the receiver has written out what it was sent (its
// output stops growing and it stops using CPU), so that neither side of
// the ratio pays for the other's backlog.
func quiesce(b *testing.B, h *receivers.OtelcolHEC) {
	last, lastCPU, still := int64(-1), time.Duration(-1), 0
	ok := receivers.Poll(2*time.Minute, func() bool {
		var size int64
		if st, err := os.Stat(h.OutPath); err == nil {
			size = st.Size()
		}
		cpu := receiverCPU(b, h)
		if size == last && cpu-lastCPU <= 10*time.Millisecond {
			still++
		} else {
			still = 0
		}
		last, lastCPU = size, cpu
		return still >= 3 // Poll looks every 50 ms
	})
	if !ok {
		b.Fatal("the HEC receiver kept working for two minutes")
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
