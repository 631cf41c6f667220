package ingest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// alertServer serves one org's Dependabot list from items, newest first,
// replaceable between polls.
type alertServer struct {
	mu    sync.Mutex
	items []string
}

func (s *alertServer) set(items ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = items
}

func (s *alertServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body := "[" + strings.Join(s.items, ",") + "]"
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(body)))
	if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fmt.Fprint(w, body)
}

func depItem(number int, updated time.Time, state, extra string) string {
	return fmt.Sprintf(`{"number":%d,"state":%s,"created_at":"2026-01-01T00:00:00Z","updated_at":%q,"repository":{"full_name":"acme/widgets"}%s}`,
		number, state, updated.Format(time.RFC3339), extra)
}

// newTestPoller starts an alertServer and returns it with a poller of the
// org acme's alerts on it and the poller's state file.
func newTestPoller(t *testing.T) (*alertServer, *Poller, *state.DB) {
	t.Helper()
	as := &alertServer{}
	srv := httptest.NewServer(as)
	t.Cleanup(srv.Close)
	db := statetest.Open(t)
	gh, err := ghapi.New(ghapi.Options{BaseURL: srv.URL + "/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	return as, &Poller{DB: db, GH: gh, Sinks: []string{"out"}, Now: func() time.Time { return now }, Overlap: time.Minute}, db
}

// acme is the scope an alertServer's list stands for.
var acme = ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}

// queuedRecords returns every record queued for "out", each checked against the schema.
func queuedRecords(t *testing.T, db *state.DB) []exporter.Record {
	t.Helper()
	var out []exporter.Record
	err := db.View(func(tx *state.Tx) error {
		items, err := tx.Peek("out", 1000)
		for _, it := range items {
			if err := recordschema.Validate(&it.Record); err != nil {
				t.Error(err)
			}
			out = append(out, it.Record)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func actions(recs []exporter.Record) string {
	var s []string
	for _, r := range recs {
		s = append(s, fmt.Sprintf("%d:%s", r.Alert.Number, r.Action))
	}
	return strings.Join(s, " ")
}

func TestPoll_UndecodableItemIsKeptAndRetried(t *testing.T) {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	as, p, db := newTestPoller(t)
	ctx := context.Background()

	// #2 is older than the others and carries a CVSS score no float holds.
	as.set(depItem(3, base.Add(2*time.Hour), `"open"`, ""),
		depItem(2, base, `"open"`, `,"security_advisory":{"cvss":{"score":1e999}}`),
		depItem(1, base.Add(-time.Hour), `"open"`, ""))
	st, err := p.Poll(ctx, acme, exporter.SourceDependabot)
	if err != nil {
		t.Fatalf("one undecodable item failed the poll: %v", err)
	}
	if got := actions(queuedRecords(t, db)); got != "3:created 1:created" || st.Undecodable != 1 {
		t.Fatalf("records %q, undecodable %d", got, st.Undecodable)
	}
	var pending map[string][]ghapi.ItemError
	_ = db.View(func(tx *state.Tx) error {
		_, ok, _ := tx.Snapshot(exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/widgets", Number: 2})
		if ok {
			t.Error("a snapshot was stored for the undecodable item")
		}
		pending, err = Undecodable(tx)
		return err
	})
	if u := pending["alerts/org:acme/dependabot"]; len(u) != 1 || u[0].Key != "acme/widgets#2" || !u[0].UpdatedAt.Equal(base) {
		t.Fatalf("undecodable kept in state: %+v", pending)
	}

	// Another alert changes; #2 still cannot be read. The watermark moved
	// past #2, but the poll must read back to it and keep it.
	as.set(depItem(4, base.Add(3*time.Hour), `"open"`, ""), depItem(3, base.Add(2*time.Hour), `"open"`, ""),
		depItem(2, base, `"open"`, `,"security_advisory":{"cvss":{"score":1e999}}`),
		depItem(1, base.Add(-time.Hour), `"open"`, ""))
	if st, err = p.Poll(ctx, acme, exporter.SourceDependabot); err != nil || st.Undecodable != 1 {
		t.Fatalf("second poll: %+v %v", st, err)
	}
	// GitHub repairs #2 without touching updated_at: the next poll gets it.
	as.set(depItem(4, base.Add(3*time.Hour), `"open"`, ""), depItem(3, base.Add(2*time.Hour), `"open"`, ""),
		depItem(2, base, `"dismissed"`, `,"dismissed_at":"2026-01-05T09:00:00Z"`),
		depItem(1, base.Add(-time.Hour), `"open"`, ""))
	if st, err = p.Poll(ctx, acme, exporter.SourceDependabot); err != nil || st.Undecodable != 0 {
		t.Fatalf("third poll: %+v %v", st, err)
	}
	if got := actions(queuedRecords(t, db)); got != "3:created 1:created 4:created 2:created 2:dismissed" {
		t.Fatalf("records %q", got)
	}
}

func TestPoll_NullStateNeverEmittedNorReopened(t *testing.T) {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	as, p, db := newTestPoller(t)
	ctx := context.Background()
	dismissed := `,"dismissed_at":"2026-01-05T09:00:00Z","dismissed_by":{"login":"dave"}`
	as.set(depItem(1, base, `"dismissed"`, dismissed))
	if _, err := p.Poll(ctx, acme, exporter.SourceDependabot); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{`null`, `""`, `"Dismissed!"`, `"dis\u0000missed"`} {
		as.set(depItem(1, base.Add(time.Minute), st, dismissed))
		if _, err := p.Poll(ctx, acme, exporter.SourceDependabot); err != nil {
			t.Fatal(err)
		}
	}
	// the value clears: still dismissed, so nothing happened at all
	as.set(depItem(1, base.Add(2*time.Minute), `"dismissed"`, dismissed))
	if _, err := p.Poll(ctx, acme, exporter.SourceDependabot); err != nil {
		t.Fatal(err)
	}
	// and a state GitHub adds later is a state_changed record with both states
	as.set(depItem(1, base.Add(3*time.Minute), `"in_review"`, ""))
	if _, err := p.Poll(ctx, acme, exporter.SourceDependabot); err != nil {
		t.Fatal(err)
	}
	recs := queuedRecords(t, db)
	if got := actions(recs); got != "1:created 1:dismissed 1:state_changed" {
		t.Fatalf("records %q", got)
	}
	if a := recs[2].Alert; a.State != "in_review" || a.PreviousState != "dismissed" {
		t.Fatalf("state_changed carries %q ← %q", a.State, a.PreviousState)
	}
}
