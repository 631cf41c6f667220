package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// reconcileChunk is how many tracked alerts missing from a listing are
// rechecked (one GET each) before their outcomes commit in one
// transaction; scanPerView is how many tracked keys one read transaction
// walks. Together they bound a reconcile's memory and how long it holds a
// transaction, whether one alert or a whole org of them has gone.
const (
	reconcileChunk = 100
	scanPerView    = 4096
)

// withdrawMissing walks the tracked alerts of r in key order and rechecks
// those seen lacks, a chunk at a time: each chunk is found in one short
// read transaction, rechecked with none open, and committed before the
// walk resumes after the last key it read.
func (p *Poller) withdrawMissing(ctx context.Context, scope ghapi.Scope, src exporter.Source, r trackedRange, seen *keySet, st *PollStats, res *ghapi.ListResult) error {
	var after *exporter.AlertKey
	for {
		cands, last, more, err := p.missingChunk(src, r, seen, after)
		if err != nil {
			return err
		}
		if err := p.recheck(ctx, scope, cands, st, res); err != nil {
			return err
		}
		if !more {
			return nil
		}
		after = &last
	}
}

// missingChunk reads, after `after`, up to scanPerView tracked keys of r
// and returns those seen lacks (at most reconcileChunk), the last key read
// and whether r has more.
func (p *Poller) missingChunk(src exporter.Source, r trackedRange, seen *keySet, after *exporter.AlertKey) (cands []exporter.AlertKey, last exporter.AlertKey, more bool, err error) {
	err = p.DB.View(func(tx *state.Tx) error {
		scanned := 0
		return tx.ScanSnapshotKeys(src, r.prefix, after, func(k exporter.AlertKey) bool {
			if scanned == scanPerView || len(cands) == reconcileChunk {
				more = true
				return false
			}
			scanned++
			last = k
			if (r.repo == "" || k.Repo == r.repo) && !seen.has(k) {
				cands = append(cands, k)
			}
			return true
		})
	})
	if err != nil {
		return nil, last, false, fmt.Errorf("find tracked alerts missing from the %s listing: %w", src, err)
	}
	return cands, last, more, nil
}

// recheck reads each candidate directly: a 404/410 withdraws it, an
// unreadable answer keeps it for retry like a listed item that could not be
// decoded, anything else is diffed like a listed alert. The outcomes
// commit together, before an error that stopped the chunk is returned.
func (p *Poller) recheck(ctx context.Context, scope ghapi.Scope, cands []exporter.AlertKey, st *PollStats, res *ghapi.ListResult) error {
	var gone []exporter.AlertKey
	var found []exporter.Observation
	var stop error
	for _, k := range cands {
		o, err := p.GH.GetAlert(ctx, k.Source, k.Repo, k.Number)
		st.Requests++
		if errors.Is(err, ghapi.ErrNotFound) {
			gone = append(gone, k)
			continue
		}
		if ie, ok := ghapi.AsItemError(err); ok {
			res.Undecodable = append(res.Undecodable, *ie)
			continue
		}
		if err != nil {
			stop = err
			break
		}
		found = append(found, o)
	}
	n, err := p.withdraw(gone, scope)
	st.Records += n
	if err != nil {
		return err
	}
	st.Withdrawn += len(gone)
	n, err = p.commitPage(found, exporter.OriginReconcile)
	st.Records += n
	if err != nil {
		return err
	}
	return stop
}

// withdraw forgets the tracked alerts keys and appends a withdrawn record
// for each, in one transaction; keys already untracked (a webhook or a
// concurrent run got there first) are skipped.
func (p *Poller) withdraw(keys []exporter.AlertKey, scope ghapi.Scope) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	ent := ""
	if scope.Kind == ghapi.ScopeEnterprise {
		ent = scope.Name
	}
	now := p.Now()
	var recs []exporter.Record
	err := p.DB.Update(func(tx *state.Tx) error {
		recs = recs[:0]
		for _, k := range keys {
			prev, ok, err := tx.Snapshot(k)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			org, _, _ := strings.Cut(k.Repo, "/")
			recs = append(recs, exporter.Withdraw(k, prev, org, ent, exporter.OriginReconcile, now))
			if err := tx.DeleteSnapshotOver(k, prev); err != nil {
				return fmt.Errorf("forget %s %s#%d: %w", k.Source, k.Repo, k.Number, err)
			}
		}
		return p.appendAll(tx, recs)
	})
	if err != nil {
		return 0, fmt.Errorf("withdraw %d alerts: %w", len(keys), err)
	}
	if len(recs) > 0 && p.Notify != nil {
		p.Notify()
	}
	return len(recs), nil
}
