package delivery

import (
	"context"
	"errors"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// The pipeline holds at most three batches: one read ahead, one being
// sent, and the one before, whose ack commits meanwhile (four with a
// pipelined sink: two in flight). Before each send every commit but the
// latest has finished, so a failed commit of batch N stops the loop
// before batch N+2 is sent (N+3 with a pipelined sink). A deeper pipeline
// would buy only memory: sends are one at a time, or two for a pipelined
// sink, and a read or a commit takes less than a send.

// drainOnce sends batches until the outbox is empty (nil) or something
// fails; after a failure it waits out the backoff before returning the
// error. Three goroutines: read reads the outbox ahead, this one sends, an
// ackCommitter acks. Every batch the sink accepted is acked before drainOnce
// returns, whatever stopped it.
func (d *Deliverer) drainOnce(ctx context.Context) error {
	_, raw := d.Sink.(exporter.RawSender)
	stop := make(chan struct{})
	batches := make(chan *batch)
	go d.read(stop, batches, raw)
	c := d.startAckCommitter()

	records, readErr, sendErr := d.sendAll(ctx, batches, c)

	close(stop)
	for range batches {
		// let read see stop and end
	}
	commitErr := c.wait()
	switch {
	case ctx.Err() != nil && (sendErr != nil || commitErr != nil || readErr != nil):
		return ctx.Err()
	case commitErr != nil && sendErr != nil:
		// the batch after the failed commit failed too: one failed attempt
		return d.retryLater(ctx, errors.Join(commitErr, sendErr))
	case commitErr != nil:
		return d.retryLater(ctx, commitErr)
	case readErr != nil:
		return d.retryLater(ctx, readErr)
	case sendErr != nil:
		if err := d.backoff.wait(ctx, "outbox", records, sendErr); err != nil {
			return err
		}
		return sendErr
	}
	return nil
}

// read reads batches on from the outbox's head until it is empty, a read
// fails (the failure is the last batch) or stop closes, then closes out.
func (d *Deliverer) read(stop <-chan struct{}, out chan<- *batch, raw bool) {
	defer close(out)
	var after uint64
	for {
		b := d.readBatch(after, raw)
		select {
		case out <- b:
		case <-stop:
			return
		}
		if b.err != nil || b.read == 0 {
			return
		}
		after = b.last
	}
}

// sendAll sends the batches in order and queues each one's outcome for
// the ackCommitter. It stops at the end of the outbox, at a read failure
// (readErr), at a failed commit (which the ackCommitter reports), or at a
// send that failed retryably or was cancelled (sendErr, with the size of
// that batch).
//
// A batch whose prepared send is an exporter.PipelinedSend is started
// before the outcome of the batch before it is taken, so two are in
// flight; outcomes are still taken, and committed, in outbox order. When
// the first of two fails, the second is waited for too and settled as
// any batch is: what it got accepted is acked, and only the first
// failure stops the loop.
func (d *Deliverer) sendAll(ctx context.Context, batches <-chan *batch, c *ackCommitter) (records int, readErr, sendErr error) {
	var inflight *started // a pipelined batch started, its outcome not taken
	// finish takes the outcome of the batch in flight; a failure comes
	// with that batch's size
	finish := func() (int, error) {
		if inflight == nil {
			return 0, nil
		}
		f := inflight
		inflight = nil
		return len(f.b.items), d.settle(ctx, c, f.b, f.wait())
	}
	for b := range batches {
		if b.err != nil || b.read == 0 {
			if n, err := finish(); err != nil {
				return n, nil, err
			}
			return 0, b.err, nil
		}
		if len(b.bad) > 0 {
			log := d.Retry.Log
			c.submit(commit{dead: b.bad, reason: errUndecodable, log: func() {
				log.Error("outbox entries moved to dead-letter", "records", len(b.bad), "err", errUndecodable)
			}})
		}
		if len(b.items) == 0 {
			continue
		}
		if c.failedBehind() {
			// the state file refused an ack: stop sending until it recovers
			n, err := finish()
			return n, nil, err
		}
		p, pipelined := b.prepared.(exporter.PipelinedSend)
		if !pipelined {
			if n, err := finish(); err != nil {
				return n, nil, err
			}
			if err := d.settle(ctx, c, b, d.send(ctx, b)); err != nil {
				return len(b.items), nil, err
			}
			continue
		}
		next := &started{b: b, wait: p.Start(ctx)}
		n, err := finish()
		inflight = next
		if err != nil {
			// next is in flight too: take its outcome, whatever it is
			_, _ = finish()
			return n, nil, err
		}
	}
	n, err := finish()
	return n, nil, err
}

// started is a pipelined batch in flight and the wait for its outcome.
type started struct {
	b    *batch
	wait func() error
}

// settle queues the commit of batch b's outcome err: nil acks the batch,
// a permanent failure dead-letters it, a rejection dead-letters the
// rejected records and acks the rest. Any other failure, or a ctx that
// ended, queues nothing and is returned: the batch stays in the outbox and
// the loop stops.
func (d *Deliverer) settle(ctx context.Context, c *ackCommitter, b *batch, err error) error {
	d.recycle(b)
	if err == nil {
		c.submit(commit{good: b.items})
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	log := d.Retry.Log
	switch de := exporter.Classify(err); de.Kind {
	case exporter.KindPermanent:
		c.submit(commit{dead: b.items, reason: err, failure: err, log: func() {
			log.Error("sink refused batch for good; moved to dead-letter", "records", len(b.items), "err", err)
		}})
	case exporter.KindRejected:
		good, dead := b.split(de.Rejected)
		c.submit(commit{good: good, dead: dead, reason: err, failure: err, log: func() {
			log.Error("sink rejected records; moved to dead-letter, rest delivered", "rejected", len(dead), "records", len(good), "err", err)
		}})
	default:
		return err
	}
	return nil
}

// commit is one batch's outcome: what to ack, what to dead-letter and why,
// and the failure to count and log first (permanent, rejected: logged
// every time, since each loses records), so that health and logs follow
// the batches' order.
type commit struct {
	good, dead []state.RawItem
	reason     error
	failure    error
	log        func()
}

// ackCommitter runs the commits in the order they were submitted. A commit
// that fails is reported by wait and stops the sender (failedBehind); the
// commits after it still run, since their records were accepted too.
type ackCommitter struct {
	d    *Deliverer
	jobs chan commit
	done chan struct{}

	mu        sync.Mutex
	cond      sync.Cond
	submitted int
	finished  int
	err       error
}

func (d *Deliverer) startAckCommitter() *ackCommitter {
	c := &ackCommitter{d: d, jobs: make(chan commit, 1), done: make(chan struct{})}
	c.cond.L = &c.mu
	go c.run()
	return c
}

func (c *ackCommitter) run() {
	defer close(c.done)
	for j := range c.jobs {
		if j.failure != nil {
			c.d.Retry.failed("outbox", j.failure, exporter.Classify(j.failure).Kind)
		}
		if j.log != nil {
			j.log()
		}
		reason := ""
		if j.reason != nil {
			reason = j.reason.Error()
		}
		err := c.d.ack(j.good, j.dead, reason)
		if err == nil && len(j.good) > 0 {
			// the sender touches the backoff only after wait
			c.d.backoff.reset()
		}
		c.mu.Lock()
		if err != nil && c.err == nil {
			c.err = err
		}
		c.finished++
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// submit queues a commit.
func (c *ackCommitter) submit(j commit) {
	c.mu.Lock()
	c.submitted++
	c.mu.Unlock()
	c.jobs <- j
}

// failedBehind waits until every commit but the latest has finished and
// reports whether one failed.
func (c *ackCommitter) failedBehind() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.finished < c.submitted-1 {
		c.cond.Wait()
	}
	return c.err != nil
}

// wait runs the queued commits to the end and returns the first failure.
func (c *ackCommitter) wait() error {
	close(c.jobs)
	<-c.done
	return c.err
}
