package recordschema

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestSchema_SameAsPublished(t *testing.T) {
	pub, err := os.ReadFile("../../docs/record.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pub, Schema) {
		t.Fatal("exporter/recordschema/record.schema.json differs from docs/record.schema.json; copy docs/ over it")
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	good := exporter.Record{Schema: 1, ID: exporter.AlertRecordID("dependabot", "acme/w", 1, "created", now),
		Time: now, ObservedAt: now, Category: "alert", Source: "dependabot", Action: "created", Origin: "poll",
		Org: "acme", Repo: "acme/w", Alert: &exporter.AlertInfo{Number: 1, State: "open", Severity: "high"}}
	if err := Validate(&good); err != nil {
		t.Fatalf("valid record rejected: %v", err)
	}
	bad := []func(r *exporter.Record){
		func(r *exporter.Record) { r.Schema = 2 },
		func(r *exporter.Record) { r.Action = "exploded" },
		func(r *exporter.Record) { r.Alert = nil },
		func(r *exporter.Record) { r.Alert.Severity = "urgent" },
		func(r *exporter.Record) { r.Source = "audit_log" },
		func(r *exporter.Record) {
			r.Audit = &exporter.AuditInfo{Action: "x", DocumentID: "y", Entry: []byte(`{}`)}
		},
		func(r *exporter.Record) { r.ID = "nope" },
		func(r *exporter.Record) { r.Action = "" },
		func(r *exporter.Record) { r.Alert.State = "" },
		func(r *exporter.Record) { r.Alert.State = "Dismissed!" },
		func(r *exporter.Record) { r.Alert.PreviousState = "open\u0000" },
	}
	for i, mut := range bad {
		r := good
		a := *good.Alert
		r.Alert = &a
		mut(&r)
		if Validate(&r) == nil {
			t.Errorf("bad record %d accepted", i)
		}
	}
	changed := good
	changed.Action, changed.Alert = "state_changed", &exporter.AlertInfo{Number: 1, State: "in_review", PreviousState: "open"}
	if err := Validate(&changed); err != nil {
		t.Fatalf("state_changed to a state GitHub added later rejected: %v", err)
	}
	audit := exporter.Record{Schema: 1, ID: exporter.AuditRecordID("doc1"), Time: now, ObservedAt: now, Category: "audit",
		Source: "audit_log", Action: "secret_scanning_alert.resolve", Origin: "poll", Org: "acme",
		Audit: &exporter.AuditInfo{Action: "secret_scanning_alert.resolve", DocumentID: "doc1", Entry: []byte(`{"action":"secret_scanning_alert.resolve"}`)}}
	if err := Validate(&audit); err != nil {
		t.Fatalf("valid audit record rejected: %v", err)
	}
}

// An audit record linked to an alert carries the alert's key and nothing
// else of it; an alert record never carries alert_source.
func TestValidate_AuditLinkedToAlert(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	linked := exporter.Record{Schema: 1, ID: exporter.AuditAlertRecordID("doc1", 4), Time: now, ObservedAt: now, Category: "audit",
		Source: "audit_log", AlertSource: "code_scanning", Action: "code_scanning.alert_closed_by_user", Origin: "poll", Org: "acme",
		Repo: "acme/w", Alert: &exporter.AlertInfo{Number: 4},
		Audit: &exporter.AuditInfo{Action: "code_scanning.alert_closed_by_user", DocumentID: "doc1", Entry: []byte(`{"alert_numbers":[4]}`)}}
	if err := Validate(&linked); err != nil {
		t.Fatalf("linked audit record rejected: %v", err)
	}
	for name, mut := range map[string]func(r *exporter.Record){
		"no alert_source":        func(r *exporter.Record) { r.AlertSource = "" },
		"no alert":               func(r *exporter.Record) { r.Alert = nil },
		"no repo":                func(r *exporter.Record) { r.Repo = "" },
		"alert_source audit_log": func(r *exporter.Record) { r.AlertSource = "audit_log" },
		"more than the key":      func(r *exporter.Record) { r.Alert = &exporter.AlertInfo{Number: 4, State: "dismissed"} },
		"an alert record's": func(r *exporter.Record) {
			r.Category, r.Source, r.Action, r.Audit = "alert", "code_scanning", "dismissed", nil
			r.Alert = &exporter.AlertInfo{Number: 4, State: "dismissed"}
		},
	} {
		r := linked
		mut(&r)
		if Validate(&r) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
