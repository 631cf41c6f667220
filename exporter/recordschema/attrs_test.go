package recordschema

import (
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The attribute transitions (validity, public leak, assignees) validate, and
// the schema insists on their own fields.
func TestValidate_AttributeTransitions(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	prev := &exporter.Snapshot{State: "open", Severity: "high", UpdatedAt: t0, Validity: "inactive",
		Assignees: []string{"old"}, Tracks: exporter.SnapshotTracks}
	cur := &exporter.Observation{Key: exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/w", Number: 4},
		Org: "acme", State: "open", Severity: "high", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
		Validity: "active", PubliclyLeaked: true, Assignees: []string{"new"}, Sender: "octocat"}
	recs := exporter.Diff(prev, cur, exporter.OriginWebhook, t0.Add(2*time.Hour))
	if len(recs) != 4 {
		t.Fatalf("want validity_changed, publicly_leaked, assigned, unassigned; got %d", len(recs))
	}
	for i := range recs {
		if err := Validate(&recs[i]); err != nil {
			t.Errorf("%s: %v", recs[i].Action, err)
		}
	}
	noAssignee := recs[2]
	a := *noAssignee.Alert
	a.Assignee = ""
	noAssignee.Alert = &a
	if Validate(&noAssignee) == nil {
		t.Error("assigned without an assignee must fail the schema")
	}
}
