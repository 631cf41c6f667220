package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Retrier is one sink's retry policy and delivery health. The sink's outbox
// loop (Deliverer) and the sink's own schedules (Attempt: an email digest)
// both wait, count and log through it, so every failure of a sink shows in
// the same counters whatever the sink does internally.
//
// Waits are capped exponential backoff with jitter from MinBackoff to
// MaxBackoff; a destination's Retry-After is honoured exactly; a paused
// failure waits MaxBackoff. Every wait ends early when its context does.
//
// Every failure, retry and wait is counted in Health; the log tells the
// story of an outage instead: a failure is logged when its error differs
// from the last one logged for that kind of delivery (the same error
// failing again is counted, not logged), and the first success after
// failures that kept records logs "delivery recovered" at INFO with the
// outage's length.
type Retrier struct {
	// Name is the sink's name, used in errors.
	Name       string
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Log is already scoped with the sink's name.
	Log *slog.Logger
	// Now stamps FailingSince and measures outages; nil means time.Now.
	Now func() time.Time
	// Sleep waits between attempts; nil means exporter.Sleep. Tests record
	// the waits instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads a backoff wait; nil means a uniform draw from [d/2, d].
	Jitter func(d time.Duration) time.Duration

	once   sync.Once
	mu     sync.Mutex
	health Health
	// failing holds, per kind of delivery ("outbox", "digest", …), its
	// current run of failures: one kind's success must not hide another's
	// failure, nor its error silence another's.
	failing map[string]failure
}

// failure is one kind of delivery's current run of failures (an outage).
type failure struct {
	since    time.Time
	failures int
	paused   bool
	// logged is the last error logged in the run: the same error again is
	// counted, not logged.
	logged string
	// held: a failure of the run kept records for a retry, so the run's
	// end is logged as a recovery. A run of refusals for good (records
	// dead-lettered) held nothing and ends silently.
	held bool
}

var _ exporter.Attempter = (*Retrier)(nil)

// Health is what a sink's deliveries did so far.
type Health struct {
	// Delivered and DeadLettered count outbox records.
	Delivered    int
	DeadLettered int
	// Failures counts failed attempts of any kind; Retries those followed
	// by a wait for another attempt; Waited is the time those waits took.
	Failures int
	Retries  int
	Waited   time.Duration
	// LastError is the latest failure, kept after a recovery.
	LastError string
	// Failing lists the kinds of delivery ("outbox", "digest", …) whose
	// latest attempt failed, sorted; FailingSince is when the oldest of
	// those runs of failures began (zero when none is failing).
	Failing      []string
	FailingSince time.Time
	// Paused is set while a failing kind's latest failure needs an operator.
	Paused bool
}

func (r *Retrier) init() {
	r.once.Do(func() {
		if r.MinBackoff <= 0 {
			r.MinBackoff = time.Second
		}
		if r.MaxBackoff < r.MinBackoff {
			r.MaxBackoff = max(5*time.Minute, r.MinBackoff)
		}
		if r.Log == nil {
			r.Log = slog.New(slog.DiscardHandler)
		}
		if r.Now == nil {
			r.Now = time.Now
		}
		if r.Sleep == nil {
			r.Sleep = exporter.Sleep
		}
		if r.Jitter == nil {
			r.Jitter = jitter
		}
	})
}

// Health returns a copy of the sink's delivery health.
func (r *Retrier) Health() Health {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.health
	for what, f := range r.failing {
		h.Failing = append(h.Failing, what)
		if h.FailingSince.IsZero() || f.since.Before(h.FailingSince) {
			h.FailingSince = f.since
		}
		h.Paused = h.Paused || f.paused
	}
	slices.Sort(h.Failing)
	return h
}

// Resume carries prev's health over to r before r is used: a config reload
// rebuilds every sink's Retrier, and its counters must keep counting (a
// reset reads as a process restart to Prometheus) and a run of failures
// in progress keep when it began. prev must be done (its sink stopped).
func (r *Retrier) Resume(prev *Retrier) {
	prev.mu.Lock()
	h, failing := prev.health, maps.Clone(prev.failing)
	prev.mu.Unlock()
	r.mu.Lock()
	r.health, r.failing = h, failing
	r.mu.Unlock()
}

// Attempt calls send until it succeeds, fails for good (KindPermanent or
// KindRejected: a single attempt cannot be partly accepted) or ctx ends,
// waiting, counting and logging between attempts as the outbox loop does.
// A wait that would outlast ctx's deadline is not started. It returns nil
// on success, else the last failure wrapped with what.
func (r *Retrier) Attempt(ctx context.Context, what string, send func(ctx context.Context) error) error {
	r.init()
	b := r.backoff()
	for {
		err := send(ctx)
		if err == nil {
			r.succeeded(what, 0, 0, 0)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if kind := exporter.Classify(err).Kind; !kind.Retried() {
			// each refusal loses a delivery: logged even when repeated
			r.failed(what, err, kind)
			r.Log.Error("delivery refused for good; not retried", "what", what, "err", err)
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := b.wait(ctx, what, 0, err); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// backoff starts a sequence of waits; each loop of a sink keeps its own.
func (r *Retrier) backoff() *backoff {
	r.init()
	return &backoff{r: r, next: r.MinBackoff}
}

// succeeded ends what's run of failures and counts delivered and
// dead-lettered outbox records. When the run held records for a retry it
// logs the recovery once, with the outage's length, its failed attempts
// and, when records > 0, the records the outbox held.
func (r *Retrier) succeeded(what string, delivered, dead, records int) {
	now := r.Now()
	r.mu.Lock()
	r.health.Delivered += delivered
	r.health.DeadLettered += dead
	f, ok := r.failing[what]
	delete(r.failing, what)
	r.mu.Unlock()
	if !ok || !f.held {
		return
	}
	attrs := []any{"what", what, "outage", now.Sub(f.since).Round(time.Millisecond), "failures", f.failures}
	if records > 0 {
		attrs = append(attrs, "records", records)
	}
	r.Log.Info("delivery recovered", attrs...)
}

// holding reports whether what's current run of failures kept records for
// a retry: its end will be logged as a recovery.
func (r *Retrier) holding(what string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failing[what].held
}

// deadLettered counts records dead-lettered without a success.
func (r *Retrier) deadLettered(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health.DeadLettered += n
}

// failed counts a failure of kind in what's run of failures. It reports
// whether err differs from the last error logged in the run, and takes it
// as logged: the caller logs it then.
func (r *Retrier) failed(what string, err error, kind exporter.DeliveryKind) (changed bool) {
	now := r.Now()
	msg := err.Error()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.health.Failures++
	r.health.LastError = msg
	f, ok := r.failing[what]
	if !ok {
		f.since = now
	}
	f.failures++
	f.paused = kind == exporter.KindPaused
	f.held = f.held || kind.Retried()
	changed = f.logged != msg
	f.logged = msg
	if r.failing == nil {
		r.failing = map[string]failure{}
	}
	r.failing[what] = f
	return changed
}

// backoff is one loop's position in the backoff sequence.
type backoff struct {
	r    *Retrier
	next time.Duration
}

func (b *backoff) reset() { b.next = b.r.MinBackoff }

// wait counts a retryable (or paused) failure of an attempt carrying
// records (0: not an outbox batch), logs it when its error changed, then
// waits before the next attempt. It returns the failure without waiting
// when ctx's deadline comes first (logged: the attempt gives up), and the
// failure joined with ctx's error when ctx ends during the wait.
func (b *backoff) wait(ctx context.Context, what string, records int, err error) error {
	r := b.r
	de := exporter.Classify(err)
	var d time.Duration
	switch {
	case de.Kind == exporter.KindPaused:
		d = r.MaxBackoff
	case de.RetryAfter > 0:
		d = de.RetryAfter
	default:
		d = r.Jitter(b.next)
		b.next = min(b.next*2, r.MaxBackoff)
	}
	changed := r.failed(what, err, de.Kind)
	attrs := []any{"what", what}
	if records > 0 {
		attrs = append(attrs, "records", records)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		r.Log.Error("delivery failed; no retry before the deadline", append(attrs, "err", err)...)
		return err
	}
	attrs = append(attrs, "retry_in", d, "err", err)
	switch {
	case !changed:
		// counted above and in Retries below; the log already says it
	case de.Kind == exporter.KindPaused:
		r.Log.Error("delivery needs attention; paused, records kept", attrs...)
	default:
		r.Log.Warn("delivery failed; will retry", attrs...)
	}
	r.mu.Lock()
	r.health.Retries++
	r.health.Waited += d
	r.mu.Unlock()
	if serr := r.Sleep(ctx, d); serr != nil {
		return fmt.Errorf("%w; stopped waiting to retry: %w", err, serr)
	}
	return nil
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
