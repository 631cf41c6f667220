package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// scriptLister lists the alerts in list (one page) with the undecodable
// items given, and answers GetAlert from get; it records every GET.
type scriptLister struct {
	list        []exporter.Observation
	undecodable []ghapi.ItemError
	get         func(k exporter.AlertKey) (exporter.Observation, error)
	gets        []string
}

func (s *scriptLister) ListAlerts(_ context.Context, _ ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	res := ghapi.ListResult{Requests: 1, Items: len(s.list), Undecodable: s.undecodable}
	return res, fn(s.list)
}

func (s *scriptLister) GetAlert(_ context.Context, src exporter.Source, repo string, number int) (exporter.Observation, error) {
	k := exporter.AlertKey{Source: src, Repo: repo, Number: number}
	s.gets = append(s.gets, keyName(k))
	if s.get == nil {
		return exporter.Observation{}, ghapi.ErrNotFound
	}
	return s.get(k)
}

func keyName(k exporter.AlertKey) string { return fmt.Sprintf("%s#%d", k.Repo, k.Number) }

func depObs(repo string, number int, state string, updated time.Time) exporter.Observation {
	org, _, _ := strings.Cut(repo, "/")
	o := exporter.Observation{
		Key: exporter.AlertKey{Source: exporter.SourceDependabot, Repo: repo, Number: number},
		Org: org, State: state, Severity: "high", SeverityRaw: "high", Title: "t",
		CreatedAt: t0.Add(-time.Hour), UpdatedAt: updated,
	}
	if state == "dismissed" {
		o.ClosedAt, o.ClosedBy, o.Reason = updated, "alice", "tolerable_risk"
	}
	return o
}

// track stores obs as tracked alerts (a backfill through the poller).
func track(t *testing.T, p *Poller, scope ghapi.Scope, obs ...exporter.Observation) {
	t.Helper()
	gh := p.GH
	p.GH = &scriptLister{list: obs}
	_, err := p.Reconcile(context.Background(), scope, exporter.SourceDependabot)
	must(t, err)
	p.GH = gh
}

// reconcileRecords lists the actions of the outbox's records after the
// first skip, as "repo#number action".
func reconcileRecords(t *testing.T, db *state.DB, skip int) []string {
	t.Helper()
	var out []string
	must(t, db.View(func(tx *state.Tx) error {
		items, err := tx.Peek(testSink, 100000)
		for _, it := range items[min(skip, len(items)):] {
			out = append(out, fmt.Sprintf("%s#%d %s", it.Record.Repo, it.Record.Alert.Number, it.Record.Action))
		}
		return err
	}))
	return out
}

func tracked(t *testing.T, db *state.DB) []string {
	t.Helper()
	var out []string
	must(t, db.View(func(tx *state.Tx) error {
		return tx.ScanSnapshotKeys(exporter.SourceDependabot, "", nil, func(k exporter.AlertKey) bool {
			out = append(out, keyName(k))
			return true
		})
	}))
	return out
}

func newReconcilePoller(t *testing.T) (*Poller, *state.DB) {
	db := statetest.Open(t)
	return &Poller{DB: db, Sinks: []string{testSink}, Now: func() time.Time { return t0 }}, db
}

func TestReconcile_MissingAlertsAreRecheckedBeforeWithdrawal(t *testing.T) {
	p, db := newReconcilePoller(t)
	org := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	var all []exporter.Observation
	for n := 1; n <= 5; n++ {
		all = append(all, depObs("acme/widgets", n, "open", t0.Add(-time.Hour)))
	}
	all = append(all, depObs("acmex/other", 1, "open", t0.Add(-time.Hour))) // another org sharing the prefix
	track(t, p, org, all...)
	base := len(reconcileRecords(t, db, 0))
	l := &scriptLister{
		list: all[:1], // #1 listed
		// #2 listed but undecodable: still there, never rechecked
		undecodable: []ghapi.ItemError{{Key: "acme/widgets#2", Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: 2, Err: "bad state"}},
		get: func(k exporter.AlertKey) (exporter.Observation, error) {
			switch k.Number {
			case 3: // moved between pages and dismissed meanwhile: diffed
				return depObs("acme/widgets", 3, "dismissed", t0), nil
			case 4: // there but unreadable: kept for retry
				return exporter.Observation{}, &ghapi.ItemError{Key: "acme/widgets#4", Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: 4, Err: "bad number"}
			}
			return exporter.Observation{}, ghapi.ErrNotFound
		},
	}
	p.GH = l
	st, err := p.Reconcile(context.Background(), org, exporter.SourceDependabot)
	must(t, err)
	if want := []string{"acme/widgets#3", "acme/widgets#4", "acme/widgets#5"}; !slices.Equal(l.gets, want) {
		t.Errorf("rechecked %v, want %v", l.gets, want)
	}
	if want := []string{"acme/widgets#5 withdrawn", "acme/widgets#3 dismissed"}; !slices.Equal(reconcileRecords(t, db, base), want) {
		t.Errorf("records %v, want %v", reconcileRecords(t, db, base), want)
	}
	if st.Withdrawn != 1 || st.Records != 2 || st.Requests != 4 || st.Undecodable != 2 {
		t.Errorf("stats %+v", st)
	}
	if want := []string{"acme/widgets#1", "acme/widgets#2", "acme/widgets#3", "acme/widgets#4", "acmex/other#1"}; !slices.Equal(tracked(t, db), want) {
		t.Errorf("tracked %v, want %v", tracked(t, db), want)
	}
	cur, _, err := p.cursor(listing{scope: org, src: exporter.SourceDependabot})
	must(t, err)
	var kept []string
	for _, u := range cur.Undecodable {
		kept = append(kept, u.Key)
	}
	if !slices.Equal(kept, []string{"acme/widgets#2", "acme/widgets#4"}) {
		t.Errorf("undecodable kept for retry: %v", kept)
	}
}

func TestReconcile_RepoScopeWithdrawsOnlyThatRepo(t *testing.T) {
	p, db := newReconcilePoller(t)
	repo := ghapi.Scope{Kind: ghapi.ScopeRepo, Name: "acme/widgets"}
	track(t, p, ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"},
		depObs("acme/widgets", 1, "open", t0), depObs("acme/widgets-2", 1, "open", t0))
	base := len(reconcileRecords(t, db, 0))
	l := &scriptLister{}
	p.GH = l
	_, err := p.Reconcile(context.Background(), repo, exporter.SourceDependabot)
	must(t, err)
	if want := []string{"acme/widgets#1 withdrawn"}; !slices.Equal(reconcileRecords(t, db, base), want) {
		t.Errorf("records %v, want %v", reconcileRecords(t, db, base), want)
	}
	if !slices.Equal(l.gets, []string{"acme/widgets#1"}) {
		t.Errorf("rechecked %v", l.gets)
	}
}

func TestReconcile_EnterpriseOrgThatVanishedIsWithdrawn(t *testing.T) {
	p, db := newReconcilePoller(t)
	ent := ghapi.Scope{Kind: ghapi.ScopeEnterprise, Name: "acme-corp"}
	track(t, p, ent, depObs("acme/widgets", 1, "open", t0), depObs("gone/app", 1, "open", t0), depObs("gone/app", 2, "open", t0))
	base := len(reconcileRecords(t, db, 0))
	p.GH = &scriptLister{list: []exporter.Observation{depObs("acme/widgets", 1, "open", t0)}}
	_, err := p.Reconcile(context.Background(), ent, exporter.SourceDependabot)
	must(t, err)
	if want := []string{"gone/app#1 withdrawn", "gone/app#2 withdrawn"}; !slices.Equal(reconcileRecords(t, db, base), want) {
		t.Errorf("records %v, want %v", reconcileRecords(t, db, base), want)
	}
	cur, _, err := p.cursor(listing{scope: ent, src: exporter.SourceDependabot})
	must(t, err)
	if !slices.Equal(cur.Orgs, []string{"acme"}) {
		t.Errorf("orgs remembered: %v", cur.Orgs)
	}
}

// A whole org gone: thousands withdrawn, rechecked and committed a chunk at
// a time (Notify runs once per commit that appended records), and walked
// in several read transactions.
func TestReconcile_WholeOrgGoneIsWithdrawnInChunks(t *testing.T) {
	p, db := newReconcilePoller(t)
	org := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	// synthObs makes a third of the alerts Dependabot's: more than one read
	// transaction's worth of them is walked
	const n, kept = 3*scanPerView + 900, 300
	at := t0.Add(-time.Hour)
	p.GH = &lazyLister{n: n, at: at}
	_, err := p.Reconcile(context.Background(), org, exporter.SourceDependabot)
	must(t, err)
	base := len(reconcileRecords(t, db, 0))
	l := &lazyLister{n: n, missing: n - kept, at: at}
	commits := 0
	p.GH, p.Notify = l, func() { commits++ }
	st, err := p.Reconcile(context.Background(), org, exporter.SourceDependabot)
	must(t, err)
	gone := 0
	for i := kept; i < n; i++ {
		if synthObs(i, at).Key.Source == exporter.SourceDependabot {
			gone++
		}
	}
	if st.Withdrawn != gone || st.Records != gone {
		t.Fatalf("stats %+v, want %d withdrawn", st, gone)
	}
	recs := reconcileRecords(t, db, base)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r] = true
	}
	if len(recs) != gone || len(seen) != gone {
		t.Fatalf("%d withdrawn records (%d distinct), want %d", len(recs), len(seen), gone)
	}
	if want := (gone + reconcileChunk - 1) / reconcileChunk; commits < want || commits > want+3 {
		t.Errorf("%d commits for %d withdrawals, want about %d (one per chunk)", commits, gone, want)
	}
	left := 0
	must(t, db.View(func(tx *state.Tx) error {
		for _, src := range exporter.AlertSources {
			_ = tx.ScanSnapshotKeys(src, "", nil, func(exporter.AlertKey) bool { left++; return true })
		}
		return nil
	}))
	if left != n-gone {
		t.Errorf("%d alerts still tracked, want %d", left, n-gone)
	}
}

// A GET that fails stops the reconcile with its error; what the chunk had
// confirmed is committed, and the next reconcile finishes the rest.
func TestReconcile_RecheckFailureKeepsConfirmedWithdrawals(t *testing.T) {
	p, db := newReconcilePoller(t)
	org := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	track(t, p, org, depObs("acme/a", 1, "open", t0), depObs("acme/a", 2, "open", t0), depObs("acme/a", 3, "open", t0))
	base := len(reconcileRecords(t, db, 0))
	p.GH = &scriptLister{get: func(k exporter.AlertKey) (exporter.Observation, error) {
		if k.Number == 2 {
			return exporter.Observation{}, errDown
		}
		return exporter.Observation{}, ghapi.ErrNotFound
	}}
	if _, err := p.Reconcile(context.Background(), org, exporter.SourceDependabot); err == nil {
		t.Fatal("a failed recheck must fail the reconcile")
	}
	if want := []string{"acme/a#1 withdrawn"}; !slices.Equal(reconcileRecords(t, db, base), want) {
		t.Errorf("records %v, want %v", reconcileRecords(t, db, base), want)
	}
	p.GH = &scriptLister{}
	_, err := p.Reconcile(context.Background(), org, exporter.SourceDependabot)
	must(t, err)
	if want := []string{"acme/a#1 withdrawn", "acme/a#2 withdrawn", "acme/a#3 withdrawn"}; !slices.Equal(reconcileRecords(t, db, base), want) {
		t.Errorf("records %v, want %v", reconcileRecords(t, db, base), want)
	}
}

func TestKeySet_ExactForEveryKey(t *testing.T) {
	s := newKeySet()
	in := []exporter.AlertKey{
		{Source: "dependabot", Repo: "acme/a", Number: 7}, {Source: "dependabot", Repo: "acme/a", Number: 7},
		{Source: "dependabot", Repo: "acme/a", Number: 1}, {Source: "code_scanning", Repo: "acme/a", Number: 3},
		{Source: "dependabot", Repo: "acme/b", Number: 1 << 33}, {Source: "dependabot", Repo: "acme/b", Number: -1},
	}
	for _, k := range in {
		s.add(k)
	}
	s.seal()
	for _, k := range in {
		if !s.has(k) {
			t.Errorf("%v added but not found", k)
		}
	}
	for _, k := range []exporter.AlertKey{
		{Source: "dependabot", Repo: "acme/a", Number: 3}, {Source: "code_scanning", Repo: "acme/a", Number: 7},
		{Source: "dependabot", Repo: "acme/c", Number: 1}, {Source: "dependabot", Repo: "acme/b", Number: 1<<33 + 1},
		{Source: "dependabot", Repo: "acme/b", Number: 1},
	} {
		if s.has(k) {
			t.Errorf("%v found but never added", k)
		}
	}
	if got := len(s.repos[repoKey{"dependabot", "acme/a"}].n); got != 2 {
		t.Errorf("duplicates kept: %d numbers for acme/a", got)
	}
}
