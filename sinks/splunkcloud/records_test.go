package splunkcloud

import (
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// testRecords returns n records, every fifth an audit record, a second apart
// from 2026-01-05T09:00:00.123Z.
func testRecords(n int) []exporter.Record {
	base := time.Date(2026, 1, 5, 9, 0, 0, 123_000_000, time.UTC)
	out := make([]exporter.Record, n)
	for i := range out {
		at := base.Add(time.Duration(i) * time.Second)
		repo := fmt.Sprintf("acme/service-%03d", i%7)
		if i%5 == 4 {
			doc := fmt.Sprintf("doc-%d", i)
			out[i] = exporter.Record{Schema: 1, ID: exporter.AuditRecordID(doc), Time: at, ObservedAt: at,
				Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "dependabot_alerts.disable",
				Origin: exporter.OriginPoll, Org: "acme", Actor: "octocat",
				Audit: &exporter.AuditInfo{Action: "dependabot_alerts.disable", DocumentID: doc, Entry: []byte(`{"action":"dependabot_alerts.disable"}`)}}
			continue
		}
		src := exporter.AlertSources[i%3]
		out[i] = exporter.Record{Schema: 1, ID: exporter.AlertRecordID(src, repo, i, exporter.ActionFixed, at), Time: at,
			ObservedAt: at, Category: exporter.CategoryAlert, Source: src, Action: exporter.ActionFixed,
			Origin: exporter.OriginPoll, Org: "acme", Repo: repo,
			Alert: &exporter.AlertInfo{Number: i + 1, State: "fixed", PreviousState: "open", Severity: exporter.SeverityHigh}}
	}
	return out
}
