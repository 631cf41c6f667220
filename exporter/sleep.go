package exporter

import (
	"context"
	"time"
)

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// ctx's error in the second case. Every backoff in the exporter waits with
// it, so shutdown is never held up by a sleeping retry.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Every calls fn each time d passes, and each time wake fires (nil: never),
// until ctx ends: the loop of the background jobs that look every so often
// whether there is work (the daemon's state file trims, the email sink's
// immediate mails). fn runs on the caller's goroutine, never twice at once.
func Every(ctx context.Context, d time.Duration, wake <-chan struct{}, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		fn()
	}
}
