package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
		lr.Since = cur.Watermark.Add(-p.Overlap)
	} else {
		origin = exporter.OriginBackfill
	}
	res, err := p.GH.ListAlerts(ctx, lr, func(page []exporter.Observation) error {
		n, err := p.commitPage(page, origin)
		st.Records += n
		return err
	})
	st.Requests, st.Items, st.NotModified = res.Requests, res.Items, res.NotModified
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
	return st, p.putCursor(scope, src, cur)
}

// Reconcile lists every alert of one (scope, kind), diffs them, and emits
// withdrawn for tracked alerts that are no longer there. An alert missing
// from the listing is confirmed with a single GET first (it may have moved
// between pages while they were read): 404/410 withdraws it, anything else
// is diffed as usual.
func (p *Poller) Reconcile(ctx context.Context, scope ghapi.Scope, src exporter.Source) (PollStats, error) {
	var st PollStats
	cur, _, err := p.cursor(scope, src)
	if err != nil {
		return st, err
	}
	seen := map[exporter.AlertKey]struct{}{}
	orgs := map[string]bool{}
	res, err := p.GH.ListAlerts(ctx, ghapi.ListRequest{Scope: scope, Source: src}, func(page []exporter.Observation) error {
		for i := range page {
			seen[page[i].Key] = struct{}{}
			orgs[page[i].Org] = true
		}
		n, err := p.commitPage(page, exporter.OriginReconcile)
		st.Records += n
		return err
	})
	st.Requests, st.Items = res.Requests, res.Items
	if err != nil {
		return st, err
	}
	candidates, err := p.missing(scope, src, seen, orgs, cur.Orgs)
	if err != nil {
		return st, err
	}
	for _, k := range candidates {
		n, withdrawn, err := p.recheck(ctx, k, scope)
		st.Requests++
		st.Records += n
		if withdrawn {
			st.Withdrawn++
		}
		if err != nil {
			return st, err
		}
	}
	if res.MaxUpdated.After(cur.Watermark) {
		cur.Watermark = res.MaxUpdated
	}
	cur.ETag = res.ETag
	if scope.Kind == ghapi.ScopeEnterprise {
		cur.Orgs = cur.Orgs[:0]
		for o := range orgs {
			cur.Orgs = append(cur.Orgs, o)
		}
	}
	return st, p.putCursor(scope, src, cur)
}

// missing lists tracked alerts within scope that the listing did not return.
func (p *Poller) missing(scope ghapi.Scope, src exporter.Source, seen map[exporter.AlertKey]struct{}, orgs map[string]bool, prevOrgs []string) ([]exporter.AlertKey, error) {
	var out []exporter.AlertKey
	check := func(prefix string, exact bool) error {
		return p.DB.View(func(tx *state.Tx) error {
			return tx.ForEachSnapshot(src, prefix, func(k exporter.AlertKey, _ exporter.Snapshot) error {
				if exact && k.Repo != scope.Name {
					return nil
				}
				if _, ok := seen[k]; !ok {
					out = append(out, k)
				}
				return nil
			})
		})
	}
	switch scope.Kind {
	case ghapi.ScopeRepo:
		return out, check(scope.Name, true)
	case ghapi.ScopeOrg:
		return out, check(scope.Name+"/", false)
	}
	all := map[string]bool{}
	for o := range orgs {
		all[o] = true
	}
	for _, o := range prevOrgs {
		all[o] = true
	}
	for o := range all {
		if err := check(o+"/", false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// recheck reads one tracked alert directly: a 404/410 withdraws it,
// anything else is diffed like a listed alert.
func (p *Poller) recheck(ctx context.Context, k exporter.AlertKey, scope ghapi.Scope) (records int, withdrawn bool, err error) {
	o, err := p.GH.GetAlert(ctx, k.Source, k.Repo, k.Number)
	if errors.Is(err, ghapi.ErrNotFound) {
		n, err := p.withdraw(k, scope)
		return n, true, err
	}
	if err != nil {
		return 0, false, err
	}
	n, err := p.commitPage([]exporter.Observation{o}, exporter.OriginReconcile)
	return n, false, err
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

func (p *Poller) withdraw(k exporter.AlertKey, scope ghapi.Scope) (int, error) {
	err := p.DB.Update(func(tx *state.Tx) error {
		prev, ok, err := tx.Snapshot(k)
		if err != nil || !ok {
			return err
		}
		ent := ""
		if scope.Kind == ghapi.ScopeEnterprise {
			ent = scope.Name
		}
		org, _, _ := strings.Cut(k.Repo, "/")
		rec := exporter.Withdraw(k, prev, org, ent, exporter.OriginReconcile, p.Now())
		if err := tx.DeleteSnapshot(k); err != nil {
			return err
		}
		return p.appendAll(tx, []exporter.Record{rec})
	})
	if err != nil {
		return 0, fmt.Errorf("withdraw %s %s#%d: %w", k.Source, k.Repo, k.Number, err)
	}
	if p.Notify != nil {
		p.Notify()
	}
	return 1, nil
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
