package content

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
)

// storyStep is one scripted change of the story, followed by one run of
// the daemon's polls (and a reconcile where it says).
type storyStep struct {
	desc      string
	run       func(s *ghsim.Sim) error
	reconcile bool
}

// story is the scripted simulator story the Sigma rules are tested on.
// Once its steps have run, fires says which rules (by file stem) must fire
// on which records, keyed as recordKey keys them (the numbers are the
// simulator's); every record it does not name must fire no rule.
func story() (steps []storyStep, fires func() map[string][]string) {
	const web, pay, infra, legacy, tools = "acme/web", "acme/pay", "acme/infra", "acme/legacy", "globex/tools"
	var d1, d2, d3, d4, d5, c1, c2, c3, c4, s1, s2, s3, s4, g1 int
	var old []int
	must := func(errs ...error) error {
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	steps = []storyStep{
		{"before the first run: a secret pushed past protection by mallory, ten low alerts in acme/legacy, one in globex", func(s *ghsim.Sim) error {
			s4 = s.CreateAlert(ghsim.SecretScanning, pay, ghsim.AlertSpec{SecretType: "slack_api_token", Validity: "unknown"})
			for range 10 {
				old = append(old, s.CreateAlert(ghsim.CodeScanning, legacy, ghsim.AlertSpec{RuleID: "js/unused-local-variable", RuleSeverity: "note"}))
			}
			g1 = s.CreateAlert(ghsim.Dependabot, tools, ghsim.AlertSpec{Severity: "low"})
			return s.Bypass(pay, s4, "mallory")
		}, false},
		{"new alerts of every kind and severity", func(s *ghsim.Sim) error {
			d1 = s.CreateAlert(ghsim.Dependabot, web, ghsim.AlertSpec{Severity: "critical", Package: "minimist"})
			d2 = s.CreateAlert(ghsim.Dependabot, web, ghsim.AlertSpec{Severity: "high", Package: "lodash"})
			d3 = s.CreateAlert(ghsim.Dependabot, pay, ghsim.AlertSpec{Severity: "critical", Package: "log4j-core"})
			d4 = s.CreateAlert(ghsim.Dependabot, web, ghsim.AlertSpec{Severity: "medium", Package: "jest"})
			d5 = s.CreateAlert(ghsim.Dependabot, pay, ghsim.AlertSpec{Severity: "critical", Package: "jackson-databind"})
			c1 = s.CreateAlert(ghsim.CodeScanning, web, ghsim.AlertSpec{RuleID: "js/sql-injection", Severity: "critical"})
			c2 = s.CreateAlert(ghsim.CodeScanning, web, ghsim.AlertSpec{RuleID: "js/xss", Severity: "high", Ref: "refs/pull/12/merge"})
			c3 = s.CreateAlert(ghsim.CodeScanning, web, ghsim.AlertSpec{RuleID: "js/log-injection", Severity: "medium"})
			c4 = s.CreateAlert(ghsim.CodeScanning, web, ghsim.AlertSpec{RuleID: "js/path-injection", Severity: "high"})
			s1 = s.CreateAlert(ghsim.SecretScanning, infra, ghsim.AlertSpec{SecretType: "aws_access_key_id", Validity: "inactive"})
			s2 = s.CreateAlert(ghsim.SecretScanning, pay, ghsim.AlertSpec{SecretType: "github_personal_access_token", Validity: "unknown"})
			s3 = s.CreateAlert(ghsim.SecretScanning, infra, ghsim.AlertSpec{SecretType: "stripe_api_key", Validity: "inactive"})
			return nil
		}, false},
		{"alice dismisses a high Dependabot alert without a comment", func(s *ghsim.Sim) error {
			return s.Dismiss(ghsim.Dependabot, web, d2, "alice", "no_bandwidth", "")
		}, false},
		{"bob dismisses a critical one as tolerable risk, with a comment", func(s *ghsim.Sim) error {
			return s.Dismiss(ghsim.Dependabot, web, d1, "bob", "tolerable_risk", "only used at build time")
		}, false},
		{"carol dismisses a critical one as inaccurate, without a comment; dave a medium one as not used", func(s *ghsim.Sim) error {
			return must(s.Dismiss(ghsim.Dependabot, pay, d3, "carol", "inaccurate", ""),
				s.Dismiss(ghsim.Dependabot, web, d4, "dave", "not_used", ""))
		}, false},
		{"erin dismisses code scanning alerts: on main with a comment, on a pull request and a medium one on main without", func(s *ghsim.Sim) error {
			return must(s.Dismiss(ghsim.CodeScanning, web, c1, "erin", "false positive", "sanitized by the ORM"),
				s.Dismiss(ghsim.CodeScanning, web, c2, "erin", "won't fix", ""),
				s.Dismiss(ghsim.CodeScanning, web, c3, "erin", "used in tests", ""))
		}, false},
		{"eve pushes a token past push protection", func(s *ghsim.Sim) error {
			return s.Bypass(pay, s2, "eve")
		}, false},
		{"eve resolves her bypassed token as a false positive; frank resolves another secret as one", func(s *ghsim.Sim) error {
			return must(s.Resolve(pay, s2, "eve", "false_positive", ""),
				s.Resolve(infra, s3, "frank", "false_positive", "test fixture"))
		}, false},
		{"validity checks find an open secret active, and a resolved one", func(s *ghsim.Sim) error {
			return must(s.SetValidity(infra, s1, "active"), s.SetValidity(infra, s3, "active"))
		}, false},
		{"the open AWS key is found in a public place", func(s *ghsim.Sim) error {
			return s.Leak(infra, s1)
		}, false},
		{"a Dependabot and a code scanning alert are fixed", func(s *ghsim.Sim) error {
			return must(s.Fix(ghsim.Dependabot, pay, d5), s.Fix(ghsim.CodeScanning, web, c4))
		}, false},
		{"both fixes come back", func(s *ghsim.Sim) error {
			return must(s.Reopen(ghsim.Dependabot, pay, d5, ""), s.Reopen(ghsim.CodeScanning, web, c4, ""))
		}, false},
		{"eve's token and alice's alert are reopened", func(s *ghsim.Sim) error {
			return must(s.Reopen(ghsim.SecretScanning, pay, s2, "eve"), s.Reopen(ghsim.Dependabot, web, d2, "alice"))
		}, false},
		{"acme/legacy's code scanning analyses are deleted (ten alerts gone); one globex advisory is withdrawn", func(s *ghsim.Sim) error {
			for _, n := range old {
				if err := s.Delete(ghsim.CodeScanning, legacy, n); err != nil {
					return err
				}
			}
			return s.Delete(ghsim.Dependabot, tools, g1)
		}, true},
	}
	key := func(src exporter.Source, repo string, n *int, action string) func() string {
		return func() string { return fmt.Sprintf("%s %s#%d %s", src, repo, *n, action) }
	}
	type expectation struct {
		key   func() string
		rules []string
	}
	expect := []expectation{
		{key(exporter.SourceSecretScanning, pay, &s4, "push_protection_bypassed"), []string{"ghsec_secret_push_protection_bypassed"}},
		{key(exporter.SourceDependabot, web, &d2, "dismissed"), []string{"ghsec_alert_dismissed_without_comment"}},
		{key(exporter.SourceDependabot, web, &d1, "dismissed"), []string{"ghsec_critical_alert_dismissed_as_acceptable"}},
		{key(exporter.SourceDependabot, pay, &d3, "dismissed"), []string{"ghsec_alert_dismissed_without_comment", "ghsec_critical_alert_dismissed_as_acceptable"}},
		{key(exporter.SourceCodeScanning, web, &c1, "dismissed"), []string{"ghsec_code_scanning_dismissed_default_branch"}},
		{key(exporter.SourceCodeScanning, web, &c2, "dismissed"), []string{"ghsec_alert_dismissed_without_comment"}},
		{key(exporter.SourceCodeScanning, web, &c3, "dismissed"), []string{"ghsec_code_scanning_dismissed_default_branch"}},
		{key(exporter.SourceSecretScanning, pay, &s2, "push_protection_bypassed"), []string{"ghsec_secret_push_protection_bypassed"}},
		{key(exporter.SourceSecretScanning, pay, &s2, "resolved"), []string{"ghsec_secret_resolved_false_positive_after_bypass"}},
		{key(exporter.SourceSecretScanning, infra, &s1, "validity_changed"), []string{"ghsec_secret_validity_active"}},
		{key(exporter.SourceSecretScanning, infra, &s1, "publicly_leaked"), []string{"ghsec_secret_publicly_leaked"}},
		{key(exporter.SourceDependabot, pay, &d5, "reintroduced"), []string{"ghsec_alert_reintroduced"}},
		{key(exporter.SourceCodeScanning, web, &c4, "reintroduced"), []string{"ghsec_alert_reintroduced"}},
		{key(exporter.SourceDependabot, tools, &g1, "withdrawn"), []string{"ghsec_alert_withdrawn"}},
	}
	fires = func() map[string][]string {
		m := map[string][]string{}
		for _, e := range expect {
			m[e.key()] = e.rules
		}
		for _, n := range old {
			m[fmt.Sprintf("%s %s#%d withdrawn", exporter.SourceCodeScanning, legacy, n)] = []string{"ghsec_alert_withdrawn"}
		}
		return m
	}
	return steps, fires
}

// recordKey is what the story's expectations name a record by: its
// source, repository, alert number and action; audit records by their
// GitHub action.
func recordKey(r map[string]any) string {
	if r["category"] == string(exporter.CategoryAudit) {
		return fmt.Sprintf("audit %v %v", r["repo"], r["action"])
	}
	var n any
	if a, ok := r["alert"].(map[string]any); ok {
		n = a["number"]
	}
	return fmt.Sprintf("%v %v#%v %v", r["source"], r["repo"], n, r["action"])
}

// storyRecords runs the story through the real exporter: the simulated
// GitHub Enterprise Cloud (alert changes write their audit events), the
// daemon's alert and audit polls (with a reconcile where a step says),
// diff, state file, outbox and delivery to a file sink. It returns the
// lines the sink wrote, each a schema-valid record.
func storyRecords(t *testing.T) (lines [][]byte, fires map[string][]string) {
	t.Helper()
	ctx := context.Background()
	sim := ghsim.New(ghsim.Options{Product: "ghec", Token: "story-token", AuditAlerts: true, AuditLag: time.Minute, Seed: 21})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("story-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.GitHub.BaseURL = srv.URL + "/"
	cfg.GitHub.Product = "ghec"
	cfg.GitHub.TokenFile = tokenFile
	cfg.GitHub.Orgs = []string{"acme", "globex"}
	cfg.GitHub.AuditLag = config.Duration(5 * time.Minute)
	cfg.State.Path = filepath.Join(dir, "state.db")
	cfg.Sinks = []config.SinkEntry{{Name: "records", Type: "file"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	// the file sink's writer: the delivery loop writes, the test reads
	// after the drains
	out := &testtools.Logs{}
	sink := daemon.SinkSpec{Name: "records", Build: func(exporter.SinkDeps) (exporter.Sink, error) { return file.NewWriter(out), nil }}
	app, err := daemon.New(&cfg, daemon.Options{Now: sim.Now, Sinks: []daemon.SinkSpec{sink}})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	steps, expected := story()
	for i, st := range steps {
		sim.Advance(7 * time.Minute)
		if err := st.run(sim); err != nil {
			t.Fatalf("step %d (%s): %v", i, st.desc, err)
		}
		sim.Advance(time.Minute)
		if err := app.Once(ctx, 10*time.Second, st.reconcile); err != nil {
			t.Fatalf("step %d (%s): %v", i, st.desc, err)
		}
	}
	// the audit log's late entries
	sim.Advance(10 * time.Minute)
	if err := app.Once(ctx, 10*time.Second, false); err != nil {
		t.Fatal(err)
	}
	lines = bytes.Split(bytes.TrimSpace([]byte(out.String())), []byte("\n"))
	for _, l := range lines {
		if err := recordschema.ValidateJSON(l); err != nil {
			t.Fatalf("record %s: %v", l, err)
		}
	}
	return lines, expected()
}
