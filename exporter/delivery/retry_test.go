package delivery

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// Attempt runs a sink's own deliveries with the outbox loop's policy.
func TestRetrier_Attempt(t *testing.T) {
	s := time.Second
	refused := errors.New("550 mailbox unavailable")
	tests := []struct {
		name     string
		script   []error
		calls    int
		wantErr  string // "" for success
		waits    []time.Duration
		failures int
		logs     int
		// recovered is the recovery line logged, if any
		recovered []string
	}{
		{name: "first attempt succeeds", script: []error{nil}, calls: 1},
		{
			name: "retryable failures back off until accepted", script: []error{errDown, errDown, exporter.Retryable(errDown, 3*s), nil},
			calls: 4, waits: []time.Duration{1 * s, 2 * s, 3 * s}, failures: 3,
			logs: 1, recovered: []string{"digest outage=6s failures=3"},
		},
		{
			name: "permanent failure returns at once", script: []error{exporter.Permanent(refused)},
			calls: 1, wantErr: "digest: permanent: 550 mailbox unavailable", failures: 1, logs: 1,
		},
		{
			name: "rejected counts as permanent for a single delivery", script: []error{exporter.Rejected(refused, 0)},
			calls: 1, wantErr: "digest: 1 records rejected: 550", failures: 1, logs: 1,
		},
		{
			name: "paused waits the maximum", script: []error{exporter.Paused(errors.New("535 auth failed")), nil},
			calls: 2, waits: []time.Duration{8 * s}, failures: 1,
			logs: 1, recovered: []string{"digest outage=8s failures=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk, logs := &recorder{now: t0}, &logCounter{}
			r := newRetrier(clk, logs)
			calls := 0
			err := r.Attempt(context.Background(), "digest", func(context.Context) error {
				err := tt.script[calls]
				calls++
				return err
			})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Attempt = %v, want %q", err, tt.wantErr)
			}
			if calls != tt.calls {
				t.Errorf("%d calls, want %d", calls, tt.calls)
			}
			if got := clk.Waits(); !reflect.DeepEqual(got, tt.waits) {
				t.Errorf("waits %v, want %v", got, tt.waits)
			}
			h := r.Health()
			if h.Failures != tt.failures || h.Retries != len(tt.waits) || h.Paused {
				t.Errorf("health %+v, want %d failures, %d retries, not paused", h, tt.failures, len(tt.waits))
			}
			if failing := !h.FailingSince.IsZero(); failing != (tt.wantErr != "") {
				t.Errorf("failing since %v after Attempt = %v", h.FailingSince, err)
			}
			logs.check(t, tt.logs)
			logs.checkRecovered(t, tt.recovered...)
		})
	}
}

// A wait that would outlast the caller's deadline (the next digest) is not
// started: the failure is returned and counted, nothing sleeps.
func TestRetrier_Attempt_DeadlineBeforeNextWait(t *testing.T) {
	clk, logs := &recorder{now: t0}, &logCounter{}
	r := newRetrier(clk, logs)
	r.MinBackoff = time.Hour
	r.MaxBackoff = 2 * time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	calls := 0
	err := r.Attempt(ctx, "digest", func(context.Context) error { calls++; return errDown })
	if !errors.Is(err, errDown) || calls != 1 {
		t.Fatalf("Attempt = %v after %d calls, want the failure after one", err, calls)
	}
	if w := clk.Waits(); len(w) != 0 {
		t.Errorf("waited %v past the deadline", w)
	}
	if h := r.Health(); h.Failures != 1 || h.Retries != 0 {
		t.Errorf("health %+v", h)
	}
	logs.check(t, 1)
}

// Shutdown during a wait ends Attempt with the context's error.
func TestRetrier_Attempt_CancelledDuringWait(t *testing.T) {
	clk, logs := &recorder{now: t0, cancelAt: 1}, &logCounter{}
	r := newRetrier(clk, logs)
	err := r.Attempt(context.Background(), "immediate mail", func(context.Context) error { return errDown })
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "immediate mail: ") {
		t.Fatalf("Attempt = %v, want the cancellation", err)
	}
	logs.check(t, 1)
}

// A state file that fails shows as a delivery failure of the sink, retried
// with backoff, and never ends the loop.
func TestDeliverer_Run_StateFailureIsRetried(t *testing.T) {
	db := statetest.Open(t)
	must(t, db.Close())
	clk, logs := &recorder{now: t0, cancelAt: 2}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: &scriptedSink{}, Retry: newRetrier(clk, logs)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.Retry.Sleep = func(c context.Context, dur time.Duration) error {
		if err := clk.Sleep(c, dur); err != nil {
			cancel()
		}
		return c.Err()
	}
	if err := d.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("waits %v", got)
	}
	if h := d.Health(); h.Failures != 2 || !strings.Contains(h.LastError, "read outbox fake") {
		t.Errorf("health %+v", h)
	}
	logs.check(t, 1) // the same error twice
}

func TestJitter_StaysInUpperHalf(t *testing.T) {
	for _, d := range []time.Duration{0, 1, time.Second, time.Hour} {
		for range 100 {
			if j := jitter(d); j < d/2 || j > d {
				t.Fatalf("jitter(%v) = %v, outside [d/2, d]", d, j)
			}
		}
	}
}

// One kind of delivery recovering does not hide another that is failing:
// the email sink's outbox keeps accepting records while its digest fails.
func TestRetrier_HealthPerKind(t *testing.T) {
	db := statetest.Open(t)
	must(t, db.Update(func(tx *state.Tx) error { return tx.Append(testSink, rec("r1")) }))
	clk, logs := &recorder{now: t0}, &logCounter{}
	r := newRetrier(clk, logs)
	refused := exporter.Permanent(errors.New("550 refused"))
	if err := r.Attempt(context.Background(), "digest", func(context.Context) error { return refused }); err == nil {
		t.Fatal("Attempt = nil")
	}
	clk.now = t0.Add(time.Minute)
	d := &Deliverer{DB: db, Name: testSink, Sink: &scriptedSink{script: []error{errDown}}, Retry: r}
	must(t, d.Drain(context.Background()))
	h := r.Health()
	if !reflect.DeepEqual(h.Failing, []string{"digest"}) || !h.FailingSince.Equal(t0) || h.Failures != 2 || h.Delivered != 1 {
		t.Errorf("health %+v: want the digest still failing since t0 after the outbox recovered", h)
	}
	if err := r.Attempt(context.Background(), "digest", func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if h := r.Health(); len(h.Failing) != 0 || !h.FailingSince.IsZero() {
		t.Errorf("health %+v: nothing is failing any more", h)
	}
	logs.check(t, 2)
	// the refused digest held nothing, so its next success is no recovery
	logs.checkRecovered(t, "outbox outage=1s failures=1 records=1")
}

// An outage is logged by its changes: a failure when its error differs
// from the last one logged, the same error again only in the counters, and
// one recovery line at the end; the next outage is logged afresh.
func TestRetrier_Attempt_LogsChangesAndRecovery(t *testing.T) {
	s := time.Second
	other := errors.New("tls: handshake failure")
	auth := exporter.Paused(errors.New("535 auth failed"))
	script := []error{errDown, errDown, other, other, errDown, auth, auth, nil, errDown, nil}
	clk, logs := &recorder{now: t0}, &logCounter{}
	r := newRetrier(clk, logs)
	calls := 0
	send := func(context.Context) error { calls++; return script[calls-1] }
	for range 2 {
		if err := r.Attempt(context.Background(), "digest", send); err != nil {
			t.Fatalf("Attempt = %v", err)
		}
	}
	want := []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 8 * s, 8 * s, 8 * s, 1 * s}
	if got := clk.Waits(); !reflect.DeepEqual(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if h := r.Health(); h.Failures != 8 || h.Retries != 8 || h.Waited != 40*s || len(h.Failing) != 0 {
		t.Errorf("health %+v: every failure, retry and wait counts, logged or not", h)
	}
	wantErrs := []string{errDown.Error(), other.Error(), errDown.Error(), auth.Error(), errDown.Error()}
	if got := logs.failureErrs(); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("failures logged\n got %q\nwant %q", got, wantErrs)
	}
	logs.check(t, len(wantErrs))
	logs.checkRecovered(t, "digest outage=39s failures=7", "digest outage=1s failures=1")
}

// Each kind of delivery has its own outage: the outbox failing with the
// error a digest already logged is logged too, and each recovers alone.
func TestRetrier_LogsPerKind(t *testing.T) {
	clk, logs := &recorder{now: t0}, &logCounter{}
	r := newRetrier(clk, logs)
	b := r.backoff()
	must(t, b.wait(context.Background(), "outbox", 3, errDown))
	must(t, b.wait(context.Background(), "outbox", 3, errDown))
	n := 0
	if err := r.Attempt(context.Background(), "digest", func(context.Context) error {
		if n++; n == 1 {
			return errDown
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r.succeeded("outbox", 3, 0, 7)
	logs.check(t, 2)
	logs.checkRecovered(t, "digest outage=1s failures=1", "outbox outage=4s failures=2 records=7")
}
