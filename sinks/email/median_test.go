package email

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestFixTimes_MedianMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dists := map[string]func() time.Duration{
		"uniform up to a year": func() time.Duration { return time.Duration(rng.Int64N(int64(365*24*time.Hour))) + 1 },
		"all equal":            func() time.Duration { return 72 * time.Hour },
		"two values":           func() time.Duration { return time.Duration(1+rng.IntN(2)) * time.Hour },
		"clustered in a ms": func() time.Duration {
			return 5*24*time.Hour + time.Duration(rng.IntN(1000))*time.Microsecond
		},
		"tiny":       func() time.Duration { return time.Duration(rng.IntN(300) + 1) },
		"heavy tail": func() time.Duration { return time.Duration(rng.ExpFloat64()*float64(time.Hour)) + time.Millisecond },
	}
	for name, draw := range dists {
		for _, n := range []int{1, 2, 16, 17, 18, 999, 1000, 5001} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				vals := make([]time.Duration, n)
				f := fixTimes{keep: 16}
				for i := range vals {
					vals[i] = draw()
					f.add(vals[i])
				}
				walks := 0
				got, ok, err := f.median(func(fn func(time.Duration)) error {
					walks++
					for _, v := range vals {
						fn(v)
					}
					return nil
				})
				if err != nil || !ok {
					t.Fatalf("median: %v, ok %v", err, ok)
				}
				if want := median(slices.Clone(vals)); got != want {
					t.Errorf("median %v, want %v", got, want)
				}
				if n <= 16 && walks != 0 {
					t.Errorf("%d walks for %d values that fit in memory", walks, n)
				}
				if walks > 10 {
					t.Errorf("%d walks: the range does not narrow", walks)
				}
			})
		}
	}
	if _, ok, _ := (&fixTimes{keep: 4}).median(nil); ok {
		t.Error("median of nothing")
	}
}

func TestLogBuckets_CoverEveryValue(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1 << 40, 1<<40 + 12345, 1<<63 - 1} {
		lo, hi := logBounds(logBucket(v))
		if v < lo || v >= hi {
			t.Errorf("%d: bucket %d is [%d, %d)", v, logBucket(v), lo, hi)
		}
	}
	if logBucket(1<<63-1) >= logBuckets {
		t.Error("largest duration outside the histogram")
	}
}

// TestDigest_MedianBeyondMemory: a period with more fixed alerts than the
// digest keeps in memory gets the same median, found by walking the stored
// entries again.
func TestDigest_MedianBeyondMemory(t *testing.T) {
	var recs []exporter.Record
	for i := range 1001 {
		at := base.Add(-time.Duration(i) * time.Minute)
		recs = append(recs, alertRec(exporter.SourceDependabot, "acme/fix", i+1, exporter.ActionFixed, "high", at, func(r *exporter.Record) {
			r.Alert.CreatedAt = ptr(at.Add(-time.Duration(i*i%7919+1) * time.Minute))
		}))
	}
	digest := func(keep int) *Digest {
		clk := &clock{t: base.Add(-24 * time.Hour)}
		s := newSink(t, offlineConfig(), openState(t, ""), clk.Now)
		s.fixKeep = keep
		sendAll(t, s, recs, 100)
		d, _ := cutDigest(t, s, clk)
		return d
	}
	inMemory, walked := digest(keepFixTimes), digest(10)
	if inMemory.MedianTimeToFix == "" || walked.MedianTimeToFix != inMemory.MedianTimeToFix || walked.Fixed != 1001 {
		t.Errorf("median %q (fixed %d) with 10 kept, %q with all kept", walked.MedianTimeToFix, walked.Fixed, inMemory.MedianTimeToFix)
	}
}

// BenchmarkFixTimes_Median compares the bounded median with sorting every
// time to fix (what a period beyond keepFixTimes would otherwise hold):
// B/op is the memory each needs, walks/op how often the period is read again.
func BenchmarkFixTimes_Median(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1 << 20, 1 << 22} {
		vals := make([]time.Duration, n)
		for i := range vals {
			vals[i] = time.Duration(rng.ExpFloat64()*float64(72*time.Hour)) + time.Minute
		}
		walk := func(fn func(time.Duration)) error {
			for _, v := range vals {
				fn(v)
			}
			return nil
		}
		b.Run(fmt.Sprintf("bounded/%d", n), func(b *testing.B) {
			walks := 0
			counted := func(fn func(time.Duration)) error { walks++; return walk(fn) }
			for b.Loop() {
				f := &fixTimes{keep: keepFixTimes}
				for _, v := range vals {
					f.add(v)
				}
				if _, _, err := f.median(counted); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(walks)/float64(b.N), "walks/op")
		})
		b.Run(fmt.Sprintf("sort/%d", n), func(b *testing.B) {
			for b.Loop() {
				median(slices.Clone(vals)) // its least: the count known up front
			}
		})
	}
}
