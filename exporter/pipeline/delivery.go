package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Deliverer moves records from one sink's outbox to the sink: one loop per
// sink, one retry policy for all sinks (capped exponential backoff with
// jitter, the sink's Retry-After honoured, cancellable).
type Deliverer struct {
	DB         *state.DB
	Name       string
	Sink       exporter.Sink
	BatchSize  int
	MinBackoff time.Duration
	MaxBackoff time.Duration
	Log        *slog.Logger

	wakeOnce sync.Once
	wake     chan struct{}

	mu    sync.Mutex
	stats DeliveryStats
	// backoff is the next wait after a failure; it grows across calls of
	// drainOnce and resets on success.
	backoff time.Duration
}

// DeliveryStats count what a delivery loop did.
type DeliveryStats struct {
	Delivered  int
	DeadLetter int
	Failures   int
	LastError  string
}

func (d *Deliverer) init() {
	d.wakeOnce.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.BatchSize <= 0 {
			d.BatchSize = 500
		}
		if d.MinBackoff <= 0 {
			d.MinBackoff = time.Second
		}
		if d.MaxBackoff < d.MinBackoff {
			d.MaxBackoff = 5 * time.Minute
		}
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Wake tells the loop that records were appended.
func (d *Deliverer) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stats returns a copy of the counters.
func (d *Deliverer) Stats() DeliveryStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Run delivers until ctx ends. Failures never drop records: they stay in the
// outbox and the loop backs off.
func (d *Deliverer) Run(ctx context.Context) error {
	d.init()
	idle := time.NewTicker(5 * time.Second) // also catches records appended by another path
	defer idle.Stop()
	for {
		err := d.drainOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			continue // drainOnce already waited out its backoff
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-idle.C:
		}
	}
}

// Drain delivers until the outbox is empty. It retries failures with
// backoff until ctx ends, then returns the last delivery error.
func (d *Deliverer) Drain(ctx context.Context) error {
	d.init()
	var last error
	for {
		n, err := d.pending()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := d.drainOnce(ctx); err != nil {
			last = err
		}
		if ctx.Err() != nil {
			if last == nil {
				last = ctx.Err()
			}
			return fmt.Errorf("sink %s: %d records still queued: %w", d.Name, n, last)
		}
	}
}

func (d *Deliverer) pending() (int, error) {
	n := 0
	err := d.DB.View(func(tx *state.Tx) (err error) { n, err = tx.Pending(d.Name); return err })
	return n, err
}

// drainOnce sends batches until the outbox is empty (nil) or a send fails;
// after a failure it waits out the backoff before returning the error.
func (d *Deliverer) drainOnce(ctx context.Context) error {
	if d.backoff == 0 {
		d.backoff = d.MinBackoff
	}
	for {
		var items []state.Item
		err := d.DB.View(func(tx *state.Tx) error {
			var err error
			items, err = tx.Peek(d.Name, d.BatchSize)
			return err
		})
		if err != nil {
			return fmt.Errorf("read outbox %s: %w", d.Name, err)
		}
		if len(items) == 0 {
			return nil
		}
		items, err = d.dropUndecodable(items)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			continue
		}
		batch := make([]exporter.Record, len(items))
		for i := range items {
			batch[i] = items[i].Record
		}
		sendErr := d.Sink.Send(ctx, batch)
		if sendErr == nil {
			if err := d.ack(items, nil, ""); err != nil {
				return err
			}
			d.backoff = d.MinBackoff
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		de := exporter.AsDeliveryError(sendErr)
		switch {
		case de.Permanent:
			d.Log.Error("sink refused batch for good; moved to dead-letter", "sink", d.Name, "records", len(items), "err", sendErr)
			if err := d.ack(nil, items, sendErr.Error()); err != nil {
				return err
			}
			continue
		case len(de.Rejected) > 0:
			bad := map[int]bool{}
			for _, i := range de.Rejected {
				bad[i] = true
			}
			var good, dead []state.Item
			for i, it := range items {
				if bad[i] {
					dead = append(dead, it)
				} else {
					good = append(good, it)
				}
			}
			d.Log.Error("sink rejected records; moved to dead-letter, rest delivered", "sink", d.Name, "rejected", len(dead), "delivered", len(good), "err", sendErr)
			if err := d.ack(good, dead, sendErr.Error()); err != nil {
				return err
			}
			continue
		}
		d.mu.Lock()
		d.stats.Failures++
		d.stats.LastError = sendErr.Error()
		d.mu.Unlock()
		wait := d.backoff
		if de.RetryAfter > 0 {
			wait = de.RetryAfter
		}
		if de.Paused {
			wait = d.MaxBackoff
			d.Log.Error("sink needs attention; delivery paused, records kept", "sink", d.Name, "queued", len(items), "retry_in", wait, "err", sendErr)
		} else {
			d.Log.Warn("sink send failed; will retry", "sink", d.Name, "records", len(items), "retry_in", wait, "err", sendErr)
		}
		if err := exporter.Sleep(ctx, jitter(wait)); err != nil {
			return err
		}
		d.backoff = min(d.backoff*2, d.MaxBackoff)
		return sendErr
	}
}

// dropUndecodable dead-letters records that no longer decode (a damaged or
// foreign entry must not block the queue) and returns the rest.
func (d *Deliverer) dropUndecodable(items []state.Item) ([]state.Item, error) {
	var good, bad []state.Item
	for _, it := range items {
		if it.Record.ID == "" {
			bad = append(bad, it)
		} else {
			good = append(good, it)
		}
	}
	if len(bad) > 0 {
		d.Log.Error("undecodable outbox entries moved to dead-letter", "sink", d.Name, "count", len(bad))
		if err := d.ack(nil, bad, "undecodable outbox entry"); err != nil {
			return nil, err
		}
	}
	return good, nil
}

func (d *Deliverer) ack(good, dead []state.Item, reason string) error {
	err := d.DB.Update(func(tx *state.Tx) error {
		if len(good) > 0 {
			if err := tx.Ack(d.Name, seqs(good)...); err != nil {
				return err
			}
		}
		if len(dead) > 0 {
			return tx.DeadLetter(d.Name, reason, seqs(dead)...)
		}
		return nil
	})
	if err != nil {
		// The sink has them; a later resend is a duplicate with the same id,
		// which at-least-once delivery allows.
		return fmt.Errorf("remove delivered records from outbox %s: %w", d.Name, err)
	}
	d.mu.Lock()
	d.stats.Delivered += len(good)
	d.stats.DeadLetter += len(dead)
	d.mu.Unlock()
	return nil
}

func seqs(items []state.Item) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
