package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

const testSink = "fake"

var (
	t0      = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	errDown = errors.New("connection refused")
)

// scriptedSink answers each Send with the next scripted error (nil once
// the script is used up) and records the ids of every batch it was sent.
type scriptedSink struct {
	mu      sync.Mutex
	script  []error
	batches [][]string
}

func (s *scriptedSink) Send(_ context.Context, batch []exporter.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(batch))
	for i := range batch {
		ids[i] = batch[i].ID
	}
	s.batches = append(s.batches, ids)
	if len(s.script) == 0 {
		return nil
	}
	err := s.script[0]
	s.script = s.script[1:]
	return err
}

func (s *scriptedSink) Close() error { return nil }

// rawScriptedSink is a scriptedSink that takes stored bytes; it also
// checks that each is the record's JSON.
type rawScriptedSink struct{ *scriptedSink }

func (s *rawScriptedSink) Send(context.Context, []exporter.Record) error {
	return errors.New("a raw sink must be sent stored bytes")
}

func (s *rawScriptedSink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	recs := make([]exporter.Record, len(batch))
	for i, r := range batch {
		if err := json.Unmarshal(r.JSON, &recs[i]); err != nil || recs[i].ID != r.Head.ID {
			return exporter.Permanent(fmt.Errorf("stored bytes %s do not match head %+v: %v", r.JSON, r.Head, err))
		}
	}
	return s.scriptedSink.Send(ctx, recs)
}

// recorder stands in for the clock and the sleep: every wait is recorded
// and returns at once, advancing the clock by it.
type recorder struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// cancelAt cancels the wait with that index (1-based; 0: never).
	cancelAt int
}

func (r *recorder) Now() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }

func (r *recorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	r.now = r.now.Add(d)
	if r.cancelAt == len(r.waits) {
		return context.Canceled
	}
	return ctx.Err()
}

func (r *recorder) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

// logCounter counts log records at WARN and above, keeps the
// "delivery recovered" lines, and notes any record that carries a key
// twice, a failure without `err`, a success with one, or a recovery
// without its outage.
type logCounter struct {
	mu     sync.Mutex
	failed int
	dupKey string
	// recovered lists each recovery as "WHAT outage=D failures=N[ records=N]".
	recovered []string
	// errs lists the err of each failure line, in order.
	errs []string
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) WithGroup(string) slog.Handler            { return l }
func (l *logCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCounterView{l, as}
}
func (l *logCounter) Handle(ctx context.Context, r slog.Record) error {
	return (&logCounterView{l, nil}).Handle(ctx, r)
}

type logCounterView struct {
	l     *logCounter
	attrs []slog.Attr
}

func (v *logCounterView) Enabled(context.Context, slog.Level) bool { return true }
func (v *logCounterView) WithGroup(string) slog.Handler            { return v }
func (v *logCounterView) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCounterView{v.l, append(append([]slog.Attr(nil), v.attrs...), as...)}
}
func (v *logCounterView) Handle(_ context.Context, r slog.Record) error {
	seen := map[string]bool{}
	for _, a := range v.attrs {
		seen[a.Key] = true
	}
	v.l.mu.Lock()
	defer v.l.mu.Unlock()
	vals := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool {
		if seen[a.Key] {
			v.l.dupKey = a.Key
		}
		seen[a.Key] = true
		vals[a.Key] = a.Value
		return true
	})
	if r.Level >= slog.LevelWarn {
		v.l.failed++
		v.l.errs = append(v.l.errs, vals["err"].String())
		if !seen["err"] {
			v.l.dupKey = "missing err in " + r.Message
		}
	} else if seen["err"] {
		v.l.dupKey = "err at " + r.Level.String() + " in " + r.Message
	}
	if r.Message == "delivery recovered" {
		if r.Level != slog.LevelInfo || !seen["outage"] || !seen["failures"] {
			v.l.dupKey = "recovery without outage or failures, or not at INFO"
		}
		line := fmt.Sprintf("%s outage=%s failures=%s", vals["what"], vals["outage"], vals["failures"])
		if seen["records"] {
			line += " records=" + vals["records"].String()
		}
		v.l.recovered = append(v.l.recovered, line)
	}
	return nil
}

func (l *logCounter) check(t *testing.T, wantFailed int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failed != wantFailed {
		t.Errorf("%d failure log lines, want %d (each change of error logged once)", l.failed, wantFailed)
	}
	if l.dupKey != "" {
		t.Errorf("log rule broken: %s", l.dupKey)
	}
}

// checkRecovered compares the "delivery recovered" lines logged.
func (l *logCounter) checkRecovered(t *testing.T, want ...string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Equal(l.recovered, want) {
		t.Errorf("recoveries logged\n got %q\nwant %q", l.recovered, want)
	}
}

// failureErrs returns the err of each failure line logged, in order.
func (l *logCounter) failureErrs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// newRetrier is a Retrier with 1s..8s backoff, no jitter and the
// recorder's clock and sleep, logging on a sink-scoped logger.
func newRetrier(rec *recorder, logs *logCounter) *Retrier {
	return &Retrier{
		Name: testSink, MinBackoff: time.Second, MaxBackoff: 8 * time.Second,
		Log: slog.New(logs).With("sink", testSink), Now: rec.Now, Sleep: rec.Sleep,
		Jitter: func(d time.Duration) time.Duration { return d },
	}
}

func rec(id string) exporter.Record {
	return exporter.Record{Schema: 1, ID: id, Time: t0, ObservedAt: t0, Category: exporter.CategoryAudit, Action: "repo.create"}
}

// queue appends a record of each id to the test outbox, in order.
func queue(t *testing.T, db *state.DB, ids ...string) {
	t.Helper()
	must(t, db.Update(func(tx *state.Tx) error {
		for _, id := range ids {
			if err := tx.Append(testSink, rec(id)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// queued is a new state file whose test outbox holds a record of each id.
func queued(t *testing.T, ids ...string) *state.DB {
	t.Helper()
	db := statetest.Open(t)
	queue(t, db, ids...)
	return db
}

// outbox lists the ids left in the sink's outbox; dead the ids and reasons
// in its dead-letter bucket ("" id: an entry without one).
func outbox(t *testing.T, db *state.DB) []string {
	t.Helper()
	var ids []string
	must(t, db.View(func(tx *state.Tx) error {
		items, err := tx.Peek(testSink, 1000)
		for _, it := range items {
			ids = append(ids, it.Record.ID)
		}
		return err
	}))
	return ids
}

func dead(t *testing.T, db *state.DB) []string {
	t.Helper()
	var out []string
	must(t, db.View(func(tx *state.Tx) error {
		return tx.ForEachDead(testSink, func(_ uint64, entry []byte) error {
			var e struct {
				Reason string          `json:"reason"`
				Record exporter.Record `json:"record"`
			}
			if err := json.Unmarshal(entry, &e); err != nil {
				return err
			}
			out = append(out, e.Record.ID+": "+e.Reason)
			return nil
		})
	}))
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// preparingSink is a rawScriptedSink that prepares batches ahead; it
// counts the batches prepared.
type preparingSink struct {
	*rawScriptedSink
	prepared atomic.Int32
}

func (s *preparingSink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	s.prepared.Add(1)
	return preparedFunc(func(ctx context.Context) error { return s.SendRaw(ctx, batch) })
}

type preparedFunc func(ctx context.Context) error

func (f preparedFunc) Send(ctx context.Context) error { return f(ctx) }

// sinkKinds name the three ways a sink takes records, as subtest suffixes:
// decoded, stored bytes, stored bytes prepared ahead.
var sinkKinds = []string{"", " (raw sink)", " (preparing sink)"}

// ofKind wraps sink as a sink of the kind (one of sinkKinds).
func ofKind(kind string, sink *scriptedSink) exporter.Sink {
	switch kind {
	case " (raw sink)":
		return &rawScriptedSink{sink}
	case " (preparing sink)":
		return &preparingSink{rawScriptedSink: &rawScriptedSink{sink}}
	}
	return sink
}
