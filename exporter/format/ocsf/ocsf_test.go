package ocsf

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf/internal/ocsfschema"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

// check maps rec, validates the event against the OCSF schema and returns
// it decoded.
func check(t *testing.T, s *ocsfschema.Schema, rec *exporter.Record) map[string]any {
	t.Helper()
	b, err := Marshal(rec)
	if err != nil {
		t.Fatalf("Marshal(%s %s %s): %v", rec.Category, rec.Source, rec.Action, err)
	}
	return checkBytes(t, s, b, fmt.Sprintf("%s %s %s", rec.Category, rec.Source, rec.Action))
}

func checkBytes(t *testing.T, s *ocsfschema.Schema, b []byte, what string) map[string]any {
	t.Helper()
	if p := s.Validate(b); len(p) != 0 {
		t.Errorf("%s: not valid OCSF %s:\n  %s\n%s", what, ocsfschema.Version, strings.Join(p, "\n  "), b)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// get reads a dotted path of a decoded event ("finding_info.uid").
func get(ev map[string]any, path string) any {
	var v any = ev
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return v
}

// TestMarshal_AlertsValid maps every transition of every source and checks
// each event against the schema, and that the records cover every action.
func TestMarshal_AlertsValid(t *testing.T) {
	s := ocsfschema.Load(t)
	recs := alertRecords()
	covered := map[exporter.Source]map[string]bool{}
	for i := range recs {
		r := &recs[i]
		ev := check(t, s, r)
		if covered[r.Source] == nil {
			covered[r.Source] = map[string]bool{}
		}
		covered[r.Source][r.Action] = true
		if got := get(ev, "metadata.uid"); got != r.ID {
			t.Errorf("%s: metadata.uid = %v, want the record id %s", r.Action, got, r.ID)
		}
		if got := get(ev, "time"); got != r.Time.UnixMilli() {
			t.Errorf("%s: time = %v, want %d", r.Action, got, r.Time.UnixMilli())
		}
		if got, want := get(ev, "finding_info.uid"), FindingUID(r.Source, r.Repo, r.Alert.Number); got != want {
			t.Errorf("%s: finding_info.uid = %v, want %s", r.Action, got, want)
		}
	}
	all := []string{exporter.ActionCreated, exporter.ActionReopened, exporter.ActionStateChanged,
		exporter.ActionSeverityChanged, exporter.ActionWithdrawn}
	want := map[exporter.Source][]string{
		exporter.SourceDependabot: append([]string{exporter.ActionDismissed, exporter.ActionFixed, exporter.ActionAutoDismissed,
			exporter.ActionAutoReopened, exporter.ActionReintroduced}, all...),
		exporter.SourceCodeScanning: append([]string{exporter.ActionDismissed, exporter.ActionFixed, exporter.ActionReintroduced,
			exporter.ActionAssigned, exporter.ActionUnassigned}, all...),
		exporter.SourceSecretScanning: append([]string{exporter.ActionResolved, exporter.ActionPushProtectionBypassed,
			exporter.ActionValidityChanged, exporter.ActionPubliclyLeaked, exporter.ActionAssigned, exporter.ActionUnassigned}, all...),
	}
	for src, actions := range want {
		for _, a := range actions {
			if !covered[src][a] {
				t.Errorf("no %s %s record was checked", src, a)
			}
		}
	}
}

// TestMarshal_Alert pins the classification of each kind of transition.
func TestMarshal_Alert(t *testing.T) {
	s := ocsfschema.Load(t)
	type key struct {
		src    exporter.Source
		action string
		state  string
		reason string
	}
	type want struct {
		class, activity, status, severity int64
	}
	wants := map[key]want{
		{exporter.SourceDependabot, "created", "open", ""}:                         {2002, 1, 1, 5},
		{exporter.SourceDependabot, "dismissed", "dismissed", "tolerable_risk"}:    {2002, 3, 3, 5},
		{exporter.SourceDependabot, "fixed", "fixed", ""}:                          {2002, 3, 4, 5},
		{exporter.SourceDependabot, "auto_dismissed", "auto_dismissed", ""}:        {2002, 3, 3, 5},
		{exporter.SourceDependabot, "auto_reopened", "open", ""}:                   {2002, 2, 1, 5},
		{exporter.SourceDependabot, "reintroduced", "open", ""}:                    {2002, 2, 1, 5},
		{exporter.SourceDependabot, "severity_changed", "open", ""}:                {2002, 2, 1, 2},
		{exporter.SourceDependabot, "state_changed", "quarantined", ""}:            {2002, 2, 99, 2},
		{exporter.SourceDependabot, "withdrawn", "withdrawn", ""}:                  {2002, 3, 6, 2},
		{exporter.SourceCodeScanning, "created", "open", ""}:                       {2007, 1, 1, 4},
		{exporter.SourceCodeScanning, "dismissed", "dismissed", "false positive"}:  {2007, 3, 3, 4},
		{exporter.SourceCodeScanning, "assigned", "open", ""}:                      {2007, 2, 1, 2},
		{exporter.SourceSecretScanning, "created", "open", ""}:                     {2006, 1, 1, 4},
		{exporter.SourceSecretScanning, "resolved", "resolved", "revoked"}:         {2006, 3, 4, 4},
		{exporter.SourceSecretScanning, "resolved", "resolved", "false_positive"}:  {2006, 3, 3, 4},
		{exporter.SourceSecretScanning, "resolved", "resolved", "pattern_deleted"}: {2006, 3, 5, 4},
		{exporter.SourceSecretScanning, "push_protection_bypassed", "open", ""}:    {2006, 2, 1, 2},
		{exporter.SourceSecretScanning, "validity_changed", "open", ""}:            {2006, 2, 1, 2},
		{exporter.SourceSecretScanning, "publicly_leaked", "open", ""}:             {2006, 2, 1, 2},
	}
	seen := map[key]bool{}
	for _, r := range alertRecords() {
		k := key{r.Source, r.Action, r.Alert.State, r.Alert.Reason}
		w, ok := wants[k]
		if !ok || seen[k] || r.Alert.Number != 7 {
			continue
		}
		seen[k] = true
		ev := check(t, s, &r)
		got := want{get(ev, "class_uid").(int64), get(ev, "activity_id").(int64), get(ev, "status_id").(int64), get(ev, "severity_id").(int64)}
		if got != w {
			t.Errorf("%v: (class, activity, status, severity) = %v, want %v", k, got, w)
		}
	}
	for k := range wants {
		if !seen[k] {
			t.Errorf("no record %v", k)
		}
	}
}

// TestMarshal_Dependabot pins the vulnerability: by CVE with the GHSA id
// related, else by the GHSA advisory; the manifest as affected code.
func TestMarshal_Dependabot(t *testing.T) {
	s := ocsfschema.Load(t)
	rec := alertRecords()[0]
	ev := check(t, s, &rec)
	v := get(ev, "vulnerabilities").([]any)[0].(map[string]any)
	if got := get(v, "cve.uid"); got != "CVE-2019-10744" {
		t.Errorf("cve.uid = %v", got)
	}
	if got := v["related_vulnerabilities"]; !reflect.DeepEqual(got, []any{"GHSA-jf85-cpcp-j695"}) {
		t.Errorf("related_vulnerabilities = %v", got)
	}
	if got := get(v["affected_code"].([]any)[0].(map[string]any), "file.path"); got != "web/package-lock.json" {
		t.Errorf("affected_code file path = %v", got)
	}
	if got := get(ev, "unmapped.alert.package"); got != "lodash" {
		t.Errorf("unmapped.alert.package = %v", got)
	}
	rec.Alert.CVEID = ""
	ev = check(t, s, &rec)
	if got := get(get(ev, "vulnerabilities").([]any)[0].(map[string]any), "advisory.uid"); got != "GHSA-jf85-cpcp-j695" {
		t.Errorf("without a CVE: advisory.uid = %v", got)
	}
	rec.Alert.GHSAID = ""
	check(t, s, &rec)
}

// TestMarshal_AuditValid maps audit records of many actions and shapes and
// checks each against the schema.
func TestMarshal_AuditValid(t *testing.T) {
	s := ocsfschema.Load(t)
	recs := auditRecords(t)
	if len(recs) < 100 {
		t.Fatalf("only %d audit records", len(recs))
	}
	classes := map[int64]int{}
	for i := range recs {
		r := &recs[i]
		ev := check(t, s, r)
		classes[get(ev, "class_uid").(int64)]++
		if got := get(ev, "metadata.original_event_uid"); r.Audit.DocumentID != "" && got != r.Audit.DocumentID {
			t.Errorf("%s: original_event_uid = %v, want %s", r.Action, got, r.Audit.DocumentID)
		}
		entry, _ := json.Marshal(get(ev, "unmapped.audit.entry"))
		var want any
		_ = json.Unmarshal(r.Audit.Entry, &want)
		wantB, _ := json.Marshal(want)
		if string(entry) != string(wantB) {
			t.Errorf("%s: unmapped.audit.entry = %s, want the entry %s", r.Action, entry, wantB)
		}
	}
	if classes[6003] == 0 || classes[3001] == 0 {
		t.Errorf("classes mapped: %v, want both API Activity and Account Change", classes)
	}
}

// TestMarshal_Audit pins the class and activity of audit actions.
func TestMarshal_Audit(t *testing.T) {
	s := ocsfschema.Load(t)
	for _, tc := range []struct {
		entry              string
		class, activity    int64
		activityName       string
		status             int64
		user, ip, endpoint string
	}{
		{`{"action":"user.create","actor":"admin","user":"newbie","user_id":42}`, 3001, 1, "Create", 1, "newbie", "", ""},
		{`{"action":"two_factor_authentication.disabled","actor":"mona"}`, 3001, 11, "MFA Factor Disable", 1, "mona", "", ""},
		{`{"action":"user.suspend","actor":"admin"}`, 3001, 5, "Disable", 1, "", "", ""},
		{`{"action":"repo.create","actor":"mona","actor_ip":"192.0.2.1"}`, 6003, 1, "Create", 1, "", "192.0.2.1", ""},
		{`{"action":"repo.destroy","actor":"mona"}`, 6003, 4, "Delete", 1, "", "", "unknown"},
		{`{"action":"git.clone","actor":"mona"}`, 6003, 2, "Read", 1, "", "", "unknown"},
		{`{"action":"protected_branch.policy_override","actor":"mona"}`, 6003, 99, "policy_override", 1, "", "", "unknown"},
		{`{"action":"pull_request.merge","operation_type":"modify"}`, 6003, 3, "Update", 1, "", "", "unknown"},
		{`{"action":"org.transfer","operation_type":"transfer"}`, 6003, 3, "Update", 1, "", "", "unknown"},
		{`{"action":"user.failed_login","actor":"mona","operation_type":"authentication"}`, 6003, 99, "authentication", 2, "", "", "unknown"},
	} {
		rec := auditRecord(json.RawMessage(tc.entry))
		ev := check(t, s, &rec)
		got := []any{get(ev, "class_uid"), get(ev, "activity_id"), get(ev, "activity_name"), get(ev, "status_id")}
		if want := []any{tc.class, tc.activity, tc.activityName, tc.status}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: (class, activity, name, status) = %v, want %v", tc.entry, got, want)
		}
		if tc.class == 3001 {
			if got := get(ev, "user.name"); got != cmp.Or(tc.user, rec.Actor) && tc.user != "" {
				t.Errorf("%s: user.name = %v, want %s", tc.entry, got, tc.user)
			}
			continue
		}
		if got := get(ev, "api.operation"); got != rec.Action {
			t.Errorf("%s: api.operation = %v", tc.entry, got)
		}
		if got := get(ev, "src_endpoint.ip"); tc.ip != "" && got != tc.ip {
			t.Errorf("%s: src_endpoint.ip = %v, want %s", tc.entry, got, tc.ip)
		}
		if got := get(ev, "src_endpoint.name"); tc.endpoint != "" && got != tc.endpoint {
			t.Errorf("%s: src_endpoint.name = %v, want %s", tc.entry, got, tc.endpoint)
		}
	}
}

// TestMarshal_CorpusValid maps the record corpus of the recordjson golden
// tests, odd values included.
func TestMarshal_CorpusValid(t *testing.T) {
	s := ocsfschema.Load(t)
	recs := corpusRecords(t)
	if len(recs) < 200 {
		t.Fatalf("only %d corpus records", len(recs))
	}
	for i := range recs {
		check(t, s, &recs[i])
	}
}

// TestMarshal_EveryField maps records with every field set (the optional
// ones included) as each source and category.
func TestMarshal_EveryField(t *testing.T) {
	s := ocsfschema.Load(t)
	for _, src := range append(append([]exporter.Source{}, exporter.AlertSources...), exporter.SourceAuditLog) {
		for _, action := range []string{"created", "dismissed", "assigned", "repo.create", "user.create"} {
			rec := recordjsontest.Record()
			rec.Category, rec.Source, rec.Action = exporter.CategoryAlert, src, action
			if src == exporter.SourceAuditLog {
				rec.Category = exporter.CategoryAudit
				rec.Audit.Entry = json.RawMessage(`{"action":"` + action + `","actor":"a","user":"u","actor_ip":"192.0.2.1","actor_location":{"country_code":"DE","city":"Berlin"},"data":{"method":"POST","user_agent":"ua","url":"https://x","request_id":"r"},"operation_type":"create","actor_is_bot":true,"actor_id":1}`)
			}
			ev := check(t, s, &rec)
			if get(ev, "raw_data") != string(rec.Raw) {
				t.Errorf("raw_data = %v, want the record's raw %s", get(ev, "raw_data"), rec.Raw)
			}
		}
	}
}

// TestMarshal_FindingUIDStable: every event of an alert has its finding
// uid, and no two alerts share one.
func TestMarshal_FindingUIDStable(t *testing.T) {
	byAlert := map[exporter.AlertKey]map[string]bool{}
	for _, r := range alertRecords() {
		k := exporter.AlertKey{Source: r.Source, Repo: r.Repo, Number: r.Alert.Number}
		b, err := Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			FindingInfo struct {
				UID string `json:"uid"`
			} `json:"finding_info"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		if byAlert[k] == nil {
			byAlert[k] = map[string]bool{}
		}
		byAlert[k][ev.FindingInfo.UID] = true
	}
	owner := map[string]exporter.AlertKey{}
	for k, uids := range byAlert {
		if len(uids) != 1 {
			t.Errorf("%v: finding uids %v, want one", k, uids)
		}
		for u := range uids {
			if o, dup := owner[u]; dup {
				t.Errorf("finding uid %s of both %v and %v", u, o, k)
			}
			owner[u] = k
		}
	}
}

func TestMarshal_Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  exporter.Record
		want error
	}{
		{"unknown category", exporter.Record{ID: "x", Category: "metric"}, ErrCategory},
		{"alert of an unknown source", exporter.Record{ID: "x", Category: exporter.CategoryAlert, Source: "pentest", Alert: &exporter.AlertInfo{}}, ErrCategory},
		{"alert without alert", exporter.Record{ID: "x", Category: exporter.CategoryAlert, Source: exporter.SourceDependabot}, ErrIncomplete},
		{"audit without audit", exporter.Record{ID: "x", Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog}, ErrIncomplete},
		{"request without request", exporter.Record{ID: "x", Category: exporter.CategoryRequest, Source: exporter.SourceDependabot}, ErrIncomplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Marshal(&tc.rec)
			if !errors.Is(err, tc.want) || b != nil {
				t.Errorf("Marshal = %s, %v; want %v", b, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), "record x") {
				t.Errorf("error %q does not name the record", err)
			}
		})
	}
}

// TestEncoder_Version: the product version is the Encoder's.
func TestEncoder_Version(t *testing.T) {
	rec := alertRecords()[0]
	b, err := Encoder{Version: "1.2.3"}.Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	_ = json.Unmarshal(b, &ev)
	if got := get(ev, "metadata.product"); !reflect.DeepEqual(got, map[string]any{"name": ProductName, "vendor_name": ProductVendor, "version": "1.2.3"}) {
		t.Errorf("metadata.product = %v", got)
	}
}
