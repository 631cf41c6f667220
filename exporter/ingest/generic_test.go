package ingest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// typedLister serves secret scanning alerts as GitHub does: the default
// listing holds the provider patterns, a listing naming types holds those.
// fail makes the listing naming types fail.
type typedLister struct {
	alerts map[string][]exporter.Observation // by secret_type parameter ("" default)
	fail   bool
	asked  []string
}

func (l *typedLister) ListAlerts(_ context.Context, lr ghapi.ListRequest, fn ghapi.PageFunc) (ghapi.ListResult, error) {
	q := strings.Join(lr.SecretTypes, ",")
	l.asked = append(l.asked, q)
	if q != "" && l.fail {
		return ghapi.ListResult{Requests: 1}, errDown
	}
	page := l.alerts[q]
	res := ghapi.ListResult{Requests: 1, Items: len(page), ETag: `"` + q + `"`}
	for _, o := range page {
		if o.UpdatedAt.After(res.MaxUpdated) {
			res.MaxUpdated = o.UpdatedAt
		}
	}
	return res, fn(slices.Clone(page))
}

func (l *typedLister) GetAlert(context.Context, exporter.Source, string, int) (exporter.Observation, error) {
	return exporter.Observation{}, ghapi.ErrNotFound
}

func secretObs(number int, typ string) exporter.Observation {
	return exporter.Observation{
		Key: exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/widgets", Number: number},
		Org: "acme", State: "open", Title: typ, SecretType: typ, CreatedAt: t0, UpdatedAt: t0,
	}
}

func cursorNames(t *testing.T, db *state.DB) []string {
	t.Helper()
	var out []string
	must(t, db.View(func(tx *state.Tx) error {
		return tx.ForEachCursor(func(name string, _ []byte) error { out = append(out, name); return nil })
	}))
	return out
}

// The two listings keep cursors of their own: the default one under the
// name it always had, so a state file from before keeps its progress; a
// failing listing does not stop the other nor advance its own cursor.
func TestPoll_GenericListingHasItsOwnCursor(t *testing.T) {
	db := statetest.Open(t)
	gh := &typedLister{alerts: map[string][]exporter.Observation{
		"":                         {secretObs(1, "github_personal_access_token")},
		"password,rsa_private_key": {secretObs(2, "password"), secretObs(3, "rsa_private_key")},
	}, fail: true}
	p := &Poller{DB: db, GH: gh, Sinks: []string{testSink}, Now: func() time.Time { return t0 },
		GenericSecretTypes: []string{"rsa_private_key", "password", "password"}}
	org := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
	st, err := p.Poll(context.Background(), org, exporter.SourceSecretScanning)
	if !errors.Is(err, errDown) || st.Records != 1 || st.Requests != 2 {
		t.Fatalf("poll with the generic listing down: %+v, %v", st, err)
	}
	if got := cursorNames(t, db); !slices.Equal(got, []string{"alerts/org:acme/secret_scanning"}) {
		t.Fatalf("cursors after a failed generic listing: %q", got)
	}
	gh.fail = false
	st, err = p.Poll(context.Background(), org, exporter.SourceSecretScanning)
	must(t, err)
	if st.Records != 2 || st.Requests != 2 {
		t.Fatalf("second poll: %+v", st)
	}
	if got := cursorNames(t, db); !slices.Equal(got, []string{"alerts/org:acme/secret_scanning", "alerts/org:acme/secret_scanning/generic"}) {
		t.Fatalf("cursors: %q", got)
	}
	cur, _, err := p.cursor(listing{scope: org, src: exporter.SourceSecretScanning, types: []string{"password", "rsa_private_key"}})
	must(t, err)
	if cur.ETag != `"password,rsa_private_key"` || !slices.Equal(cur.SecretTypes, []string{"password", "rsa_private_key"}) {
		t.Fatalf("generic cursor: %+v", cur)
	}
	if got := reconcileRecords(t, db, 0); !slices.Equal(got, []string{"acme/widgets#1 created", "acme/widgets#2 created", "acme/widgets#3 created"}) {
		t.Fatalf("records: %q", got)
	}

	// other kinds have one listing
	gh.asked = nil
	_, err = p.Poll(context.Background(), org, exporter.SourceDependabot)
	must(t, err)
	if !slices.Equal(gh.asked, []string{""}) {
		t.Fatalf("dependabot listings: %q", gh.asked)
	}

	// the reconcile lists both before it withdraws anything
	gh.asked = nil
	st, err = p.Reconcile(context.Background(), org, exporter.SourceSecretScanning)
	must(t, err)
	if st.Withdrawn != 0 || !slices.Equal(gh.asked, []string{"", "password,rsa_private_key"}) {
		t.Fatalf("reconcile: %+v, asked %q", st, gh.asked)
	}
	// and it does not when the second listing fails
	gh.fail = true
	if _, err = p.Reconcile(context.Background(), org, exporter.SourceSecretScanning); !errors.Is(err, errDown) {
		t.Fatalf("reconcile with the generic listing down: %v", err)
	}
	if got := reconcileRecords(t, db, 3); len(got) != 0 {
		t.Fatalf("records after the reconciles: %q", got)
	}
}
