package delivery

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// A Retrier rebuilt by a config reload carries on the old one's counters
// and its run of failures, which began before the reload.
func TestRetrier_Resume(t *testing.T) {
	clk, logs := &recorder{now: t0}, &logCounter{}
	old := newRetrier(clk, logs)
	refused := exporter.Permanent(errors.New("550 refused"))
	digest := func(err error) func(context.Context) error { return func(context.Context) error { return err } }
	if err := old.Attempt(context.Background(), "digest", digest(refused)); err == nil {
		t.Fatal("Attempt = nil")
	}
	clk.now = t0.Add(time.Hour)
	r := newRetrier(clk, logs)
	r.Resume(old)
	if h := r.Health(); h.Failures != 1 || !reflect.DeepEqual(h.Failing, []string{"digest"}) || !h.FailingSince.Equal(t0) || h.LastError != old.Health().LastError {
		t.Errorf("resumed health %+v, want the old one's %+v", h, old.Health())
	}
	if err := r.Attempt(context.Background(), "digest", digest(refused)); err == nil {
		t.Fatal("Attempt = nil")
	}
	if h := r.Health(); h.Failures != 2 || !h.FailingSince.Equal(t0) {
		t.Errorf("health %+v: want 2 failures in a run that began at t0", h)
	}
	if h := old.Health(); h.Failures != 1 {
		t.Errorf("the old Retrier changed with the new one: %+v", h)
	}
	if err := r.Attempt(context.Background(), "digest", digest(nil)); err != nil {
		t.Fatal(err)
	}
	if h := r.Health(); h.Failures != 2 || len(h.Failing) != 0 || !h.FailingSince.IsZero() {
		t.Errorf("health %+v: recovered, counters kept", h)
	}
	logs.check(t, 2)
}
