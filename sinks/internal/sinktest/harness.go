package sinktest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// bound is how long a harness waits for anything before failing the test
// instead of hanging it; it is a safety net, never what a test asserts.
const bound = 2 * time.Minute

// SinkName is the outbox the harness fills.
const SinkName = "faulty"

// Deps returns complete sink dependencies, as the daemon fills them, for a
// sink built outside the daemon; the store is left nil (the sinks under
// fault test keep no data of their own).
func Deps() exporter.SinkDeps {
	return exporter.SinkDeps{Name: SinkName, Logger: slog.New(slog.DiscardHandler), Version: "test", Now: time.Now}
}

// Records returns n valid, distinct alert records.
func Records(n int) []exporter.Record {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	out := make([]exporter.Record, n)
	for i := range out {
		t := at.Add(time.Duration(i) * time.Second)
		repo := fmt.Sprintf("acme/service-%02d", i%7)
		out[i] = exporter.Record{
			Schema: exporter.SchemaVersion, ID: exporter.AlertRecordID(exporter.SourceDependabot, repo, i+1, exporter.ActionDismissed, t),
			Time: t, ObservedAt: t.Add(time.Minute), Category: exporter.CategoryAlert, Source: exporter.SourceDependabot,
			Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "alice",
			Alert: &exporter.AlertInfo{Number: i + 1, State: "dismissed", PreviousState: "open", Severity: exporter.SeverityHigh,
				SeverityRaw: "high", Title: "Prototype pollution in lodash", Package: "lodash", Ecosystem: "npm", Reason: "tolerable_risk"},
		}
	}
	return out
}

// IDs returns the records' ids as a set.
func IDs(recs []exporter.Record) map[string]bool {
	out := make(map[string]bool, len(recs))
	for _, r := range recs {
		out[r.ID] = true
	}
	return out
}

// Harness is one outbox and its delivery loop.
type Harness struct {
	DB        *state.DB
	Deliverer *delivery.Deliverer
	want      int
}

// New opens a state file in a temporary directory, appends recs to the
// outbox and builds a Deliverer for sink with a fast backoff.
func New(t testing.TB, sink exporter.Sink, recs []exporter.Record) *Harness {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *state.Tx) error { return tx.Append(SinkName, recs...) }); err != nil {
		t.Fatal(err)
	}
	return &Harness{
		DB: db,
		Deliverer: &delivery.Deliverer{DB: db, Name: SinkName, Sink: sink, BatchSize: len(recs),
			Retry: &delivery.Retrier{Name: SinkName, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}},
		want: len(recs),
	}
}

// Counts returns the outbox's pending and dead-letter counts.
func (h *Harness) Counts(t testing.TB) (pending, dead int) {
	t.Helper()
	if err := h.DB.View(func(tx *state.Tx) error {
		var err error
		if pending, err = tx.Pending(SinkName); err != nil {
			return err
		}
		dead, err = tx.DeadCount(SinkName)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return pending, dead
}

// FailThenRecover runs the delivery loop against the broken receiver until
// it has failed failures times, checks that every record is still queued
// and none dead-lettered, calls heal, and waits for the loop to deliver
// everything.
func (h *Harness) FailThenRecover(t testing.TB, failures int, heal func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.Deliverer.Drain(ctx) }()
	for h.Deliverer.Health().Failures < failures {
		select {
		case err := <-done:
			t.Fatalf("delivery loop ended before failing %d times: %v (stats %+v)", failures, err, h.Deliverer.Health())
		case <-time.After(time.Millisecond):
		}
	}
	if p, d := h.Counts(t); p != h.want || d != 0 {
		t.Fatalf("after %d failures: %d pending, %d dead-lettered; want %d and 0 (stats %+v)", failures, p, d, h.want, h.Deliverer.Health())
	}
	heal()
	if err := <-done; err != nil {
		t.Fatalf("delivery after the fault cleared: %v", err)
	}
	if p, d := h.Counts(t); p != 0 || d != 0 {
		t.Fatalf("after recovery: %d pending, %d dead-lettered", p, d)
	}
	if st := h.Deliverer.Health(); st.Delivered != h.want {
		t.Fatalf("delivered %d, want %d", st.Delivered, h.want)
	}
}

// Send calls sink.Send once and returns its error, failing the test if the
// call does not return within the harness's bound (a hang). Timeouts the
// sink enforces are far below that bound.
func Send(t testing.TB, sink exporter.Sink, batch []exporter.Record) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- sink.Send(context.Background(), batch)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(bound):
		t.Fatalf("Send did not return within %s", bound)
		return nil
	}
}

// MustRetry fails the test unless err is a retryable delivery failure: not
// nil, not permanent, no record rejected (nothing may be dead-lettered for a
// receiver's fault). It returns the classification.
func MustRetry(t testing.TB, what string, err error) *exporter.DeliveryError {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: Send succeeded", what)
	}
	de := exporter.Classify(err)
	var classified *exporter.DeliveryError
	if !errors.As(err, &classified) {
		t.Errorf("%s: error is not classified (exporter.DeliveryError): %v", what, err)
	}
	if !de.Kind.Retried() {
		t.Fatalf("%s: %v classified as permanent or rejected; a receiver fault must keep the batch", what, err)
	}
	return de
}
