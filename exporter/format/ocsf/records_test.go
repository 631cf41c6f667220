package ocsf

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// The records the tests map: every alert action of the three sources (made
// by exporter.Diff), audit records of many actions (the shared detection
// samples and GitHub's documented entries), and hand-made edge cases.

var (
	t0       = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	observed = t0.Add(time.Hour)
)

// observation is an open alert of src with every field GitHub gives it.
func observation(src exporter.Source) exporter.Observation {
	o := exporter.Observation{
		Key: exporter.AlertKey{Source: src, Repo: "acme/api", Number: 7}, Enterprise: "acme-corp", Org: "acme",
		State: "open", HTMLURL: "https://github.com/acme/api/security/x/7",
		CreatedAt: t0, UpdatedAt: t0,
	}
	switch src {
	case exporter.SourceDependabot:
		o.Severity, o.SeverityRaw, o.Title = "critical", "critical", "Prototype pollution in lodash"
		o.GHSAID, o.CVEID, o.Package, o.Ecosystem, o.Manifest = "GHSA-jf85-cpcp-j695", "CVE-2019-10744", "lodash", "npm", "web/package-lock.json"
	case exporter.SourceCodeScanning:
		o.Severity, o.SeverityRaw, o.Title = "high", "high", "Database query built from user-controlled sources"
		o.RuleID, o.Tool = "js/sql-injection", "CodeQL"
	case exporter.SourceSecretScanning:
		o.Severity, o.Title, o.SecretType, o.Validity = "high", "GitHub Personal Access Token", "github_personal_access_token", "unknown"
	}
	return o
}

// closedStates are the ways each source closes an alert, with the closing
// reason.
var closedStates = map[exporter.Source][][2]string{
	exporter.SourceDependabot:     {{"dismissed", "tolerable_risk"}, {"fixed", ""}, {"auto_dismissed", ""}},
	exporter.SourceCodeScanning:   {{"dismissed", "false positive"}, {"fixed", ""}},
	exporter.SourceSecretScanning: {{"resolved", "revoked"}, {"resolved", "false_positive"}, {"resolved", "pattern_deleted"}, {"resolved", ""}},
}

// alertRecords are the records of every transition of every source.
func alertRecords() []exporter.Record {
	var out []exporter.Record
	at := t0
	step := func(prev *exporter.Observation, cur exporter.Observation) exporter.Observation {
		at = at.Add(time.Minute)
		cur.UpdatedAt = at
		if !cur.Open() && cur.ClosedAt.IsZero() {
			cur.ClosedAt = at
		}
		var snap *exporter.Snapshot
		if prev != nil {
			s := prev.Snapshot()
			snap = &s
		}
		out = append(out, exporter.Diff(snap, &cur, exporter.OriginPoll, observed)...)
		return cur
	}
	for _, src := range exporter.AlertSources {
		open := observation(src)
		cur := step(nil, open) // created
		for _, cs := range closedStates[src] {
			closed := open
			closed.State, closed.Reason, closed.Comment, closed.ClosedBy, closed.ClosedAt = cs[0], cs[1], "checked", "mona", time.Time{}
			c := step(&cur, closed) // closing action
			cur = step(&c, open)    // reopen action
			fresh := closed         // created while already closed
			fresh.Key.Number, fresh.ClosedAt = 8, time.Time{}
			step(nil, fresh)
		}
		sev := cur
		sev.Severity, sev.SeverityRaw = "low", "low"
		cur = step(&cur, sev) // severity_changed
		odd := cur
		odd.State = "quarantined"
		c := step(&cur, odd) // state_changed, to a state no rule names
		cur = step(&c, cur)
		if src == exporter.SourceSecretScanning {
			b := cur
			b.Bypassed, b.BypassedBy, b.BypassedAt = true, "dev", at
			cur = step(&cur, b) // push_protection_bypassed
			v := cur
			v.Validity = "active"
			cur = step(&cur, v) // validity_changed
			l := cur
			l.PubliclyLeaked = true
			cur = step(&cur, l) // publicly_leaked
		}
		if src != exporter.SourceDependabot {
			a := cur
			a.Assignees = []string{"mona"}
			cur = step(&cur, a) // assigned
			u := cur
			u.Assignees = nil
			cur = step(&cur, u) // unassigned
		}
		out = append(out, exporter.Withdraw(cur.Key, cur.Snapshot(), cur.Org, cur.Enterprise, exporter.OriginReconcile, observed))
		// the fewest fields GitHub may send
		bare := exporter.Observation{Key: exporter.AlertKey{Source: src, Repo: "acme/api", Number: 9}, State: "open", UpdatedAt: t0}
		out = append(out, exporter.Diff(nil, &bare, exporter.OriginBackfill, observed)...)
	}
	return out
}

// auditRecords are the normalized audit records of the shared detection
// samples (101 entries of 62 actions), GitHub's documented entries, and
// account changes. A missing shared copy fails the test.
func auditRecords(t testing.TB) []exporter.Record {
	t.Helper()
	ref, err := testtools.Reference()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(ref, "detections", "samples", "roundtrip-normalized.jsonl"))
	if err != nil {
		t.Fatalf("the shared detection samples are required: %v", err)
	}
	defer f.Close()
	var out []exporter.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r exporter.Record
		if err := recordjson.UnmarshalRecord(sc.Bytes(), &r); err != nil {
			t.Fatalf("decode sample: %v", err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ghes-get-audit-log.200.example.json", "ghec-get-audit-log.200.example.json"} {
		b, err := os.ReadFile(filepath.Join(ref, "github", "audit-log", "samples", name))
		if err != nil {
			t.Fatalf("GitHub's audit-log samples are required: %v", err)
		}
		var entries []json.RawMessage
		if err := json.Unmarshal(b, &entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, auditRecord(e))
		}
	}
	for _, e := range []string{
		`{"action":"user.create","actor":"admin","user":"newbie","user_id":42,"_document_id":"d1","@timestamp":1767603600000,"actor_ip":"2001:db8::1"}`,
		`{"action":"two_factor_authentication.enabled","actor":"mona","_document_id":"d2","@timestamp":1767603600000}`,
		`{"action":"user.suspend","actor":"admin","user":"mallory","_document_id":"d3","actor_location":{"country_code":"GB"}}`,
		`{"action":"user.failed_login","actor":"mona","_document_id":"d4","actor_ip":"192.0.2.7","user_agent":"curl/8","actor_is_bot":false}`,
		`{"action":"repo.download_zip","_document_id":"d5","data":{"method":"get","url":"https://github.com/acme/api/archive.zip","request_id":"r-1"}}`,
		`{"action":"oauth_access.authorize","actor":"bot[bot]","actor_is_bot":true,"operation_type":"authentication","_document_id":"d6"}`,
		`{"action":"org.frobnicate","actor_id":"7","actor_ip":"not an ip","user":{"odd":"shape"},"_document_id":"d7"}`,
		`[]`,
	} {
		out = append(out, auditRecord(json.RawMessage(e)))
	}
	return out
}

// auditRecord is the record the exporter makes of entry (the fields the
// ingest takes from it; the tests need no more).
func auditRecord(entry json.RawMessage) exporter.Record {
	var e struct {
		Action, Actor, Org, Repo, Business string
		DocumentID                         string `json:"_document_id"`
	}
	_ = json.Unmarshal(entry, &e)
	return exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID(e.DocumentID), Time: t0, ObservedAt: observed,
		Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: e.Action, Origin: exporter.OriginPoll,
		Enterprise: e.Business, Org: e.Org, Repo: e.Repo, Actor: e.Actor,
		Audit: &exporter.AuditInfo{Action: e.Action, DocumentID: e.DocumentID, Entry: entry},
	}
}

// corpusRecords are the record corpus of exporter/recordjson's golden
// tests (odd values included), those that decode as records.
func corpusRecords(t testing.TB) []exporter.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "recordjson", "testdata", "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []exporter.Record
	for _, line := range bytes.Split(b, []byte("\n")) {
		var r exporter.Record
		if len(line) == 0 || line[0] != '{' || recordjson.UnmarshalRecord(line, &r) != nil {
			continue
		}
		if r.Category == exporter.CategoryAlert && r.Alert != nil || r.Category == exporter.CategoryAudit && r.Audit != nil {
			out = append(out, r)
		}
	}
	return out
}
