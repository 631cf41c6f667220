package daemon

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// newAuditEnv is env on a GHEC simulator whose alert changes write the
// audit events GitHub writes, indexed at once.
func newAuditEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, "ghec")
	e.sim = ghsim.New(ghsim.Options{Product: "ghec", Token: "test-token", AuditAlerts: true})
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	e.srv = srv
	e.cfg.GitHub.BaseURL = srv.URL + "/"
	e.cfg.GitHub.Repos = nil
	e.sim.AddRepo("acme/widgets")
	return e
}

func pollBoth(t *testing.T, a *App) {
	t.Helper()
	must(t, a.PollAlerts(context.Background()))
	must(t, a.PollAudit(context.Background()))
}

type joinKey struct {
	source exporter.Source
	repo   string
	number int
}

// An audit record about an alert carries the alert's key, so one search
// joins it to the transition it explains — and tells who reopened a code
// scanning alert, which the REST API never says.
func TestAuditLinks_JoinTransitions(t *testing.T) {
	e := newAuditEnv(t)
	s := e.sim
	a := e.app(Options{})
	defer a.Close()
	cs := s.CreateAlert(ghsim.CodeScanning, "acme/widgets", ghsim.AlertSpec{Severity: "high", RuleID: "js/xss"})
	dep := s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	ss := s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "slack_api_token"})
	pollBoth(t, a)
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.CodeScanning, "acme/widgets", cs, "dave", "false positive", ""))
	must(t, s.Dismiss(ghsim.Dependabot, "acme/widgets", dep, "alice", "tolerable_risk", ""))
	must(t, s.Resolve("acme/widgets", ss, "bob", "revoked", ""))
	s.Advance(time.Minute)
	pollBoth(t, a)
	s.Advance(time.Minute)
	must(t, s.Reopen(ghsim.CodeScanning, "acme/widgets", cs, "erin"))
	s.Advance(time.Minute)
	pollBoth(t, a)
	must(t, a.Drain(context.Background()))

	transitions := map[joinKey][]string{}
	var audits []exporter.Record
	for _, r := range e.records() {
		if r.Category == exporter.CategoryAlert {
			k := joinKey{r.Source, r.Repo, r.Alert.Number}
			transitions[k] = append(transitions[k], r.Action)
			continue
		}
		audits = append(audits, r)
	}
	linked := map[string]string{}
	for _, r := range audits {
		if r.AlertSource == "" {
			t.Errorf("audit record %s names no alert", r.Action)
			continue
		}
		k := joinKey{r.AlertSource, r.Repo, r.Alert.Number}
		if len(transitions[k]) == 0 {
			t.Errorf("audit record %s (%v) joins no transition", r.Action, k)
		}
		linked[r.Action] = fmt.Sprintf("%s %s#%d by %s", r.AlertSource, r.Repo, r.Alert.Number, r.Actor)
	}
	for action, want := range map[string]string{
		"code_scanning.alert_closed_by_user":     fmt.Sprintf("code_scanning acme/widgets#%d by dave", cs),
		"code_scanning.alert_reopened_by_user":   fmt.Sprintf("code_scanning acme/widgets#%d by erin", cs),
		"repository_vulnerability_alert.dismiss": fmt.Sprintf("dependabot acme/widgets#%d by alice", dep),
		"secret_scanning_alert.resolve":          fmt.Sprintf("secret_scanning acme/widgets#%d by bob", ss),
		"secret_scanning_alert.create":           fmt.Sprintf("secret_scanning acme/widgets#%d by github-secret-scanning[bot]", ss),
		"repository_vulnerability_alert.create":  fmt.Sprintf("dependabot acme/widgets#%d by dependabot[bot]", dep),
		"code_scanning.alert_created":            fmt.Sprintf("code_scanning acme/widgets#%d by ", cs),
	} {
		if got := linked[action]; got != want {
			t.Errorf("%s: linked to %q, want %q", action, got, want)
		}
	}
	e.checkOpenAPI("ghec")
}

// GitHub's own withdrawal of an alert, read from the audit log, withdraws
// it at once; the reconcile later finds nothing left to do, and the audit
// log read again ships nothing twice.
func TestAuditWithdraw_AtOnce(t *testing.T) {
	e := newAuditEnv(t)
	s := e.sim
	a := e.app(Options{})
	defer a.Close()
	dep := s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	ss := s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{})
	kept := s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{})
	pollBoth(t, a)
	s.Advance(time.Minute)
	deletedAt := s.Now().Truncate(time.Second)
	must(t, s.Delete(ghsim.Dependabot, "acme/widgets", dep))
	must(t, s.Delete(ghsim.SecretScanning, "acme/widgets", ss))
	s.Advance(time.Minute)
	must(t, a.PollAudit(context.Background()))
	must(t, a.Drain(context.Background()))
	withdrawn := func() map[joinKey]exporter.Record {
		out := map[joinKey]exporter.Record{}
		for _, r := range e.records() {
			if r.Action == exporter.ActionWithdrawn {
				k := joinKey{r.Source, r.Repo, r.Alert.Number}
				if _, dup := out[k]; dup {
					t.Errorf("%v withdrawn twice", k)
				}
				out[k] = r
			}
		}
		return out
	}
	got := withdrawn()
	for _, k := range []joinKey{{exporter.SourceDependabot, "acme/widgets", dep}, {exporter.SourceSecretScanning, "acme/widgets", ss}} {
		r, ok := got[k]
		if !ok {
			t.Fatalf("%v not withdrawn by the audit poll: %v", k, got)
		}
		if !r.Time.Equal(deletedAt) || r.Origin != exporter.OriginPoll || r.Alert.PreviousState != "open" {
			t.Errorf("%v: time %s origin %s previous %q; want the event's time %s, poll, open", k, r.Time, r.Origin, r.Alert.PreviousState, deletedAt)
		}
	}
	if len(got) != 2 {
		t.Fatalf("withdrawn %v; want the two deleted alerts only (#%d stays)", got, kept)
	}

	s.Advance(time.Hour)
	must(t, a.Reconcile(context.Background()))
	must(t, a.PollAudit(context.Background()))
	must(t, a.PollAlerts(context.Background()))
	must(t, a.Drain(context.Background()))
	if after := withdrawn(); len(after) != 2 {
		t.Fatalf("after reconcile: %v", after)
	}
}

// The details GitHub sends today reach the records of all three origins:
// poll, reconcile and webhook.
func TestAlertDetails_EveryOrigin(t *testing.T) {
	h := newHookEnv(t, false)
	s := h.sim
	dep := s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high"})
	ss := s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "slack_api_token"})
	h.poll()
	s.Advance(time.Minute)
	must(t, s.Dismiss(ghsim.Dependabot, "acme/widgets", dep, "alice", "tolerable_risk", ""))
	must(t, h.app.Reconcile(context.Background()))
	s.Advance(time.Minute)
	must(t, s.Resolve("acme/widgets", ss, "bob", "pattern_edited", ""))
	h.send()
	h.drained()
	origins := map[string]bool{}
	for _, r := range h.records() {
		if r.Category != exporter.CategoryAlert {
			continue
		}
		d := r.Alert.AlertDetails
		switch r.Source {
		case exporter.SourceDependabot:
			if d.EPSS == nil {
				t.Errorf("%s %s: %+v", r.Action, r.Origin, d)
			}
		case exporter.SourceSecretScanning:
			if d.Provider != "Slack" || d.ProviderSlug != "slack" || d.MultiRepo == nil || d.IsBase64Encoded == nil ||
				d.HasMoreLocations == nil || len(d.FirstLocationDetected) == 0 {
				t.Errorf("%s %s: %+v", r.Action, r.Origin, d)
			}
			if r.Action == exporter.ActionResolved && r.Alert.Reason != "pattern_edited" {
				t.Errorf("resolution pattern_edited did not flow as the reason: %q", r.Alert.Reason)
			}
		}
		origins[fmt.Sprintf("%s %s %s", r.Source, r.Action, r.Origin)] = true
	}
	for _, want := range []string{"dependabot created backfill", "secret_scanning created backfill",
		"dependabot dismissed reconcile", "secret_scanning resolved webhook"} {
		if !origins[want] {
			t.Errorf("no %s record; got %v", want, origins)
		}
	}
}
