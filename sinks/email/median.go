package email

import (
	"errors"
	"math/bits"
	"slices"
	"time"
)

// fixTimes finds the exact median time to fix in bounded memory. It keeps
// the times themselves while there are at most keep of them (the usual
// digest); beyond that it keeps only a histogram and, to find the median,
// walks the period's entries again, each walk narrowing the range the
// median lies in by a factor of refineBuckets until the values left in it
// fit in memory or are all equal.
//
// Kept rather than replaced by slices.Sort-then-index (median, used while
// the times fit) or a library: sorting needs every time of the period in
// memory at once, 8 B each with no upper bound on a busy enterprise's
// period, which the digest's bounded-memory aggregation rules out
// (BenchmarkFixTimes_Median: sorting 1M times holds 8 MiB, 4M 32 MiB,
// growing with the period; this allocates 2.6-2.8 MB in all for either,
// at most 512 KiB of times at once, and reads the period twice more). The
// streaming quantile sketches (t-digest, DDSketch, beorn7/perks) are
// approximate, so the median would then depend on whether the period fit
// in memory, and an exact selection needs either all values or repeated
// passes, which is what this does with a few large histogram steps.
type fixTimes struct {
	keep int
	n    int
	vals []time.Duration
	hist [logBuckets]int
}

const (
	// keepFixTimes bounds the times held in memory: 512 KiB.
	keepFixTimes  = 1 << 16
	refineBuckets = 4096
	// logBuckets: exact below 128 ns, then 64 buckets per power of two.
	logBuckets = 128 + 57*64
)

// logBucket is v's bucket in the first histogram: its width is at most
// 1/64 of its values.
func logBucket(v uint64) int {
	if v < 128 {
		return int(v)
	}
	shift := bits.Len64(v) - 7
	return 128 + (shift-1)*64 + int(v>>shift) - 64
}

// logBounds is bucket b's range [lo, hi).
func logBounds(b int) (lo, hi uint64) {
	if b < 128 {
		return uint64(b), uint64(b) + 1
	}
	shift, m := (b-128)/64+1, uint64((b-128)%64+64)
	return m << shift, (m + 1) << shift
}

func (f *fixTimes) add(d time.Duration) {
	f.n++
	f.hist[logBucket(uint64(d))]++
	if f.n <= f.keep {
		f.vals = append(f.vals, d)
	} else {
		f.vals = nil
	}
}

// walkFn calls fn for every time to fix of the period again, in any order.
type walkFn func(fn func(d time.Duration)) error

// median is the median time to fix (the mean of the two middle ones for an
// even count); ok is false when there was none.
func (f *fixTimes) median(walk walkFn) (m time.Duration, ok bool, err error) {
	if f.n == 0 {
		return 0, false, nil
	}
	if f.n <= f.keep {
		return median(f.vals), true, nil
	}
	lo, err := f.rank((f.n-1)/2, walk)
	if err != nil {
		return 0, false, err
	}
	hi := lo
	if f.n%2 == 0 {
		if hi, err = f.rank(f.n/2, walk); err != nil {
			return 0, false, err
		}
	}
	return (lo + hi) / 2, true, nil
}

// rank returns the k-th smallest time (0-based).
func (f *fixTimes) rank(k int, walk walkFn) (time.Duration, error) {
	// The first histogram was filled while aggregating.
	var lo, hi uint64
	below, count := 0, 0
	for b, c := range f.hist {
		if below+c > k {
			lo, hi = logBounds(b)
			count = c
			break
		}
		below += c
	}
	for {
		if hi-lo == 1 {
			return time.Duration(lo), nil // every value left is lo
		}
		if count <= f.keep {
			vals := make([]time.Duration, 0, count)
			if err := walk(func(d time.Duration) {
				if v := uint64(d); v >= lo && v < hi {
					vals = append(vals, d)
				}
			}); err != nil {
				return 0, err
			}
			if k-below >= len(vals) {
				return 0, errWalkChanged
			}
			slices.Sort(vals)
			return vals[k-below], nil
		}
		width := (hi - lo + refineBuckets - 1) / refineBuckets
		var counts [refineBuckets]int
		if err := walk(func(d time.Duration) {
			if v := uint64(d); v >= lo && v < hi {
				counts[(v-lo)/width]++
			}
		}); err != nil {
			return 0, err
		}
		found := false
		for b, c := range counts {
			if below+c > k {
				lo, hi, count, found = lo+uint64(b)*width, min(lo+uint64(b+1)*width, hi), c, true
				break
			}
			below += c
		}
		if !found {
			return 0, errWalkChanged
		}
	}
}

// errWalkChanged means a walk saw other times than the aggregation did,
// which the state file's cut rules out; it guards the loop, not the data.
var errWalkChanged = errors.New("times to fix changed between walks of the digest period")
