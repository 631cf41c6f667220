package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/semaphore"
)

// DefaultBodyBudget bounds the bytes of delivery bodies held at once (8
// MiB). Decoding a body makes about three more copies of its alert object
// (the object, its unquoted strings, the decoded values), so a burst of
// large deliveries holds about four times the budget, instead of up to
// 32 × 25 MB × 4.
const DefaultBodyBudget = 8 << 20

// DefaultBudgetWait is how long a delivery waits for room in the body
// budget before it is answered 503: long enough to ride out a burst,
// short of GitHub's 10 s timeout.
const DefaultBudgetWait = 5 * time.Second

// errBudget is why a delivery found no room within its wait.
var errBudget = errors.New("bodies in flight over the body budget")

// bodyBudget is a shared byte budget for the large bodies being read and
// processed. A delivery longer than smallBody reserves its Content-Length
// (the cap, GitHub's 25 MB, when it sends none) once its first smallBody
// bytes have arrived, and gives it back once it is answered; one larger
// than the whole budget reserves all of it and is processed alone. Waiters
// are served in arrival order, so a large delivery is not starved by
// smaller ones. Bodies up to smallBody reserve nothing: an unauthenticated
// sender must send that much at the required pace before it can hold any
// of the budget.
type bodyBudget struct {
	sem  *semaphore.Weighted
	size int64
	wait time.Duration
}

func newBodyBudget(size int64, wait time.Duration) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// reserve waits up to the budget's wait for room for a body of
// contentLength bytes (-1: unknown) and returns what it reserved, to give
// back with release. The error is errBudget's, or the request's context's.
func (b *bodyBudget) reserve(ctx context.Context, contentLength int64) (int64, error) {
	n := contentLength
	if n < 0 || n > MaxBody {
		n = MaxBody
	}
	n = max(1, min(n, b.size))
	// Room now is taken without a timer: a wait that expired while this
	// goroutine waited for a CPU must not refuse a delivery there is room for.
	if b.sem.TryAcquire(n) {
		return n, nil
	}
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("wait for room for a %d-byte body: %w", contentLength, ctx.Err())
		}
		return 0, fmt.Errorf("wait %s for room for a %d-byte body: %w", b.wait, contentLength, errBudget)
	}
	return n, nil
}

func (b *bodyBudget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}

// spacedLog lets a warning that anyone able to reach the listener can cause
// through at most once an interval, counting the ones it held back.
type spacedLog struct {
	every  time.Duration
	last   time.Time
	silent uint64 // held back since last
}

// allow reports whether to log now and, if so, how many were held back
// since the previous one. The caller serializes calls.
func (s *spacedLog) allow(now time.Time) (silent uint64, ok bool) {
	if !s.last.IsZero() && now.Sub(s.last) < s.every {
		s.silent++
		return 0, false
	}
	silent, s.last, s.silent = s.silent, now, 0
	return silent, true
}
