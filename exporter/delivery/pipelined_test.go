package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// pipeSink prepares batches as exporter.PipelinedSends. answer gives each
// batch's outcome by its number in start order (1-based) and may block;
// the sink logs "start rN" when batch rN… is started and "done rN" when
// its wait returns, and the most batches it ever had in flight.
type pipeSink struct {
	answer func(ctx context.Context, call int) error

	mu       sync.Mutex
	calls    int
	events   []string
	inflight int
	most     int
	started  map[int]chan struct{} // closed when batch call is started
}

func newPipeSink(answer func(ctx context.Context, call int) error) *pipeSink {
	return &pipeSink{answer: answer, started: map[int]chan struct{}{}}
}

func (s *pipeSink) Send(context.Context, []exporter.Record) error {
	return errors.New("a raw sink must be sent stored bytes")
}
func (s *pipeSink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}
func (s *pipeSink) Close() error { return nil }

// startedCh is the channel closed when batch call is started.
func (s *pipeSink) startedCh(call int) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started[call] == nil {
		s.started[call] = make(chan struct{})
	}
	return s.started[call]
}

func (s *pipeSink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	return pipeBatch{s: s, first: batch[0].Head.ID, batch: batch}
}

type pipeBatch struct {
	s     *pipeSink
	first string
	batch []exporter.RawRecord
}

// intact fails the test unless every record of the batch still holds its
// stored bytes: the loop recycles a batch's buffer only after its outcome
// is taken, while later batches are read.
func (b pipeBatch) intact() error {
	for _, r := range b.batch {
		var rec exporter.Record
		if err := json.Unmarshal(r.JSON, &rec); err != nil || rec.ID != r.Head.ID {
			return fmt.Errorf("batch %s: record %s overwritten while in flight: %.60q", b.first, r.Head.ID, r.JSON)
		}
	}
	return nil
}

func (b pipeBatch) Send(ctx context.Context) error { return b.Start(ctx)() }

func (b pipeBatch) Start(ctx context.Context) func() error {
	s := b.s
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.events = append(s.events, "start "+b.first)
	s.mu.Unlock()
	close(s.startedCh(call))
	return func() error {
		err := s.answer(ctx, call)
		if bad := b.intact(); bad != nil {
			return exporter.Permanent(bad)
		}
		s.mu.Lock()
		s.inflight--
		s.events = append(s.events, "done "+b.first)
		s.mu.Unlock()
		return err
	}
}

// withTimeout bounds a test that would otherwise hang on a loop that does
// not pipeline; it is a guard, not a measurement.
func withTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A pipelined sink has the next batch started before the batch before it
// has its outcome, never more than two in flight, and outcomes are taken
// in order: batch 1's answer waits until batch 2 is started.
func TestDeliverer_Pipelined_TwoInFlight(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	var s *pipeSink
	s = newPipeSink(func(ctx context.Context, call int) error {
		select {
		case <-s.startedCh(call + 1):
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
	// the last batch has no batch after it
	close(s.startedCh(4))
	d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3}
	must(t, d.Drain(withTimeout(t)))
	want := []string{"start r1", "start r4", "done r1", "start r7", "done r4", "done r7"}
	if !reflect.DeepEqual(s.events, want) {
		t.Errorf("events %v, want %v", s.events, want)
	}
	if s.most != 2 {
		t.Errorf("%d batches in flight at most, want 2", s.most)
	}
	if n := pendingIn(t, db); n != 0 || d.Health().Delivered != 9 {
		t.Errorf("%d left, health %+v", n, d.Health())
	}
}

// Batch 1 fails while batch 2, already started, is accepted: batch 2 is
// acked, the loop stops there (batch 3 is not started), waits once, and
// sends batch 1 again before batch 3. Nothing is lost or sent twice
// beyond the failed batch.
func TestDeliverer_Pipelined_FirstFailsSecondAccepted(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	s := newPipeSink(func(_ context.Context, call int) error {
		if call == 1 {
			return errDown
		}
		return nil
	})
	clk, logs := &recorder{now: t0}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3, Retry: newRetrier(clk, logs)}
	d.init()
	if err := d.drainOnce(context.Background()); !errors.Is(err, errDown) {
		t.Fatalf("first attempt: %v, want %v", err, errDown)
	}
	if got, want := outbox(t, db), append(ids(1, 3), ids(7, 9)...); !reflect.DeepEqual(got, want) {
		t.Errorf("after the failure the outbox holds %v, want %v: batch 2 was accepted", got, want)
	}
	must(t, d.Drain(context.Background()))
	want := []string{"start r1", "start r4", "done r1", "done r4", "start r1", "start r7", "done r1", "done r7"}
	if !reflect.DeepEqual(s.events, want) {
		t.Errorf("events %v, want %v", s.events, want)
	}
	if h := d.Health(); h.Delivered != 9 || h.Failures != 1 || h.LastError != errDown.Error() {
		t.Errorf("health %+v", h)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, []time.Duration{time.Second}) {
		t.Errorf("waits %v, want one of 1s", got)
	}
	logs.check(t, 1)
}

// Both batches in flight fail: both stay queued in order, the failure is
// counted once (the first), and they go again in order.
func TestDeliverer_Pipelined_BothFail(t *testing.T) {
	db := queued(t, ids(1, 6)...)
	second := fmt.Errorf("second: %w", errDown)
	s := newPipeSink(func(_ context.Context, call int) error {
		switch call {
		case 1:
			return errDown
		case 2:
			return second
		}
		return nil
	})
	clk, logs := &recorder{now: t0}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3, Retry: newRetrier(clk, logs)}
	d.init()
	if err := d.drainOnce(context.Background()); err != errDown {
		t.Fatalf("first attempt: %v, want the first batch's %v", err, errDown)
	}
	if got := outbox(t, db); !reflect.DeepEqual(got, ids(1, 6)) {
		t.Errorf("outbox %v, want every record", got)
	}
	must(t, d.Drain(context.Background()))
	if h := d.Health(); h.Delivered != 6 || h.Failures != 1 {
		t.Errorf("health %+v", h)
	}
	logs.check(t, 1)
}

// The second batch in flight rejects a record while the first fails: the
// rejected record is dead-lettered, the rest of batch 2 acked, batch 1
// kept.
func TestDeliverer_Pipelined_SecondRejectsAfterFirstFails(t *testing.T) {
	db := queued(t, ids(1, 6)...)
	s := newPipeSink(func(_ context.Context, call int) error {
		switch call {
		case 1:
			return errDown
		case 2:
			return exporter.Rejected(errors.New("too large"), 1)
		}
		return nil
	})
	clk, logs := &recorder{now: t0}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3, Retry: newRetrier(clk, logs)}
	d.init()
	if err := d.drainOnce(context.Background()); err != errDown {
		t.Fatalf("first attempt: %v", err)
	}
	if got := outbox(t, db); !reflect.DeepEqual(got, ids(1, 3)) {
		t.Errorf("outbox %v, want batch 1 only", got)
	}
	if got := dead(t, db); len(got) != 1 || got[0] != "r5: 1 records rejected: too large" {
		t.Errorf("dead letters %v, want r5", got)
	}
}

// Shutdown with two batches in flight: both are waited for, what was
// accepted is acked (batch 3, started before the end, was accepted), the
// batch cut short stays queued, and no failure is counted.
func TestDeliverer_Pipelined_CancelledInFlight(t *testing.T) {
	db := queued(t, ids(1, 9)...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *pipeSink
	s = newPipeSink(func(ctx context.Context, call int) error {
		switch call {
		case 1:
			<-s.startedCh(2)
			return nil
		case 2:
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	d := &Deliverer{DB: db, Name: testSink, Sink: s, BatchSize: 3}
	if err := d.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain = %v, want cancelled", err)
	}
	if got := outbox(t, db); !reflect.DeepEqual(got, ids(4, 6)) {
		t.Errorf("outbox %v, want batch 2", got)
	}
	if h := d.Health(); h.Failures != 0 || h.Delivered != 6 {
		t.Errorf("health %+v", h)
	}
}
