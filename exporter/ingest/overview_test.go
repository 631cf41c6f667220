package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// overviewLines renders the overview's non-zero series as sorted lines and
// checks it against a recount of the snapshots.
func overviewLines(t *testing.T, db *state.DB) []string {
	t.Helper()
	var out []string
	must(t, db.View(func(tx *state.Tx) error {
		o, err := tx.Overview()
		if err != nil {
			return err
		}
		for _, x := range o.Open {
			if x.Count > 0 {
				out = append(out, fmt.Sprintf("open %s %s %s %d", x.Source, x.Severity, x.Org, x.Count))
			}
		}
		for _, x := range o.LiveSecrets {
			if x.Count > 0 {
				out = append(out, fmt.Sprintf("live %s %d", x.Org, x.Count))
			}
		}
		for _, x := range o.Oldest {
			out = append(out, fmt.Sprintf("oldest %s %s %s", x.Org, x.Severity, x.CreatedAt.Format(time.RFC3339)))
		}
		for _, x := range o.Records {
			out = append(out, fmt.Sprintf("records %s %s %s %d", x.Category, x.Source, x.Action, x.Count))
		}
		return tx.CheckOverview()
	}))
	slices.Sort(out)
	return out
}

func wantOverview(t *testing.T, db *state.DB, step string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := overviewLines(t, db); !slices.Equal(got, want) {
		t.Fatalf("overview after %s:\n got %q\nwant %q", step, got, want)
	}
}

// The overview follows every path that writes snapshots — a backfill, a
// poll, a webhook, a reconcile's withdrawal and an audit-log withdrawal —
// in the transaction that writes them, and always equals a recount.
func TestOverview_FollowsEveryIngestPath(t *testing.T) {
	p, db := newReconcilePoller(t)
	old := func(o exporter.Observation, sev string, created time.Time) exporter.Observation {
		o.Severity, o.CreatedAt = sev, created
		return o
	}
	created := t0.Add(-30 * 24 * time.Hour)
	backfill := []exporter.Observation{
		old(depObs("acme/api", 1, "open", t0.Add(-time.Hour)), "critical", created),
		old(depObs("acme/api", 2, "open", t0.Add(-time.Hour)), "critical", created.Add(24*time.Hour)),
		old(depObs("acme/web", 3, "dismissed", t0.Add(-time.Hour)), "critical", created),
		old(depObs("beta/app", 1, "open", t0.Add(-time.Hour)), "low", created),
	}
	track(t, p, orgAcme, backfill...)
	wantOverview(t, db, "the backfill",
		"open dependabot critical acme 2", "open dependabot low beta 1",
		"oldest acme critical 2025-02-08T08:00:00Z",
		"records alert dependabot created 4", "records alert dependabot dismissed 1")

	// a webhook: a live secret in beta, high
	secret := exporter.Observation{Key: exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "beta/app", Number: 9},
		Org: "beta", State: "open", Severity: "high", Validity: "active", CreatedAt: t0.Add(-2 * time.Hour), UpdatedAt: t0.Add(-2 * time.Hour)}
	_, err := p.CommitWebhook("guid-1", secret)
	must(t, err)
	// a poll: the oldest critical is fixed
	fixed := backfill[0]
	fixed.State, fixed.ClosedAt, fixed.UpdatedAt = "fixed", t0, t0
	p.GH = &fakeLister{page: []exporter.Observation{fixed}}
	_, err = p.Poll(context.Background(), orgAcme, exporter.SourceDependabot)
	must(t, err)
	wantOverview(t, db, "a webhook and a poll",
		"open dependabot critical acme 1", "open dependabot low beta 1", "open secret_scanning high beta 1", "live beta 1",
		"oldest acme critical 2025-02-09T08:00:00Z", "oldest beta high 2025-03-10T06:00:00Z",
		"records alert dependabot created 4", "records alert dependabot dismissed 1", "records alert dependabot fixed 1",
		"records alert secret_scanning created 1")

	// a reconcile that finds acme/api#2 gone; an audit entry withdrawing
	// the secret
	p.GH = &scriptLister{list: []exporter.Observation{fixed, backfill[2], backfill[3]}}
	_, err = p.Reconcile(context.Background(), orgAcme, exporter.SourceDependabot)
	must(t, err)
	a := &Auditor{DB: db, Sinks: []string{testSink}, Now: func() time.Time { return t0 }, Lag: time.Hour,
		GH: auditPages{[][]ghapi.AuditEntry{{{DocumentID: "d1", Action: "secret_scanning_alert.withdraw", Org: "beta", Repo: "beta/app",
			At: t0.Add(-time.Minute), Raw: json.RawMessage(`{}`), Withdraws: true,
			Alerts: []ghapi.AuditAlert{{Key: secret.Key, Entry: json.RawMessage(`{}`)}}}}}}}
	_, err = a.Poll(context.Background(), orgAcme)
	must(t, err)
	wantOverview(t, db, "a reconcile and an audit withdrawal",
		"open dependabot low beta 1",
		"records alert dependabot created 4", "records alert dependabot dismissed 1", "records alert dependabot fixed 1",
		"records alert dependabot withdrawn 1", "records alert secret_scanning created 1", "records alert secret_scanning withdrawn 1")
}
