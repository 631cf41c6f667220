package daemon

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// exitRunner is a sink with a goroutine of its own that signals when it
// starts and when it returns.
type exitRunner struct {
	exporter.Sink
	started, exited chan struct{}
}

func (r *exitRunner) Run(ctx context.Context) error {
	close(r.started)
	defer close(r.exited)
	<-ctx.Done()
	return nil
}

// Run failing after it started its goroutines (a schedule cron refuses)
// cancels them and waits: when it returns, the sink's runner has returned
// and the metrics endpoint has let go of its port.
func TestRun_ErrorAfterStartLeavesNothingRunning(t *testing.T) {
	e := newEnv(t, "dotcom")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close())
	e.cfg.Metrics.Listen = addr
	runner := &exitRunner{started: make(chan struct{}), exited: make(chan struct{})}
	a := e.app(Options{Sinks: sinksOf(t, e.cfg, func(s exporter.Sink) exporter.Sink {
		runner.Sink = s
		return runner
	})})
	defer a.Close()
	a.cfg.Schedules.Reconcile = "not a schedule" // past validation: only cron refuses it

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the test's context stays live: only Run may cancel
	err = a.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "not a schedule") {
		t.Fatalf("Run = %v, want cron's refusal", err)
	}
	for name, ch := range map[string]chan struct{}{"started": runner.started, "exited": runner.exited} {
		select {
		case <-ch:
		default:
			t.Errorf("sink runner not %s when Run returned", name)
		}
	}
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("metrics port still held after Run returned: %v", err)
	}
	again.Close()
}
