package splunkhec

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// base is the time of the first test record: 2026-01-05T09:00:00.123Z.
var base = time.Date(2026, 1, 5, 9, 0, 0, 123_000_000, time.UTC)

// testRecords returns n realistic records: mostly alert transitions of the
// three kinds, every fifth an audit-log entry, each a second apart.
func testRecords(n int) []exporter.Record {
	out := make([]exporter.Record, n)
	for i := range out {
		out[i] = testRecord(i)
	}
	return out
}

var sevs = []string{exporter.SeverityCritical, exporter.SeverityHigh, exporter.SeverityMedium, exporter.SeverityLow}

// testRecord is the i-th record of the sequence testRecords returns.
func testRecord(i int) exporter.Record {
	at := base.Add(time.Duration(i) * time.Second)
	repo := fmt.Sprintf("acme/service-%03d", i%97)
	if i%5 == 4 {
		doc := fmt.Sprintf("doc-%08d", i)
		entry, _ := json.Marshal(map[string]any{
			"@timestamp": at.UnixMilli(), "action": "secret_scanning_alert.resolve", "actor": "octocat",
			"org": "acme", "repo": repo, "_document_id": doc, "user_agent": "Mozilla/5.0",
		})
		return exporter.Record{
			Schema: 1, ID: exporter.AuditRecordID(doc), Time: at, ObservedAt: at.Add(time.Minute),
			Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "secret_scanning_alert.resolve",
			Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
			Audit: &exporter.AuditInfo{Action: "secret_scanning_alert.resolve", DocumentID: doc, Entry: entry},
		}
	}
	src := exporter.AlertSources[i%3]
	created := at.Add(-72 * time.Hour)
	return exporter.Record{
		Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionDismissed, at), Time: at,
		ObservedAt: at.Add(time.Minute), Category: exporter.CategoryAlert, Source: src,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{
			Number: i + 1, State: "dismissed", PreviousState: "open", Severity: sevs[i%4], SeverityRaw: sevs[i%4],
			Title: "Prototype pollution in lodash", GHSAID: "GHSA-p6mc-m468-83gw", CVEID: "CVE-2020-8203",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			Comment: "only used in build tooling", HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, i+1),
			CreatedAt: &created, UpdatedAt: &at,
		},
	}
}

// tokenFile writes token to a file and returns the path.
func tokenFile(t testing.TB, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hec-token")
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testDeps returns SinkDeps logging to the test log.
func testDeps(t testing.TB) exporter.SinkDeps {
	return exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test", Now: time.Now}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
