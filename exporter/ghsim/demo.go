package ghsim

import "time"

// Step is one scripted change of the demo: Desc says what happens (for the
// demo's output), Run makes it happen.
type Step struct {
	Desc string
	Run  func() error
}

// DemoRepos are the repositories of org that DemoScript's first step
// creates with their first alerts, for the demo's header to count.
func DemoRepos(org string) []string {
	return []string{org + "/webshop", org + "/payments-api", org + "/infra"}
}

// DemoScript returns a realistic sequence of security events in org for the
// demo command: alerts appear in three repositories, people dismiss, fix,
// reopen, resolve and bypass, and the audit log records what GitHub records
// (unless Options.AuditAlerts already makes the mutations write it). Run the
// steps in order, letting the clock move between them; the steps themselves
// never move the clock.
func DemoScript(s *Sim, org string) []Step {
	repos := DemoRepos(org)
	web, pay, infra := repos[0], repos[1], repos[2]
	var depLodash, depLog4j, depMinimist, depDev, csSQL, csXSS, ssAWS, ssSlack int
	audit := func(action, actor, repo string, fields map[string]any) {
		if !s.opts.AuditAlerts {
			s.AddAuditEvent(org, AuditEvent{Action: action, Actor: actor, Repo: repo, Fields: fields})
		}
	}
	depAudit := func(action, actor, repo string, n int, extra map[string]any) {
		f := map[string]any{"alert_number": n}
		for k, v := range extra {
			f[k] = v
		}
		audit(action, actor, repo, f)
	}
	return []Step{
		{"three repositories get their first alerts", func() error {
			depLodash = s.CreateAlert(Dependabot, web, AlertSpec{Severity: "high", Package: "lodash", Ecosystem: "npm", Manifest: "package-lock.json", Title: "Prototype Pollution in lodash"})
			depLog4j = s.CreateAlert(Dependabot, pay, AlertSpec{Severity: "critical", Package: "org.apache.logging.log4j:log4j-core", Ecosystem: "maven", Manifest: "pom.xml", Title: "Remote code injection in Log4j"})
			depDev = s.CreateAlert(Dependabot, web, AlertSpec{Severity: "low", Package: "jest", Ecosystem: "npm", Manifest: "package-lock.json", Title: "Inefficient regular expression in a test helper"})
			csSQL = s.CreateAlert(CodeScanning, web, AlertSpec{RuleID: "js/sql-injection", Tool: "CodeQL", Severity: "critical", Title: "Database query built from user-controlled sources"})
			csXSS = s.CreateAlert(CodeScanning, web, AlertSpec{RuleID: "js/xss", Tool: "CodeQL", Severity: "medium", Title: "Client-side cross-site scripting"})
			ssAWS = s.CreateAlert(SecretScanning, infra, AlertSpec{SecretType: "aws_access_key_id", Title: "Amazon AWS Access Key ID", Validity: "active"})
			depAudit("repository_vulnerability_alert.create", "dependabot[bot]", web, depLodash, nil)
			depAudit("repository_vulnerability_alert.create", "dependabot[bot]", pay, depLog4j, nil)
			depAudit("repository_vulnerability_alert.create", "dependabot[bot]", web, depDev, nil)
			audit("secret_scanning_alert.create", "github-secret-scanning[bot]", infra, map[string]any{"number": ssAWS, "secret_type": "aws_access_key_id"})
			return nil
		}},
		{"alice dismisses the lodash alert in webshop as tolerable risk", func() error {
			depAudit("repository_vulnerability_alert.dismiss", "alice", web, depLodash, map[string]any{"dismiss_reason": "tolerable_risk", "dismiss_comment": "Only used at build time"})
			return s.Dismiss(Dependabot, web, depLodash, "alice", "tolerable_risk", "Only used at build time")
		}},
		{"a push fixes the SQL injection found by code scanning in webshop", func() error {
			audit("code_scanning.alert_closed_became_fixed", "", web, map[string]any{"alert_numbers": []int{csSQL}})
			return s.Fix(CodeScanning, web, csSQL)
		}},
		{"bob revokes the leaked AWS key in infra and resolves the alert", func() error {
			audit("secret_scanning_alert.resolve", "bob", infra, map[string]any{"number": ssAWS, "resolution": "revoked"})
			return s.Resolve(infra, ssAWS, "bob", "revoked", "Key rotated")
		}},
		{"carol pushes a Slack token to payments-api past push protection", func() error {
			ssSlack = s.CreateAlert(SecretScanning, pay, AlertSpec{SecretType: "slack_api_token", Title: "Slack API Token", Validity: "unknown"})
			audit("secret_scanning_alert.create", "github-secret-scanning[bot]", pay, map[string]any{"number": ssSlack, "secret_type": "slack_api_token"})
			audit("secret_scanning_push_protection.bypass", "carol", pay, map[string]any{"number": ssSlack, "push_protection_bypass_reason": "will_fix_later"})
			return s.Bypass(pay, ssSlack, "carol")
		}},
		{"alice reopens the lodash alert after a review", func() error {
			depAudit("repository_vulnerability_alert.reopen", "alice", web, depLodash, nil)
			return s.Reopen(Dependabot, web, depLodash, "alice")
		}},
		{"a new critical Dependabot alert for minimist appears in webshop", func() error {
			depMinimist = s.CreateAlert(Dependabot, web, AlertSpec{Severity: "critical", Package: "minimist", Ecosystem: "npm", Manifest: "package-lock.json", Title: "Prototype Pollution in minimist"})
			depAudit("repository_vulnerability_alert.create", "dependabot[bot]", web, depMinimist, nil)
			return nil
		}},
		{"upgrading log4j in payments-api fixes the critical alert", func() error {
			depAudit("repository_vulnerability_alert.resolve", "dependabot[bot]", pay, depLog4j, nil)
			return s.Fix(Dependabot, pay, depLog4j)
		}},
		{"the XSS rule's severity is raised to high", func() error {
			return s.SetSeverity(CodeScanning, web, csXSS, "high")
		}},
		{"dave dismisses the XSS alert as a false positive", func() error {
			audit("code_scanning.alert_closed_by_user", "dave", web, map[string]any{"alert_numbers": []int{csXSS}})
			return s.Dismiss(CodeScanning, web, csXSS, "dave", "false positive", "Output is escaped by the template engine")
		}},
		{"a Dependabot rule auto-dismisses the development-only jest alert", func() error {
			depAudit("repository_vulnerability_alert.auto_dismiss", "dependabot[bot]", web, depDev, nil)
			return s.AutoDismiss(web, depDev)
		}},
		{"the SQL injection comes back in a later commit", func() error {
			audit("code_scanning.alert_reappeared", "", web, map[string]any{"alert_numbers": []int{csSQL}})
			return s.Reopen(CodeScanning, web, csSQL, "")
		}},
		{"erin enables secret scanning on webshop (an audit-only event, indexed late)", func() error {
			s.AddAuditEvent(org, AuditEvent{Action: "repository_secret_scanning.enable", Actor: "erin", Repo: web,
				At: s.Now().Add(-2 * time.Minute)})
			return nil
		}},
	}
}
