package content

import (
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

// The CIM fields of the data models the add-on maps to (Splunk Common
// Information Model 6.x: Alerts, Vulnerabilities, Change).
var (
	cimAlerts = fieldSet("app", "body", "description", "dest", "dest_type", "id", "mitre_technique_id", "severity",
		"severity_id", "signature", "signature_id", "src", "src_type", "subject", "type", "user", "user_name",
		"vendor_account", "vendor_region")
	cimVulnerabilities = fieldSet("bugtraq", "category", "cert", "cve", "cvss", "dest", "dvc", "msft", "mskb",
		"severity", "severity_id", "signature", "signature_id", "url", "user", "vendor_product", "xref")
	cimChange = fieldSet("action", "change_type", "command", "dest", "dvc", "image_id", "object", "object_attrs",
		"object_category", "object_id", "object_path", "result", "result_id", "src", "src_user", "src_user_name",
		"status", "user", "user_agent", "user_name", "vendor_account", "vendor_product", "vendor_region")
	cimSeverities = fieldSet("critical", "high", "medium", "low", "informational", "unknown")
	cimActions    = fieldSet("acl_modified", "cleared", "created", "deleted", "modified", "read", "stopped", "updated")
	// Splunk's own fields, which a record's JSON keys of the same name do
	// not reliably override: the add-on must not read them.
	splunkReserved = fieldSet("source", "sourcetype", "host", "index", "_raw", "_time", "splunk_server")
)

func fieldSet(fs ...string) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f] = true
	}
	return m
}

func union(ms ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// The props stanzas are exactly the sourcetypes both Splunk sinks use by
// default, and each one reads records as JSON with their time.
func TestProps_SourcetypesAreTheSinksDefaults(t *testing.T) {
	a := loadAddon(t)
	want := []string{splunkhec.DefaultAlertSourcetype, splunkhec.DefaultAuditSourcetype}
	if splunkcloud.DefaultAlertSourcetype != want[0] || splunkcloud.DefaultAuditSourcetype != want[1] {
		t.Fatalf("the Splunk sinks disagree on the default sourcetypes")
	}
	var got []string
	for _, s := range a.props.Stanzas {
		got = append(got, s.Name)
		for k, v := range map[string]string{"KV_MODE": "json", "SHOULD_LINEMERGE": "false", "TZ": "UTC"} {
			if s.Vals[k] != v {
				t.Errorf("[%s] %s = %q, want %q", s.Name, k, s.Vals[k], v)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("props.conf stanzas %q, want the sinks' default sourcetypes %q", got, want)
	}
}

// Every setting is one the tests know the meaning of, so the checks below
// cover everything the add-on does.
func TestConf_KnownSettings(t *testing.T) {
	a := loadAddon(t)
	props := fieldSet("SHOULD_LINEMERGE", "LINE_BREAKER", "TRUNCATE", "KV_MODE", "TIME_PREFIX", "TIME_FORMAT",
		"MAX_TIMESTAMP_LOOKAHEAD", "TZ")
	for _, s := range a.props.Stanzas {
		for _, k := range s.Keys {
			if !props[k] && !strings.HasPrefix(k, "EVAL-") && !strings.HasPrefix(k, "FIELDALIAS-") {
				t.Errorf("props.conf [%s] %s: not a setting the tests check", s.Name, k)
			}
		}
	}
	for _, s := range a.eventtypes.Stanzas {
		for _, k := range s.Keys {
			if k != "search" && k != "description" {
				t.Errorf("eventtypes.conf [%s] %s", s.Name, k)
			}
		}
	}
	for _, s := range a.tags.Stanzas {
		if a.eventtypes.stanza(strings.TrimPrefix(s.Name, "eventtype=")) == nil {
			t.Errorf("tags.conf [%s]: no such eventtype", s.Name)
		}
		for _, k := range s.Keys {
			if s.Vals[k] != "enabled" {
				t.Errorf("tags.conf [%s] %s = %q", s.Name, k, s.Vals[k])
			}
		}
	}
	for _, s := range a.macros.Stanzas {
		for _, k := range s.Keys {
			if k != "definition" && k != "description" {
				t.Errorf("macros.conf [%s] %s", s.Name, k)
			}
		}
		a.expand(t, s.Vals["definition"], nil)
	}
	if a.macros.stanza("ghsec_index") == nil {
		t.Error("no ghsec_index macro")
	}
	if v := a.meta.stanza("").Vals["export"]; v != "system" {
		t.Errorf("default.meta export = %q: the fields, eventtypes and tags must reach other apps", v)
	}
	if a.app.stanza("package").Vals["id"] != "TA-ghsec-exporter" || a.app.stanza("id").Vals["name"] != "TA-ghsec-exporter" {
		t.Error("app.conf: package id and id name must be the app directory's name")
	}
}

// Every field the add-on reads is in the record schema or GitHub's audit
// entry (under audit.entry, or at the top level with `audit_body: entry`),
// and every field it writes is one of its data models' or one ESCU's GitHub
// detections use.
func TestProps_FieldsExist(t *testing.T) {
	a := loadAddon(t)
	schema := schemaFields(t)
	entry := entryFields(t)
	escu := escuFields(t)
	escu["vendor_action"] = true
	writes := map[string]map[string]bool{
		splunkhec.DefaultAlertSourcetype: union(cimAlerts, cimVulnerabilities),
		splunkhec.DefaultAuditSourcetype: union(cimChange, escu),
	}
	readable := func(st, f string) bool {
		base := strings.ReplaceAll(f, "{}", "")
		switch {
		case splunkReserved[f]:
			return false
		case schema[f]:
			return true
		case st == splunkhec.DefaultAuditSourcetype && strings.HasPrefix(base, "audit.entry."):
			return entry[strings.TrimPrefix(base, "audit.entry.")]
		case st == splunkhec.DefaultAuditSourcetype:
			return entry[base]
		}
		return false
	}
	aliased := map[string]bool{}
	for st, pairs := range a.aliases {
		for _, p := range pairs {
			if !readable(st, p[0]) {
				t.Errorf("[%s] FIELDALIAS reads %s: not in the record schema or the audit entry", st, p[0])
			}
			if !writes[st][p[1]] {
				t.Errorf("[%s] FIELDALIAS writes %s: not a CIM or ESCU field", st, p[1])
			}
			aliased[p[1]] = true
		}
	}
	outputs := map[string]bool{"sourcetype": true}
	for st, evals := range a.evals {
		for out, x := range evals {
			outputs[out] = true
			if !writes[st][out] {
				t.Errorf("[%s] EVAL-%s: not a CIM or ESCU field", st, out)
			}
			for _, f := range x.Fields {
				if !readable(st, f) && !aliased[f] {
					t.Errorf("[%s] EVAL-%s reads %s: not in the record schema or the audit entry", st, out, f)
				}
			}
		}
	}
	for name, x := range a.types {
		for _, f := range x.Fields {
			if !schema[f] && !outputs[f] && !aliased[f] {
				t.Errorf("eventtype %s reads %s: not a record field or one the add-on makes", name, f)
			}
		}
	}
}

// schemaFields are the record's fields as Splunk names them: docs/record.schema.json's
// properties, those of alert and audit as alert.x and audit.x.
func schemaFields(t *testing.T) map[string]bool {
	t.Helper()
	var s struct {
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	readJSON(t, "../docs/record.schema.json", &s)
	out := map[string]bool{}
	for p := range s.Properties {
		if def, ok := s.Defs[p]; ok && len(def.Properties) > 0 {
			for c := range def.Properties {
				out[p+"."+c] = true
			}
			continue
		}
		out[p] = true
	}
	if !out["alert.state"] || !out["audit.action"] || !out["repo"] {
		t.Fatalf("record schema fields %v", out)
	}
	return out
}

// entryFields are the keys of GitHub's audit entries: those of its published
// samples (nested keys joined by "."), those GitHub's docs list per event,
// and those ESCU's detections read from audit-log streaming.
func entryFields(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, e := range sampleEntries(t) {
		raw, _ := jsonMarshal(e)
		for k := range kvJSON(t, raw) {
			out[strings.ReplaceAll(k, "{}", "")] = true
		}
	}
	var doc struct {
		Actions []struct {
			Fields []string `json:"fields_ghes_3_15_org"`
		} `json:"actions"`
	}
	readJSON(t, filepath.Join(reference, "github/audit-log-actions.json"), &doc)
	for _, a := range doc.Actions {
		for _, f := range a.Fields {
			out[f] = true
		}
	}
	maps.Copy(out, escuFields(t))
	delete(out, "vendor_action") // the Splunk add-on's name, not GitHub's
	return out
}

// The eventtypes tag alert records as the CIM wants them: a record is an
// Alerts event when it opens an alert (created, reopened, auto_reopened,
// reintroduced, and the alert is open) or is a bypass or public leak; a
// Vulnerabilities event when it opens a Dependabot or code scanning alert. A
// fixed, dismissed or resolved alert is neither, nor is a `created` that
// arrives for an alert already closed. And the model's fields resolve.
func TestEventtypes_AlertRecords(t *testing.T) {
	a := loadAddon(t)
	opening := fieldSet(exporter.ActionCreated, exporter.ActionReopened, exporter.ActionAutoReopened, exporter.ActionReintroduced)
	risk := fieldSet(exporter.ActionPushProtectionBypassed, exporter.ActionPubliclyLeaked)
	for _, src := range exporter.AlertSources {
		for _, action := range alertActions(t) {
			for _, st := range []string{"open", "fixed", "dismissed"} {
				raw := alertRecord(t, src, action, st)
				e, types, tags := a.searchTime(t, splunkhec.DefaultAlertSourcetype, raw)
				var want []string
				if opening[action] && st == "open" || risk[action] {
					want = append(want, "alert")
				}
				if opening[action] && st == "open" && src != exporter.SourceSecretScanning {
					want = append(want, "report", "vulnerability")
				}
				sort.Strings(want)
				if !slices.Equal(tags, want) {
					t.Errorf("%s %s (state %s): tags %q (eventtypes %q), want %q", src, action, st, tags, types, want)
				}
				checkCIM(t, e, string(src)+" "+action, tags)
			}
		}
	}
}

// alertActions are the alert actions the record schema allows.
func alertActions(t *testing.T) []string {
	t.Helper()
	var s struct {
		AllOf []struct {
			If struct {
				Properties struct {
					Category struct {
						Const string `json:"const"`
					} `json:"category"`
				} `json:"properties"`
			} `json:"if"`
			Then struct {
				Properties struct {
					Action struct {
						Enum []string `json:"enum"`
					} `json:"action"`
				} `json:"properties"`
			} `json:"then"`
		} `json:"allOf"`
	}
	readJSON(t, "../docs/record.schema.json", &s)
	for _, c := range s.AllOf {
		if c.If.Properties.Category.Const == "alert" && len(c.Then.Properties.Action.Enum) > 0 {
			return c.Then.Properties.Action.Enum
		}
	}
	t.Fatal("no alert action enum in the record schema")
	return nil
}

// checkCIM checks that the fields each tagged data model needs resolve, with
// values in the CIM's sets where it has them.
func checkCIM(t *testing.T, e event, what string, tags []string) {
	t.Helper()
	need := map[string][]string{
		"alert":         {"app", "description", "dest", "id", "severity", "signature", "src", "type"},
		"vulnerability": {"category", "dest", "severity", "signature", "signature_id", "url", "vendor_product"},
		"change":        {"action", "change_type", "command", "dest", "object", "object_category", "src_user", "status", "user", "vendor_product"},
	}
	for _, tag := range tags {
		for _, f := range need[tag] {
			if len(e[f]) == 0 {
				t.Errorf("%s (tag %s): no %s", what, tag, f)
			}
		}
	}
	if slices.Contains(tags, "alert") || slices.Contains(tags, "vulnerability") {
		if v := first(e, "severity"); !cimSeverities[v] {
			t.Errorf("%s: severity %q is not a CIM severity", what, v)
		}
	}
	if slices.Contains(tags, "change") {
		if v := first(e, "action"); !cimActions[v] {
			t.Errorf("%s: action %q is not a CIM Change action", what, v)
		}
	}
}

func first(e event, f string) string {
	if len(e[f]) == 0 {
		return ""
	}
	return e[f][0]
}
