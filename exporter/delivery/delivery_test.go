package delivery

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// Every branch of the delivery loop, driven by a scripted sink, with the
// waits it made recorded instead of slept.
func TestDeliverer_Drain_Branches(t *testing.T) {
	five := []string{"r1", "r2", "r3", "r4", "r5"}
	s := time.Second
	tests := []drainCase{
		{
			name: "accepted in batches", queued: five,
			batches: [][]string{{"r1", "r2", "r3"}, {"r4", "r5"}},
		},
		{
			name: "unclassified error: capped exponential backoff", queued: five,
			script:  []error{errDown, errDown, errDown, errDown, errDown},
			batches: [][]string{{"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r4", "r5"}},
			waits:   []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 8 * s}, failures: 5, retries: 5,
			logs: 1, recovered: []string{"outbox outage=23s failures=5 records=5"},
		},
		{
			name: "backoff resets after a success", queued: five,
			script:  []error{errDown, errDown, nil, errDown},
			batches: [][]string{{"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r4", "r5"}, {"r4", "r5"}},
			waits:   []time.Duration{1 * s, 2 * s, 1 * s}, failures: 3, retries: 3,
			logs: 2, recovered: []string{"outbox outage=3s failures=2 records=5", "outbox outage=1s failures=1 records=2"},
		},
		{
			name: "Retry-After honoured exactly, backoff not advanced", queued: five,
			script:  []error{exporter.Retryable(errDown, 7*s), errDown},
			batches: [][]string{{"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r4", "r5"}},
			waits:   []time.Duration{7 * s, 1 * s}, failures: 2, retries: 2,
			logs: 1, recovered: []string{"outbox outage=8s failures=2 records=5"},
		},
		{
			name: "paused: waits the maximum, keeps every record", queued: five,
			script:  []error{exporter.Paused(errors.New("401 bad token"))},
			batches: [][]string{{"r1", "r2", "r3"}, {"r1", "r2", "r3"}, {"r4", "r5"}},
			waits:   []time.Duration{8 * s}, failures: 1, retries: 1,
			logs: 1, recovered: []string{"outbox outage=8s failures=1 records=5"},
		},
		{
			name: "permanent: the batch is dead-lettered, the rest delivered", queued: five,
			script:   []error{exporter.Permanent(errors.New("400 bad format"))},
			batches:  [][]string{{"r1", "r2", "r3"}, {"r4", "r5"}},
			dead:     []string{"r1: permanent: 400 bad format", "r2: permanent: 400 bad format", "r3: permanent: 400 bad format"},
			failures: 1, logs: 1, // nothing was held: no recovery
		},
		{
			name: "rejected: only the listed records are dead-lettered", queued: five,
			script:   []error{exporter.Rejected(errors.New("invalid event"), 0, 2)},
			batches:  [][]string{{"r1", "r2", "r3"}, {"r4", "r5"}},
			dead:     []string{"r1: 2 records rejected: invalid event", "r3: 2 records rejected: invalid event"},
			failures: 1, logs: 1,
		},
		{
			name: "undecodable entry is dead-lettered and does not block the queue", queued: []string{"r1", "", "r3"},
			batches: [][]string{{"r1", "r3"}},
			dead:    []string{": undecodable outbox entry"}, logs: 1,
		},
	}
	for _, tt := range tests {
		for _, kind := range sinkKinds {
			t.Run(tt.name+kind, func(t *testing.T) { tt.run(t, kind) })
		}
	}
}

type drainCase struct {
	name   string
	queued []string // "" queues an entry that decodes without an id
	script []error
	// want: the batches sent, the ids dead-lettered with reasons, the
	// waits, the health counters (every failure and retry), the failure
	// lines logged (one per change of error) and the recoveries logged.
	batches   [][]string
	dead      []string
	waits     []time.Duration
	failures  int
	retries   int
	logs      int
	recovered []string
}

// run queues the records, drains them through a scripted sink of the kind
// (taking decoded records, stored bytes, or stored bytes prepared ahead)
// and checks what was sent, dead-lettered, waited and counted.
func (tt drainCase) run(t *testing.T, kind string) {
	db := queued(t, tt.queued...)
	clk, logs := &recorder{now: t0}, &logCounter{}
	sink := &scriptedSink{script: tt.script}
	d := &Deliverer{DB: db, Name: testSink, Sink: ofKind(kind, sink), BatchSize: 3, Retry: newRetrier(clk, logs)}
	must(t, d.Drain(context.Background()))

	if !reflect.DeepEqual(sink.batches, tt.batches) {
		t.Errorf("batches sent\n got %v\nwant %v", sink.batches, tt.batches)
	}
	if got := dead(t, db); !reflect.DeepEqual(got, tt.dead) {
		t.Errorf("dead-lettered\n got %q\nwant %q", got, tt.dead)
	}
	if got := outbox(t, db); len(got) != 0 {
		t.Errorf("outbox still holds %v", got)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, tt.waits) {
		t.Errorf("waits %v, want %v", got, tt.waits)
	}
	h := d.Health()
	var waited time.Duration
	for _, w := range tt.waits {
		waited += w
	}
	want := Health{
		Delivered: len(tt.queued) - len(tt.dead), DeadLettered: len(tt.dead),
		Failures: tt.failures, Retries: tt.retries, Waited: waited, LastError: h.LastError,
	}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("health %+v, want %+v", h, want)
	}
	if (tt.failures > 0) != (h.LastError != "") {
		t.Errorf("last error %q after %d failures", h.LastError, tt.failures)
	}
	logs.check(t, tt.logs)
	logs.checkRecovered(t, tt.recovered...)
}

// A wait cut short by shutdown ends Drain with the records kept and the
// sink's failure named.
func TestDeliverer_Drain_CancelledDuringWait(t *testing.T) {
	db := statetest.Open(t)
	must(t, db.Update(func(tx *state.Tx) error { return tx.Append(testSink, rec("r1"), rec("r2")) }))
	clk, logs := &recorder{now: t0, cancelAt: 2}, &logCounter{}
	d := &Deliverer{DB: db, Name: testSink, Sink: &scriptedSink{script: []error{errDown, errDown, errDown}}, Retry: newRetrier(clk, logs)}
	ctx, cancel := context.WithCancel(context.Background())
	d.Retry.Sleep = func(c context.Context, dur time.Duration) error {
		if err := clk.Sleep(c, dur); err != nil {
			cancel()
			return err
		}
		return nil
	}
	err := d.Drain(ctx)
	if err == nil || !strings.Contains(err.Error(), "2 records still queued") {
		t.Fatalf("Drain = %v, want the records still queued", err)
	}
	if got := outbox(t, db); !reflect.DeepEqual(got, []string{"r1", "r2"}) {
		t.Errorf("outbox %v, want both records kept", got)
	}
	if got := clk.Waits(); !reflect.DeepEqual(got, []time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("waits %v", got)
	}
	h := d.Health()
	if h.Failures != 2 || !h.FailingSince.Equal(t0) || h.LastError != errDown.Error() || !reflect.DeepEqual(h.Failing, []string{"outbox"}) {
		t.Errorf("health %+v: want 2 failures, failing since the first", h)
	}
	logs.check(t, 1) // the same error twice
	logs.checkRecovered(t)
}

// Run delivers what a Wake announces and stops with its context.
func TestDeliverer_Run_WakeDelivers(t *testing.T) {
	db := statetest.Open(t)
	sink := &scriptedSink{}
	d := &Deliverer{DB: db, Name: testSink, Sink: sink, Idle: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	for i := range 3 {
		must(t, db.Update(func(tx *state.Tx) error { return tx.Append(testSink, rec(fmt.Sprint("r", i))) }))
		d.Wake()
		for d.Health().Delivered != i+1 {
			// Delivered is the event: each Wake must lead to one delivery.
			select {
			case err := <-done:
				t.Fatalf("Run ended early: %v", err)
			case <-time.After(time.Millisecond):
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if len(sink.batches) != 3 {
		t.Errorf("batches %v, want one per wake", sink.batches)
	}
}
