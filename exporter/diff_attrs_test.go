package exporter

import (
	"testing"
)

func TestDiff_Attributes(t *testing.T) {
	tracked := func(m func(*Snapshot)) *Snapshot {
		return snap("open", func(s *Snapshot) { s.Tracks = SnapshotTracks; m(s) })
	}
	secret := func(m func(*Observation)) *Observation {
		return obs(SourceSecretScanning, "open", m)
	}
	tests := []struct {
		name string
		prev *Snapshot
		cur  *Observation
		want []string // action/assignee-or-previous_validity
	}{
		{"validity inactive → active", tracked(func(s *Snapshot) { s.Validity = "inactive" }),
			secret(func(o *Observation) { o.Validity = "active" }), []string{"validity_changed/inactive"}},
		{"validity unknown before tracking: nothing", snap("open", func(s *Snapshot) { s.Validity = "" }),
			secret(func(o *Observation) { o.Validity = "active" }), nil},
		{"publicly leaked", tracked(func(*Snapshot) {}),
			secret(func(o *Observation) { o.PubliclyLeaked = true }), []string{"publicly_leaked/"}},
		{"still leaked: nothing", tracked(func(s *Snapshot) { s.PubliclyLeaked = true }),
			secret(func(o *Observation) { o.PubliclyLeaked = true }), nil},
		{"untracked snapshot, leaked: nothing", snap("open"),
			secret(func(o *Observation) { o.PubliclyLeaked = true }), nil},
		{"assignees a → b,c", tracked(func(s *Snapshot) { s.Assignees = []string{"a"} }),
			obs(SourceCodeScanning, "open", func(o *Observation) { o.Assignees = []string{"b", "c"} }),
			[]string{"assigned/b", "assigned/c", "unassigned/a"}},
		{"unseen leaked → created + publicly_leaked", nil,
			secret(func(o *Observation) { o.PubliclyLeaked = true }), []string{"created/", "publicly_leaked/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := Diff(tc.prev, tc.cur, OriginPoll, tO)
			var got []string
			ids := map[string]bool{}
			for _, r := range recs {
				extra := r.Alert.Assignee + r.Alert.PreviousValidity
				got = append(got, r.Action+"/"+extra)
				if ids[r.ID] {
					t.Errorf("duplicate id %s", r.ID)
				}
				ids[r.ID] = true
				if r.Action != ActionCreated && !r.Time.Equal(tc.cur.UpdatedAt) {
					t.Errorf("%s at %v, want updated_at", r.Action, r.Time)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestDiff_SenderIsActorWhereAlertNamesNone(t *testing.T) {
	cur := obs(SourceDependabot, "open", func(o *Observation) { o.Sender = "octocat" })
	recs := Diff(snap("dismissed"), cur, OriginWebhook, tO)
	if len(recs) != 1 || recs[0].Action != ActionReopened || recs[0].Actor != "octocat" {
		t.Fatalf("got %+v", recs)
	}
	cur = obs(SourceDependabot, "dismissed", func(o *Observation) { o.Sender, o.ClosedBy, o.ClosedAt = "bot", "alice", t2 })
	recs = Diff(snap("open"), cur, OriginWebhook, tO)
	if len(recs) != 1 || recs[0].Actor != "alice" {
		t.Fatalf("alert's own closer must win over sender: %+v", recs)
	}
	if recs := Diff(nil, cur, OriginWebhook, tO); recs[0].Action != ActionCreated || recs[0].Actor != "" {
		t.Fatalf("created has no actor: %+v", recs[0])
	}
}
