package ocsfschema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestClass_Required checks the combination of the files against the table
// the reference copy's README computed (and cross-checked with
// ocsf-schema-compiler): required attributes after inheritance, with and
// without the profiles that add required attributes.
func TestClass_Required(t *testing.T) {
	s := Load(t)
	base := []string{"activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"}
	for _, tc := range []struct {
		uid   int
		name  string
		extra []string
	}{
		{2002, "Vulnerability Finding", []string{"finding_info", "vulnerabilities"}},
		{2004, "Detection Finding", []string{"finding_info"}},
		{2006, "Data Security Finding", []string{"finding_info"}},
		{2007, "Application Security Posture Finding", []string{"finding_info"}},
		{6003, "API Activity", []string{"actor", "api", "src_endpoint"}},
		{3001, "Account Change", []string{"user"}},
	} {
		c := s.Class(tc.uid)
		if c == nil {
			t.Fatalf("class %d not found", tc.uid)
		}
		if c.Name() != tc.name {
			t.Errorf("class %d is %q, want %q", tc.uid, c.Name(), tc.name)
		}
		want := sorted(append(append([]string{}, base...), tc.extra...))
		if got := c.Required(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s required = %v, want %v", tc.name, got, want)
		}
		if got, want := c.Required("cloud", "osint"), sorted(append(want, "cloud", "osint")); !reflect.DeepEqual(got, want) {
			t.Errorf("%s required with cloud, osint = %v, want %v", tc.name, got, want)
		}
	}
	if c := s.Class(2007).Constraints(); !reflect.DeepEqual(c["at_least_one"], []string{"application", "compliance", "remediation", "vulnerabilities"}) {
		t.Errorf("2007 constraints = %v", c)
	}
	if got := s.Class(2006).Attr("activity_id").Enum; len(got) != 6 || got["4"] != "Suppressed" || got["0"] != "Unknown" || got["99"] != "Other" {
		t.Errorf("2006 activity_id enum = %v (base_event's 0/99 merged with the class's 1-4)", got)
	}
	if got := s.Class(2002).Attr("status_id").Enum; got["1"] != "New" || got["6"] != "Deleted" || got["0"] != "Unknown" {
		t.Errorf("finding status_id enum = %v", got)
	}
	if a := s.Class(6003).Attr("actor"); a.Profile != "" || a.Requirement != "required" {
		t.Errorf("6003 actor = %+v, want a core required attribute", a)
	}
	if a := s.Class(2002).Attr("actor"); a.Profile != "host" {
		t.Errorf("2002 actor profile = %q, want host", a.Profile)
	}
	if o := s.Object("vulnerability").Constraints(); !reflect.DeepEqual(o["just_one"], []string{"advisory", "cve", "cwe"}) {
		t.Errorf("vulnerability constraints = %v", o)
	}
}

// valid is a minimal valid API Activity event; each case below breaks one
// rule of it.
const valid = `{"activity_id":1,"activity_name":"Create","category_uid":6,"category_name":"Application Activity",
"class_uid":6003,"class_name":"API Activity","type_uid":600301,"type_name":"API Activity: Create",
"severity_id":1,"severity":"Informational","time":1767603600000,
"metadata":{"version":"1.8.0","product":{"name":"p"}},
"actor":{"user":{"name":"octocat"}},"api":{"operation":"repo.create"},"src_endpoint":{"ip":"192.0.2.1"},
"unmapped":{"anything":{"goes":[1,"x"]}}}`

func TestValidate(t *testing.T) {
	s := Load(t)
	if p := s.Validate([]byte(valid)); len(p) != 0 {
		t.Fatalf("valid event: %v", p)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(ev map[string]any)
	}{
		{"required missing", "api: required in api_activity, missing", func(ev map[string]any) { delete(ev, "api") }},
		{"nested required missing", "metadata.product: required", func(ev map[string]any) { delete(ev["metadata"].(map[string]any), "product") }},
		{"unknown attribute", "bogus: attribute_unknown", func(ev map[string]any) { ev["bogus"] = 1 }},
		{"nested unknown attribute", "actor.user.login: attribute_unknown", func(ev map[string]any) { ev["actor"].(map[string]any)["user"].(map[string]any)["login"] = "x" }},
		{"id outside its enum", "activity_id: 5 is not in the enum", func(ev map[string]any) {
			ev["activity_id"] = 5
			ev["type_uid"] = 600305
			delete(ev, "activity_name")
			delete(ev, "type_name")
		}},
		{"severity outside its enum", "severity_id: 7 is not in the enum", func(ev map[string]any) { ev["severity_id"] = 7; delete(ev, "severity") }},
		{"wrong caption", "activity_name: is Read", func(ev map[string]any) { ev["activity_name"] = "Read" }},
		{"other without its label", "activity_name: activity_id is 99", func(ev map[string]any) {
			ev["activity_id"], ev["type_uid"], ev["type_name"] = 99, 600399, "API Activity: Other"
			delete(ev, "activity_name")
		}},
		{"type_uid not computed", "type_uid: is 600302", func(ev map[string]any) { ev["type_uid"] = 600302 }},
		{"category mismatch", "category_uid: is 2", func(ev map[string]any) { ev["category_uid"] = 2 }},
		{"string for an integer", "severity_id: is 1, want an integer", func(ev map[string]any) { ev["severity_id"] = "1" }},
		{"float for a long", "time: is 1.5", func(ev map[string]any) { ev["time"] = 1.5 }},
		{"object for a string", "api.operation: is map", func(ev map[string]any) { ev["api"] = map[string]any{"operation": map[string]any{}} }},
		{"scalar for an array", "observables: is string, want an array", func(ev map[string]any) { ev["observables"] = "x" }},
		{"regex type", `src_endpoint.ip: "not-an-ip" does not match ip_t`, func(ev map[string]any) { ev["src_endpoint"] = map[string]any{"ip": "not-an-ip"} }},
		{"at_least_one", "src_endpoint: network_endpoint: at_least_one", func(ev map[string]any) { ev["src_endpoint"] = map[string]any{"port": 1} }},
		{"profile attribute without its profile", `cloud: attribute_unknown: belongs to profile "cloud"`, func(ev map[string]any) { ev["cloud"] = map[string]any{"provider": "x"} }},
		{"profile listed, its required attribute missing", "cloud: required in api_activity", func(ev map[string]any) {
			ev["metadata"].(map[string]any)["profiles"] = []string{"cloud"}
		}},
		{"unknown profile", `metadata.profiles: unknown profile "nope"`, func(ev map[string]any) { ev["metadata"].(map[string]any)["profiles"] = []string{"nope"} }},
		{"deprecated", "actor.invoked_by: deprecated", func(ev map[string]any) { ev["actor"].(map[string]any)["invoked_by"] = "x" }},
		{"null", "message: null", func(ev map[string]any) { ev["message"] = nil }},
		{"schema version", "metadata.version: is 1.7.0", func(ev map[string]any) { ev["metadata"].(map[string]any)["version"] = "1.7.0" }},
		{"unknown class", "class_uid 9999: no such class", func(ev map[string]any) { ev["class_uid"] = 9999 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal([]byte(valid), &ev); err != nil {
				t.Fatal(err)
			}
			tc.edit(ev)
			b, _ := json.Marshal(ev)
			p := s.Validate(b)
			if !strings.Contains(strings.Join(p, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", p, tc.want)
			}
		})
	}
}

// TestValidate_JustOne: a vulnerability names exactly one of advisory,
// cve and cwe.
func TestValidate_JustOne(t *testing.T) {
	s := Load(t)
	ev := func(vuln string) []byte {
		return []byte(`{"activity_id":1,"category_uid":2,"class_uid":2002,"type_uid":200201,"severity_id":4,"time":1,
"metadata":{"version":"1.8.0","product":{"name":"p"}},"finding_info":{"uid":"u"},"vulnerabilities":[` + vuln + `]}`)
	}
	if p := s.Validate(ev(`{"cve":{"uid":"CVE-2026-1"}}`)); len(p) != 0 {
		t.Errorf("one of them: %v", p)
	}
	for _, v := range []string{`{"cve":{"uid":"CVE-2026-1"},"advisory":{"uid":"GHSA-x"}}`, `{"title":"t"}`} {
		if p := s.Validate(ev(v)); !strings.Contains(strings.Join(p, "\n"), "vulnerabilities[0]: vulnerability: just_one") {
			t.Errorf("%s: problems %q, want a just_one violation", v, p)
		}
	}
}

// TestDir_Missing: without the reference copy Load fails the test, it
// never skips it.
func TestDir_Missing(t *testing.T) {
	if _, err := LoadDir(t.TempDir()); err == nil {
		t.Fatal("LoadDir of an empty directory succeeded")
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
