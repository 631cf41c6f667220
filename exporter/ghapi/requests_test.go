package ghapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// descriptionExamples returns, per request list path template, the 200
// example of GitHub's GHEC description (from the npm package at test time).
func descriptionExamples(t *testing.T) map[string][]byte {
	t.Helper()
	file := testtools.Need(t, filepath.Join(testtools.Octokit(), "openapi", "generated", "ghec.json"))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Examples map[string]struct {
				Value json.RawMessage `json:"value"`
			} `json:"examples"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for path, item := range doc.Paths {
		if !(strings.Contains(path, "/dismissal-requests/") || strings.Contains(path, "/bypass-requests/")) || strings.HasSuffix(path, "}") {
			continue
		}
		var op struct {
			Responses map[string]struct {
				Content map[string]struct {
					Examples map[string]struct {
						Ref string `json:"$ref"`
					} `json:"examples"`
				} `json:"content"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(item["get"], &op); err != nil {
			t.Fatal(err)
		}
		for _, ex := range op.Responses["200"].Content["application/json"].Examples {
			name := strings.TrimPrefix(ex.Ref, "#/components/examples/")
			out[path] = doc.Components.Examples[name].Value
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d request list examples in the description", len(out))
	}
	return out
}

// listFor is the RequestList a description path template stands for.
func listFor(tmpl string) RequestList {
	parts := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
	kind, target := parts[len(parts)-2], parts[len(parts)-1]
	l := RequestList{Kind: strings.TrimSuffix(kind, "-requests"), Target: strings.ReplaceAll(target, "-", "_")}
	switch parts[0] {
	case "repos":
		l.Scope = Scope{Kind: ScopeRepo, Name: "octo-org/smile"}
	case "orgs":
		l.Scope = Scope{Kind: ScopeOrg, Name: "octo-org"}
	default:
		l.Scope = Scope{Kind: ScopeEnterprise, Name: "octo-corp"}
	}
	return l
}

// Every example GitHub's description gives of a request list decodes into
// observations: numbers (the examples send alert_number and
// resource_identifier as numbers or strings), statuses, requesters and
// reviews.
func TestListRequests_GitHubExamples(t *testing.T) {
	for tmpl, body := range descriptionExamples(t) {
		l := listFor(tmpl)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("request_status") != "all" || r.URL.Query().Get("time_period") != "week" || r.URL.Query().Has("status") {
				t.Errorf("%s: query %s", tmpl, r.URL.RawQuery)
			}
			w.Write(body)
		}))
		var got []exporter.RequestObservation
		res, err := testClient(t, srv.URL).ListRequests(context.Background(), RequestListRequest{List: l, Period: "week"},
			func(p []exporter.RequestObservation, last bool, _ string) error {
				got = append(got, p...)
				return nil
			})
		srv.Close()
		if err != nil || res.Undecodable != 0 || len(got) == 0 {
			t.Fatalf("%s: %d observations, %d refused, %v", tmpl, len(got), res.Undecodable, err)
		}
		for _, o := range got {
			if o.Key.Number <= 0 || o.Key.Kind != l.Kind || o.Key.Target != l.Target || o.Key.Scope == "" ||
				o.Requester != "monalisa" || o.Status == "" || o.CreatedAt.IsZero() || len(o.Reviews) == 0 || o.Reviews[0].Reviewer != "octocat" {
				t.Errorf("%s: %+v", tmpl, o)
			}
			if l.Kind == exporter.RequestKindDismissal && len(o.AlertNumbers) != 1 {
				t.Errorf("%s: alert numbers %v", tmpl, o.AlertNumbers)
			}
			recs, _ := exporter.DiffRequest(nil, &o, exporter.OriginPoll, o.CreatedAt)
			if len(recs) < 2 {
				t.Errorf("%s: %d records from a reviewed request", tmpl, len(recs))
			}
		}
	}
}

// An item that does not decode is refused alone; a single-page listing
// returns its ETag (none when an item was refused: it must be read again),
// a 304 ends the listing, and a 404 is GitHub's answer for StatusOf.
func TestListRequests_RefusedItemsETagAnd404(t *testing.T) {
	good := `{"id":1,"number":%d,"repository":{"full_name":"acme/w"},"requester":{"actor_name":"dev"},"status":"pending","created_at":"2026-01-05T09:00:00Z","expires_at":"2026-01-12T09:00:00Z","responses":[],"data":[{"alert_number":"3"}]}`
	bad := []string{
		`{"id":2,"number":0,"repository":{"full_name":"acme/w"},"status":"pending","created_at":"2026-01-05T09:00:00Z"}`,
		`{"id":3,"number":5,"repository":{"full_name":"acme/w"},"status":"Pending!","created_at":"2026-01-05T09:00:00Z"}`,
		`{"id":4,"number":6,"repository":{"full_name":"acme/w"},"status":"pending","created_at":"yesterday"}`,
		`{"id":5,"number":7,"repository":{"full_name":"nope"},"status":"pending","created_at":"2026-01-05T09:00:00Z"}`,
		`{"id":6,"number":"x","status":"pending"}`,
		`{"id":7,"number":8,"repository":{"full_name":"acme/w"},"status":"pending","created_at":"2026-01-05T09:00:00Z","data":[{"alert_number":-1}]}`,
		`[]`,
	}
	withBad := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/orgs/gone/") {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"message":"Not Found"}`)
			return
		}
		if r.Header.Get("If-None-Match") == `"e1"` {
			w.WriteHeader(304)
			return
		}
		w.Header().Set("ETag", `"e1"`)
		items := []string{fmt.Sprintf(good, 1)}
		if withBad {
			items = append(items, bad...)
		}
		items = append(items, fmt.Sprintf(good, 2))
		fmt.Fprint(w, "["+strings.Join(items, ",")+"]")
	}))
	defer srv.Close()
	c := testClient(t, srv.URL)
	l := RequestList{Scope: Scope{Kind: ScopeOrg, Name: "acme"}, Kind: "dismissal", Target: "dependabot"}
	var got []exporter.RequestObservation
	var etags []string
	fn := func(p []exporter.RequestObservation, last bool, etag string) error {
		got = append(got, p...)
		if last {
			etags = append(etags, etag)
		}
		return nil
	}
	res, err := c.ListRequests(context.Background(), RequestListRequest{List: l}, fn)
	if err != nil || len(got) != 2 || res.Undecodable != len(bad) || res.ETag != "" || c.Undecodable() != int64(len(bad)) {
		t.Fatalf("with bad items: %d observations, %+v, %v", len(got), res, err)
	}
	if got[0].Key.Scope != "acme/w" || got[0].Org != "acme" || got[0].AlertNumbers[0] != 3 {
		t.Errorf("decoded %+v", got[0])
	}
	withBad = false
	res, err = c.ListRequests(context.Background(), RequestListRequest{List: l}, fn)
	if err != nil || res.ETag != `"e1"` || etags[len(etags)-1] != `"e1"` {
		t.Fatalf("clean page: %+v, %v, etags %q", res, err, etags)
	}
	res, err = c.ListRequests(context.Background(), RequestListRequest{List: l, ETag: res.ETag}, fn)
	if err != nil || !res.NotModified || res.Requests != 1 {
		t.Fatalf("conditional: %+v, %v", res, err)
	}
	_, err = c.ListRequests(context.Background(), RequestListRequest{List: RequestList{Scope: Scope{Kind: ScopeOrg, Name: "gone"}, Kind: "bypass", Target: "push_rules"}}, fn)
	if StatusOf(err) != 404 {
		t.Fatalf("404: %v", err)
	}
}

func TestRequestList_Paths(t *testing.T) {
	for l, want := range map[RequestList]string{
		{Scope{ScopeRepo, "a/b"}, "dismissal", "code_scanning"}:    "repos/a/b/dismissal-requests/code-scanning",
		{Scope{ScopeOrg, "a"}, "bypass", "push_rules"}:             "orgs/a/bypass-requests/push-rules",
		{Scope{ScopeEnterprise, "e"}, "bypass", "secret_scanning"}: "enterprises/e/bypass-requests/secret-scanning",
	} {
		if got := l.Path(); got != want {
			t.Errorf("%s: %s, want %s", l, got, want)
		}
	}
	if n := len(RequestLists(Scope{ScopeOrg, "a"})); n != 5 {
		t.Errorf("org lists: %d", n)
	}
	if n := len(RequestLists(Scope{ScopeEnterprise, "e"})); n != 3 {
		t.Errorf("enterprise lists: %d", n)
	}
}
