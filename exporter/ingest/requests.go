package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// RequestLister is the part of the GitHub client the request job uses.
type RequestLister interface {
	ListRequests(ctx context.Context, rr ghapi.RequestListRequest, fn ghapi.RequestPageFunc) (ghapi.RequestListResult, error)
}

// Requests polls the dismissal and bypass request lists. Each list is read
// whole within Period (request_status=all), every request is diffed against
// its stored request snapshot, and each page's records and snapshots commit
// in one transaction, the last page's with the list's cursor.
type Requests struct {
	DB    *state.DB
	GH    RequestLister
	Sinks []string
	Now   func() time.Time
	// Period is GitHub's time_period (hour, day, week, month).
	Period string
	Notify func()
}

// requestCursor is what the state keeps per request list: that it was read
// once (later reads are polls, not a backfill) and the ETag of a listing
// that was a single page.
type requestCursor struct {
	ETag   string    `json:"etag,omitempty"`
	Polled time.Time `json:"polled"`
}

// RequestCursorName is the cursor of one request list.
func RequestCursorName(l ghapi.RequestList) string { return "requests/" + l.String() }

// RequestStats describe one request list poll.
type RequestStats struct {
	Requests    int
	NotModified bool
	Items       int
	Records     int
	Undecodable int
}

// Poll reads one request list and commits what changed.
func (q *Requests) Poll(ctx context.Context, l ghapi.RequestList) (RequestStats, error) {
	var st RequestStats
	name := RequestCursorName(l)
	cur, found, err := readCursor[requestCursor](q.DB, name)
	if err != nil {
		return st, err
	}
	origin := exporter.OriginPoll
	if !found {
		origin = exporter.OriginBackfill
	}
	start := q.Now().UTC()
	res, err := q.GH.ListRequests(ctx, ghapi.RequestListRequest{List: l, Period: q.Period, ETag: cur.ETag},
		func(page []exporter.RequestObservation, last bool, etag string) error {
			now := q.Now().UTC()
			n := 0
			err := q.DB.Update(func(tx *state.Tx) error {
				var err error
				if n, err = CommitRequests(tx, q.Sinks, page, origin, now); err != nil || !last {
					return err
				}
				return writeCursor(tx, name, requestCursor{ETag: etag, Polled: start})
			})
			if err != nil {
				return fmt.Errorf("commit requests %s: %w", l, err)
			}
			st.Records += n
			if n > 0 && q.Notify != nil {
				q.Notify()
			}
			return nil
		})
	st.Requests, st.NotModified, st.Items, st.Undecodable = res.Requests, res.NotModified, res.Items, res.Undecodable
	return st, err
}

// CommitRequests diffs each request against its stored snapshot, appends
// the records to every sink's outbox and stores the snapshots, in the
// caller's transaction; it returns how many records it appended.
func CommitRequests(tx *state.Tx, sinks []string, obs []exporter.RequestObservation, origin exporter.Origin, now time.Time) (int, error) {
	n := 0
	for i := range obs {
		o := &obs[i]
		prev, ok, err := tx.RequestSnapshot(o.Key)
		if err != nil {
			return n, err
		}
		var p *exporter.RequestSnapshot
		if ok {
			p = &prev
		}
		recs, next := exporter.DiffRequest(p, o, origin, now)
		if ok && next.Equal(prev) && len(recs) == 0 {
			continue
		}
		if len(recs) > 0 {
			if err := alertSeverities(tx, recs); err != nil {
				return n, err
			}
			if err := tx.AppendAll(sinks, recs); err != nil {
				return n, err
			}
		}
		if err := tx.PutRequestSnapshotOver(o.Key, p, next); err != nil {
			return n, err
		}
		n += len(recs)
	}
	return n, nil
}

// alertSeverities gives each request record about a tracked alert that
// alert's current severity (and its title where the request named none),
// from the alert's stored snapshot: "a request approved for a critical
// alert" must be answerable from the request record alone. A request about
// an alert not (yet) tracked carries none.
func alertSeverities(tx *state.Tx, recs []exporter.Record) error {
	for i := range recs {
		r := &recs[i]
		if r.Alert == nil || r.Alert.Number == 0 || r.Repo == "" {
			continue
		}
		switch r.Source {
		case exporter.SourceDependabot, exporter.SourceCodeScanning, exporter.SourceSecretScanning:
		default:
			continue
		}
		snap, ok, err := tx.Snapshot(exporter.AlertKey{Source: r.Source, Repo: r.Repo, Number: r.Alert.Number})
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		r.Alert.Severity, r.Alert.SeverityRaw = snap.Severity, snap.SeverityRaw
		if r.Alert.Title == "" {
			r.Alert.Title = snap.Title
		}
	}
	return nil
}
