package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"github.com/ghsec-exporter/ghsec-exporter/state/statetest"
)

// auditPages answers ListAudit with fixed pages.
type auditPages struct{ pages [][]ghapi.AuditEntry }

func (a auditPages) ListAudit(_ context.Context, _ ghapi.AuditRequest, fn ghapi.AuditPageFunc) (int, error) {
	for _, p := range a.pages {
		if err := fn(p); err != nil {
			return 0, err
		}
	}
	return len(a.pages), nil
}

func outbox(t *testing.T, db *state.DB) []exporter.Record {
	t.Helper()
	var out []exporter.Record
	must(t, db.View(func(tx *state.Tx) error {
		items, err := tx.Peek(testSink, 1<<20)
		for _, it := range items {
			out = append(out, it.Record)
		}
		return err
	}))
	return out
}

func alertKey(src exporter.Source, n int) exporter.AlertKey {
	return exporter.AlertKey{Source: src, Repo: "acme/w", Number: n}
}

// An entry naming several alerts is one record per alert: the same
// document id, ids of their own that a second poll does not repeat.
func TestAudit_OneRecordPerAlert(t *testing.T) {
	db := statetest.Open(t)
	e := ghapi.AuditEntry{DocumentID: "doc", Action: "code_scanning.alert_closed_became_fixed", Org: "acme", Repo: "acme/w", At: t0,
		Raw: json.RawMessage(`{"alert_numbers":[1,2,3]}`)}
	for n := 1; n <= 3; n++ {
		e.Alerts = append(e.Alerts, ghapi.AuditAlert{Key: alertKey(exporter.SourceCodeScanning, n), Entry: json.RawMessage(`{}`)})
	}
	a := &Auditor{DB: db, GH: auditPages{[][]ghapi.AuditEntry{{e}}}, Sinks: []string{testSink}, Now: func() time.Time { return t0 }, Lag: time.Hour}
	for range 2 {
		_, err := a.Poll(context.Background(), orgAcme)
		must(t, err)
	}
	recs := outbox(t, db)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	ids := map[string]bool{}
	for i, r := range recs {
		if r.Audit.DocumentID != "doc" || r.AlertSource != exporter.SourceCodeScanning || r.Alert.Number != i+1 || r.Repo != "acme/w" {
			t.Errorf("record %d: %+v %+v", i, r, r.Alert)
		}
		if want := exporter.AuditAlertRecordID("doc", i+1); r.ID != want || ids[r.ID] {
			t.Errorf("record %d id %s, want %s, distinct", i, r.ID, want)
		}
		ids[r.ID] = true
	}
}

// A withdrawal GitHub audited goes through the snapshot as a reconcile's
// does: once, only for a tracked alert, never for one GitHub updated after
// the event (it still exists), and not again once withdrawn.
func TestAudit_WithdrawThroughTheSnapshot(t *testing.T) {
	db := statetest.Open(t)
	dep := exporter.SourceDependabot
	must(t, db.Update(func(tx *state.Tx) error {
		for n, updated := range map[int]time.Time{1: t0.Add(-time.Hour), 2: t0.Add(time.Hour)} {
			if err := tx.PutSnapshot(alertKey(dep, n), exporter.Snapshot{State: "open", UpdatedAt: updated, Tracks: exporter.SnapshotTracks}); err != nil {
				return err
			}
		}
		return nil
	}))
	entry := func(doc string, n int) ghapi.AuditEntry {
		return ghapi.AuditEntry{DocumentID: doc, Action: "repository_vulnerability_alert.withdraw", Actor: "github", Org: "acme", Repo: "acme/w",
			At: t0, Raw: json.RawMessage(`{}`), Withdraws: true,
			Alerts: []ghapi.AuditAlert{{Key: alertKey(dep, n), Entry: json.RawMessage(`{}`)}}}
	}
	now := t0.Add(2 * time.Hour)
	a := &Auditor{DB: db, Sinks: []string{testSink}, Now: func() time.Time { return now }, Lag: time.Hour,
		GH: auditPages{[][]ghapi.AuditEntry{{entry("d1", 1), entry("d2", 2), entry("d3", 3)}, {entry("d4", 1)}}}}
	_, err := a.Poll(context.Background(), orgAcme)
	must(t, err)
	var withdrawn []exporter.Record
	for _, r := range outbox(t, db) {
		if r.Action == exporter.ActionWithdrawn {
			withdrawn = append(withdrawn, r)
		}
	}
	if len(withdrawn) != 1 {
		t.Fatalf("withdrawn %d alerts, want #1 alone: %+v", len(withdrawn), withdrawn)
	}
	w := withdrawn[0]
	if w.Alert.Number != 1 || !w.Time.Equal(t0) || !w.ObservedAt.Equal(now) || w.Actor != "github" ||
		w.ID != exporter.AlertRecordID(dep, "acme/w", 1, exporter.ActionWithdrawn, t0) {
		t.Fatalf("%+v", w)
	}
	must(t, db.View(func(tx *state.Tx) error {
		if _, ok, _ := tx.Snapshot(alertKey(dep, 1)); ok {
			t.Error("#1 still tracked")
		}
		if _, ok, _ := tx.Snapshot(alertKey(dep, 2)); !ok {
			t.Error("#2, updated after the event, was forgotten")
		}
		return nil
	}))
}
