package ingest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// auditPage answers every request with one audit-log page and no Link.
type auditPage struct{ body string }

func (a auditPage) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(a.body)), Request: r}, nil
}

// FuzzAuditRecord: any audit-log page either fails the listing or becomes
// audit records that satisfy the schema and encode as valid UTF-8 JSON.
func FuzzAuditRecord(f *testing.F) {
	files, _ := filepath.Glob("../ghapi/testdata/github/*audit-log*.json")
	if len(files) == 0 {
		f.Fatal("no audit-log examples in ../ghapi/testdata/github")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), "")
		f.Add(string(b), "acme-corp")
	}
	f.Add("[{\"@timestamp\":1,\"_document_id\":\"d\",\"action\":\"repo.create\",\"actor\":\"\xff\",\"repo\":\"a/b/c\"}]", "")
	f.Add(`[{"@timestamp":1767603600000,"_document_id":"d","action":"org.add_member","org":["a","b"],"business":"e","n":1e999}]`, "")
	f.Add(`[{"@timestamp":1767603600000,"_document_id":"d","action":"code_scanning.alert_closed_became_fixed","org":"acme","repo":"acme/w","alert_numbers":[3, 4 ,3,-1,"5",1e2]}]`, "")
	f.Add(`[{"@timestamp":1767603600000,"_document_id":"d","action":"secret_scanning_alert.delete","org":"acme","repo":"w","number":7,"alert_numbers":[]}]`, "")
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body, enterprise string) {
		gh, err := ghapi.New(ghapi.Options{BaseURL: "https://api.example.test/", Token: "t", Transport: auditPage{body}})
		if err != nil {
			t.Fatal(err)
		}
		scope := ghapi.Scope{Kind: ghapi.ScopeOrg, Name: "acme"}
		if enterprise != "" {
			scope = ghapi.Scope{Kind: ghapi.ScopeEnterprise, Name: "acme-corp"}
		}
		_, _ = gh.ListAudit(context.Background(), ghapi.AuditRequest{Scope: scope, Since: now}, func(page []ghapi.AuditEntry) error {
			for _, e := range page {
				recs := auditRecords(e, "", exporter.OriginPoll, now)
				if scope.Kind == ghapi.ScopeEnterprise {
					recs = auditRecords(e, scope.Name, exporter.OriginPoll, now)
				}
				ids := map[string]bool{}
				for _, r := range recs {
					b, err := json.Marshal(r)
					if err != nil || !utf8.Valid(b) {
						t.Fatalf("audit record does not encode as UTF-8 JSON: %v %q", err, b)
					}
					if err := recordschema.ValidateJSON(b); err != nil {
						t.Fatalf("%v\n%s", err, b)
					}
					if ids[r.ID] {
						t.Fatalf("two records of one entry share id %s", r.ID)
					}
					ids[r.ID] = true
				}
			}
			return nil
		})
	})
}
