package syslog

import (
	"encoding/json"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tsp(s string) *time.Time { t := ts(s); return &t }

// sampleRecords are realistic records of each kind, shaped after GitHub's
// webhook examples and audit-log entries. Each call builds them afresh,
// alerts and entries included, so a test may edit what it gets in place.
func sampleRecords() map[string]exporter.Record {
	observed := ts("2024-05-02T10:00:03.5Z")
	dependabot := exporter.Record{
		Schema: 1, Time: ts("2024-05-01T14:21:07Z"), ObservedAt: observed,
		Category: exporter.CategoryAlert, Source: exporter.SourceDependabot, Action: exporter.ActionDismissed,
		Origin: exporter.OriginPoll, Org: "octo-org", Repo: "octo-org/hello-world", Actor: "monalisa",
		Alert: &exporter.AlertInfo{
			Number: 2, State: "dismissed", PreviousState: "open", Severity: exporter.SeverityHigh, SeverityRaw: "high",
			Title: "Prototype Pollution in lodash", GHSAID: "GHSA-jf85-cpcp-j695", CVEID: "CVE-2019-10744",
			Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Reason: "tolerable_risk",
			Comment:   "Only used in the build; see https://example.com/x?a=1&b=2",
			HTMLURL:   "https://github.com/octo-org/hello-world/security/dependabot/2",
			CreatedAt: tsp("2024-04-20T09:00:00Z"), UpdatedAt: tsp("2024-05-01T14:21:07Z"),
		},
	}
	dependabot.ID = exporter.AlertRecordID(dependabot.Source, dependabot.Repo, 2, dependabot.Action, dependabot.Time)

	codeScanning := exporter.Record{
		Schema: 1, Time: ts("2024-05-01T16:02:44.123456789Z"), ObservedAt: observed,
		Category: exporter.CategoryAlert, Source: exporter.SourceCodeScanning, Action: exporter.ActionFixed,
		Origin: exporter.OriginWebhook, Org: "octo-org", Repo: "octo-org/hello-world",
		Alert: &exporter.AlertInfo{
			Number: 42, State: "fixed", PreviousState: "open", Severity: exporter.SeverityCritical, SeverityRaw: "critical",
			Title: "Database query built from user-controlled sources", RuleID: "js/sql-injection", Tool: "CodeQL",
			Manifest: "src/db/query.js",
			HTMLURL:  "https://github.com/octo-org/hello-world/security/code-scanning/42",
		},
	}
	codeScanning.ID = exporter.AlertRecordID(codeScanning.Source, codeScanning.Repo, 42, codeScanning.Action, codeScanning.Time)

	secret := exporter.Record{
		Schema: 1, Time: ts("2024-05-02T08:15:00Z"), ObservedAt: observed,
		Category: exporter.CategoryAlert, Source: exporter.SourceSecretScanning, Action: exporter.ActionPushProtectionBypassed,
		Origin: exporter.OriginPoll, Org: "octo-org", Repo: "octo-org/payments", Actor: "hubot",
		Alert: &exporter.AlertInfo{
			Number: 7, State: "open", SecretType: "github_personal_access_token", Validity: "active",
			Title:   "GitHub Personal Access Token",
			HTMLURL: "https://github.com/octo-org/payments/security/secret-scanning/7",
		},
	}
	secret.ID = exporter.AlertRecordID(secret.Source, secret.Repo, 7, secret.Action, secret.Time)

	audit := exporter.Record{
		Schema: 1, Time: ts("2024-05-02T09:30:12.042Z"), ObservedAt: observed,
		Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "secret_scanning_alert.resolve",
		Origin: exporter.OriginPoll, Enterprise: "octo-corp", Org: "octo-org", Repo: "octo-org/payments", Actor: "monalisa",
		Audit: &exporter.AuditInfo{
			Action: "secret_scanning_alert.resolve", DocumentID: "GpNRm2yzdw6y2zt-0XUy1Q",
			Entry: json.RawMessage(`{"@timestamp":1714642212042,"_document_id":"GpNRm2yzdw6y2zt-0XUy1Q","action":"secret_scanning_alert.resolve","actor":"monalisa","org":"octo-org","repo":"octo-org/payments"}`),
		},
	}
	audit.ID = exporter.AuditRecordID(audit.Audit.DocumentID)

	return map[string]exporter.Record{
		"dependabot_dismissed":                     dependabot,
		"code_scanning_fixed":                      codeScanning,
		"secret_scanning_push_protection_bypassed": secret,
		"audit_secret_scanning_alert_resolve":      audit,
	}
}

// sampleNames lists sampleRecords' keys in a stable order.
var sampleNames = []string{
	"dependabot_dismissed", "code_scanning_fixed",
	"secret_scanning_push_protection_bypassed", "audit_secret_scanning_alert_resolve",
}

// nastyRecord has every character the escaping rules care about.
func nastyRecord() exporter.Record {
	r := sampleRecords()["dependabot_dismissed"]
	r.Alert.Title = `pipe|back\slash "quoted" ]bracket= eq` + "\nnewline ünïcødé 日本"
	r.Alert.Comment = "line1\r\nline2 a=b c\\d |pipe| ]\"'"
	r.Alert.Reason = ""
	r.Actor = `evil"] [x@1 a="b` + "\\"
	r.Repo = "o/r\nfake: <13>1 injected"
	r.Action = "dismissed with spaces and ünï"
	return r
}
