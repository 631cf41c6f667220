package ghsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Each product serves the REST API versions GitHub's does, in their
// shapes: 2026-03-10 has no Dependabot cvss and no top-level rate; a
// version the product does not serve is GitHub's 400, at no cost.
func TestAPIVersion_PerProductAndShape(t *testing.T) {
	for _, tt := range []struct {
		product, ghes string
		serves2026    bool
	}{
		{ProductDotcom, "", true},
		{ProductGHEC, "", true},
		{ProductGHES, "3.21", true},
		{ProductGHES, "3.19", false},
		{ProductGHES, "3.15", false},
	} {
		t.Run(tt.product+tt.ghes, func(t *testing.T) {
			s := New(Options{Product: tt.product, GHESVersion: tt.ghes})
			s.CreateAlert(Dependabot, "acme/app", AlertSpec{Severity: "high"})
			srv := start(t, s)
			prefix := s.prefix
			shape := func(version string) (rate, cvss bool) {
				t.Helper()
				var hdr []string
				if version != "" {
					hdr = []string{"X-GitHub-Api-Version", version}
				}
				var rl map[string]json.RawMessage
				g := get(t, srv, prefix+"/rate_limit", hdr...)
				if g.status != http.StatusOK || json.Unmarshal(g.body, &rl) != nil || !strings.Contains(string(rl["resources"]), `"core"`) {
					t.Fatalf("%s /rate_limit: %d %s", version, g.status, g.body)
				}
				var alerts []struct {
					Advisory map[string]json.RawMessage `json:"security_advisory"`
				}
				g = get(t, srv, prefix+"/orgs/acme/dependabot/alerts", hdr...)
				if g.status != http.StatusOK || json.Unmarshal(g.body, &alerts) != nil || len(alerts) != 1 {
					t.Fatalf("%s dependabot list: %d %s", version, g.status, g.body)
				}
				if sev := string(alerts[0].Advisory["cvss_severities"]); !strings.Contains(sev, `"cvss_v3":{"vector_string":"CVSS:3.1/`) ||
					!strings.Contains(sev, `"cvss_v4":{"vector_string":"CVSS:4.0/`) {
					t.Errorf("%s: cvss_severities %s", version, sev)
				}
				_, rate = rl["rate"]
				_, cvss = alerts[0].Advisory["cvss"]
				return rate, cvss
			}
			for _, v := range []string{"", APIVersion20221128} {
				if rate, cvss := shape(v); !rate || !cvss {
					t.Errorf("version %q: rate %v, cvss %v; want both", v, rate, cvss)
				}
			}
			if tt.serves2026 {
				if rate, cvss := shape(APIVersion20260310); rate || cvss {
					t.Errorf("2026-03-10: rate %v, cvss %v; want neither", rate, cvss)
				}
			}
			unserved := []string{"2024-01-01", "v3"}
			if !tt.serves2026 {
				unserved = append(unserved, APIVersion20260310)
			}
			for _, v := range unserved {
				before := s.RateLimitRemaining()
				g := get(t, srv, prefix+"/orgs/acme/dependabot/alerts", "X-GitHub-Api-Version", v)
				var e struct{ Message string }
				if g.status != http.StatusBadRequest || json.Unmarshal(g.body, &e) != nil ||
					!strings.Contains(e.Message, `"X-GitHub-Api-Version" request header, "`+v+`", is not a supported version`) ||
					!strings.Contains(e.Message, `"2022-11-28"`) {
					t.Errorf("version %q: %d %s; want GitHub's 400", v, g.status, g.body)
				}
				if s.RateLimitRemaining() != before {
					t.Errorf("version %q: the refusal cost %d units", v, before-s.RateLimitRemaining())
				}
			}
		})
	}
}
