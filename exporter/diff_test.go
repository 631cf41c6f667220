package exporter

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
	t3 = t0.Add(3 * time.Hour)
	tO = t0.Add(24 * time.Hour) // observed
)

func obs(src Source, state string, mut ...func(*Observation)) *Observation {
	o := &Observation{
		Key: AlertKey{Source: src, Repo: "acme/widgets", Number: 7}, Org: "acme",
		State: state, Severity: "high", SeverityRaw: "high", Title: "t",
		CreatedAt: t0, UpdatedAt: t1,
	}
	for _, m := range mut {
		m(o)
	}
	return o
}

func snap(state string, mut ...func(*Snapshot)) *Snapshot {
	s := &Snapshot{State: state, Severity: "high", SeverityRaw: "high", UpdatedAt: t0}
	for _, m := range mut {
		m(s)
	}
	return s
}

type want struct {
	action, prev, actor string
	at                  time.Time
}

func TestDiff_TransitionTable(t *testing.T) {
	closed := func(state string, at time.Time, by string) func(*Observation) {
		return func(o *Observation) { o.State, o.ClosedAt, o.ClosedBy, o.Reason = state, at, by, "tolerable_risk" }
	}
	tests := []struct {
		name string
		prev *Snapshot
		cur  *Observation
		want []want
	}{
		{"unseen open → created", nil, obs(SourceDependabot, "open"),
			[]want{{ActionCreated, "", "", t0}}},
		{"unseen dismissed → created + dismissed", nil, obs(SourceDependabot, "open", closed("dismissed", t2, "octocat")),
			[]want{{ActionCreated, "", "", t0}, {ActionDismissed, "open", "octocat", t2}}},
		{"unseen fixed → created + fixed", nil, obs(SourceCodeScanning, "open", closed("fixed", t2, "")),
			[]want{{ActionCreated, "", "", t0}, {ActionFixed, "open", "", t2}}},
		{"unseen resolved + bypassed secret → created + resolved + bypass", nil,
			obs(SourceSecretScanning, "open", closed("resolved", t3, "sec-lead"), func(o *Observation) {
				o.Bypassed, o.BypassedAt, o.BypassedBy = true, t0, "dev1"
			}),
			[]want{{ActionCreated, "", "", t0}, {ActionResolved, "open", "sec-lead", t3}, {ActionPushProtectionBypassed, "", "dev1", t0}}},
		{"open → dismissed", snap("open"), obs(SourceDependabot, "open", closed("dismissed", t2, "octocat")),
			[]want{{ActionDismissed, "open", "octocat", t2}}},
		{"open → fixed", snap("open"), obs(SourceDependabot, "open", closed("fixed", t2, "")),
			[]want{{ActionFixed, "open", "", t2}}},
		{"open → auto_dismissed", snap("open"), obs(SourceDependabot, "open", closed("auto_dismissed", t2, "")),
			[]want{{ActionAutoDismissed, "open", "", t2}}},
		{"open → resolved (secret)", snap("open"), obs(SourceSecretScanning, "open", closed("resolved", t2, "sec-lead")),
			[]want{{ActionResolved, "open", "sec-lead", t2}}},
		{"dismissed → open = reopened", snap("dismissed"), obs(SourceCodeScanning, "open"),
			[]want{{ActionReopened, "dismissed", "", t1}}},
		{"resolved → open = reopened", snap("resolved"), obs(SourceSecretScanning, "open"),
			[]want{{ActionReopened, "resolved", "", t1}}},
		{"auto_dismissed → open = auto_reopened", snap("auto_dismissed"), obs(SourceDependabot, "open"),
			[]want{{ActionAutoReopened, "auto_dismissed", "", t1}}},
		{"fixed → open = reintroduced", snap("fixed"), obs(SourceDependabot, "open"),
			[]want{{ActionReintroduced, "fixed", "", t1}}},
		{"bypass false → true", snap("open"), obs(SourceSecretScanning, "open", func(o *Observation) {
			o.Bypassed, o.BypassedAt, o.BypassedBy = true, t2, "dev1"
		}), []want{{ActionPushProtectionBypassed, "open", "dev1", t2}}},
		{"bypass already seen → nothing", snap("open", func(s *Snapshot) { s.Bypassed = true }),
			obs(SourceSecretScanning, "open", func(o *Observation) { o.Bypassed, o.BypassedAt = true, t2 }), nil},
		{"same state, severity differs → severity_changed", snap("open", func(s *Snapshot) { s.Severity = "medium" }),
			obs(SourceDependabot, "open"), []want{{ActionSeverityChanged, "open", "", t1}}},
		{"same state, nothing else → nothing", snap("open"), obs(SourceDependabot, "open"), nil},
		{"dismissed again later (proven reopen between polls) → reopened + dismissed",
			snap("dismissed", func(s *Snapshot) { s.ClosedAt = t1 }),
			obs(SourceDependabot, "open", closed("dismissed", t3, "octocat")),
			[]want{{ActionReopened, "dismissed", "", t3}, {ActionDismissed, "open", "octocat", t3}}},
		{"dismissed, same dismissed_at, comment edited → nothing",
			snap("dismissed", func(s *Snapshot) { s.ClosedAt = t2 }),
			obs(SourceDependabot, "open", closed("dismissed", t2, "octocat")), nil},
		{"dismissed → fixed (reopened in between) → reopened + fixed", snap("dismissed", func(s *Snapshot) { s.ClosedAt = t1 }),
			obs(SourceCodeScanning, "open", closed("fixed", t3, "")),
			[]want{{ActionReopened, "dismissed", "", t3}, {ActionFixed, "open", "", t3}}},
		{"unseen in a state GitHub added later → created + state_changed", nil, obs(SourceDependabot, "in_review"),
			[]want{{ActionCreated, "", "", t0}, {ActionStateChanged, "open", "", t1}}},
		{"open → new state = state_changed, never a made-up action", snap("open"), obs(SourceCodeScanning, "in_review"),
			[]want{{ActionStateChanged, "open", "", t1}}},
		{"new state → open = state_changed, not reopened", snap("in_review"), obs(SourceCodeScanning, "open"),
			[]want{{ActionStateChanged, "in_review", "", t1}}},
		{"new state → dismissed = state_changed with closer and closing time", snap("in_review"),
			obs(SourceDependabot, "open", closed("dismissed", t2, "octocat")),
			[]want{{ActionStateChanged, "in_review", "octocat", t2}}},
		{"state of another product (fixed on a secret) = state_changed", snap("open"), obs(SourceSecretScanning, "fixed"),
			[]want{{ActionStateChanged, "open", "", t1}}},
		{"stored empty state (written before states were checked) → open = state_changed", snap(""), obs(SourceDependabot, "open"),
			[]want{{ActionStateChanged, "", "", t1}}},
		{"same new state, severity differs → severity_changed", snap("in_review", func(s *Snapshot) { s.Severity = "medium" }),
			obs(SourceDependabot, "in_review"), []want{{ActionSeverityChanged, "in_review", "", t1}}},
		{"closed without closing timestamp → time falls back to updated_at", snap("open"),
			obs(SourceCodeScanning, "open", closed("fixed", time.Time{}, "")),
			[]want{{ActionFixed, "open", "", t1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := Diff(tt.prev, tt.cur, OriginPoll, tO)
			var got []want
			for _, r := range recs {
				got = append(got, want{r.Action, r.Alert.PreviousState, r.Actor, r.Time})
				if r.Schema != 1 || r.Category != CategoryAlert || r.Source != tt.cur.Key.Source || r.Origin != OriginPoll ||
					r.Repo != "acme/widgets" || r.Org != "acme" || r.Alert.Number != 7 || !r.ObservedAt.Equal(tO) {
					t.Errorf("record envelope wrong: %+v", r)
				}
				if r.ID != AlertRecordID(r.Source, r.Repo, 7, r.Action, r.Time) {
					t.Errorf("%s: id is not the stable digest", r.Action)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestDiff_IDStableAcrossOrigins(t *testing.T) {
	cur := obs(SourceDependabot, "open", func(o *Observation) { o.State, o.ClosedAt = "dismissed", t2 })
	a := Diff(snap("open"), cur, OriginPoll, tO)
	b := Diff(snap("open"), cur, OriginWebhook, tO.Add(time.Minute))
	if a[0].ID != b[0].ID {
		t.Fatalf("same event, different ids: %s vs %s", a[0].ID, b[0].ID)
	}
	c := Diff(snap("open"), obs(SourceDependabot, "open", func(o *Observation) {
		o.Key.Repo = "acme/other"
		o.State, o.ClosedAt = "dismissed", t2
	}), OriginPoll, tO)
	if a[0].ID == c[0].ID {
		t.Fatal("same number in another repo must not share an id")
	}
}

func TestDiff_ReasonOnlyOnClosingRecords(t *testing.T) {
	cur := obs(SourceDependabot, "open", func(o *Observation) {
		o.State, o.ClosedAt, o.Reason, o.Comment = "dismissed", t2, "tolerable_risk", "accepted"
	})
	recs := Diff(nil, cur, OriginBackfill, tO)
	if recs[0].Alert.Reason != "" || recs[1].Alert.Reason != "tolerable_risk" || recs[1].Alert.Comment != "accepted" {
		t.Fatalf("reason placement wrong: %+v / %+v", recs[0].Alert, recs[1].Alert)
	}
	if recs[0].Origin != OriginBackfill {
		t.Fatal("origin not propagated")
	}
}

// A secret's bypass is on every record of the alert, not only on the
// push_protection_bypassed one: a rule on a later resolve needs it there.
func TestDiff_BypassOnEveryRecord(t *testing.T) {
	bypassed := func(o *Observation) { o.Bypassed, o.BypassedAt, o.BypassedBy = true, t1, "dev" }
	resolved := func(o *Observation) {
		o.State, o.ClosedAt, o.ClosedBy, o.Reason = "resolved", t2, "dev", "false_positive"
	}
	for _, tc := range []struct {
		name string
		prev *Snapshot
		cur  *Observation
		n    int
	}{
		{"first sighting", nil, obs(SourceSecretScanning, "open", bypassed, resolved), 3},
		{"bypass, then a later resolve", snap("open", func(s *Snapshot) { s.Bypassed = true }), obs(SourceSecretScanning, "open", bypassed, resolved), 1},
	} {
		recs := Diff(tc.prev, tc.cur, OriginPoll, tO)
		if len(recs) != tc.n {
			t.Fatalf("%s: %d records, want %d", tc.name, len(recs), tc.n)
		}
		for _, r := range recs {
			if !r.Alert.PushProtectionBypassed || r.Alert.PushProtectionBypassedBy != "dev" {
				t.Errorf("%s: %s record without the bypass: %+v", tc.name, r.Action, r.Alert)
			}
		}
	}
	if r := Diff(nil, obs(SourceSecretScanning, "open", resolved), OriginPoll, tO); r[1].Alert.PushProtectionBypassed || r[1].Alert.PushProtectionBypassedBy != "" {
		t.Errorf("a secret never bypassed says it was: %+v", r[1].Alert)
	}
	w := Withdraw(AlertKey{Source: SourceSecretScanning, Repo: "acme/widgets", Number: 7}, Snapshot{State: "open", Bypassed: true}, "acme", "", OriginReconcile, tO)
	if !w.Alert.PushProtectionBypassed {
		t.Errorf("withdrawn record lost the stored bypass: %+v", w.Alert)
	}
}

func TestWithdraw(t *testing.T) {
	k := AlertKey{Source: SourceCodeScanning, Repo: "acme/widgets", Number: 3}
	r := Withdraw(k, Snapshot{State: "open", Severity: "high", Title: "x"}, "acme", "", OriginReconcile, tO)
	if r.Action != ActionWithdrawn || r.Alert.PreviousState != "open" || !r.Time.Equal(tO) || r.Origin != OriginReconcile {
		t.Fatalf("withdraw record wrong: %+v", r)
	}
}

func TestNormalizeSeverity(t *testing.T) {
	for raw, want := range map[string]string{"critical": "critical", "high": "high", "error": "high", "moderate": "medium",
		"medium": "medium", "warning": "medium", "low": "low", "note": "low", "none": "none", "": "none", "weird": "none"} {
		if got := NormalizeSeverity(raw); got != want {
			t.Errorf("NormalizeSeverity(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestWellFormedState(t *testing.T) {
	for s, want := range map[string]bool{"open": true, "auto_dismissed": true, "in_review": true, "": false, "Open": false,
		"_x": false, "open ": false, "dismissed\x00": false, "fixé": false, "in2": false,
		strings.Repeat("a", 40): true, strings.Repeat("a", 41): false} {
		if got := WellFormedState(s); got != want {
			t.Errorf("WellFormedState(%q) = %v, want %v", s, got, want)
		}
	}
}

// AlertRecordID builds digest's input by hand; ids are stored and deduped
// on, so they must stay the bytes digest gives.
func TestAlertRecordID_IsTheDigestOfItsParts(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("x", 3600))
	for _, repo := range []string{"acme/api", strings.Repeat("r", 400)} {
		for _, n := range []int{0, 7, 1 << 40} {
			want := digest(string(SourceCodeScanning), repo, strconv.Itoa(n), ActionAssigned+"/bob", at.UTC().Format(time.RFC3339Nano))
			if got := AlertRecordID(SourceCodeScanning, repo, n, ActionAssigned+"/bob", at); got != want {
				t.Fatalf("AlertRecordID(%.20s, %d) = %s, want %s", repo, n, got, want)
			}
		}
	}
}
