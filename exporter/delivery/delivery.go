package delivery

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Deliverer moves records from one sink's outbox to the sink: one loop per
// sink, waiting, counting and logging through the sink's Retrier.
//
// The loop is a pipeline at most three batches deep: while the sink sends
// one batch, the next is read from the outbox and the previous one's ack
// commits. Sends stay one at a time and in outbox order: an ordered sink
// (a syslog stream, the file) sees records in order, and a failed batch
// stops the loop before any later batch reaches the sink. (Concurrent
// sends would let batch N+1 be accepted while N fails, out of order; and
// for HEC the receiver, not the client, is the limit.) The one exception
// is a sink that keeps no order between batches to break, whose prepared
// batches are exporter.PipelinedSends (OTLP, Kafka keyed by record id): the
// next batch is started before the one before it has its answer, two in
// flight at most, and their outcomes are taken in order. A record leaves
// the outbox only after the sink accepted it; whatever was accepted
// before or beside a failure is still acked; whatever was not stays
// queued. A sink that implements exporter.RawSender gets the stored JSON,
// checked by recordjson.DecodeStored, instead of decoded records.
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
	// bufs holds batch buffers done with, for the next reads (recycle):
	// as many as the pipeline holds batches.
	bufs chan []byte
	// backoff grows across calls of drainOnce and resets on success (in
	// the ack committer, which runs only while the sender does not wait).
	backoff *backoff
}

func (d *Deliverer) init() {
	d.wakeOnce.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.bufs = make(chan []byte, 4)
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

// Drain delivers until the outbox is empty, then returns nil. Failed
// deliveries are retried with backoff as in Run. When ctx ends first it
// returns an error that names the sink and the records still queued and
// wraps the latest failure: the failed attempt joined with ctx's error
// when ctx ended the wait after it, ctx's error when ctx cut an attempt
// short or nothing failed. An outbox it cannot count is returned at once,
// unwrapped and not retried.
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
			if left, err := d.pending(); err == nil {
				n = left // batches accepted before the end were acked
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

// retryLater handles a failure of the state file as a failed attempt: the
// loop waits and tries the outbox again, and the failure shows in the
// sink's health.
func (d *Deliverer) retryLater(ctx context.Context, err error) error {
	if werr := d.backoff.wait(ctx, "outbox", 0, err); werr != nil {
		return werr
	}
	return err
}

// ack removes delivered records from the outbox and dead-letters refused
// ones. The first ack after an outage that held records counts the outbox
// (stored count, cheap) for the recovery's log line.
func (d *Deliverer) ack(good, dead []state.RawItem, reason string) error {
	recovering := len(good) > 0 && d.Retry.holding("outbox")
	held := 0
	err := d.DB.Update(func(tx *state.Tx) error {
		if recovering {
			n, err := tx.Pending(d.Name)
			if err != nil {
				return err
			}
			held = n
		}
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
		d.Retry.succeeded("outbox", len(good), len(dead), held)
	} else {
		d.Retry.deadLettered(len(dead))
	}
	return nil
}

func seqs(items []state.RawItem) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}
