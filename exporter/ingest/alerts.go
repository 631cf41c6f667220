package ingest

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
	// Commit is the time spent diffing and committing, beside the fetching.
	Commit time.Duration
}

// Poll runs an incremental poll of one (scope, kind): the first poll ever is
// a backfill of every page; later polls send the stored ETag and stop at the
// watermark minus the overlap. Pages are committed in groups while the next
// ones are fetched; the cursor advances only with the last group, after the
// whole listing succeeded.
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
	// decoded says which of the kept undecodable items now decoded: only
	// their keys are recorded, so no listing holds every key it reads
	decoded := map[string]bool{}
	for _, u := range cur.Undecodable {
		decoded[u.Key] = false
	}
	cm := p.newCommitter(origin)
	res, err := p.GH.ListAlerts(ctx, lr, func(page []exporter.Observation) error {
		if len(decoded) > 0 {
			for i := range page {
				if k := itemKey(page[i].Key); !decoded[k] {
					if _, kept := decoded[k]; kept {
						decoded[k] = true // a kept item decoded this time
					}
				}
			}
		}
		return cm.add(page)
	})
	st.Requests, st.Items, st.NotModified = res.Requests, res.Items, res.NotModified
	st.Undecodable = len(cur.Undecodable)
	if err != nil || res.NotModified {
		// what was read before a failure still commits, without the cursor
		st.Records, st.Commit, _ = cm.finish(nil)
		return st, err
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
	raw, err := json.Marshal(cur)
	if err != nil {
		st.Records, st.Commit, _ = cm.finish(nil)
		return st, fmt.Errorf("encode cursor %s: %w", cursorName(scope, src), err)
	}
	// the cursor commits with the last group: never ahead of a record
	st.Records, st.Commit, err = cm.finish(func(tx *state.Tx) error { return tx.PutCursor(cursorName(scope, src), raw) })
	return st, err
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
