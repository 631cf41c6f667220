package ecs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from what Marshal writes now")

// allAlertActions is every action an alert record can carry.
var allAlertActions = []string{
	exporter.ActionCreated, exporter.ActionDismissed, exporter.ActionFixed, exporter.ActionAutoDismissed,
	exporter.ActionReopened, exporter.ActionAutoReopened, exporter.ActionReintroduced, exporter.ActionResolved,
	exporter.ActionPushProtectionBypassed, exporter.ActionWithdrawn, exporter.ActionSeverityChanged,
	exporter.ActionStateChanged, exporter.ActionValidityChanged, exporter.ActionPubliclyLeaked,
	exporter.ActionAssigned, exporter.ActionUnassigned,
}

func TestMarshal_EveryRecordIsECS(t *testing.T) {
	c := newChecker(t)
	check := func(name string, doc []byte, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		for _, p := range c.check(doc) {
			t.Errorf("%s: %s\n%s", name, p, doc)
		}
	}
	actions := map[exporter.Source]map[string]bool{}
	alerts := alertRecords()
	for i := range alerts {
		r := &alerts[i]
		if actions[r.Source] == nil {
			actions[r.Source] = map[string]bool{}
		}
		actions[r.Source][r.Action] = true
		doc, err := Marshal(r)
		check(string(r.Source)+" "+r.Action, doc, err)
	}
	for _, a := range allAlertActions {
		if !actions[exporter.SourceDependabot][a] && !actions[exporter.SourceCodeScanning][a] && !actions[exporter.SourceSecretScanning][a] {
			t.Errorf("no record with action %s was checked", a)
		}
	}
	common := []string{exporter.ActionCreated, exporter.ActionReopened, exporter.ActionWithdrawn, exporter.ActionStateChanged, exporter.ActionSeverityChanged}
	for src, own := range map[exporter.Source][]string{
		exporter.SourceDependabot: {exporter.ActionDismissed, exporter.ActionFixed, exporter.ActionAutoDismissed,
			exporter.ActionAutoReopened, exporter.ActionReintroduced},
		exporter.SourceCodeScanning: {exporter.ActionDismissed, exporter.ActionFixed, exporter.ActionReintroduced,
			exporter.ActionAssigned, exporter.ActionUnassigned},
		exporter.SourceSecretScanning: {exporter.ActionResolved, exporter.ActionPushProtectionBypassed,
			exporter.ActionValidityChanged, exporter.ActionPubliclyLeaked, exporter.ActionAssigned, exporter.ActionUnassigned},
	} {
		for _, a := range append(own, common...) {
			if !actions[src][a] {
				t.Errorf("no %s record with action %s was checked", src, a)
			}
		}
	}
	audits := auditRecords(t)
	for i := range audits {
		doc, err := Marshal(&audits[i])
		check("audit "+audits[i].Action, doc, err)
	}
	for _, rec := range requestRecords() {
		doc, err := Marshal(&rec)
		check("request "+rec.Action, doc, err)
	}
	// every ECS field the issue names was written by some record
	for _, want := range []string{"@timestamp", "event.kind", "event.category", "event.type", "event.action", "event.id",
		"event.created", "event.dataset", "event.reason", "vulnerability.id", "vulnerability.enumeration",
		"vulnerability.reference", "vulnerability.severity", "vulnerability.description", "vulnerability.scanner.vendor",
		"rule.id", "rule.ruleset", "package.name", "package.type", "user.name", "user.target.name", "organization.name",
		"url.full", "related.user", "related.ip", "group.name", "user.target.group.name", "client.geo.country_iso_code",
		"user_agent.original", "github.alert.number", "github.request.kind", "github.audit", "github.raw",
		"github.permission", "github.actor_ip", "github.repository_public", "github.repositories_added_names"} {
		if !c.seen[want] {
			t.Errorf("no document had %s", want)
		}
	}
	if testing.Verbose() {
		t.Logf("custom fields: %v", sortedKeys(c.custom))
	}
}

// A document with a field ECS does not define, a wrong type, or a value
// outside the allowed ones is refused: the checker itself is tested.
func TestChecker_RefusesWhatECSDoesNot(t *testing.T) {
	c := newChecker(t)
	rec := alertRecords()[0]
	good, err := Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.check(good); p != nil {
		t.Fatalf("good document refused: %v", p)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown field", `"ecs":{`, `"bogus":{"x":1},"ecs":{`, "bogus: not an ECS field"},
		{"kind not allowed", `"kind":"alert"`, `"kind":"finding"`, "not one of ECS's allowed values"},
		{"category not allowed", `"category":["vulnerability"]`, `"category":["secrets"]`, "not one of ECS's allowed values"},
		{"type not expected by the category", `"type":["info"]`, `"type":["creation"]`, "expected by none"},
		{"array where one value", `"action":"created"`, `"action":["created"]`, "ECS expects one value"},
		{"one value where an array", `"category":["vulnerability"]`, `"category":"vulnerability"`, "normalizes it to one"},
		{"wrong type", `"ecs":{"version":"9.4.0"}`, `"ecs":{"version":9}`, "not a valid keyword"},
		{"bad date", `"created":"`, `"created":"yesterday","x":"`, "not a valid date"},
		{"dotted key", `"ecs":{`, `"event.module":"x","ecs":{`, "dotted key"},
	} {
		doc := bytes.Replace(good, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(doc, good) {
			t.Fatalf("%s: %q not in %s", tc.name, tc.from, good)
		}
		if p := strings.Join(c.check(doc), "\n"); !strings.Contains(p, tc.want) {
			t.Errorf("%s: problems %q, want one saying %q", tc.name, p, tc.want)
		}
	}
	// github.* fields keep one type across documents
	c.check([]byte(`{"github":{"alert":{"number":"seven"}}}`))
	if p := strings.Join(c.check(good), "\n"); !strings.Contains(p, "mapping conflict") {
		t.Errorf("a github.* field of two types was not caught: %q", p)
	}
}

func TestMarshal_Categorization(t *testing.T) {
	byAction := map[string]exporter.Record{}
	for _, r := range alertRecords() {
		if r.Source == exporter.SourceSecretScanning && r.Enterprise != "" {
			byAction[r.Action] = r
		}
	}
	for _, tc := range []struct {
		action, kind, cats, types string
	}{
		{exporter.ActionCreated, "alert", "vulnerability", "info"},
		{exporter.ActionReopened, "alert", "vulnerability", "info"},
		{exporter.ActionPubliclyLeaked, "alert", "vulnerability", "info"},
		{exporter.ActionPushProtectionBypassed, "alert", "vulnerability,intrusion_detection", "info,allowed"},
		{exporter.ActionValidityChanged, "alert", "vulnerability", "info"}, // to active
		{exporter.ActionResolved, "event", "vulnerability", "info"},
		{exporter.ActionWithdrawn, "event", "vulnerability", "info"},
		{exporter.ActionAssigned, "event", "vulnerability", "info"},
		{exporter.ActionSeverityChanged, "event", "vulnerability", "info"},
	} {
		r, ok := byAction[tc.action]
		if !ok {
			t.Fatalf("no %s record", tc.action)
		}
		got := eventOf(t, &r)
		if got.Kind != tc.kind || strings.Join(got.Category, ",") != tc.cats || strings.Join(got.Type, ",") != tc.types {
			t.Errorf("%s: kind %s category %v type %v, want %s [%s] [%s]", tc.action, got.Kind, got.Category, got.Type, tc.kind, tc.cats, tc.types)
		}
	}
	inactive := byAction[exporter.ActionValidityChanged]
	a := *inactive.Alert
	a.Validity, a.PreviousValidity = "inactive", "active"
	inactive.Alert = &a
	if got := eventOf(t, &inactive); got.Kind != "event" {
		t.Errorf("validity_changed to inactive: kind %s, want event", got.Kind)
	}

	for _, tc := range []struct {
		action, cats, types string
	}{
		{"org.add_member", "configuration,web,iam", "group,user,creation"},
		{"team.remove_member", "configuration,web,iam", "group,user,deletion"},
		{"repo.destroy", "configuration,web", "change"},
		{"repo.create", "configuration,web", "creation"},
		{"protected_branch.policy_override", "configuration,web", "change"},
		{"integration_installation.repositories_added", "configuration,web", "creation"},
		{"Weird", "configuration,web", "change"},
	} {
		r := exporter.Record{ID: "x", Time: t0, ObservedAt: observed, Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: tc.action}
		got := eventOf(t, &r)
		if got.Kind != "event" || got.Dataset != "github.audit" || strings.Join(got.Category, ",") != tc.cats || strings.Join(got.Type, ",") != tc.types {
			t.Errorf("audit %s: kind %s dataset %s category %v type %v, want event github.audit [%s] [%s]", tc.action, got.Kind, got.Dataset, got.Category, got.Type, tc.cats, tc.types)
		}
	}

	for _, rec := range requestRecords() {
		got := eventOf(t, &rec)
		wantCat, wantType := "configuration", "change"
		if rec.Request != nil && rec.Request.Kind == exporter.RequestKindBypass {
			wantCat = "iam"
		}
		if rec.Action == "request_created" {
			wantType = "creation"
		}
		if got.Kind != "event" || got.Dataset != "github.request" || strings.Join(got.Category, ",") != wantCat || strings.Join(got.Type, ",") != wantType {
			t.Errorf("%s %v: kind %s dataset %s category %v type %v, want event github.request [%s] [%s]",
				rec.Action, rec.Request != nil, got.Kind, got.Dataset, got.Category, got.Type, wantCat, wantType)
		}
	}
}

type eventFields struct {
	Kind     string   `json:"kind"`
	Category []string `json:"category"`
	Type     []string `json:"type"`
	Dataset  string   `json:"dataset"`
}

func eventOf(t *testing.T, r *exporter.Record) eventFields {
	t.Helper()
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Event eventFields `json:"event"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d.Event
}

// Every value an alert record holds is somewhere in its document: a field
// added to the record without a mapping fails here (recordjsontest.Fill
// sets every field).
func TestMarshal_AlertKeepsEveryValue(t *testing.T) {
	for _, src := range exporter.AlertSources {
		r := recordjsontest.Record()
		r.Category, r.Source, r.Audit = exporter.CategoryAlert, src, nil
		b, err := Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		values := map[string]bool{}
		collect(doc, values)
		want := map[string]string{"ID": r.ID, "Time": r.Time.Format(time.RFC3339Nano), "ObservedAt": r.ObservedAt.Format(time.RFC3339Nano),
			"Source": string(r.Source), "Action": r.Action, "Origin": string(r.Origin), "Enterprise": r.Enterprise,
			"Org": r.Org, "Repo": r.Repo, "Actor": r.Actor}
		addStrings(want, "Alert.", *r.Alert)
		for field, v := range want {
			if !values[v] {
				t.Errorf("%s: record field %s (%q) is nowhere in the document %s", src, field, v, b)
			}
		}
		if !bytes.Contains(b, []byte(`"raw":`)) {
			t.Errorf("%s: raw missing from %s", src, b)
		}
	}
}

// addStrings adds every field of a (an AlertInfo) as the string a document holds it as.
func addStrings(want map[string]string, prefix string, a exporter.AlertInfo) {
	b, _ := json.Marshal(a)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k, v := range m {
		switch x := v.(type) {
		case string:
			want[prefix+k] = x
		case float64:
			want[prefix+k] = mustJSON(x)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// collect adds every scalar of v, as text, to out.
func collect(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			collect(e, out)
		}
	case []any:
		for _, e := range x {
			collect(e, out)
		}
	case string:
		out[x] = true
	case float64:
		out[mustJSON(x)] = true
	}
}

func TestMarshal_Refuses(t *testing.T) {
	rec := alertRecords()[0]
	late := rec
	late.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	badRaw := rec
	badRaw.Raw = json.RawMessage(`{"unterminated"`)
	audit := auditRecords(t)[0]
	badEntry := audit
	badEntry.Audit = &exporter.AuditInfo{Action: audit.Action, Entry: json.RawMessage(`{"action":`)}
	for name, r := range map[string]exporter.Record{"year 10000": late, "raw not JSON": badRaw, "entry not JSON": badEntry} {
		if b, err := Marshal(&r); err == nil || !strings.Contains(err.Error(), r.ID) {
			t.Errorf("%s: %s, %v; want an error naming the record", name, b, err)
		}
	}
}

// golden cases: one typical record of each kind, written out in full so a
// change to the mapping shows in review.
func goldenCases(t testing.TB) map[string]exporter.Record {
	pick := func(src exporter.Source, action string, full bool) exporter.Record {
		for _, r := range alertRecords() {
			if r.Source == src && r.Action == action && (r.Alert.Title != "") == full {
				return r
			}
		}
		t.Fatalf("no %s %s record", src, action)
		return exporter.Record{}
	}
	byDoc := func(id string) exporter.Record {
		for _, r := range auditRecords(t) {
			if r.Audit != nil && r.Audit.DocumentID == id {
				return r
			}
		}
		t.Fatalf("no audit record %s", id)
		return exporter.Record{}
	}
	reqs := requestRecords()
	var approved exporter.Record
	for _, rec := range reqs {
		if rec.Action == "request_approved" && rec.Actor != "" && rec.Request.Kind == exporter.RequestKindBypass {
			approved = rec
			break
		}
	}
	return map[string]exporter.Record{
		"dependabot_created":       pick(exporter.SourceDependabot, exporter.ActionCreated, true),
		"dependabot_fixed_minimal": pick(exporter.SourceDependabot, exporter.ActionFixed, false),
		"code_scanning_dismissed":  pick(exporter.SourceCodeScanning, exporter.ActionDismissed, true),
		"secret_bypassed":          pick(exporter.SourceSecretScanning, exporter.ActionPushProtectionBypassed, true),
		"secret_assigned":          pick(exporter.SourceSecretScanning, exporter.ActionAssigned, true),
		"audit_repo_destroy":       byDoc("LwW2vpJZCDS-WUmo9Z-ifw"),
		"audit_org_add_member":     byDoc("d-full"),
		"request_bypass_approved":  approved,
	}
}

func TestMarshal_Golden(t *testing.T) {
	c := newChecker(t)
	for name, rec := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(&rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.check(got) {
				t.Error(p)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("%s differs from what Marshal writes:\n%s", path, pretty.Bytes())
			}
		})
	}
}

// Marshal is deterministic: the same record gives the same bytes.
func TestMarshal_Deterministic(t *testing.T) {
	recs := append(alertRecords(), auditRecords(t)...)
	for i := range recs {
		a, errA := Marshal(&recs[i])
		b, errB := Marshal(&recs[i])
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("%s: %s / %s (%v, %v)", recs[i].Action, a, b, errA, errB)
		}
	}
}
