package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// pagedLister lists n synthetic alerts (synthObs) in pages of 100 and,
// when failAt > 0, fails instead of serving page failAt (1-based).
type pagedLister struct {
	n, failAt int
	served    int
}

var errPage = errors.New("page 3: GitHub answered 502")

func (l *pagedLister) ListAlerts(_ context.Context, _ ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	var res ghapi.ListResult
	for i := 0; i < l.n; i += 100 {
		if l.failAt == res.Requests+1 {
			return res, errPage
		}
		page := make([]exporter.Observation, 0, 100)
		for j := i; j < min(i+100, l.n); j++ {
			page = append(page, synthObs(j, t0))
		}
		res.Requests++
		l.served++
		res.Items += len(page)
		if err := fn(page); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (l *pagedLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

// wantIDs are the record ids of alerts [0, n) committed one by one, in
// listing order: what the outbox must hold, in that order.
func wantIDs(n int) []string {
	var ids []string
	for i := range n {
		o := synthObs(i, t0)
		for _, r := range exporter.Diff(nil, &o, exporter.OriginBackfill, t0) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func outboxIDs(t *testing.T, db *state.DB) []string {
	t.Helper()
	var ids []string
	must(t, db.View(func(tx *state.Tx) error {
		items, err := tx.Peek(testSink, 1<<20)
		for _, it := range items {
			ids = append(ids, it.Record.ID)
		}
		return err
	}))
	return ids
}

func hasCursor(t *testing.T, p *Poller, scope ghapi.Scope) bool {
	t.Helper()
	_, found, err := p.cursor(listing{scope: scope, src: exporter.SourceDependabot})
	must(t, err)
	return found
}

var orgAcme = ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}

func TestPoll_GroupsPagesIntoFewTransactions(t *testing.T) {
	db := statetest.Open(t)
	var commits atomic.Int32
	p := &Poller{DB: db, GH: &lazyLister{n: 12_000, at: t0}, Sinks: []string{testSink}, Now: func() time.Time { return t0 },
		Notify: func() { commits.Add(1) }}
	st, err := p.Poll(context.Background(), orgAcme, exporter.SourceDependabot)
	must(t, err)
	// 120 pages of 100 in groups, the last one with the cursor
	perGroup := min(groupPages, groupAlerts/100)
	if got, want := int(commits.Load()), (120+perGroup-1)/perGroup; got != want {
		t.Fatalf("%d transactions with records for 120 pages, want %d", got, want)
	}
	want := wantIDs(12_000)
	got := outboxIDs(t, db)
	if st.Records != len(want) || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("outbox holds %d records (stats %d), want %d in listing order", len(got), st.Records, len(want))
	}
	if !hasCursor(t, p, orgAcme) {
		t.Fatal("no cursor after a complete backfill")
	}
}

func TestPoll_FailedListingCommitsWhatWasReadButNoCursor(t *testing.T) {
	db := statetest.Open(t)
	l := &pagedLister{n: 1000, failAt: 3}
	p := &Poller{DB: db, GH: l, Sinks: []string{testSink}, Now: func() time.Time { return t0 }}
	_, err := p.Poll(context.Background(), orgAcme, exporter.SourceDependabot)
	if !errors.Is(err, errPage) {
		t.Fatalf("poll error %v, want the listing's", err)
	}
	if hasCursor(t, p, orgAcme) {
		t.Fatal("the cursor advanced past an unread page")
	}
	if got, want := outboxIDs(t, db), wantIDs(200); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("outbox holds %d records, want the %d of the two pages read", len(got), len(want))
	}
	// the next poll lists again from the start: nothing twice, nothing lost
	l.failAt = 0
	_, err = p.Poll(context.Background(), orgAcme, exporter.SourceDependabot)
	must(t, err)
	if got, want := outboxIDs(t, db), wantIDs(1000); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("outbox holds %d records after the retry, want %d once each", len(got), len(want))
	}
	if !hasCursor(t, p, orgAcme) {
		t.Fatal("no cursor after the retry")
	}
}

func TestPoll_FailedCommitStopsTheListing(t *testing.T) {
	db := statetest.Open(t)
	l := &pagedLister{n: 20_000}
	// a sink name the state refuses: the first group's commit fails
	p := &Poller{DB: db, GH: l, Sinks: []string{"bad\x00name"}, Now: func() time.Time { return t0 }}
	_, err := p.Poll(context.Background(), orgAcme, exporter.SourceDependabot)
	if err == nil || !strings.Contains(err.Error(), "commit alert page") {
		t.Fatalf("poll error %v, want the commit's", err)
	}
	// the group in commit, the pages queued behind it and the one in hand
	if limit := groupPages + queuedPages + 2; l.served > limit {
		t.Fatalf("listing went on for %d pages after the commit failed (at most %d)", l.served, limit)
	}
	if hasCursor(t, p, orgAcme) {
		t.Fatal("the cursor advanced although nothing committed")
	}
	var tracked int
	must(t, db.View(func(tx *state.Tx) error {
		return tx.ForEachSnapshot("", "", func(exporter.AlertKey, exporter.Snapshot) error { tracked++; return nil })
	}))
	if tracked != 0 {
		t.Fatalf("%d snapshots stored by a failed commit", tracked)
	}
}

// A group is diffed in key order, yet it must give what committing its
// observations one by one in listing order gives: the same records in the
// same order, the same snapshots, for an alert listed twice (moved between
// pages), a stale second sighting, and alerts already tracked.
func TestCommitGroup_SameAsOneByOne(t *testing.T) {
	page := func(from, to int) []exporter.Observation {
		var p []exporter.Observation
		for i := from; i < to; i++ {
			p = append(p, synthObs(i, t0))
		}
		return p
	}
	moved := synthObs(5, t0)
	moved.State, moved.ClosedAt, moved.ClosedBy, moved.UpdatedAt = "dismissed", t0.Add(time.Hour), "bob", t0.Add(time.Hour)
	stale := synthObs(6, t0)
	stale.State, stale.UpdatedAt = "fixed", stale.UpdatedAt.Add(-time.Hour)
	group := [][]exporter.Observation{page(0, 100), append(page(100, 200), moved), append(page(200, 300), stale, moved)}
	tracked := []exporter.Observation{synthObs(7, t0.Add(-time.Hour)), synthObs(250, t0)}
	tracked[0].UpdatedAt = tracked[0].UpdatedAt.Add(-time.Hour)

	run := func(grouped bool) (ids []string, snaps []string) {
		db := statetest.Open(t)
		p := &Poller{DB: db, Sinks: []string{testSink}, Now: func() time.Time { return t0 }}
		_, err := p.commitPage(tracked, exporter.OriginPoll)
		must(t, err)
		if grouped {
			_, err = p.commitGroup(group, exporter.OriginBackfill, nil)
			must(t, err)
		} else {
			for _, pg := range group {
				for i := range pg {
					_, err = p.commitPage(pg[i:i+1], exporter.OriginBackfill)
					must(t, err)
				}
			}
		}
		must(t, db.View(func(tx *state.Tx) error {
			return tx.ForEachSnapshot("", "", func(k exporter.AlertKey, s exporter.Snapshot) error {
				snaps = append(snaps, fmt.Sprintf("%v %+v", k, s))
				return nil
			})
		}))
		return outboxIDs(t, db), snaps
	}
	wantIDs, wantSnaps := run(false)
	gotIDs, gotSnaps := run(true)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("grouped commit appended %d records, one by one %d, or in another order", len(gotIDs), len(wantIDs))
	}
	if !slices.Equal(gotSnaps, wantSnaps) {
		t.Errorf("grouped commit stored other snapshots than one by one")
	}
	if len(wantSnaps) != 300 {
		t.Fatalf("%d snapshots, want 300", len(wantSnaps))
	}
}
