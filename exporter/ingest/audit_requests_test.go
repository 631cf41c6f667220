package ingest

import (
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// An audit record about a request carries the request (kind, target,
// status, and the number and id the entry gives), which joins it to the
// request records of the same request; other audit records are unchanged.
func TestAuditRecord_LinksRequests(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		action, entry        string
		kind, target, status string
		number               int
		id                   int64
	}{
		{"secret_scanning_push_protection_request.approve", `{"number":42,"request_id":"21","repository":"acme/app"}`,
			"bypass", "secret_scanning", "approved", 42, 21},
		{"dependabot_closure_request.create", `{"number":"7"}`, "dismissal", "dependabot", "pending", 7, 0},
		{"secret_scanning_closure_request.deny", `{}`, "dismissal", "secret_scanning", "denied", 0, 0},
		{"code_scanning.alert_closure_requested", `{"alert_numbers":[1,2]}`, "dismissal", "code_scanning", "pending", 0, 0},
		{"secret_scanning_push_protection_request.complete", `{"number":-3}`, "bypass", "secret_scanning", "completed", 0, 0},
	} {
		e := ghapi.AuditEntry{DocumentID: "d-" + c.action, Action: c.action, Actor: "lead", Org: "acme", Repo: "acme/app", At: at, Raw: []byte(c.entry)}
		rec := auditRecords(e, "", exporter.OriginPoll, at)[0]
		linkRequest(&rec, e)
		r := rec.Request
		if r == nil || r.Kind != c.kind || r.Target != c.target || r.Status != c.status || r.Number != c.number || r.ID != c.id {
			t.Errorf("%s: request %+v", c.action, r)
		}
		if err := recordschema.Validate(&rec); err != nil {
			t.Errorf("%s: %v", c.action, err)
		}
	}
	e := ghapi.AuditEntry{DocumentID: "x", Action: "repo.create", At: at, Raw: []byte(`{"number":3}`)}
	rec := auditRecords(e, "", exporter.OriginPoll, at)[0]
	if linkRequest(&rec, e); rec.Request != nil {
		t.Errorf("repo.create linked: %+v", rec.Request)
	}
}
