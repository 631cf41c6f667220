package delivery

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// hookSink runs hook (when set) inside each Send with the call's number
// (1-based) and answers with its error; it records the batches and whether
// two Sends ever ran at once.
type hookSink struct {
	hook    func(ctx context.Context, call int) error
	mu      sync.Mutex
	calls   int
	batches [][]string
	active  atomic.Int32
	overlap atomic.Bool
}

func (s *hookSink) Send(ctx context.Context, batch []exporter.Record) error {
	if s.active.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.active.Add(-1)
	ids := make([]string, len(batch))
	for i := range batch {
		ids[i] = batch[i].ID
	}
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.batches = append(s.batches, ids)
	s.mu.Unlock()
	if s.hook == nil {
		return nil
	}
	return s.hook(ctx, call)
}

func (s *hookSink) Close() error { return nil }

// forBothKinds runs test as a subtest with a sink that takes decoded
// records (raw false) and with one that takes stored bytes (raw true).
func forBothKinds(t *testing.T, test func(t *testing.T, raw bool)) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprint("raw=", raw), func(t *testing.T) { test(t, raw) })
	}
}

// holdWriter takes the state file's write lock (a transaction left open)
// and returns once it holds it; release lets the transaction end. Commits
// of the delivery loop wait behind it: they are in flight.
func holdWriter(t *testing.T, db *state.DB) (release func()) {
	held, done := make(chan struct{}), make(chan struct{})
	go func() {
		_ = db.Update(func(*state.Tx) error { close(held); <-done; return nil })
	}()
	<-held
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// ackHeldSink is a hookSink for nine queued records sent three at a time
// whose batch 1 ack cannot commit before batch 2 is sent: call 1 takes the
// writer, call 2 checks that all nine are still queued (the ack is in
// flight) and lets the ack commit. Each call from 2 on then answers with
// next (nil: every call succeeds).
func ackHeldSink(t *testing.T, db *state.DB, next func(call int) error) *hookSink {
	release := func() {}
	t.Cleanup(func() { release() })
	sink := &hookSink{}
	sink.hook = func(_ context.Context, call int) error {
		switch call {
		case 1:
			release = holdWriter(t, db) // batch 1's ack will wait
			return nil
		case 2:
			if n := pendingIn(t, db); n != 9 {
				t.Errorf("batch 2 sent with %d records queued, want 9: batch 1's ack was not in flight", n)
			}
			release()
		}
		if next == nil {
			return nil
		}
		return next(call)
	}
	return sink
}

func pendingIn(t *testing.T, db *state.DB) int {
	t.Helper()
	n := 0
	must(t, db.View(func(tx *state.Tx) (err error) { n, err = tx.Pending(testSink); return err }))
	return n
}

func ids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint("r", i))
	}
	return out
}

// The next batch is sent while the previous one's ack has not committed,
// sends never overlap, and batches go in outbox order.
func TestDeliverer_Pipeline_SendOverlapsAck(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	sink := ackHeldSink(t, db, nil)
	d := &Deliverer{DB: db, Name: testSink, Sink: sink, BatchSize: 3, Retry: newRetrier(&recorder{now: t0}, &logCounter{})}
	must(t, d.Drain(context.Background()))
	if want := [][]string{ids(1, 3), ids(4, 6), ids(7, 9)}; !reflect.DeepEqual(sink.batches, want) {
		t.Errorf("batches %v, want %v", sink.batches, want)
	}
	if sink.overlap.Load() {
		t.Error("two Sends ran at once")
	}
	if h := d.Health(); h.Delivered != 9 || h.Failures != 0 {
		t.Errorf("health %+v", h)
	}
}

// Many batches through both kinds of sink: every record once, in order,
// one Send at a time.
func TestDeliverer_Pipeline_Order(t *testing.T) {
	forBothKinds(t, func(t *testing.T, raw bool) {
		db := queued(t, ids(1, 100)...)
		sink := &scriptedSink{}
		var s exporter.Sink = sink
		if raw {
			s = &rawScriptedSink{sink}
		}
		d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 7}
		must(t, d.Drain(context.Background()))
		var got []string
		for _, b := range sink.batches {
			got = append(got, b...)
		}
		if !reflect.DeepEqual(got, ids(1, 100)) || len(sink.batches) != 15 {
			t.Errorf("sent %d batches: %v", len(sink.batches), got)
		}
		if n := pendingIn(t, db); n != 0 {
			t.Errorf("%d records left", n)
		}
	})
}

// Batch 2 fails while batch 1's ack commits: batch 1 is acked all the
// same, the loop waits once and resends batch 2 (and nothing before it).
func TestDeliverer_Pipeline_FailureWhileAckCommits(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	sink := ackHeldSink(t, db, func(call int) error {
		switch call {
		case 2:
			return errDown
		case 3:
			if n := pendingIn(t, db); n != 6 {
				t.Errorf("retry of batch 2 with %d records queued, want 6: batch 1 acked", n)
			}
		}
		return nil
	})
	clk, logs := &recorder{now: t0}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: sink, BatchSize: 3, Retry: newRetrier(clk, logs)}
	must(t, d.Drain(context.Background()))
	if want := [][]string{ids(1, 3), ids(4, 6), ids(4, 6), ids(7, 9)}; !reflect.DeepEqual(sink.batches, want) {
		t.Errorf("batches %v, want %v", sink.batches, want)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, []time.Duration{time.Second}) {
		t.Errorf("waits %v, want one of 1s", got)
	}
	if h := d.Health(); h.Delivered != 9 || h.Failures != 1 || h.LastError != errDown.Error() {
		t.Errorf("health %+v", h)
	}
	logs.check(t, 1)
}

// An ack that cannot commit stops the pipeline before the batch after
// next is sent, counts and logs one failure, and loses nothing: the
// records are all still queued in the state file.
func TestDeliverer_Pipeline_AckFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := state.Open(path, state.Options{})
	must(t, err)
	queue(t, db, ids(1, 9)...)
	sink := &hookSink{}
	sink.hook = func(_ context.Context, call int) error {
		if call == 1 {
			must(t, db.Close()) // every commit from here on fails
		}
		return nil
	}
	clk, logs := &recorder{now: t0}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: sink, BatchSize: 3, Retry: newRetrier(clk, logs)}
	err = d.Drain(context.Background())
	if err == nil {
		t.Fatal("Drain = nil on a closed state file")
	}
	if len(sink.batches) > 2 {
		t.Errorf("batches %v: the loop went on after the ack of batch 1 failed", sink.batches)
	}
	h := d.Health()
	if h.Failures != 1 || !strings.Contains(h.LastError, "remove delivered records from outbox") || h.Delivered != 0 {
		t.Errorf("health %+v: want the failed ack as the one failure", h)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, []time.Duration{time.Second}) {
		t.Errorf("waits %v", got)
	}
	logs.check(t, 1)
	db, err = state.Open(path, state.Options{})
	must(t, err)
	defer db.Close()
	if got := outbox(t, db); !reflect.DeepEqual(got, ids(1, 9)) {
		t.Errorf("outbox after reopening: %v, want every record", got)
	}
}

// Shutdown while batch 2 is sent and batch 1's ack is in flight: batch 1
// is acked, batch 2 and the rest stay queued, nothing counts as a failure.
func TestDeliverer_Pipeline_CancelledInFlight(t *testing.T) {
	forBothKinds(t, func(t *testing.T, raw bool) {
		db := queued(t, ids(1, 9)...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		release := func() {}
		defer func() { release() }()
		sink := &hookSink{}
		sink.hook = func(ctx context.Context, call int) error {
			if call == 1 {
				release = holdWriter(t, db)
				return nil
			}
			cancel()
			release()
			return exporter.Retryable(fmt.Errorf("post: %w", ctx.Err()), 0)
		}
		var s exporter.Sink = sink
		if raw {
			s = rawHookSink{sink}
		}
		clk, logs := &recorder{now: t0}, &logCounter{}
		d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3, Retry: newRetrier(clk, logs)}
		err := d.Drain(ctx)
		if err == nil || !strings.Contains(err.Error(), "6 records still queued") {
			t.Fatalf("Drain = %v, want 6 records still queued", err)
		}
		if got := outbox(t, db); !reflect.DeepEqual(got, ids(4, 9)) {
			t.Errorf("outbox %v, want batch 1 acked and the rest kept", got)
		}
		if h := d.Health(); h.Delivered != 3 || h.Failures != 0 {
			t.Errorf("health %+v", h)
		}
		if w := clk.Waits(); len(w) != 0 {
			t.Errorf("waited %v after shutdown", w)
		}
		logs.check(t, 0)
	})
}

// rawHookSink is a hookSink that takes stored bytes.
type rawHookSink struct{ *hookSink }

func (s rawHookSink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	recs := make([]exporter.Record, len(batch))
	for i := range batch {
		recs[i].ID = batch[i].Head.ID
	}
	return s.hookSink.Send(ctx, recs)
}

// A sink that prepares batches gets the next batch prepared while it still
// sends the one before, and each batch sent once, in order.
func TestDeliverer_Pipeline_PreparesAhead(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	sink := &hookSink{}
	p := &preparingHook{hookSink: sink, prepared: make(chan int, 3)}
	sink.hook = func(_ context.Context, call int) error {
		if call == 1 {
			for first := range p.prepared {
				if first == 4 {
					break // batch 2 was prepared before batch 1's send returned
				}
			}
		}
		return nil
	}
	d := &Deliverer{DB: db, Name: testSink, Sink: p, BatchSize: 3}
	must(t, d.Drain(context.Background()))
	if want := [][]string{ids(1, 3), ids(4, 6), ids(7, 9)}; !reflect.DeepEqual(sink.batches, want) {
		t.Errorf("batches %v, want %v", sink.batches, want)
	}
	if sink.overlap.Load() {
		t.Error("two Sends ran at once")
	}
}

// preparingHook is a hookSink that prepares batches, announcing the
// number of each one's first record.
type preparingHook struct {
	*hookSink
	prepared chan int
}

func (s *preparingHook) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return rawHookSink{s.hookSink}.SendRaw(ctx, batch)
}

func (s *preparingHook) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	var first int
	fmt.Sscanf(batch[0].Head.ID, "r%d", &first)
	select {
	case s.prepared <- first:
	default:
	}
	return preparedFunc(func(ctx context.Context) error { return s.SendRaw(ctx, batch) })
}
