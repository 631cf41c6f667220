package content

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// reference is the shared public reference material (GitHub's samples,
// ESCU's detections); the tests fail, not skip, without it.
const reference = "../../shared/reference"

// sampleEntries are GitHub's published audit-log API examples (GHEC's and
// GHES's), each one shape of entry. The GHES examples have no _document_id,
// which the exporter needs to deduplicate, so they get one.
func sampleEntries(t *testing.T) []map[string]any {
	t.Helper()
	var all []map[string]any
	for _, f := range []string{"ghec-get-audit-log.200.example.json", "ghes-get-audit-log.200.example.json"} {
		var es []map[string]any
		readJSON(t, filepath.Join(reference, "github/audit-log/samples", f), &es)
		for i, e := range es {
			if _, ok := e["_document_id"]; !ok {
				e["_document_id"] = fmt.Sprintf("%s-%d", f, i)
			}
		}
		all = append(all, es...)
	}
	return all
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (the shared reference material is missing)", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// auditRecords turns audit entries into the records a sink ships, by the
// exporter's own code: GitHub's audit-log endpoint (an httptest server
// answering with the entries) read by the ghapi client, one audit poll of
// ingest into a state file, and the records' stored JSON read back from the
// outbox, byte for byte what the file and Splunk sinks send. The result is
// keyed by _document_id.
func auditRecords(t *testing.T, entries []map[string]any) map[string][]byte {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/orgs/octo-org/audit-log" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(entries)
	}))
	defer srv.Close()
	gh, err := ghapi.New(ghapi.Options{BaseURL: srv.URL + "/", Product: "ghec", Token: "test-token"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	a := &ingest.Auditor{DB: db, GH: gh, Sinks: []string{"splunk"}, Now: func() time.Time { return now },
		Lag: 15 * time.Minute, Backfill: 24 * time.Hour, Include: "all"}
	st, err := a.Poll(context.Background(), ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "octo-org"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Shipped != len(entries) {
		t.Fatalf("the poll shipped %d of %d entries", st.Shipped, len(entries))
	}
	var items []state.RawItem
	if err := db.View(func(tx *state.Tx) error {
		items, err = tx.PeekRaw("splunk", 0, len(entries)+1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, it := range items {
		js, err := recordjson.StoredJSON(it.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := recordschema.ValidateJSON(js); err != nil {
			t.Fatalf("record %s: %v", js, err)
		}
		var r exporter.Record
		if err := recordjson.UnmarshalRecord(js, &r); err != nil {
			t.Fatal(err)
		}
		out[r.Audit.DocumentID] = js
	}
	if len(out) != len(entries) {
		t.Fatalf("%d records for %d entries", len(out), len(entries))
	}
	return out
}

// alertRecord is a schema-valid alert record of a kind, action and state,
// with the fields GitHub gives that kind.
func alertRecord(t *testing.T, src exporter.Source, action, st string) []byte {
	t.Helper()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	info := &exporter.AlertInfo{Number: 7, State: st, Severity: exporter.SeverityHigh, SeverityRaw: "high",
		HTMLURL: "https://github.com/acme/api/security/7", CreatedAt: &at, UpdatedAt: &at}
	switch src {
	case exporter.SourceDependabot:
		info.Title, info.GHSAID, info.CVEID = "Prototype pollution in minimist", "GHSA-xvch-5gv4-984h", "CVE-2021-44906"
		info.Package, info.Ecosystem, info.Manifest = "minimist", "npm", "package-lock.json"
	case exporter.SourceCodeScanning:
		info.Title, info.RuleID, info.Tool = "Uncontrolled data used in path expression", "js/path-injection", "CodeQL"
	case exporter.SourceSecretScanning:
		info.Title, info.SecretType = "GitHub Personal Access Token", "github_personal_access_token"
	}
	switch action {
	case exporter.ActionAssigned, exporter.ActionUnassigned:
		info.Assignee = "octocat"
	case exporter.ActionValidityChanged:
		info.Validity, info.PreviousValidity = "active", "inactive"
	case exporter.ActionStateChanged:
		info.PreviousState = "open"
	}
	r := exporter.Record{Schema: exporter.SchemaVersion, ID: exporter.AlertRecordID(src, "acme/api", 7, action, at),
		Time: at, ObservedAt: at, Category: exporter.CategoryAlert, Source: src, Action: action,
		Origin: exporter.OriginPoll, Org: "acme", Repo: "acme/api", Alert: info}
	if action == exporter.ActionDismissed {
		r.Actor = "mona"
	}
	raw, err := recordjson.MarshalRecord(&r)
	if err != nil {
		t.Fatal(err)
	}
	if err := recordschema.ValidateJSON(raw); err != nil {
		t.Fatalf("%s %s: %v", src, action, err)
	}
	return raw
}
