package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// GenericSecretTypes are the secret types of a second secret scanning
	// listing per scope: GitHub's lists return only the default (provider)
	// patterns unless secret_type names the generic ones. Empty reads the
	// default listing only.
	GenericSecretTypes []string
}

// alertCursor is the stored progress of one alert listing.
type alertCursor struct {
	ETag      string    `json:"etag,omitempty"`
	Watermark time.Time `json:"watermark"`
	// SecretTypes are the secret types the listing named (the generic
	// secret scanning listing): when the configured ones differ, the next
	// poll lists them in full, so a newly named type's alerts are read.
	SecretTypes []string `json:"secret_types,omitempty"`
	// Orgs seen in the last enterprise reconcile, to find alerts of an org
	// that vanished entirely.
	Orgs []string `json:"orgs,omitempty"`
	// Undecodable are items GitHub listed that could not be decoded. Each
	// is tried again: incremental polls read back to its updated_at, and a
	// full listing replaces the whole list.
	Undecodable []ghapi.ItemError `json:"undecodable,omitempty"`
}

// listing is one alert list of a (scope, kind), with a cursor of its own.
// Secret scanning is read twice per scope: as GitHub lists it by default
// (provider patterns), and naming the generic types, which GitHub returns
// only when named. Both feed the same snapshots and diff: an alert is one
// alert whichever listing shows it.
type listing struct {
	scope ghapi.Scope
	src   exporter.Source
	types []string // secret_type; nil for GitHub's default list
}

// listings are the listings of one (scope, kind).
func (p *Poller) listings(scope ghapi.Scope, src exporter.Source) []listing {
	ls := []listing{{scope: scope, src: src}}
	if src == exporter.SourceSecretScanning && len(p.GenericSecretTypes) > 0 {
		types := slices.Clone(p.GenericSecretTypes)
		slices.Sort(types)
		ls = append(ls, listing{scope: scope, src: src, types: slices.Compact(types)})
	}
	return ls
}

// cursorName is where the listing's cursor is kept: the default listing
// keeps the name it always had, the generic one adds "/generic".
func (l listing) cursorName() string {
	n := cursorName(l.scope, l.src)
	if l.types != nil {
		n += "/generic"
	}
	return n
}

func (l listing) request() ghapi.ListRequest {
	return ghapi.ListRequest{Scope: l.scope, Source: l.src, SecretTypes: l.types}
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

// add sums the stats of another listing of the same job into st.
func (st *PollStats) add(o PollStats) {
	st.Requests += o.Requests
	st.Items += o.Items
	st.Records += o.Records
	st.NotModified = st.NotModified && o.NotModified
	st.Withdrawn += o.Withdrawn
	st.Undecodable += o.Undecodable
	st.Commit += o.Commit
}

// Poll runs an incremental poll of one (scope, kind), each of its listings
// in turn (a failing one does not stop the other: they keep cursors of
// their own); the stats add up, and NotModified is true when every listing
// was.
func (p *Poller) Poll(ctx context.Context, scope ghapi.Scope, src exporter.Source) (PollStats, error) {
	st := PollStats{NotModified: true}
	var errs []error
	for _, l := range p.listings(scope, src) {
		ls, err := p.pollListing(ctx, l)
		st.add(ls)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return st, errors.Join(errs...)
}

// pollListing runs an incremental poll of one listing: the first poll ever
// (or after its secret types changed) is a backfill of every page; later
// polls send the stored ETag and stop at the watermark minus the overlap.
// Pages are committed in groups while the next ones are fetched; the cursor
// advances only with the last group, after the whole listing succeeded.
func (p *Poller) pollListing(ctx context.Context, l listing) (PollStats, error) {
	var st PollStats
	cur, found, err := p.cursor(l)
	if err != nil {
		return st, err
	}
	if found && !slices.Equal(cur.SecretTypes, l.types) {
		found = false // other types named: list them all
	}
	origin := exporter.OriginPoll
	lr := l.request()
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
	cur.SecretTypes = l.types
	if found {
		cur.Undecodable = mergeUndecodable(cur.Undecodable, res.Undecodable, decoded, lr.Since)
	} else {
		cur.Undecodable = res.Undecodable
	}
	st.Undecodable = len(cur.Undecodable)
	raw, err := json.Marshal(cur)
	if err != nil {
		st.Records, st.Commit, _ = cm.finish(nil)
		return st, fmt.Errorf("encode cursor %s: %w", l.cursorName(), err)
	}
	// the cursor commits with the last group: never ahead of a record
	st.Records, st.Commit, err = cm.finish(func(tx *state.Tx) error { return tx.PutCursor(l.cursorName(), raw) })
	return st, err
}

func (p *Poller) cursor(l listing) (alertCursor, bool, error) {
	return readCursor[alertCursor](p.DB, l.cursorName())
}

func (p *Poller) putCursor(l listing, c alertCursor) error {
	return p.DB.Update(func(tx *state.Tx) error { return writeCursor(tx, l.cursorName(), c) })
}
