package openapicheck

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// base URLs: any host works, GHES needs its /api/v3 prefix.
var bases = map[string]string{
	"api.github.com": "https://api.github.com",
	"ghec":           "https://api.acme.ghe.com",
	"ghes-3.17":      "https://ghes.example.com/api/v3",
	"ghes-3.18":      "https://ghes.example.com/api/v3",
	"ghes-3.19":      "https://ghes.example.com/api/v3",
}

func mustURL(t testing.TB, product, pathQuery string) *url.URL {
	t.Helper()
	u, err := url.Parse(bases[product] + pathQuery)
	if err != nil {
		t.Fatalf("parse %q: %v", pathQuery, err)
	}
	return u
}

const (
	dotcom = "api.github.com"
	ghec   = "ghec"
	ghes   = "ghes-3.19"
)

var (
	allProducts = []string{dotcom, ghec, ghes}
	enterprise  = []string{ghec, ghes} // not in the api.github.com description
	cursorOnly  = []string{dotcom, ghec}
	ghesOnly    = []string{ghes}
	listQuery   = "sort=updated&direction=desc&per_page=100"
	auditPhrase = "phrase=" + url.QueryEscape("created:>=2026-01-01T00:00:00Z") + "&include=all&order=asc&per_page=100"
)

// validCases are the requests the exporter sends, with the products whose
// description must accept them.
var validCases = []validCase{
	{"dependabot repo first page", allProducts, "dependabot/list-alerts-for-repo", "/repos/o/r/dependabot/alerts?state=auto_dismissed,dismissed,fixed,open&" + listQuery},
	{"dependabot repo next page", allProducts, "dependabot/list-alerts-for-repo", "/repos/o/r/dependabot/alerts?" + listQuery + "&after=Y3Vyc29yOnYyOpHOAA"},
	{"dependabot repo page number (deprecated, GHES only)", ghesOnly, "dependabot/list-alerts-for-repo", "/repos/o/r/dependabot/alerts?" + listQuery + "&page=2"},
	{"dependabot org", allProducts, "dependabot/list-alerts-for-org", "/orgs/o/dependabot/alerts?state=open,fixed&" + listQuery + "&after=abc"},
	{"dependabot org before", allProducts, "dependabot/list-alerts-for-org", "/orgs/o/dependabot/alerts?" + listQuery + "&before=abc"},
	{"dependabot enterprise", allProducts, "dependabot/list-alerts-for-enterprise", "/enterprises/e/dependabot/alerts?state=open&" + listQuery + "&after=abc"},
	{"dependabot classification (not GHES)", cursorOnly, "dependabot/list-alerts-for-org", "/orgs/o/dependabot/alerts?classification=malware,general"},
	{"dependabot alert", allProducts, "dependabot/get-alert", "/repos/o/r/dependabot/alerts/7"},
	{"code scanning repo cursor", allProducts, "code-scanning/list-alerts-for-repo", "/repos/o/r/code-scanning/alerts?state=open&" + listQuery + "&after=abc"},
	{"code scanning repo page", allProducts, "code-scanning/list-alerts-for-repo", "/repos/o/r/code-scanning/alerts?" + listQuery + "&page=2"},
	{"code scanning repo severity", allProducts, "code-scanning/list-alerts-for-repo", "/repos/o/r/code-scanning/alerts?severity=critical&tool_name=CodeQL"},
	{"code scanning org", allProducts, "code-scanning/list-alerts-for-org", "/orgs/o/code-scanning/alerts?state=dismissed&" + listQuery + "&after=abc"},
	{"code scanning org page", allProducts, "code-scanning/list-alerts-for-org", "/orgs/o/code-scanning/alerts?" + listQuery + "&page=2"},
	{"code scanning enterprise", enterprise, "code-scanning/list-alerts-for-enterprise", "/enterprises/e/code-scanning/alerts?state=fixed&" + listQuery + "&after=abc"},
	{"code scanning enterprise page", enterprise, "code-scanning/list-alerts-for-enterprise", "/enterprises/e/code-scanning/alerts?" + listQuery + "&page=2"},
	{"code scanning alert", allProducts, "code-scanning/get-alert", "/repos/o/r/code-scanning/alerts/42"},
	{"code scanning instances", allProducts, "code-scanning/list-alert-instances", "/repos/o/r/code-scanning/alerts/42/instances?per_page=100&page=2"},
	{"secret scanning repo initial cursor", allProducts, "secret-scanning/list-alerts-for-repo", "/repos/o/r/secret-scanning/alerts?state=resolved&" + listQuery + "&after="},
	{"secret scanning repo page", allProducts, "secret-scanning/list-alerts-for-repo", "/repos/o/r/secret-scanning/alerts?" + listQuery + "&page=2&hide_secret=true"},
	{"secret scanning org", allProducts, "secret-scanning/list-alerts-for-org", "/orgs/o/secret-scanning/alerts?state=open&" + listQuery + "&after=abc"},
	{"secret scanning validity list", allProducts, "secret-scanning/list-alerts-for-org", "/orgs/o/secret-scanning/alerts?validity=active,unknown&resolution=revoked,used_in_tests"},
	{"secret scanning org page", allProducts, "secret-scanning/list-alerts-for-org", "/orgs/o/secret-scanning/alerts?" + listQuery + "&page=2"},
	{"secret scanning enterprise", enterprise, "secret-scanning/list-alerts-for-enterprise", "/enterprises/e/secret-scanning/alerts?" + listQuery + "&after=abc"},
	{"secret scanning bypassed (not GHES)", cursorOnly, "secret-scanning/list-alerts-for-org", "/orgs/o/secret-scanning/alerts?is_bypassed=true"},
	{"secret scanning alert", allProducts, "secret-scanning/get-alert", "/repos/o/r/secret-scanning/alerts/3"},
	{"secret scanning locations", allProducts, "secret-scanning/list-locations-for-alert", "/repos/o/r/secret-scanning/alerts/3/locations?per_page=100&page=2"},
	{"org audit log", enterprise, "orgs/get-audit-log", "/orgs/o/audit-log?" + auditPhrase + "&after=MS42OTk"},
	{"org audit log page (GHES)", ghesOnly, "orgs/get-audit-log", "/orgs/o/audit-log?" + auditPhrase + "&page=2"},
	{"enterprise audit log", enterprise, "enterprise-admin/get-audit-log", "/enterprises/e/audit-log?" + auditPhrase + "&after=MS42OTk"},
	{"enterprise audit log page", enterprise, "enterprise-admin/get-audit-log", "/enterprises/e/audit-log?" + auditPhrase + "&page=2"},
	{"rate limit", allProducts, "rate-limit/get", "/rate_limit"},
	{"escaped owner", allProducts, "dependabot/get-alert", "/repos/o%2Dx/r.js/dependabot/alerts/7"},
}

type validCase struct {
	name     string
	products []string
	op       string
	req      string
}

func TestChecker_Check_Valid(t *testing.T) {
	eachCase(t, validCases, func(tc validCase) ([]string, string) { return tc.products, tc.req },
		func(t *testing.T, c *Checker, _ string, u *url.URL, tc validCase) {
			if err := c.Check("GET", u); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			if id, err := c.OperationID("GET", u); err != nil || id != tc.op {
				t.Errorf("%s: OperationID = %q, %v; want %q", tc.name, id, err, tc.op)
			}
		})
}

// eachCase runs check in a subtest per product on every case that lists
// the product, with the product's checker and the case's request on the
// product's base URL.
func eachCase[C any](t *testing.T, cases []C, of func(C) (products []string, req string),
	check func(t *testing.T, c *Checker, product string, u *url.URL, tc C)) {
	for _, product := range allProducts {
		t.Run(product, func(t *testing.T) {
			c := Load(t, product)
			for _, tc := range cases {
				if products, req := of(tc); contains(products, product) {
					check(t, c, product, mustURL(t, product, req), tc)
				}
			}
		})
	}
}

// invalidCases must be rejected by every listed product, with an error
// naming each of want.
var invalidCases = []invalidCase{
	{"sort sideways", allProducts, "GET", "/orgs/o/dependabot/alerts?sort=sideways",
		[]string{"dependabot/list-alerts-for-org", `query parameter "sort" = "sideways"`, "allowed values"}},
	{"per_page 101", allProducts, "GET", "/orgs/o/code-scanning/alerts?per_page=101",
		[]string{"code-scanning/list-alerts-for-org", `"per_page" = "101"`, "between 1 and 100"}},
	{"per_page 0", allProducts, "GET", "/repos/o/r/secret-scanning/alerts?per_page=0", []string{`"per_page" = "0"`}},
	{"per_page not a number", allProducts, "GET", "/repos/o/r/secret-scanning/alerts?per_page=all", []string{`"per_page" = "all"`}},
	{"unknown parameter", allProducts, "GET", "/repos/o/r/dependabot/alerts?since=2026-01-01",
		[]string{"dependabot/list-alerts-for-repo", `"since" = "2026-01-01"`, "not declared"}},
	{"direction up", allProducts, "GET", "/repos/o/r/code-scanning/alerts?direction=up", []string{`"direction" = "up"`}},
	{"dependabot state not documented", allProducts, "GET", "/orgs/o/dependabot/alerts?state=open,opened",
		[]string{`"state" = "open,opened"`, `list element "opened"`}},
	{"dependabot state empty element", allProducts, "GET", "/orgs/o/dependabot/alerts?state=open,", []string{`list element ""`}},
	{"code scanning state is one value", allProducts, "GET", "/orgs/o/code-scanning/alerts?state=open,fixed", []string{`"state" = "open,fixed"`}},
	{"secret scanning state", allProducts, "GET", "/orgs/o/secret-scanning/alerts?state=closed", []string{`"state" = "closed"`}},
	{"secret scanning resolution", allProducts, "GET", "/orgs/o/secret-scanning/alerts?resolution=revoked,fixed", []string{`list element "fixed"`}},
	{"repeated single-value parameter", allProducts, "GET", "/orgs/o/code-scanning/alerts?state=open&state=fixed", []string{"sent 2 times"}},
	{"secret scanning enterprise page", enterprise, "GET", "/enterprises/e/secret-scanning/alerts?page=2", []string{`"page" = "2"`, "not declared"}},
	{"dependabot repo page (cursor only)", cursorOnly, "GET", "/repos/o/r/dependabot/alerts?page=2",
		[]string{"dependabot/list-alerts-for-repo", `"page" = "2"`, "not declared"}},
	{"dependabot org page", allProducts, "GET", "/orgs/o/dependabot/alerts?per_page=100&page=2", []string{`"page" = "2"`}},
	{"org audit log page (GHEC cursor only)", []string{ghec}, "GET", "/orgs/o/audit-log?page=2", []string{"orgs/get-audit-log", `"page" = "2"`}},
	{"audit log include", enterprise, "GET", "/enterprises/e/audit-log?include=none", []string{`"include" = "none"`}},
	{"audit log order", enterprise, "GET", "/orgs/o/audit-log?order=up", []string{`"order" = "up"`}},
	{"enterprise code scanning on dotcom", []string{dotcom}, "GET", "/enterprises/e/code-scanning/alerts?per_page=100", []string{"no operation matches"}},
	{"enterprise secret scanning on dotcom", []string{dotcom}, "GET", "/enterprises/e/secret-scanning/alerts", []string{"no operation matches"}},
	{"org audit log on dotcom", []string{dotcom}, "GET", "/orgs/o/audit-log", []string{"no GET operation matches"}},
	{"enterprise audit log on dotcom", []string{dotcom}, "GET", "/enterprises/e/audit-log", []string{"no operation matches"}},
	{"GHES: dependabot classification", ghesOnly, "GET", "/orgs/o/dependabot/alerts?classification=malware", []string{`"classification"`, "not declared"}},
	{"GHES: dependabot relationship", ghesOnly, "GET", "/repos/o/r/dependabot/alerts?relationship=direct", []string{`"relationship"`, "not declared"}},
	{"GHES: secret scanning is_bypassed", ghesOnly, "GET", "/orgs/o/secret-scanning/alerts?is_bypassed=true", []string{`"is_bypassed"`, "not declared"}},
	{"GHES: secret scanning providers", ghesOnly, "GET", "/enterprises/e/secret-scanning/alerts?providers=x", []string{`"providers"`, "not declared"}},
	{"alert number not an integer", allProducts, "GET", "/repos/o/r/dependabot/alerts/seven", []string{"dependabot/get-alert", `path parameter "alert_number" = "seven"`}},
	{"empty path parameter", allProducts, "GET", "/repos//r/dependabot/alerts", []string{"is empty"}},
	{"trailing slash", allProducts, "GET", "/rate_limit/", []string{"trailing slash"}},
	{"method not allowed", allProducts, "POST", "/rate_limit", []string{"no POST operation matches /rate_limit (only GET /rate_limit)"}},
	{"bad query escape", allProducts, "GET", "/rate_limit?x=%zz", []string{"parse query"}},
}

type invalidCase struct {
	name     string
	products []string
	method   string
	req      string
	want     []string
}

func TestChecker_Check_Invalid(t *testing.T) {
	eachCase(t, invalidCases, func(tc invalidCase) ([]string, string) { return tc.products, tc.req },
		func(t *testing.T, c *Checker, product string, u *url.URL, tc invalidCase) {
			err := c.Check(tc.method, u)
			if err == nil {
				t.Errorf("%s: %s %s accepted", tc.name, tc.method, tc.req)
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.Product != product {
				t.Errorf("%s: error %T is not an *Error for %s", tc.name, err, product)
			}
		})
}

func TestChecker_Check_GHESPrefix(t *testing.T) {
	c := Load(t, ghes)
	u, _ := url.Parse("https://ghes.example.com/repos/o/r/dependabot/alerts")
	if err := c.Check("GET", u); err == nil || !strings.Contains(err.Error(), "does not start with /api/v3") {
		t.Errorf("request without /api/v3: got %v", err)
	}
	u, _ = url.Parse("http://10.0.0.1:8080/api/v3/rate_limit") // any host and scheme
	if err := c.Check("GET", u); err != nil {
		t.Errorf("any host: %v", err)
	}
	u, _ = url.Parse("/api/v3x/rate_limit")
	if err := c.Check("GET", u); err == nil {
		t.Error("/api/v3x accepted as /api/v3")
	}
}

func TestChecker_Check_ErrorNamesEverything(t *testing.T) {
	c := Load(t, dotcom)
	err := c.Check("get", mustURL(t, dotcom, "/orgs/acme/dependabot/alerts?sort=sideways&per_page=101"))
	var errs []*Error
	for _, e := range unjoin(err) {
		var ce *Error
		if errors.As(e, &ce) {
			errs = append(errs, ce)
		}
	}
	if len(errs) != 2 {
		t.Fatalf("want 2 errors (sort, per_page), got %v", err)
	}
	got := map[string]string{}
	for _, e := range errs {
		if e.OperationID != "dependabot/list-alerts-for-org" || e.Method != "GET" || e.In != "query" {
			t.Errorf("error fields: %+v", e)
		}
		got[e.Param] = e.Value
	}
	if got["sort"] != "sideways" || got["per_page"] != "101" {
		t.Errorf("params/values: %v", got)
	}
}

func TestChecker_CheckAll(t *testing.T) {
	c := Load(t, dotcom)
	var reqs []Req
	for _, cursor := range []string{"a", "b", "c"} {
		reqs = append(reqs, Req{"GET", mustURL(t, dotcom, "/orgs/o/dependabot/alerts?sort=sideways&after="+cursor)})
	}
	reqs = append(reqs,
		Req{"GET", mustURL(t, dotcom, "/rate_limit")},
		Req{"GET", mustURL(t, dotcom, "/enterprises/e/audit-log")},
		Req{"GET", mustURL(t, dotcom, "/enterprises/e/audit-log")}, // identical: checked once
		Req{"GET", nil},
	)
	err := c.CheckAll(reqs)
	errs := unjoin(err)
	if len(errs) != 3 {
		t.Fatalf("want 3 de-duplicated errors, got %d: %v", len(errs), err)
	}
	if s := errs[0].Error(); !strings.Contains(s, `"sort" = "sideways"`) || !strings.Contains(s, "(and 2 more requests)") {
		t.Errorf("grouped error: %s", s)
	}
	if s := errs[1].Error(); !strings.Contains(s, "/enterprises/e/audit-log") || strings.Contains(s, "more requests") {
		t.Errorf("route error: %s", s)
	}
	if s := errs[2].Error(); !strings.Contains(s, "no URL") {
		t.Errorf("nil URL: %s", s)
	}
	if err := c.CheckAll([]Req{{"GET", mustURL(t, dotcom, "/rate_limit")}}); err != nil {
		t.Errorf("valid requests: %v", err)
	}
	if err := c.CheckAll(nil); err != nil {
		t.Errorf("no requests: %v", err)
	}
}

func TestChecker_OperationID_Unknown(t *testing.T) {
	c := Load(t, dotcom)
	if _, err := c.OperationID("GET", mustURL(t, dotcom, "/enterprises/e/code-scanning/alerts")); err == nil {
		t.Error("enterprise code scanning list resolved on api.github.com")
	}
}

// TestChecker_Concurrent runs Checks from several goroutines at once (for
// the race detector) and requires each to give the verdict a lone Check
// gives: valid requests pass with their operation, invalid ones fail with
// the same error.
func TestChecker_Concurrent(t *testing.T) {
	c := Load(t, ghec)
	type call struct {
		method string
		u      *url.URL
		op     string // "" for an invalid request
		want   string // the lone Check's error, "" when valid
	}
	var calls []call
	for _, tc := range validCases {
		if contains(tc.products, ghec) {
			calls = append(calls, call{method: "GET", u: mustURL(t, ghec, tc.req), op: tc.op})
		}
	}
	for _, tc := range invalidCases {
		if !contains(tc.products, ghec) {
			continue
		}
		u := mustURL(t, ghec, tc.req)
		err := c.Check(tc.method, u)
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		calls = append(calls, call{method: tc.method, u: u, want: err.Error()})
	}
	const workers = 4
	errs := make(chan error, workers*len(calls))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for _, cl := range calls {
				err := c.Check(cl.method, cl.u)
				switch {
				case cl.want == "" && err != nil:
					errs <- fmt.Errorf("%s %s: %w", cl.method, cl.u, err)
				case cl.want != "" && (err == nil || err.Error() != cl.want):
					errs <- fmt.Errorf("%s %s: error %v, alone %q", cl.method, cl.u, err, cl.want)
				case cl.want == "":
					if id, err := c.OperationID(cl.method, cl.u); err != nil || id != cl.op {
						errs <- fmt.Errorf("%s %s: OperationID %q, %v; want %q", cl.method, cl.u, id, err, cl.op)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
