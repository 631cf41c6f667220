package testtools

import (
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// BenchSize is the size a figure benchmark runs at: $GHSEC_BENCH_ALERTS
// when set (scripts/bench.sh sets 100000 and 1000000), else tiny, the
// size CI runs every figure benchmark at once so that none can rot.
func BenchSize(tiny int) int {
	if n, err := strconv.Atoi(os.Getenv("GHSEC_BENCH_ALERTS")); err == nil && n > 0 {
		return n
	}
	return tiny
}

// PeakHeap samples the Go heap in use (objects plus span slack, i.e.
// runtime.MemStats.HeapInuse) every 2 ms until the returned func is called,
// which returns the peak in MiB. Benchmarks report it as "peak-heap-MiB".
func PeakHeap() (stop func() float64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
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
	return func() float64 { close(done); wg.Wait(); return float64(peak.Load()) / (1 << 20) }
}

// CPUTime is the CPU time (user plus system) the whole process has used so
// far. A figure that runs its server in the process (the simulator, a
// receiver's Go side) counts that too, which is what an end-to-end CPU cost
// per item should include.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
