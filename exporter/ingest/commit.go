package ingest

import (
	"cmp"
	"fmt"
	"slices"
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
//
// A group's size sets the backfill's heap: its observations, records and
// encoded values, and the pages the commit writes (which bbolt then keeps
// pooled), all grow with it, and the GC lets the heap reach twice that. At
// 3,000 alerts a 1M-alert backfill peaks near 50 MiB where 5,000 took
// 60-65; the commit time per alert did not measurably change (a group
// still rewrites its snapshot leaves and syncs twice, spread over 3,000).
const (
	groupPages  = 30
	groupAlerts = 3000
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
		// the backing array is reused: drop its pages, or they stay
		// reachable while the next group fills
		clear(group)
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
// sink's outbox and runs last (the cursor), if not nil. It clears group's
// entries (not the pages) once they are diffed: the caller gives them up.
//
// The group is diffed in snapshot-key order, not listing order: a listing
// sorted by time jumps between repositories on every item, while in key
// order the stored snapshots are read by walking one cursor, and each put
// lands next to the last. The records are still appended in listing order.
func (p *Poller) commitGroup(group [][]exporter.Observation, origin exporter.Origin, last func(tx *state.Tx) error) (int, error) {
	now := p.Now().UTC()
	order := keyOrder(group)
	obs := func(i int) *exporter.Observation { return &group[order[i].page][order[i].item] }
	n := 0
	err := p.DB.Update(func(tx *state.Tx) error {
		n = 0
		// every read before the first write: a write moves the cursor
		prevs := make([]*exporter.Snapshot, len(order))
		if err := tx.LookupSnapshots(len(order), func(i int) exporter.AlertKey { return obs(i).Key },
			func(i int, s *exporter.Snapshot) error { prevs[i] = s; return nil }); err != nil {
			return err
		}
		recs := make([][]exporter.Record, len(order))
		for i := range order {
			o, prev := obs(i), prevs[i]
			if i > 0 && obs(i-1).Key == o.Key {
				// listed twice: diffed against what the first sighting left
				prev = prevs[i-1]
			}
			r, stored, err := p.diffAgainst(tx, o, prev, origin, now)
			if err != nil {
				return err
			}
			prevs[i] = prev
			if stored && i+1 < len(order) && obs(i+1).Key == o.Key {
				next := o.Snapshot()
				prevs[i] = &next
			}
			recs[order[i].flat] = r
		}
		// appended page by page, in listing order
		var page []exporter.Record
		flat := 0
		for _, obs := range group {
			page = page[:0]
			for range obs {
				page = append(page, recs[flat]...)
				flat++
			}
			n += len(page)
			if err := tx.AppendAll(p.Sinks, page); err != nil {
				return err
			}
		}
		// the records are encoded and the snapshots stored: let the
		// observations go before the commit writes the pages, its peak
		clear(group)
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

// groupPos is one observation of a group: its page, its place in the page
// and its place in the whole group in listing order.
type groupPos struct{ page, item, flat int32 }

// keyOrder returns the group's observations sorted like the snapshot
// bucket (source, repo, number). An alert listed twice (it moved between
// two pages) keeps its listing order, so the later sighting is diffed
// against the earlier one, as it would be page by page.
func keyOrder(group [][]exporter.Observation) []groupPos {
	var order []groupPos
	for p, page := range group {
		for i := range page {
			order = append(order, groupPos{page: int32(p), item: int32(i), flat: int32(len(order))})
		}
	}
	key := func(g groupPos) *exporter.AlertKey { return &group[g.page][g.item].Key }
	slices.SortFunc(order, func(a, b groupPos) int {
		ka, kb := key(a), key(b)
		if c := cmp.Compare(ka.Source, kb.Source); c != 0 {
			return c
		}
		if c := cmp.Compare(ka.Repo, kb.Repo); c != 0 {
			return c
		}
		if c := cmp.Compare(ka.Number, kb.Number); c != 0 {
			return c
		}
		return cmp.Compare(a.flat, b.flat)
	})
	return order
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
// in the same transaction.
func (p *Poller) diff(tx *state.Tx, o *exporter.Observation, origin exporter.Origin, now time.Time) ([]exporter.Record, error) {
	prev, ok, err := tx.Snapshot(o.Key)
	if err != nil {
		return nil, err
	}
	var pp *exporter.Snapshot
	if ok {
		pp = &prev
	}
	recs, _, err := p.diffAgainst(tx, o, pp, origin, now)
	return recs, err
}

// diffAgainst diffs one observation against prev, its stored snapshot (nil
// when untracked), stores the new snapshot and returns the records and
// whether it stored one. An observation older than the
// snapshot (by updated_at) — an out-of-order webhook, or a poll answered by
// a replica that has not caught up — is skipped: it must never move the
// snapshot back or emit a false reopen. A snapshot whose updated_at is
// more than MaxClockSkew ahead of now orders nothing: one delivery saying
// 2099 must not blind every later observation of the alert for good.
func (p *Poller) diffAgainst(tx *state.Tx, o *exporter.Observation, prev *exporter.Snapshot, origin exporter.Origin, now time.Time) ([]exporter.Record, bool, error) {
	next := o.Snapshot()
	if prev != nil && (prev.Equal(next) || o.UpdatedAt.Before(prev.UpdatedAt) && !prev.UpdatedAt.After(now.Add(MaxClockSkew))) {
		return nil, false, nil
	}
	recs := exporter.Diff(prev, o, origin, now)
	if err := tx.PutSnapshotOver(o.Key, prev, next, o.CreatedAt); err != nil {
		return nil, false, err
	}
	return recs, true, nil
}

// MaxClockSkew is how far ahead of this host's clock an alert's updated_at
// may be and still order observations: GitHub's clock and ours differ by
// seconds, not hours.
const MaxClockSkew = 10 * time.Minute

func (p *Poller) appendAll(tx *state.Tx, recs []exporter.Record) error {
	return tx.AppendAll(p.Sinks, recs)
}
