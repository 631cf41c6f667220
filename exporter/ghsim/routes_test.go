package ghsim

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestRoutes answers every route, and the paths and methods next to them,
// with GitHub's status and, for a 404, GitHub's JSON body (never the mux's
// plain-text 404 or 405), on the product's prefix only. Each request is
// recorded with its status.
func TestRoutes(t *testing.T) {
	const notFoundBody = `{"documentation_url":"https://docs.github.com/rest","message":"Not Found","status":"404"}`
	for _, product := range []string{ProductDotcom, ProductGHES} {
		t.Run(product, func(t *testing.T) {
			s := New(Options{Product: product})
			s.AddEnterprise("e", "o")
			for _, k := range Kinds {
				s.CreateAlert(k, "o/r", AlertSpec{})
			}
			orgHook := s.AddHook(Hook{URL: "http://127.0.0.1:1/", Org: "o"})
			repoHook := s.AddHook(Hook{URL: "http://127.0.0.1:1/", Repo: "o/r"})
			if err := s.Fix(Dependabot, "o/r", 1); err != nil { // queues one delivery per hook
				t.Fatal(err)
			}
			ds := s.PendingDeliveries()
			if len(ds) != 2 {
				t.Fatalf("%d pending deliveries, want 2", len(ds))
			}
			d := ds[0]
			if d.HookID != orgHook {
				d = ds[1]
			}
			s.Drop(d.ID)
			delivery := strconv.FormatInt(d.ID, 10)
			s.Deny(Denial{PathContains: "/orgs/o/secret-scanning/"})
			s.SetAuditLogMissing("gone", true)
			s.AddRepo("gone/x")

			p := s.prefix
			oh, rh := strconv.FormatInt(orgHook, 10), strconv.FormatInt(repoHook, 10)
			enterpriseOnly := http.StatusOK // enterprise code/secret scanning and audit log
			if product == ProductDotcom {
				enterpriseOnly = http.StatusNotFound
			}
			cases := []struct {
				method, path string
				status       int
			}{
				{"GET", p + "/rate_limit", 200},
				{"GET", p + "/meta", 200},
				{"GET", p + "/repos/o/r/dependabot/alerts", 200},
				{"GET", p + "/repos/o/r/code-scanning/alerts", 200},
				{"GET", p + "/repos/o/r/secret-scanning/alerts", 200},
				{"GET", p + "/repos/o/r/dependabot/alerts/1", 200},
				{"GET", p + "/repos/o/r/code-scanning/alerts/1", 200},
				{"HEAD", p + "/repos/o/r/secret-scanning/alerts/1", 200},
				{"GET", p + "/repos/o/r/secret-scanning/alerts/2", 404},
				{"GET", p + "/repos/o/r/dependabot/alerts/seven", 404},
				{"GET", p + "/repos/o/nope/dependabot/alerts", 404},
				{"GET", p + "/repos/o/r/other-scanning/alerts", 404},
				{"GET", p + "/orgs/o/dependabot/alerts", 200},
				{"GET", p + "/orgs/o/code-scanning/alerts", 200},
				{"GET", p + "/orgs/nope/dependabot/alerts", 404},
				{"GET", p + "/enterprises/e/dependabot/alerts", 200},
				{"GET", p + "/enterprises/e/code-scanning/alerts", enterpriseOnly},
				{"GET", p + "/enterprises/e/secret-scanning/alerts", enterpriseOnly},
				{"GET", p + "/enterprises/nope/dependabot/alerts", 404},
				{"GET", p + "/orgs/o/audit-log", 200},
				{"GET", p + "/orgs/gone/audit-log", 404},
				{"GET", p + "/enterprises/e/audit-log", enterpriseOnly},
				{"GET", p + "/orgs/o/secret-scanning/alerts", 403},
				{"GET", p + "/orgs/o/secret-scanning/unknown", 403},
				{"POST", p + "/orgs/o/secret-scanning/alerts", 404},
				{"POST", p + "/repos/o/r/dependabot/alerts", 404},
				{"DELETE", p + "/meta", 404},
				{"GET", p + "/orgs/o/hooks/" + oh + "/deliveries", 200},
				{"GET", p + "/repos/o/r/hooks/" + rh + "/deliveries", 200},
				{"GET", p + "/orgs/o/hooks/" + rh + "/deliveries", 404},
				{"GET", p + "/app/hook/deliveries", 404},
				{"POST", p + "/orgs/o/hooks/" + oh + "/deliveries", 404},
				{"POST", p + "/orgs/o/hooks/" + oh + "/deliveries/" + delivery + "/attempts", 202},
				{"POST", p + "/orgs/o/hooks/" + oh + "/deliveries/1/attempts", 404},
				{"GET", p + "/orgs/o/hooks/" + oh + "/deliveries/" + delivery + "/attempts", 404},
				{"POST", p + "/app/installations/1/access_tokens", 201},
				{"GET", p + "/app/installations/1/access_tokens", 404},
				{"GET", p + "/", 404},
				{"GET", p + "/nowhere", 404},
			}
			if p != "" {
				cases = append(cases, struct {
					method, path string
					status       int
				}{"GET", "/repos/o/r/dependabot/alerts", 404})
			}
			for _, tc := range cases {
				s.ResetRequests()
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
				if rec.Code != tc.status {
					t.Errorf("%s %s = %d, want %d: %s", tc.method, tc.path, rec.Code, tc.status, rec.Body)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
				}
				if tc.status == 404 && rec.Body.String() != notFoundBody {
					t.Errorf("%s %s: body %s, want GitHub's 404", tc.method, tc.path, rec.Body)
				}
				if reqs := s.Requests(); len(reqs) != 1 || reqs[0].Status != tc.status || reqs[0].Path != tc.path {
					t.Errorf("%s %s: recorded %+v", tc.method, tc.path, reqs)
				}
			}
			if n := s.Redeliveries(); n != 1 {
				t.Errorf("%d redeliveries, want 1", n)
			}
		})
	}
}
