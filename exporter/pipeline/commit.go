package pipeline

import (
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// A listing's pages are committed in groups: one transaction (and one
// fsync) per group rather than per page, while the next pages are fetched.
// A group closes at groupPages pages or groupAlerts alerts; at most
// queuedPages more wait for it, so a listing holds a bounded number of
// pages whatever its length. Nothing is lost by a crash with a group
// pending: the cursor only advances in the transaction of the last group.
const (
	groupPages  = 50
	groupAlerts = 5000
	queuedPages = 4
)

// committer diffs and commits a listing's pages in groups on its own
// goroutine, which add and finish own: finish always stops it.
type committer struct {
	p      *Poller
	origin exporter.Origin
	pages  chan []exporter.Observation
	failed chan struct{} // closed when a commit failed; err says why
	done   chan struct{}
	// last is written into the transaction of the last group (the
	// cursor); set by finish before the goroutine can read it.
	last func(tx *state.Tx) error

	err     error
	records int
	spent   time.Duration
}

func (p *Poller) newCommitter(origin exporter.Origin) *committer {
	c := &committer{p: p, origin: origin, pages: make(chan []exporter.Observation, queuedPages),
		failed: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// add queues one page (kept, not copied) and blocks while queuedPages are
// waiting. It returns the error of an earlier group's commit, if any.
func (c *committer) add(page []exporter.Observation) error {
	if len(page) == 0 {
		return nil
	}
	select {
	case c.pages <- page:
		return nil
	case <-c.failed:
		return c.err
	}
}

// finish commits what is queued, with last (nil for nothing) in the final
// transaction, stops the goroutine and says how many records were
// appended and how long the diffs and commits took.
func (c *committer) finish(last func(tx *state.Tx) error) (records int, spent time.Duration, err error) {
	c.last = last
	close(c.pages)
	<-c.done
	return c.records, c.spent, c.err
}

func (c *committer) run() {
	defer close(c.done)
	var group [][]exporter.Observation
	alerts := 0
	for page := range c.pages {
		if c.err != nil {
			continue // failed: drain until finish
		}
		group = append(group, page)
		alerts += len(page)
		if len(group) < groupPages && alerts < groupAlerts {
			continue
		}
		c.commit(group, nil)
		group, alerts = group[:0], 0
	}
	if c.err == nil && (len(group) > 0 || c.last != nil) {
		c.commit(group, c.last)
	}
}

func (c *committer) commit(group [][]exporter.Observation, last func(tx *state.Tx) error) {
	start := time.Now()
	n, err := c.p.commitGroup(group, c.origin, last)
	c.spent += time.Since(start)
	c.records += n
	if err != nil {
		c.err = err
		close(c.failed)
	}
}

// commitPage diffs one page and commits it in one transaction.
func (p *Poller) commitPage(page []exporter.Observation, origin exporter.Origin) (int, error) {
	if len(page) == 0 {
		return 0, nil
	}
	return p.commitGroup([][]exporter.Observation{page}, origin, nil)
}

// commitGroup diffs pages against the stored snapshots and, in ONE
// transaction, stores the new snapshots, appends the records to every
// sink's outbox and runs last (the cursor), if not nil.
func (p *Poller) commitGroup(group [][]exporter.Observation, origin exporter.Origin, last func(tx *state.Tx) error) (int, error) {
	now := p.Now().UTC()
	n := 0
	err := p.DB.Update(func(tx *state.Tx) error {
		n = 0
		// records are appended page by page: only one page's are held
		var recs []exporter.Record
		for _, page := range group {
			recs = recs[:0]
			for i := range page {
				r, err := p.diff(tx, &page[i], origin, now)
				if err != nil {
					return err
				}
				recs = append(recs, r...)
			}
			n += len(recs)
			if err := tx.AppendAll(p.Sinks, recs); err != nil {
				return err
			}
		}
		if last != nil {
			return last(tx)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("commit alert page: %w", err)
	}
	if n > 0 && p.Notify != nil {
		p.Notify()
	}
	return n, nil
}

// diffOne diffs one observation inside tx, stores its snapshot and appends
// the records to every outbox.
func (p *Poller) diffOne(tx *state.Tx, o *exporter.Observation, origin exporter.Origin, now time.Time) (int, error) {
	recs, err := p.diff(tx, o, origin, now)
	if err != nil {
		return 0, err
	}
	return len(recs), tx.AppendAll(p.Sinks, recs)
}

// diff diffs one observation against its stored snapshot inside tx, stores
// the new snapshot and returns the records, which the caller must append
// in the same transaction. An observation older than the snapshot (by
// updated_at) — an out-of-order webhook, or a poll answered by a replica
// that has not caught up — is skipped: it must never move the snapshot
// back or emit a false reopen.
func (p *Poller) diff(tx *state.Tx, o *exporter.Observation, origin exporter.Origin, now time.Time) ([]exporter.Record, error) {
	prev, ok, err := tx.Snapshot(o.Key)
	if err != nil {
		return nil, err
	}
	var pp *exporter.Snapshot
	if ok {
		pp = &prev
	}
	next := o.Snapshot()
	if ok && (prev.Equal(next) || o.UpdatedAt.Before(prev.UpdatedAt)) {
		return nil, nil
	}
	recs := exporter.Diff(pp, o, origin, now)
	if err := tx.PutSnapshot(o.Key, next); err != nil {
		return nil, err
	}
	return recs, nil
}

func (p *Poller) appendAll(tx *state.Tx, recs []exporter.Record) error {
	return tx.AppendAll(p.Sinks, recs)
}
