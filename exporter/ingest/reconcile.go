package ingest

import (
	"context"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// Reconcile lists every alert of one (scope, kind), diffs them, and emits
// withdrawn for tracked alerts that are no longer there. An alert missing
// from the listing is confirmed with a single GET first (it may have moved
// between pages while they were read): 404/410 withdraws it, anything else
// is diffed as usual.
//
// Its memory does not grow with the alerts beyond the listed keys, kept
// in a compact set (keySet, about four bytes an alert): the tracked alerts
// are walked in key order in short read transactions, and the missing ones
// are rechecked and committed reconcileChunk at a time, with no
// transaction open during a GET.
func (p *Poller) Reconcile(ctx context.Context, scope ghapi.Scope, src exporter.Source) (PollStats, error) {
	var st PollStats
	cur, _, err := p.cursor(scope, src)
	if err != nil {
		return st, err
	}
	seen := newKeySet()
	orgs := map[string]bool{}
	cm := p.newCommitter(exporter.OriginReconcile)
	res, err := p.GH.ListAlerts(ctx, ghapi.ListRequest{Scope: scope, Source: src}, func(page []exporter.Observation) error {
		for i := range page {
			seen.add(page[i].Key)
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
			seen.add(exporter.AlertKey{Source: src, Repo: u.Repo, Number: u.Number})
		}
	}
	seen.seal()
	for _, r := range trackedRanges(scope, orgs, cur.Orgs) {
		if err := p.withdrawMissing(ctx, scope, src, r, seen, &st, &res); err != nil {
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
		slices.Sort(cur.Orgs)
	}
	return st, p.putCursor(scope, src, cur)
}

// trackedRange is a run of tracked alerts a reconcile of scope covers: the
// repos starting with prefix, or exactly repo when repo is set (a repo
// name is also a prefix of longer names).
type trackedRange struct {
	prefix string
	repo   string
}

// trackedRanges are the runs of tracked alerts within scope; for an
// enterprise, those of every org listed now or at the last reconcile, so
// that the alerts of an org that left the enterprise (or was deleted) are
// withdrawn too.
func trackedRanges(scope ghapi.Scope, orgs map[string]bool, prevOrgs []string) []trackedRange {
	switch scope.Kind {
	case ghapi.ScopeRepo:
		return []trackedRange{{prefix: scope.Name, repo: scope.Name}}
	case ghapi.ScopeOrg:
		return []trackedRange{{prefix: scope.Name + "/"}}
	}
	all := append([]string(nil), prevOrgs...)
	for o := range orgs {
		all = append(all, o)
	}
	slices.Sort(all)
	var out []trackedRange
	for _, o := range slices.Compact(all) {
		out = append(out, trackedRange{prefix: o + "/"})
	}
	return out
}
