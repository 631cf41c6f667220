package exporter_test

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Every runs fn when wake fires (long before the ticker would) and on each
// tick, and returns once ctx ends.
func TestEvery_WakeTickAndStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{})
	calls := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		exporter.Every(ctx, time.Hour, wake, func() { calls <- struct{}{} })
	}()
	wake <- struct{}{}
	<-calls
	cancel()
	<-done

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	n := 0
	exporter.Every(ctx, time.Millisecond, nil, func() {
		if n++; n == 3 {
			cancel()
		}
	})
	// a tick that is due when ctx ends may still run fn once more
	if n < 3 {
		t.Fatalf("fn ran %d times, want a run per tick until ctx ended", n)
	}
}
