package ghsim

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

var requestPaths = []string{
	"/repos/{owner}/{repo}/dismissal-requests/code-scanning", "/orgs/{org}/dismissal-requests/code-scanning",
	"/repos/{owner}/{repo}/dismissal-requests/dependabot", "/orgs/{org}/dismissal-requests/dependabot",
	"/repos/{owner}/{repo}/dismissal-requests/secret-scanning", "/orgs/{org}/dismissal-requests/secret-scanning",
	"/enterprises/{enterprise}/dismissal-requests/secret-scanning",
	"/repos/{owner}/{repo}/bypass-requests/secret-scanning", "/orgs/{org}/bypass-requests/secret-scanning",
	"/enterprises/{enterprise}/bypass-requests/secret-scanning",
	"/repos/{owner}/{repo}/bypass-requests/push-rules", "/orgs/{org}/bypass-requests/push-rules",
	"/enterprises/{enterprise}/bypass-requests/push-rules",
}

// requestFixture has one request of every kind and target in acme/app, in
// several states.
func requestFixture(t *testing.T, product, version string) *Sim {
	t.Helper()
	s := New(Options{Product: product, GHESVersion: version})
	s.AddEnterprise("acme-corp", "acme")
	n := 0
	for pair := range requestTypes {
		num, err := s.CreateRequest(RequestSpec{Kind: pair[0], Target: pair[1], Repo: "acme/app", Requester: "dev1",
			Comment: "please", Reason: "false_positive", AlertNumber: 3})
		if err != nil {
			t.Fatal(err)
		}
		switch n++; n % 3 {
		case 1:
			if err := s.ReviewRequest("acme/app", num, "lead", true, "fine"); err != nil {
				t.Fatal(err)
			}
		case 2:
			if err := s.ReviewRequest("acme/app", num, "lead", false, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

// Every request list answers in the shape GitHub's GHEC and GHES 3.19
// descriptions give.
func TestRequests_ResponsesMatchGitHubDescription(t *testing.T) {
	for _, p := range []struct{ desc, product string }{{"ghec", ProductGHEC}, {"ghes-3.19", ProductGHES}} {
		t.Run(p.desc, func(t *testing.T) {
			spec := loadPrunedPaths(t, descriptionFile(p.desc), "", requestPaths)
			s := requestFixture(t, p.product, "")
			srv := start(t, s)
			checked := 0
			for _, tmpl := range requestPaths {
				item := spec.Paths.Find(tmpl)
				if item == nil || item.Get == nil {
					continue // not in this product's API
				}
				params := map[string]string{"owner": "acme", "repo": "app", "org": "acme", "enterprise": "acme-corp"}
				path := fillPath(tmpl, params)
				q := "?request_status=all&time_period=month&per_page=100"
				req, _ := http.NewRequest(http.MethodGet, srv.URL+s.prefix+path+q, nil)
				g := get(t, srv, s.prefix+path+q)
				if g.status != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, g.status, g.body)
				}
				var items []any
				if err := json.Unmarshal(g.body, &items); err != nil || len(items) != 1 {
					t.Fatalf("GET %s: %d items (%v): %s", path, len(items), err, g.body)
				}
				if err := validateGET(spec, tmpl, item, req, params, g.status, g.header, g.body); err != nil {
					t.Errorf("GET %s does not match %s's description:\n%v\nbody: %.400s", path, p.desc, err, g.body)
				}
				checked++
			}
			if checked < 12 {
				t.Errorf("validated only %d lists", checked)
			}
		})
	}
}

// github.com and GHES 3.15 have no request lists (404), GHES 3.19 no
// enterprise dismissal list; an org can be made to lack them.
func TestRequests_Availability(t *testing.T) {
	for _, c := range []struct {
		product, version, path string
		want                   int
	}{
		{ProductDotcom, "", "/orgs/acme/bypass-requests/push-rules", 404},
		{ProductGHES, "3.15", "/api/v3/orgs/acme/bypass-requests/push-rules", 404},
		{ProductGHES, "3.19", "/api/v3/orgs/acme/bypass-requests/push-rules", 200},
		{ProductGHES, "3.19", "/api/v3/enterprises/acme-corp/dismissal-requests/secret-scanning", 404},
		{ProductGHEC, "", "/enterprises/acme-corp/dismissal-requests/secret-scanning", 200},
		{ProductGHEC, "", "/orgs/nobody/dismissal-requests/dependabot", 404},
	} {
		s := requestFixture(t, c.product, c.version)
		if g := get(t, start(t, s), c.path); g.status != c.want {
			t.Errorf("%s %s GET %s: %d, want %d", c.product, c.version, c.path, g.status, c.want)
		}
	}
	s := requestFixture(t, ProductGHEC, "")
	s.SetRequestsMissing("acme", true)
	srv := start(t, s)
	for _, p := range []string{"/orgs/acme/dismissal-requests/dependabot", "/repos/acme/app/bypass-requests/push-rules"} {
		if g := get(t, srv, p); g.status != 404 {
			t.Errorf("GET %s with requests missing: %d", p, g.status)
		}
	}
}

// request_status filters (a "status" parameter is ignored, as GitHub
// does), time_period selects by creation, bad values are 422, pages are
// numbered, and an unreviewed request expires after 7 days.
func TestRequests_FiltersPagingExpiry(t *testing.T) {
	s := New(Options{Product: ProductGHEC})
	for i := 0; i < 5; i++ {
		if _, err := s.CreateRequest(RequestSpec{Kind: RequestDismissal, Target: "dependabot", Repo: "acme/app", Requester: "dev", AlertNumber: i + 1}); err != nil {
			t.Fatal(err)
		}
		s.Advance(time.Hour)
	}
	if err := s.ReviewRequest("acme/app", 2, "lead", true, ""); err != nil {
		t.Fatal(err)
	}
	srv := start(t, s)
	count := func(q string) int {
		t.Helper()
		g := get(t, srv, "/orgs/acme/dismissal-requests/dependabot?"+q)
		if g.status != 200 {
			t.Fatalf("?%s: %d %s", q, g.status, g.body)
		}
		var items []map[string]any
		_ = json.Unmarshal(g.body, &items)
		return len(items)
	}
	for q, want := range map[string]int{
		"request_status=all&time_period=month": 5, "request_status=approved&time_period=month": 1,
		"request_status=open&time_period=month": 4, "status=approved&time_period=month": 5,
		"time_period=hour": 1, "": 5,
	} {
		if got := count(q); got != want {
			t.Errorf("?%s: %d items, want %d", q, got, want)
		}
	}
	for _, q := range []string{"request_status=bogus", "time_period=year"} {
		if g := get(t, srv, "/orgs/acme/dismissal-requests/dependabot?"+q); g.status != 422 {
			t.Errorf("?%s: %d, want 422", q, g.status)
		}
	}
	g := get(t, srv, "/orgs/acme/dismissal-requests/dependabot?time_period=month&per_page=2")
	if next := links(g.header)["next"]; !strings.Contains(next, "page=2") {
		t.Errorf("Link %q", g.header.Get("Link"))
	}
	g = get(t, srv, "/orgs/acme/dismissal-requests/dependabot?time_period=month&per_page=2&page=3")
	if _, ok := links(g.header)["next"]; ok || count("time_period=month&per_page=2&page=3") != 1 {
		t.Errorf("last page: Link %q", g.header.Get("Link"))
	}
	s.Advance(RequestExpiry)
	if got := count("request_status=expired&time_period=month"); got != 4 {
		t.Errorf("after 7 days: %d expired, want 4", got)
	}
}

// The request webhooks the simulator sends match the request bodies of
// GitHub's GHEC description (x-webhooks): the exemption_request object and
// the exemption_response of response_submitted.
func TestRequests_WebhooksMatchGitHubDescription(t *testing.T) {
	file := testtools.Need(t, filepath.Join(testtools.Octokit(), "openapi", "generated", "ghec.deref.json"))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Webhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]*openapi3.Schema `json:"properties"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"x-webhooks"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Product: ProductGHEC})
	s.AddHook(Hook{URL: "http://unused", Org: "acme", APIBase: "http://sim"})
	reasons := map[string]string{"code_scanning": "false positive", "dependabot": "tolerable_risk", "secret_scanning": "false_positive"}
	for pair := range requestTypes {
		n, err := s.CreateRequest(RequestSpec{Kind: pair[0], Target: pair[1], Repo: "acme/app", Requester: "dev", Comment: "c", Reason: reasons[pair[1]], AlertNumber: 2})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.ReviewRequest("acme/app", n, "lead", n%2 == 0, "r")
		_ = s.CancelRequest("acme/app", n)
	}
	checked := 0
	for _, d := range s.PendingDeliveries() {
		name := map[string]string{"exemption_request_secret_scanning": "bypass_request_secret_scanning"}[d.Event]
		if name == "" {
			name = d.Event
		}
		hook, ok := doc.Webhooks[strings.ReplaceAll(name+"-"+d.Action, "_", "-")]
		if !ok {
			continue // an action GitHub's description has no body for (e.g. code scanning cancelled)
		}
		props := hook.Post.RequestBody.Content["application/json"].Schema.Properties
		var body map[string]any
		if err := json.Unmarshal(d.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, member := range []string{"exemption_request", "exemption_response"} {
			sch := props[member]
			if sch == nil {
				continue
			}
			if err := sch.VisitJSON(body[member]); err != nil {
				t.Errorf("%s %s: %s does not match GitHub's description: %v\n%s", d.Event, d.Action, member, err, d.Body)
			}
			checked++
		}
	}
	if checked < 12 {
		t.Errorf("checked only %d objects", checked)
	}
}
