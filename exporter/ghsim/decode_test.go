package ghsim

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

// fixture builds an enterprise with one repository holding alerts of every
// kind in every state, on the given product.
func fixture(t *testing.T, product, ghesVersion string) (*Sim, *github.Client) {
	t.Helper()
	s := New(Options{Product: product, GHESVersion: ghesVersion})
	s.AddEnterprise("acme-corp", "acme")
	r := "acme/app"
	for i := 0; i < 4; i++ {
		s.CreateAlert(Dependabot, r, AlertSpec{})
		s.CreateAlert(CodeScanning, r, AlertSpec{})
		s.CreateAlert(SecretScanning, r, AlertSpec{Secret: "ghp_leaked" + itoa(i)})
	}
	s.Advance(time.Hour)
	must(t, s.Dismiss(Dependabot, r, 1, "alice", "tolerable_risk", "build only"))
	must(t, s.Fix(Dependabot, r, 2))
	must(t, s.AutoDismiss(r, 3))
	must(t, s.Dismiss(CodeScanning, r, 1, "dave", "false positive", "sanitized"))
	must(t, s.Fix(CodeScanning, r, 2))
	must(t, s.Resolve(r, 1, "bob", "revoked", "rotated"))
	must(t, s.Bypass(r, 2, "carol"))
	return s, client(t, s, start(t, s))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var products = []struct{ name, product, ghes string }{
	{"dotcom", ProductDotcom, ""}, {"ghec", ProductGHEC, ""}, {"ghes-3.19", ProductGHES, "3.19"}, {"ghes-3.15", ProductGHES, "3.15"},
}

func TestDecode_GoGitHubTypes(t *testing.T) {
	ctx := context.Background()
	closedAt := github.Timestamp{Time: DefaultStart.Add(time.Hour)}
	for _, p := range products {
		t.Run(p.name, func(t *testing.T) {
			s, c := fixture(t, p.product, p.ghes)
			dep, _, err := c.Dependabot.ListRepoAlerts(ctx, "acme", "app", &github.ListAlertsOptions{Direction: github.String("asc")})
			must(t, err)
			if len(dep) != 4 || dep[0].GetDismissedBy().GetLogin() != "alice" || dep[0].GetDismissedReason() != "tolerable_risk" ||
				!dep[0].GetDismissedAt().Equal(closedAt) || dep[1].GetState() != "fixed" || !dep[1].GetFixedAt().Equal(closedAt) ||
				!dep[2].GetAutoDismissedAt().Equal(closedAt) || dep[3].SecurityAdvisory.GetGHSAID() == "" || dep[0].Repository != nil {
				t.Errorf("dependabot repo list decoded wrong: %+v", dep[0])
			}
			orgDep, _, err := c.Dependabot.ListOrgAlerts(ctx, "acme", nil)
			must(t, err)
			var entDep []*github.DependabotAlert
			req, _ := c.NewRequest("GET", "enterprises/acme-corp/dependabot/alerts", nil)
			_, err = c.Do(ctx, req, &entDep)
			must(t, err)
			for _, a := range append(orgDep, entDep...) {
				if a.GetRepository().GetFullName() != "acme/app" || a.GetRepository().GetOwner().GetLogin() != "acme" {
					t.Errorf("org/enterprise alert without repository: %+v", a.Repository)
				}
			}
			one, _, err := c.Dependabot.GetRepoAlert(ctx, "acme", "app", 1)
			must(t, err)
			if one.GetNumber() != 1 || one.GetDismissedComment() != "build only" || one.GetSecurityVulnerability().GetPackage().GetName() == "" {
				t.Errorf("dependabot get: %+v", one)
			}

			cs, _, err := c.CodeScanning.ListAlertsForRepo(ctx, "acme", "app", &github.AlertListOptions{State: "closed"})
			must(t, err)
			if len(cs) != 2 || cs[1].GetDismissedBy().GetLogin() != "dave" || cs[0].GetState() != "fixed" || cs[0].GetRule().GetID() == "" ||
				cs[0].GetTool().GetName() == "" || cs[0].GetMostRecentInstance().GetLocation().GetPath() == "" || cs[0].GetUpdatedAt().IsZero() {
				t.Errorf("code scanning repo list decoded wrong: %+v", cs)
			}
			orgCS, _, err := c.CodeScanning.ListAlertsForOrg(ctx, "acme", nil)
			must(t, err)
			if len(orgCS) != 4 || orgCS[0].GetRepository().GetFullName() != "acme/app" {
				t.Errorf("code scanning org list: %d alerts", len(orgCS))
			}
			csOne, _, err := c.CodeScanning.GetAlert(ctx, "acme", "app", 1)
			must(t, err)
			if csOne.GetDismissedReason() != "false positive" || csOne.ID() != 1 {
				t.Errorf("code scanning get: %+v", csOne)
			}

			// v62 has no direction option here: the default is desc, ties broken by id.
			ss, _, err := c.SecretScanning.ListAlertsForRepo(ctx, "acme", "app", nil)
			must(t, err)
			slices.Reverse(ss)
			if len(ss) != 4 || ss[0].GetResolvedBy().GetLogin() != "bob" || ss[0].GetResolution() != "revoked" ||
				!ss[1].GetPushProtectionBypassed() || ss[1].GetPushProtectionBypassedBy().GetLogin() != "carol" ||
				ss[1].GetSecret() != "ghp_leaked1" || ss[2].GetSecretType() == "" {
				t.Errorf("secret scanning repo list decoded wrong: %+v", ss[0])
			}
			orgSS, _, err := c.SecretScanning.ListAlertsForOrg(ctx, "acme", nil)
			must(t, err)
			if len(orgSS) != 4 || orgSS[0].GetRepository().GetFullName() != "acme/app" {
				t.Errorf("secret scanning org list: %+v", orgSS)
			}
			if p.product != ProductDotcom {
				ent, _, err := c.SecretScanning.ListAlertsForEnterprise(ctx, "acme-corp", nil)
				must(t, err)
				var entCS []*github.Alert
				req, _ := c.NewRequest("GET", "enterprises/acme-corp/code-scanning/alerts", nil)
				_, err = c.Do(ctx, req, &entCS)
				must(t, err)
				if len(ent) != 4 || len(entCS) != 4 || entCS[0].GetRepository().GetName() != "app" {
					t.Errorf("enterprise lists: %d secret, %d code scanning", len(ent), len(entCS))
				}
			}
			if _, _, err := c.SecretScanning.GetAlert(ctx, "acme", "app", 9); err == nil {
				t.Error("missing alert: no error")
			}
			_ = s
		})
	}
}

// Field names per kind and product, from GitHub's published response
// examples (required: every one the example shows, where the schema has it)
// and response schemas (allowed: the schema's properties).
var (
	depFields = strings.Fields(`number state dependency security_advisory security_vulnerability url html_url
		created_at updated_at dismissed_at dismissed_by dismissed_reason dismissed_comment fixed_at`)
	depOptional = strings.Fields(`auto_dismissed_at dismissal_request assignees repository`)
	csFields    = strings.Fields(`number created_at url html_url instances_url state fixed_at dismissed_by
		dismissed_at dismissed_reason dismissed_comment rule tool most_recent_instance`)
	csOptional  = strings.Fields(`updated_at dismissal_approved_by assignees linked_pull_requests repository`)
	ssFields315 = strings.Fields(`number created_at url html_url locations_url state resolution resolved_at
		resolved_by resolution_comment secret_type secret_type_display_name secret push_protection_bypassed
		push_protection_bypassed_by push_protection_bypassed_at validity`)
	ssFields319 = append(strings.Fields(`push_protection_bypass_request_reviewer push_protection_bypass_request_reviewer_comment
		push_protection_bypass_request_comment push_protection_bypass_request_html_url multi_repo is_base64_encoded
		first_location_detected has_more_locations assigned_to`), ssFields315...)
	ssFieldsDotcom = append([]string{"publicly_leaked"}, ssFields319...)
	ssOptional     = strings.Fields(`updated_at repository provider provider_slug closure_request_comment
		closure_request_reviewer_comment closure_request_reviewer metadata`)
)

func TestFields_MatchGitHubExamples(t *testing.T) {
	for _, p := range products {
		t.Run(p.name, func(t *testing.T) {
			s, _ := fixture(t, p.product, p.ghes)
			srv := start(t, s)
			ss := ssFieldsDotcom
			dep := depFields
			switch p.ghes {
			case "3.19":
				ss = ssFields319
			case "3.15":
				ss = ssFields315
			case "":
				dep = append([]string{"assignees"}, depFields...)
			}
			checks := []struct {
				path          string
				required, opt []string
			}{
				{"/repos/acme/app/dependabot/alerts", dep, depOptional},
				{"/orgs/acme/dependabot/alerts", append([]string{"repository"}, dep...), depOptional},
				{"/repos/acme/app/code-scanning/alerts", csFields, csOptional},
				{"/orgs/acme/code-scanning/alerts", append([]string{"repository"}, csFields...), csOptional},
				{"/repos/acme/app/secret-scanning/alerts", ss, ssOptional},
				{"/orgs/acme/secret-scanning/alerts", append([]string{"repository"}, ss...), ssOptional},
			}
			for _, ch := range checks {
				path := s.prefix + ch.path
				g := get(t, srv, path)
				var items []map[string]json.RawMessage
				if err := json.Unmarshal(g.body, &items); err != nil || len(items) == 0 {
					t.Fatalf("GET %s: %d %s", path, g.status, g.body)
				}
				allowed := map[string]bool{}
				for _, k := range append(append([]string{}, ch.required...), ch.opt...) {
					allowed[k] = true
				}
				for _, it := range items {
					for _, k := range ch.required {
						if _, ok := it[k]; !ok {
							t.Errorf("%s: alert lacks %q", path, k)
						}
					}
					for k := range it {
						if !allowed[k] {
							t.Errorf("%s: field %q is not in GitHub's schema for %s", path, k, p.name)
						}
					}
				}
			}
		})
	}
}
