package ingest

import (
	"context"
	"maps"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// Reconcile lists every alert of one (scope, kind) — every listing of it,
// secret scanning's generic one included — diffs them, and emits withdrawn
// for tracked alerts that none of the listings showed. An alert missing
// from the listings is confirmed with a single GET first (it may have moved
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
	ls := p.listings(scope, src)
	curs := make([]alertCursor, len(ls))
	results := make([]ghapi.ListResult, len(ls))
	seen := newKeySet()
	orgs := map[string]bool{}
	var prevOrgs []string
	cm := p.newCommitter(exporter.OriginReconcile)
	var err error
	for i, l := range ls {
		if curs[i], _, err = p.cursor(l); err != nil {
			break
		}
		prevOrgs = append(prevOrgs, curs[i].Orgs...)
		st.Undecodable += len(curs[i].Undecodable)
		results[i], err = p.GH.ListAlerts(ctx, l.request(), func(page []exporter.Observation) error {
			for j := range page {
				seen.add(page[j].Key)
				orgs[page[j].Org] = true
			}
			return cm.add(page)
		})
		st.Requests += results[i].Requests
		st.Items += results[i].Items
		if err != nil {
			break
		}
		// A refused item is still there: it must not be withdrawn.
		for _, u := range results[i].Undecodable {
			if u.Number > 0 && u.Repo != "" {
				seen.add(exporter.AlertKey{Source: src, Repo: u.Repo, Number: u.Number})
			}
		}
	}
	n, spent, cerr := cm.finish(nil)
	st.Records, st.Commit = n, spent
	if err == nil {
		err = cerr
	}
	if err != nil {
		return st, err
	}
	seen.seal()
	// what a GET finds undecodable is kept with the default listing's
	// refusals: it is missing from every listing, so none will list it
	for _, r := range trackedRanges(scope, orgs, prevOrgs) {
		if err := p.withdrawMissing(ctx, scope, src, r, seen, &st, &results[0]); err != nil {
			return st, err
		}
	}
	// every listing keeps every org: any of them finds a vanished one
	var orgList []string
	if scope.Kind == ghapi.ScopeEnterprise {
		orgList = slices.Sorted(maps.Keys(orgs))
	}
	st.Undecodable = 0
	for i, l := range ls {
		cur, res := curs[i], results[i]
		if res.MaxUpdated.After(cur.Watermark) {
			cur.Watermark = res.MaxUpdated
		}
		cur.ETag = res.ETag
		cur.SecretTypes = l.types
		cur.Undecodable = res.Undecodable
		st.Undecodable += len(cur.Undecodable)
		if scope.Kind == ghapi.ScopeEnterprise {
			cur.Orgs = orgList
		}
		if err := p.putCursor(l, cur); err != nil {
			return st, err
		}
	}
	return st, nil
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
