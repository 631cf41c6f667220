package splunkhec

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/receivers"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// benchRecords is the outbox size of BenchmarkSend_OutboxToOtelcol; the
// default keeps `go test -bench .` short. The reported figures use 200000:
//
//	go test -run '^$' -bench OutboxToOtelcol -benchtime 1x ./sinks/splunkhec/ -hec.bench-records 200000
//
// (or GHSEC_HEC_BENCH_RECORDS=200000).
var benchRecords = flag.Int("hec.bench-records", 0, "records in the outbox of BenchmarkSend_OutboxToOtelcol (default 5000, env GHSEC_HEC_BENCH_RECORDS)")

func benchN() int {
	if *benchRecords > 0 {
		return *benchRecords
	}
	if n, err := strconv.Atoi(os.Getenv("GHSEC_HEC_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// BenchmarkSend_OutboxToOtelcol drains a real state outbox through the sink
// to the real HEC receiver (Peek 500 → Send → Ack, gzip, default limits),
// then posts the same gzipped bodies with a bare http loop as a baseline.
// Metrics: events/s of both, their ratio (raw time / sink time), client
// CPU per 10k events (the whole loop, Send alone, and the raw loop), and the
// peak heap in use while the sink drained the outbox.
func BenchmarkSend_OutboxToOtelcol(b *testing.B) {
	n := benchN()
	h := receivers.StartOtelcolHEC(b, receivers.OtelcolHECOptions{})
	c := DefaultConfig()
	c.URL, c.TokenFile, c.HealthCheck = h.URL, tokenFile(b, h.Token), false
	s, err := New(c, exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.DiscardHandler), Version: "bench", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const peek = 500
	var sinkSecs, rawSecs, sinkCPU, sendCPU, rawCPU float64
	var peak uint64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := fillOutbox(b, n)
		runtime.GC()
		stop := samplePeakHeap()
		b.StartTimer()

		t0, c0 := time.Now(), cpuTime()
		for {
			var items []state.Item
			if err := db.View(func(tx *state.Tx) (err error) { items, err = tx.Peek("hec", peek); return }); err != nil {
				b.Fatal(err)
			}
			if len(items) == 0 {
				break
			}
			recs := make([]exporter.Record, len(items))
			seqs := make([]uint64, len(items))
			for j, it := range items {
				recs[j], seqs[j] = it.Record, it.Seq
			}
			c1 := cpuTime()
			if err := s.Send(context.Background(), recs); err != nil {
				b.Fatalf("Send: %v", err)
			}
			sendCPU += cpuTime() - c1
			if err := db.Update(func(tx *state.Tx) error { return tx.Ack("hec", seqs...) }); err != nil {
				b.Fatal(err)
			}
		}
		sinkSecs += time.Since(t0).Seconds()
		sinkCPU += cpuTime() - c0
		b.StopTimer()
		peak = max(peak, stop())
		db.Close()

		bodies := rawBodies(b, s, n)
		b.StartTimer()
		t0, c0 = time.Now(), cpuTime()
		postRaw(b, h, bodies)
		rawSecs += time.Since(t0).Seconds()
		rawCPU += cpuTime() - c0
	}
	events := float64(n * b.N)
	b.ReportMetric(events/sinkSecs, "sink-events/s")
	b.ReportMetric(events/rawSecs, "raw-events/s")
	b.ReportMetric(rawSecs/sinkSecs, "sink/raw-ratio")
	b.ReportMetric(sinkCPU*1000/(events/10000), "sink-cpu-ms/10k")
	b.ReportMetric(sendCPU*1000/(events/10000), "send-cpu-ms/10k")
	b.ReportMetric(rawCPU*1000/(events/10000), "raw-cpu-ms/10k")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// fillOutbox appends n records to a fresh state file in transactions of
// 5000, never holding all of them in memory.
func fillOutbox(b *testing.B, n int) *state.DB {
	db, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += 5000 {
		err := db.Update(func(tx *state.Tx) error {
			recs := make([]exporter.Record, 0, 5000)
			for i := start; i < min(start+5000, n); i++ {
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
func rawBodies(b *testing.B, s *Sink, n int) [][]byte {
	var out [][]byte
	for start := 0; start < n; start += 500 {
		recs := make([]exporter.Record, 0, 500)
		for i := start; i < min(start+500, n); i++ {
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

// cpuTime is this process's user+system CPU seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// samplePeakHeap samples the heap in use (objects plus span slack, i.e.
// MemStats.HeapInuse) every 5 ms until the returned func is called, which
// returns the peak.
func samplePeakHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64() + s[1].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}
