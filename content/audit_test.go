package content

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// Every one of ESCU's GitHub detections, with its macro set as
// docs/splunk.md says, finds its event in a record of each audit shape (each
// of GitHub's sample entries, given the detection's action and filter
// values), and every field it groups BY resolves on it — to the entry's own
// value where GitHub sent one. The same holds for the entry itself, as a sink
// with `audit_body: entry` sends it.
func TestESCU_DetectionsFireOnAuditRecords(t *testing.T) {
	a := loadAddon(t)
	dets, _ := escuDetections(t)
	samples := sampleEntries(t)
	var entries []map[string]any
	type key struct{ det, shape int }
	ids := map[key]string{}
	for i, d := range dets {
		for j, s := range samples {
			e := maps.Clone(s)
			for f, v := range d.Filter {
				if f == "vendor_action" {
					f = "action"
				}
				e[f] = v
			}
			e["_document_id"] = fmt.Sprintf("escu-%d-%d", i, j)
			ids[key{i, j}] = e["_document_id"].(string)
			entries = append(entries, e)
		}
	}
	records := auditRecords(t, entries)
	byID := map[string]map[string]any{}
	for _, e := range entries {
		byID[e["_document_id"].(string)] = e
	}
	for i, d := range dets {
		q := a.expand(t, d.Search, escuMacrosOnAddon)
		for j := range samples {
			id := ids[key{i, j}]
			entryRaw, _ := json.Marshal(byID[id])
			for _, body := range []struct {
				name string
				raw  []byte
			}{{"record", records[id]}, {"audit_body: entry", entryRaw}} {
				what := fmt.Sprintf("%s on sample %d (%s)", d.Name, j, body.name)
				e, _, tags := a.searchTime(t, splunkhec.DefaultAuditSourcetype, body.raw)
				ok, out := runPipeline(t, q, e)
				if !ok {
					t.Errorf("%s: the search finds nothing: %s", what, q)
					continue
				}
				raw := kvJSON(t, entryRaw)
				for _, f := range d.By {
					if len(out[f]) == 0 {
						t.Errorf("%s: BY %s does not resolve", what, f)
						continue
					}
					if v, ok := raw[f]; ok && f != "action" && !slices.Equal(out[f], v) {
						t.Errorf("%s: %s = %q, the entry says %q", what, f, out[f], v)
					}
				}
				checkCIM(t, e, what, tags)
			}
		}
	}
}

// Each audit shape is a Change event with the entry's values: GitHub's
// sample entries as records and as entries, checked field by field.
func TestAuditRecords_ChangeFields(t *testing.T) {
	a := loadAddon(t)
	samples := sampleEntries(t)
	records := auditRecords(t, samples)
	want := map[string]map[string]string{
		// GHEC: team.add_member by octocat of monalisa
		"xJJFlFOhQ6b-5vaAFy9Rjw": {"vendor_action": "team.add_member", "action": "created", "user": "monalisa",
			"src_user": "octocat", "object": "octo-corp/example-team", "object_category": "group", "dest": "octo-corp",
			"actor_id": "unknown", "user_agent": "unknown", "business": "unknown"},
		"Vqvg6kZ4MYqwWRKFDzlMoQ": {"vendor_action": "org.create", "action": "created", "user": "octocat",
			"object": "octocat-test-org", "object_category": "org"},
		"LwW2vpJZCDS-WUmo9Z-ifw": {"vendor_action": "repo.destroy", "action": "deleted", "object": "mona-org/mona-test-repo",
			"dest": "mona-org/mona-test-repo", "object_category": "repo", "visibility": "private"},
		// GHES: operation_type decides the verb; the user agent is under data
		"ghes-get-audit-log.200.example.json-0": {"vendor_action": "pull_request.merge", "action": "modified",
			"actor_id": "7", "actor_ip": "88.123.45.123", "src": "88.123.45.123", "actor_location.country_code": "GB",
			"business": "github", "business_id": "1", "org_id": "8", "repo_id": "17",
			"user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ...", "command": "pull_request.merge"},
		"ghes-get-audit-log.200.example.json-2": {"action": "created", "user_id": "9", "status": "success"},
	}
	for _, s := range samples {
		id := s["_document_id"].(string)
		entryRaw, _ := json.Marshal(s)
		for _, body := range [][]byte{records[id], entryRaw} {
			e, types, tags := a.searchTime(t, splunkhec.DefaultAuditSourcetype, body)
			if !slices.Contains(tags, "change") {
				t.Errorf("%s: tags %q (eventtypes %q), want change", id, tags, types)
			}
			checkCIM(t, e, id, tags)
			for f, v := range want[id] {
				if got := strings.Join(e[f], ","); got != v {
					t.Errorf("%s: %s = %q, want %q", id, f, got, v)
				}
			}
		}
	}
}

// Every audit action GitHub documents for the security features, and every
// one ESCU searches for, gets a CIM Change action from its name alone.
func TestAuditRecords_CIMActionOfEveryAction(t *testing.T) {
	a := loadAddon(t)
	var doc struct {
		Actions []struct {
			Action string `json:"action"`
		} `json:"actions"`
	}
	readJSON(t, filepath.Join(reference, "github/audit-log-actions.json"), &doc)
	actions := map[string]bool{}
	for _, x := range doc.Actions {
		actions[x.Action] = true
	}
	dets, _ := escuDetections(t)
	for _, d := range dets {
		actions[d.Filter["action"]+d.Filter["vendor_action"]] = true
	}
	want := map[string]string{"repo.destroy": "deleted", "repository_ruleset.destroy": "deleted", "repo.archived": "modified",
		"org.disable_two_factor_requirement": "modified", "enterprise.register_self_hosted_runner": "created",
		"secret_scanning_alert.create": "created", "audit_log_streaming.destroy": "deleted", "git.clone": "read"}
	for act := range want {
		actions[act] = true
	}
	for act := range actions {
		raw := fmt.Appendf(nil, `{"action":%q,"actor":"octocat","org":"acme","@timestamp":1,"_document_id":"x"}`, act)
		e, _, tags := a.searchTime(t, splunkhec.DefaultAuditSourcetype, raw)
		checkCIM(t, e, act, tags)
		if w, ok := want[act]; ok && first(e, "action") != w {
			t.Errorf("%s: CIM action %q, want %q", act, first(e, "action"), w)
		}
		if first(e, "vendor_action") != act {
			t.Errorf("%s: vendor_action %q", act, first(e, "vendor_action"))
		}
	}
}
