package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// fakeLister answers every list with the observations in page.
type fakeLister struct{ page []exporter.Observation }

func (f *fakeLister) ListAlerts(_ context.Context, _ ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	return ghapi.ListResult{Requests: 1, Items: len(f.page)}, fn(f.page)
}

func (f *fakeLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

var (
	w0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	w1 = w0.Add(time.Hour)
)

func alertAt(state string, updated time.Time) exporter.Observation {
	o := exporter.Observation{Key: exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/w", Number: 1},
		Org: "acme", State: state, Severity: "high", CreatedAt: w0, UpdatedAt: updated}
	if state == "dismissed" {
		o.ClosedAt, o.ClosedBy = updated, "alice"
	}
	return o
}

func newPoller(t *testing.T, gh AlertLister) *Poller {
	return &Poller{DB: statetest.Open(t), GH: gh, Sinks: []string{"a", "b"}, Now: func() time.Time { return w1.Add(time.Hour) }}
}

func pending(t *testing.T, p *Poller, sink string) int {
	var n int
	if err := p.DB.View(func(tx *state.Tx) error { var err error; n, err = tx.Pending(sink); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

// A poll answered by a replica that has not caught up with a webhook sees
// an older alert: it must not move the snapshot back or emit a reopen.
func TestPoll_AfterWebhook_StaleReplicaEmitsNothing(t *testing.T) {
	lister := &fakeLister{page: []exporter.Observation{alertAt("open", w0)}}
	p := newPoller(t, lister)
	if _, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot); err != nil {
		t.Fatal(err)
	}
	res, err := p.CommitWebhook("guid-1", alertAt("dismissed", w1))
	if err != nil || res.Records != 1 || res.Duplicate {
		t.Fatalf("webhook: %+v %v", res, err)
	}
	// the replica still says open at w0
	st, err := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot)
	if err != nil || st.Records != 0 {
		t.Fatalf("stale poll emitted %d records (%v)", st.Records, err)
	}
	var snap exporter.Snapshot
	_ = p.DB.View(func(tx *state.Tx) error { snap, _, _ = tx.Snapshot(lister.page[0].Key); return nil })
	if snap.State != "dismissed" {
		t.Fatalf("snapshot moved back to %s", snap.State)
	}
	// created + dismissed, in every sink's outbox
	if pending(t, p, "a") != 2 || pending(t, p, "b") != 2 {
		t.Fatalf("outboxes: %d %d", pending(t, p, "a"), pending(t, p, "b"))
	}
	// the replica catches up: same state, nothing new
	lister.page = []exporter.Observation{alertAt("dismissed", w1)}
	if st, _ := p.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}, exporter.SourceDependabot); st.Records != 0 {
		t.Fatalf("caught-up poll emitted %d", st.Records)
	}
	if res, _ := p.CommitWebhook("guid-1", alertAt("open", w1.Add(time.Hour))); !res.Duplicate || res.Records != 0 {
		t.Fatalf("a seen GUID must commit nothing: %+v", res)
	}
}

// One delivery with a far-future updated_at must not freeze the alert: the
// dismissal GitHub reports afterwards is recorded by the next poll.
func TestPoll_FarFutureUpdatedAtDoesNotFreezeTheAlert(t *testing.T) {
	lister := &fakeLister{page: []exporter.Observation{alertAt("open", w0)}}
	p := newPoller(t, lister)
	scope := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	if _, err := p.Poll(context.Background(), scope, exporter.SourceDependabot); err != nil {
		t.Fatal(err)
	}
	future := alertAt("open", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	future.Severity = "critical" // a change, so the snapshot is stored
	if _, err := p.CommitWebhook("guid-2099", future); err != nil {
		t.Fatal(err)
	}
	before := pending(t, p, "a")
	lister.page = []exporter.Observation{alertAt("dismissed", w1)}
	st, err := p.Poll(context.Background(), scope, exporter.SourceDependabot)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records == 0 || pending(t, p, "a") == before {
		t.Fatal("the dismissal after a far-future updated_at was never recorded")
	}
	var snap exporter.Snapshot
	_ = p.DB.View(func(tx *state.Tx) error { snap, _, _ = tx.Snapshot(future.Key); return nil })
	if snap.State != "dismissed" {
		t.Fatalf("snapshot state %s, want dismissed", snap.State)
	}
	// and the ordering guard holds again from the sane snapshot on
	lister.page = []exporter.Observation{alertAt("open", w0)}
	if st, _ := p.Poll(context.Background(), scope, exporter.SourceDependabot); st.Records != 0 {
		t.Fatalf("a stale poll after the recovery emitted %d", st.Records)
	}
}
