package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// AlertLister is the part of the GitHub client the alert jobs use.
type AlertLister interface {
	ListAlerts(ctx context.Context, lr ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error)
	GetAlert(ctx context.Context, src exporter.Source, repo string, number int) (exporter.Observation, error)
}

// Poller runs alert jobs for one GitHub credential.
type Poller struct {
	DB    *state.DB
	GH    AlertLister
	Sinks []string // outboxes every record is appended to
	Now   func() time.Time
	// Overlap is how far before the watermark incremental polls keep reading.
	Overlap time.Duration
	// Notify is called after a commit that appended records (wakes delivery).
	Notify func()
}

// alertCursor is the stored progress of one (scope, kind) list.
type alertCursor struct {
	ETag      string    `json:"etag,omitempty"`
	Watermark time.Time `json:"watermark"`
	// Orgs seen in the last enterprise reconcile, to find alerts of an org
	// that vanished entirely.
	Orgs []string `json:"orgs,omitempty"`
	// Undecodable are items GitHub listed that could not be decoded. Each
	// is tried again: incremental polls read back to its updated_at, and a
	// full listing replaces the whole list.
	Undecodable []ghapi.ItemError `json:"undecodable,omitempty"`
}

func cursorName(scope ghapi.Scope, src exporter.Source) string {
	return "alerts/" + scope.String() + "/" + string(src)
}

// PollStats describe one job run.
type PollStats struct {
	Requests    int
	Items       int
	Records     int
	NotModified bool
	Withdrawn   int
	// Undecodable is how many listed items are refused and kept for retry
	// after this run.
	Undecodable int
}

// Poll runs an incremental poll of one (scope, kind): the first poll ever is
// a backfill of every page; later polls send the stored ETag and stop at the
// watermark minus the overlap. The cursor advances only after the whole
// listing succeeded.
func (p *Poller) Poll(ctx context.Context, scope ghapi.Scope, src exporter.Source) (PollStats, error) {
	var st PollStats
	cur, found, err := p.cursor(scope, src)
	if err != nil {
		return st, err
	}
	origin := exporter.OriginPoll
	lr := ghapi.ListRequest{Scope: scope, Source: src}
	if found {
		lr.ETag = cur.ETag
		lr.Since = retrySince(cur).Add(-p.Overlap)
	} else {
		origin = exporter.OriginBackfill
	}
	decoded := map[string]bool{}
	res, err := p.GH.ListAlerts(ctx, lr, func(page []exporter.Observation) error {
		for i := range page {
			decoded[itemKey(page[i].Key)] = true
		}
		n, err := p.commitPage(page, origin)
		st.Records += n
		return err
	})
	st.Requests, st.Items, st.NotModified = res.Requests, res.Items, res.NotModified
	st.Undecodable = len(cur.Undecodable)
	if err != nil {
		return st, err
	}
	if res.NotModified {
		return st, nil
	}
	if res.MaxUpdated.After(cur.Watermark) {
		cur.Watermark = res.MaxUpdated
	}
	cur.ETag = res.ETag
	if found {
		cur.Undecodable = mergeUndecodable(cur.Undecodable, res.Undecodable, decoded, lr.Since)
	} else {
		cur.Undecodable = res.Undecodable
	}
	st.Undecodable = len(cur.Undecodable)
	return st, p.putCursor(scope, src, cur)
}

// commitPage diffs a page against the stored snapshots and, in ONE
// transaction, stores the new snapshots and appends the records to every
// sink's outbox.
func (p *Poller) commitPage(page []exporter.Observation, origin exporter.Origin) (int, error) {
	if len(page) == 0 {
		return 0, nil
	}
	now := p.Now().UTC()
	n := 0
	err := p.DB.Update(func(tx *state.Tx) error {
		n = 0
		for i := range page {
			k, err := p.diffOne(tx, &page[i], origin, now)
			if err != nil {
				return err
			}
			n += k
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

// diffOne diffs one observation against its stored snapshot inside tx,
// stores the new snapshot and appends the records to every outbox. An
// observation older than the snapshot (by updated_at) — an out-of-order
// webhook, or a poll answered by a replica that has not caught up — is
// skipped: it must never move the snapshot back or emit a false reopen.
func (p *Poller) diffOne(tx *state.Tx, o *exporter.Observation, origin exporter.Origin, now time.Time) (int, error) {
	prev, ok, err := tx.Snapshot(o.Key)
	if err != nil {
		return 0, err
	}
	var pp *exporter.Snapshot
	if ok {
		pp = &prev
	}
	next := o.Snapshot()
	if ok && (prev.Equal(next) || o.UpdatedAt.Before(prev.UpdatedAt)) {
		return 0, nil
	}
	recs := exporter.Diff(pp, o, origin, now)
	if err := tx.PutSnapshot(o.Key, next); err != nil {
		return 0, err
	}
	if err := p.appendAll(tx, recs); err != nil {
		return 0, err
	}
	return len(recs), nil
}

func (p *Poller) appendAll(tx *state.Tx, recs []exporter.Record) error {
	if len(recs) == 0 {
		return nil
	}
	for _, s := range p.Sinks {
		if err := tx.Append(s, recs...); err != nil {
			return err
		}
	}
	return nil
}

func (p *Poller) cursor(scope ghapi.Scope, src exporter.Source) (alertCursor, bool, error) {
	var c alertCursor
	var found bool
	err := p.DB.View(func(tx *state.Tx) error {
		raw := tx.Cursor(cursorName(scope, src))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &c)
	})
	if err != nil {
		return c, false, fmt.Errorf("read cursor %s: %w", cursorName(scope, src), err)
	}
	return c, found, nil
}

func (p *Poller) putCursor(scope ghapi.Scope, src exporter.Source, c alertCursor) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return p.DB.Update(func(tx *state.Tx) error { return tx.PutCursor(cursorName(scope, src), raw) })
}
