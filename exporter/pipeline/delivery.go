package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Deliverer moves records from one sink's outbox to the sink: one loop per
// sink, waiting, counting and logging through the sink's Retrier.
type Deliverer struct {
	DB        *state.DB
	Name      string
	Sink      exporter.Sink
	BatchSize int
	// Retry is the sink's retry policy and health, shared with the sink's
	// own schedules; nil means a Retrier with its defaults.
	Retry *Retrier
	// Idle is how often the loop looks at the outbox without a Wake (records
	// appended by another process); zero means 5s.
	Idle time.Duration

	wakeOnce sync.Once
	wake     chan struct{}
	// backoff grows across calls of drainOnce and resets on success.
	backoff *backoff
}

func (d *Deliverer) init() {
	d.wakeOnce.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.BatchSize <= 0 {
			d.BatchSize = 500
		}
		if d.Retry == nil {
			d.Retry = &Retrier{Name: d.Name}
		}
		if d.Idle <= 0 {
			d.Idle = 5 * time.Second
		}
		d.backoff = d.Retry.backoff()
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

// Health returns the sink's delivery health.
func (d *Deliverer) Health() Health {
	d.init()
	return d.Retry.Health()
}

// Run delivers until ctx ends. Failures never drop records: they stay in the
// outbox and the loop backs off.
func (d *Deliverer) Run(ctx context.Context) error {
	d.init()
	idle := time.NewTicker(d.Idle)
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
	log := d.Retry.Log
	for {
		var items []state.Item
		err := d.DB.View(func(tx *state.Tx) error {
			var err error
			items, err = tx.Peek(d.Name, d.BatchSize)
			return err
		})
		if err != nil {
			err = fmt.Errorf("read outbox %s: %w", d.Name, err)
			return d.retryLater(ctx, err)
		}
		if len(items) == 0 {
			return nil
		}
		items, err = d.dropUndecodable(items)
		if err != nil {
			return d.retryLater(ctx, err)
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
				return d.retryLater(ctx, err)
			}
			d.backoff.reset()
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		de := exporter.AsDeliveryError(sendErr)
		switch {
		case de.Permanent:
			d.Retry.failed("outbox", sendErr, false)
			log.Error("sink refused batch for good; moved to dead-letter", "records", len(items), "err", sendErr)
			if err := d.ack(nil, items, sendErr.Error()); err != nil {
				return d.retryLater(ctx, err)
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
			d.Retry.failed("outbox", sendErr, false)
			log.Error("sink rejected records; moved to dead-letter, rest delivered", "rejected", len(dead), "records", len(good), "err", sendErr)
			if err := d.ack(good, dead, sendErr.Error()); err != nil {
				return d.retryLater(ctx, err)
			}
			continue
		}
		if err := d.backoff.wait(ctx, "outbox", len(items), sendErr); err != nil {
			return err
		}
		return sendErr
	}
}

// retryLater handles a failure of the state file as a failed attempt: the
// loop waits and tries the outbox again, and the failure shows in the
// sink's health.
func (d *Deliverer) retryLater(ctx context.Context, err error) error {
	if werr := d.backoff.wait(ctx, "outbox", 0, err); werr != nil {
		return werr
	}
	return err
}

// dropUndecodable dead-letters records that no longer decode (a damaged or
// foreign entry must not block the queue) and returns the rest.
// errUndecodable is the dead-letter reason of an outbox entry that no
// longer decodes into a record.
var errUndecodable = errors.New("undecodable outbox entry")

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
		d.Retry.Log.Error("outbox entries moved to dead-letter", "records", len(bad), "err", errUndecodable)
		if err := d.ack(nil, bad, errUndecodable.Error()); err != nil {
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
	if len(good) > 0 {
		d.Retry.succeeded("outbox", len(good), len(dead))
	} else {
		d.Retry.deadLettered(len(dead))
	}
	return nil
}

func seqs(items []state.Item) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}
