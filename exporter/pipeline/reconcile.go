package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

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
	cm := p.newCommitter(exporter.OriginReconcile)
	res, err := p.GH.ListAlerts(ctx, ghapi.ListRequest{Scope: scope, Source: src}, func(page []exporter.Observation) error {
		for i := range page {
			seen[page[i].Key] = struct{}{}
			orgs[page[i].Org] = true
		}
		return cm.add(page)
	})
	n, spent, cerr := cm.finish(nil)
	st.Records, st.Commit = n, spent
	st.Requests, st.Items, st.Undecodable = res.Requests, res.Items, len(cur.Undecodable)
	if err == nil {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	// A refused item is still there: it must not be withdrawn.
	for _, u := range res.Undecodable {
		if u.Number > 0 && u.Repo != "" {
			seen[exporter.AlertKey{Source: src, Repo: u.Repo, Number: u.Number}] = struct{}{}
		}
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
		if ie, ok := ghapi.AsItemError(err); ok {
			// still there but unreadable: kept, tried again like a listed one
			res.Undecodable = append(res.Undecodable, *ie)
			continue
		}
		if err != nil {
			return st, err
		}
	}
	if res.MaxUpdated.After(cur.Watermark) {
		cur.Watermark = res.MaxUpdated
	}
	cur.ETag = res.ETag
	cur.Undecodable = res.Undecodable
	st.Undecodable = len(cur.Undecodable)
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
