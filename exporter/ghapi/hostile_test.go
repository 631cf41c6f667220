package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// foreign is a second server standing for any other host: it counts the
// requests that reach it and those that carried a credential.
type foreign struct {
	*httptest.Server
	hits, authed atomic.Int32
}

func newForeign(t *testing.T) *foreign {
	f := &foreign{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			f.authed.Add(1)
		}
		fmt.Fprint(w, `[]`)
	}))
	t.Cleanup(f.Close)
	return f
}

func testClient(t *testing.T, base string, opts ...func(*Options)) *Client {
	t.Helper()
	o := Options{BaseURL: base + "/", Token: "ghp_SECRET_TOKEN"}
	for _, m := range opts {
		m(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const orgScope = "acme"

func dependabotItem(number int, extra string) string {
	return fmt.Sprintf(`{"number":%d,"state":"open","created_at":"2026-01-05T08:00:00Z","updated_at":"2026-01-05T09:%02d:00Z",
		"repository":{"full_name":"acme/widgets"}%s}`, number, 59-number, extra)
}

// item is one list item of the kind r asks for: an audit entry or an alert.
func item(r *http.Request, n int) string {
	if strings.HasSuffix(r.URL.Path, "/audit-log") {
		return fmt.Sprintf(`{"@timestamp":%d,"_document_id":"d%d","action":"repo.create"}`, 1767603600000+n, n)
	}
	return dependabotItem(n, "")
}

func TestListAlerts_LinkOffOriginNeverGetsToken(t *testing.T) {
	evil := newForeign(t)
	var linked atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		linked.Add(1)
		w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/acme/dependabot/alerts?after=Y3Vy>; rel="next"`, evil.URL))
		fmt.Fprint(w, "["+item(r, 1)+"]")
	}))
	defer api.Close()
	c := testClient(t, api.URL)
	for _, list := range []func() error{
		func() error {
			_, err := c.ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}, Source: exporter.SourceDependabot},
				func([]exporter.Observation) error { return nil })
			return err
		},
		func() error {
			_, err := c.ListAudit(context.Background(), AuditRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}}, func([]AuditEntry) error { return nil })
			return err
		},
	} {
		err := list()
		if !errors.Is(err, ErrForeignOrigin) || !strings.Contains(err.Error(), evil.URL) {
			t.Fatalf("a Link to another host must fail naming it, got %v", err)
		}
	}
	if evil.hits.Load() != 0 || evil.authed.Load() != 0 {
		t.Fatalf("the foreign host got %d requests, %d with the token", evil.hits.Load(), evil.authed.Load())
	}
}

func TestClient_RedirectOffOriginNeverGetsToken(t *testing.T) {
	evil := newForeign(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer api.Close()
	c := testClient(t, api.URL)
	_, err := c.GetAlert(context.Background(), exporter.SourceDependabot, "acme/widgets", 1)
	if !errors.Is(err, ErrForeignOrigin) || !strings.Contains(err.Error(), evil.URL) {
		t.Fatalf("a redirect to another host must fail naming it, got %v", err)
	}
	if evil.hits.Load() != 0 {
		t.Fatalf("the foreign host got %d requests (%d with the token)", evil.hits.Load(), evil.authed.Load())
	}
}

func TestListAlerts_LinkOnOriginKeepsToken(t *testing.T) {
	var authed atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer ghp_SECRET_TOKEN" {
			authed.Add(1)
		}
		if r.URL.Query().Get("after") == "" {
			w.Header().Set("Link", fmt.Sprintf(`<%s/orgs/acme/dependabot/alerts?after=Mg&per_page=100>; rel="next"`, srv.URL))
			fmt.Fprint(w, "["+dependabotItem(1, "")+"]")
			return
		}
		fmt.Fprint(w, "["+dependabotItem(2, "")+"]")
	}))
	defer srv.Close()
	res, err := testClient(t, srv.URL).ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}, Source: exporter.SourceDependabot},
		func([]exporter.Observation) error { return nil })
	if err != nil || res.Items != 2 || authed.Load() != 2 {
		t.Fatalf("items %d, authed %d, err %v", res.Items, authed.Load(), err)
	}
}

func TestListAlerts_RepeatedPageStops(t *testing.T) {
	for name, link := range map[string]string{
		"cursor repeats":      `<%s%s?after=Y3Vy&per_page=100>; rel="next"`,
		"back to first page":  `<%s%s?per_page=100&sort=updated>; rel="next"`,
		"page number repeats": `<%s%s?page=2>; rel="next"`,
	} {
		t.Run(name, func(t *testing.T) {
			var hits atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Link", fmt.Sprintf(link, srv.URL, r.URL.Path))
				fmt.Fprint(w, "["+item(r, int(hits.Load()))+"]")
			}))
			defer srv.Close()
			c := testClient(t, srv.URL)
			pages := 0
			_, err := c.ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}, Source: exporter.SourceDependabot},
				func([]exporter.Observation) error { pages++; return nil })
			if !errors.Is(err, ErrPageLoop) || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("a Link back to a read page must fail naming it, got %v", err)
			}
			if hits.Load() > 2 || pages != int(hits.Load()) {
				t.Fatalf("%d requests, %d pages delivered: the loop was followed", hits.Load(), pages)
			}
			hits.Store(0)
			_, err = c.ListAudit(context.Background(), AuditRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}}, func([]AuditEntry) error { return nil })
			if !errors.Is(err, ErrPageLoop) || hits.Load() > 3 {
				t.Fatalf("audit: %d requests, err %v", hits.Load(), err)
			}
		})
	}
}

func TestListAlerts_UndecodableItemFailsOnlyItself(t *testing.T) {
	page := "[" + strings.Join([]string{
		dependabotItem(1, ""),
		dependabotItem(2, `,"security_advisory":{"ghsa_id":"GHSA-x","cvss":{"score":1e999}}`),
		dependabotItem(3, ""),
		strings.Replace(dependabotItem(4, ""), `"state":"open"`, `"state":null`, 1),
		strings.Replace(dependabotItem(5, ""), `"state":"open"`, `"state":"OPEN\u0000"`, 1),
		strings.Replace(dependabotItem(6, ""), `"state":"open"`, `"state":"in_review"`, 1),
	}, ",") + "]"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page) }))
	defer srv.Close()
	c := testClient(t, srv.URL)
	var got []int
	res, err := c.ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: orgScope}, Source: exporter.SourceDependabot},
		func(p []exporter.Observation) error {
			for _, o := range p {
				got = append(got, o.Key.Number)
			}
			return nil
		})
	if err != nil {
		t.Fatalf("one bad item failed the list: %v", err)
	}
	if fmt.Sprint(got) != "[1 3 6]" {
		t.Fatalf("delivered %v, want [1 3 6] (a well-formed new state is a state)", got)
	}
	if len(res.Undecodable) != 3 || c.Undecodable() != 3 {
		t.Fatalf("refused %+v (counted %d)", res.Undecodable, c.Undecodable())
	}
	for i, want := range []int{2, 4, 5} {
		u := res.Undecodable[i]
		if u.Repo != "acme/widgets" || u.Number != want || u.Key != fmt.Sprintf("acme/widgets#%d", want) || u.UpdatedAt.IsZero() || u.Err == "" {
			t.Errorf("refused item %d: %+v", i, u)
		}
	}
}

func TestDecode_InvalidUTF8BecomesReplacementChar(t *testing.T) {
	bad := "caf\xe9 \xff\xfe"
	raw := []byte(`{"number":1,"state":"open","comment":"` + bad + `","n":1.50,"repository":{"full_name":"acme/widgets"}}`)
	o, err := decodeAlert(exporter.SourceDependabot, raw, Scope{Kind: ScopeOrg, Name: orgScope}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(o.Raw) || !strings.Contains(string(o.Raw), "caf\uFFFD") || !strings.Contains(string(o.Raw), `"n":1.50`) {
		t.Fatalf("raw not repaired (or a number rewritten): %q", o.Raw)
	}
	e, err := decodeAudit([]byte(`{"@timestamp":1,"_document_id":"d","action":"repo.create","actor":"` + bad + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(e.Raw) || !strings.Contains(string(e.Raw), "caf\uFFFD") {
		t.Fatalf("audit entry not repaired: %q", e.Raw)
	}
}
