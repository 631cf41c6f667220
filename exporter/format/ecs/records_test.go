package ecs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// The records the tests render: every alert action of all three sources
// (from exporter.Diff, with every optional field and with none), audit
// records (GitHub's published audit-log examples and entries of every
// shape the mapping reads), and request records.

var (
	t0       = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	observed = t0.Add(36 * time.Hour)
)

// sourceFields sets what an alert of src carries beyond its state.
func sourceFields(o *exporter.Observation, full bool) {
	o.Severity, o.SeverityRaw = exporter.SeverityHigh, "high"
	if !full {
		return
	}
	o.Enterprise, o.Title = "acme-corp", "An alert of "+string(o.Key.Source)
	o.HTMLURL = fmt.Sprintf("https://github.com/%s/security/%d", o.Key.Repo, o.Key.Number)
	o.Reason, o.Comment = "tolerable_risk", "not reachable"
	switch o.Key.Source {
	case exporter.SourceDependabot:
		o.Severity, o.SeverityRaw = exporter.SeverityCritical, "critical"
		o.GHSAID, o.CVEID = "GHSA-jfh8-c2jp-5v3q", "CVE-2021-44228"
		o.Package, o.Ecosystem, o.Manifest = "org.apache.logging.log4j:log4j-core", "maven", "pom.xml"
		o.Title = "Remote code injection in Log4j"
	case exporter.SourceCodeScanning:
		o.SeverityRaw, o.RuleID, o.Tool = "error", "js/xss", "CodeQL"
		o.Title = "Client-side cross-site scripting"
	case exporter.SourceSecretScanning:
		o.SecretType, o.Validity = "github_personal_access_token", "active"
		o.Title = "GitHub Personal Access Token"
	}
}

// alertRecords diffs every pair of states (unseen, the known ones, one
// GitHub might add) for every source, with and without the optional
// fields and attribute changes, and withdraws each alert once.
func alertRecords() []exporter.Record {
	states := []string{"open", "dismissed", "fixed", "auto_dismissed", "resolved", "in_review"}
	var out []exporter.Record
	n := 0
	for _, src := range exporter.AlertSources {
		for _, full := range []bool{true, false} {
			for _, from := range append([]string{""}, states...) {
				for _, to := range states {
					n++
					cur := &exporter.Observation{
						Key: exporter.AlertKey{Source: src, Repo: "acme/api", Number: n}, Org: "acme", State: to,
						CreatedAt: t0, UpdatedAt: t0.Add(3 * time.Hour),
					}
					sourceFields(cur, full)
					if to != "open" {
						cur.ClosedAt, cur.ClosedBy = t0.Add(2*time.Hour), "sec-lead"
					}
					var prev *exporter.Snapshot
					if from != "" {
						p := exporter.Snapshot{State: from, Severity: exporter.SeverityLow, Validity: "inactive",
							Assignees: []string{"old-owner"}, Tracks: exporter.SnapshotTracks, UpdatedAt: t0.Add(time.Hour)}
						if from != "open" {
							p.ClosedAt = t0.Add(time.Hour)
						}
						prev = &p
					}
					if full {
						cur.Bypassed, cur.BypassedAt, cur.BypassedBy = true, t0.Add(time.Minute), "dev1"
						cur.PubliclyLeaked, cur.Assignees = true, []string{"new-owner"}
						cur.Raw = json.RawMessage(`{"number":1,"state":"` + to + `"}`)
					}
					origin := exporter.OriginPoll
					if prev == nil {
						origin = exporter.OriginBackfill
					}
					recs := exporter.Diff(prev, cur, origin, observed)
					out = append(out, recs...)
					if prev != nil && to == "open" {
						out = append(out, exporter.Withdraw(cur.Key, *prev, "acme", cur.Enterprise, exporter.OriginReconcile, observed))
					}
				}
			}
		}
	}
	return out
}

// auditEntries are entries as GitHub's audit log returns them: its
// published examples, and entries carrying each key the mapping reads,
// of the expected type and of others.
func auditEntries(t testing.TB) []json.RawMessage {
	t.Helper()
	ref, err := testtools.Reference()
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	for _, name := range []string{"ghec-get-audit-log.200.example.json", "ghes-get-audit-log.200.example.json"} {
		b, err := os.ReadFile(filepath.Join(ref, "github", "audit-log", "samples", name))
		if err != nil {
			t.Fatalf("read GitHub's audit-log example (the reference copy beside the repository): %v", err)
		}
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, list...)
	}
	return append(out,
		json.RawMessage(`{"@timestamp":1767603600000,"_document_id":"d-full","action":"org.add_member","actor":"octocat","actor_id":1,"actor_ip":"203.0.113.9","actor_is_bot":false,"actor_location":{"country_code":"DE"},"business":"acme-corp","created_at":1767603600000,"hashed_token":"abc=","operation_type":"create","org":"acme","org_id":7,"permission":"admin","programmatic_access_type":"Fine-grained personal access token","repository_public":"false","repositories_added_names":["acme/api","acme/web"],"repository_selection":"selected","integration":"ci-bot","user":"newhire","user_agent":"curl/8.5.0","user_id":9}`),
		json.RawMessage(`{"@timestamp":1767603600000,"_document_id":"d-team","action":"team.remove_repository","actor":"octocat","data":{"team":"acme/sec"},"repo":"acme/api","actor_ip":"2001:db8::1","repository_public":true,"repositories_removed_names":"acme/api"}`),
		json.RawMessage(`{"@timestamp":1767603600000,"_document_id":"d-odd","action":"secret_scanning_alert.resolve","actor":"octocat","actor_ip":"not an ip","actor_location":"DE","user":{"login":"x"},"org":["acme"],"data":"team","repository_public":"maybe","user_agent":""}`),
		json.RawMessage(`{"@timestamp":1767603600000,"_document_id":"d-nodot","action":"Weird","actor":"octocat"}`),
		json.RawMessage(`["not an object"]`),
		json.RawMessage(` {"action":"repo.create","<&>":"\u2028"} `),
	)
}

// auditRecords is one audit record per entry, and records without an entry.
func auditRecords(t testing.TB) []exporter.Record {
	var out []exporter.Record
	for i, e := range auditEntries(t) {
		var head struct {
			Action string `json:"action"`
			Actor  string `json:"actor"`
			Org    any    `json:"org"`
			Repo   string `json:"repo"`
			DocID  string `json:"_document_id"`
			At     int64  `json:"@timestamp"`
		}
		_ = json.Unmarshal(e, &head)
		if head.Action == "" {
			// ghapi refuses an entry without an action; these entries only
			// exercise how the mapping reads odd shapes
			head.Action = "unknown"
		}
		org, _ := head.Org.(string)
		at := time.UnixMilli(head.At).UTC()
		if head.At == 0 {
			at = t0
		}
		out = append(out, exporter.Record{
			Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID(head.DocID + fmt.Sprint(i)), Time: at, ObservedAt: observed,
			Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: head.Action, Origin: exporter.OriginPoll,
			Org: org, Repo: head.Repo, Actor: head.Actor,
			Audit: &exporter.AuditInfo{Action: head.Action, DocumentID: head.DocID, Entry: e},
		})
	}
	bare := exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID("bare"), Time: t0, ObservedAt: observed,
		Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "repo.destroy", Origin: exporter.OriginPoll,
	}
	withNull := bare
	withNull.Audit = &exporter.AuditInfo{Action: "repo.destroy", Entry: json.RawMessage("null")}
	return append(out, bare, withNull)
}

// requestRecords are request records of every action, both kinds, with and
// without the alert they name and the optional fields.
func requestRecords() []exporter.Record {
	created := t0.Add(-time.Hour)
	expires := t0.Add(7 * 24 * time.Hour)
	var out []exporter.Record
	for _, kind := range []string{"dismissal", exporter.RequestKindBypass} {
		for _, full := range []bool{true, false} {
			for i, action := range []string{"request_created", "request_approved", "request_denied", "request_cancelled",
				"request_expired", "request_completed", "request_status_changed"} {
				target, src := "code_scanning", exporter.SourceCodeScanning
				if kind == exporter.RequestKindBypass {
					target, src = "secret_scanning", exporter.SourceSecretScanning
				}
				actor := "dev1"
				req := &exporter.RequestInfo{Kind: kind, Target: target, Number: 40 + i, Status: "pending", Requester: "dev1"}
				rec := exporter.Record{
					Schema: exporter.SchemaVersion, ID: fmt.Sprintf("%032x", len(out)), Time: t0, ObservedAt: observed,
					Category: exporter.CategoryRequest, Source: src, Action: action, Origin: exporter.OriginWebhook, Org: "acme",
				}
				if full {
					if action == "request_approved" || action == "request_denied" {
						actor = "sec-lead"
						req.Reviewer, req.ReviewerComment = "sec-lead", "ok for the test fixture"
					}
					rec.Enterprise, rec.Repo, rec.Actor = "acme-corp", "acme/api", actor
					req.ID, req.PreviousStatus, req.Reason = 9000+int64(i), "pending", "false_positive"
					req.RequesterComment, req.HTMLURL = "test fixture", "https://github.com/acme/api/security/requests/1"
					req.Reviews = []exporter.RequestReview{{Reviewer: "sec-lead", Status: "approved", Comment: "fine", At: t0}, {Reviewer: "dev1", Status: "denied"}}
					req.SelfReviewed, req.AlertNumbers = true, []int{3, 4}
					req.CreatedAt, req.ExpiresAt = &created, &expires
					rec.Alert = &exporter.AlertInfo{Number: 3, Title: "An alert"}
					if kind == exporter.RequestKindBypass {
						rec.Alert.SecretType = "github_personal_access_token"
					}
					rec.Raw = json.RawMessage(`{"id":1}`)
				}
				rec.Request = req
				out = append(out, rec)
				if !full && i == 0 {
					// a request record whose request object is missing
					rec.Request = nil
					out = append(out, rec)
				}
			}
		}
	}
	return out
}
