package ghapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/internal/openapicheck"
)

// The hook deliveries API of every hook kind, against the simulator, with
// every request checked against GitHub's OpenAPI description of the product;
// the App's hook is read with the App's JWT, not an installation token.
func TestHookDeliveries_EveryHookKindAndProduct(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	for product, spec := range map[string]string{"dotcom": "api.github.com", "ghec": "ghec", "ghes": "ghes-3.19"} {
		t.Run(product, func(t *testing.T) {
			sim := ghsim.New(ghsim.Options{Product: product}) // no token check: the App JWT is checked below
			srv := httptest.NewServer(sim)
			defer srv.Close()
			base := srv.URL + "/"
			if product == "ghes" {
				base += "api/v3/"
			}
			hooks := []HookRef{{Org: "acme"}, {Repo: "acme/widgets"}, {App: true}}
			hooks[0].ID = sim.AddHook(ghsim.Hook{URL: "http://127.0.0.1:1/unreachable", Secret: []byte("s"), Org: "acme", APIBase: srv.URL})
			hooks[1].ID = sim.AddHook(ghsim.Hook{URL: "http://127.0.0.1:1/unreachable", Secret: []byte("s"), Repo: "acme/widgets", APIBase: srv.URL})
			sim.AddHook(ghsim.Hook{URL: "http://127.0.0.1:1/unreachable", Secret: []byte("s"), App: true, APIBase: srv.URL})
			sim.AddRepo("acme/widgets")
			for i := 0; i < 3; i++ {
				sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{})
			}
			for _, d := range sim.PendingDeliveries() {
				sim.Drop(d.ID)
			}
			c, err := New(Options{BaseURL: base, Product: product, App: &AppAuth{AppID: 1, InstallationID: 2, PrivateKey: pemKey}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for _, h := range hooks {
				ds, err := c.ListHookDeliveries(ctx, h, sim.Now().Add(-72*60*60*1e9))
				if err != nil {
					t.Fatalf("%s: %v", h, err)
				}
				if len(ds) != 3 || ds[0].StatusCode != 0 || ds[0].GUID == "" {
					t.Fatalf("%s: %+v", h, ds)
				}
				if err := c.Redeliver(ctx, h, ds[0].ID); err != nil {
					t.Fatalf("%s: %v", h, err)
				}
			}
			if sim.Redeliveries() != 3 {
				t.Fatalf("redeliveries %d", sim.Redeliveries())
			}
			var reqs []openapicheck.Req
			for _, r := range sim.Requests() {
				if strings.Contains(r.Path, "/app/hook/") {
					if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer ") || strings.Count(a, ".") != 2 {
						t.Errorf("app hook request without the App's JWT: %q", a)
					}
				}
				reqs = append(reqs, openapicheck.Req{Method: r.Method, URL: &url.URL{Path: r.Path, RawQuery: r.Query.Encode()}})
			}
			if err := openapicheck.Load(t, spec).CheckAll(reqs); err != nil {
				t.Errorf("requests not valid against GitHub's %s description:\n%v", product, err)
			}
		})
	}
}

// A deliveries listing whose Link repeats its cursor, or leads to another
// host, ends at once with an error naming it, as an alert listing does:
// before, it was followed forever (thousands of requests, memory growing).
func TestHookDeliveries_HostileLink(t *testing.T) {
	evil := newForeign(t)
	for _, tc := range []struct {
		name string
		link func(api string) string
		want error
	}{
		{"repeated cursor", func(api string) string {
			return "<" + api + "/orgs/acme/hooks/1/deliveries?per_page=100&cursor=v1_1>; rel=\"next\""
		}, ErrPageLoop},
		{"another host", func(string) string {
			return "<" + evil.URL + "/orgs/acme/hooks/1/deliveries?cursor=v1_2>; rel=\"next\""
		}, ErrForeignOrigin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			var api *httptest.Server
			api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := requests.Add(1)
				w.Header().Set("Link", tc.link(api.URL))
				fmt.Fprintf(w, `[{"id":%d,"guid":"g%d","delivered_at":"2099-01-01T00:00:00Z","status_code":500,"event":"ping"}]`, n, n)
			}))
			defer api.Close()
			c := testClient(t, api.URL)
			ds, err := c.ListHookDeliveries(context.Background(), HookRef{Org: "acme", ID: 1}, time.Time{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v after %d requests, want %v", err, requests.Load(), tc.want)
			}
			if n := requests.Load(); n > 3 {
				t.Fatalf("%d requests: the listing must stop at the first repeated or foreign link", n)
			}
			if len(ds) == 0 {
				t.Fatal("the deliveries read before the bad link are kept")
			}
			if evil.hits.Load() != 0 {
				t.Fatalf("the foreign host got %d requests", evil.hits.Load())
			}
		})
	}
}

// More deliveries than one page holds are listed whole, by following
// GitHub's cursor.
func TestHookDeliveries_FollowsTheCursor(t *testing.T) {
	sim := ghsim.New(ghsim.Options{Token: "tok"})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	h := HookRef{Repo: "acme/widgets"}
	h.ID = sim.AddHook(ghsim.Hook{URL: "http://127.0.0.1:1/unreachable", Secret: []byte("s"), Repo: "acme/widgets", APIBase: srv.URL})
	sim.AddRepo("acme/widgets")
	for i := 0; i < 150; i++ {
		sim.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{})
	}
	for _, d := range sim.PendingDeliveries() {
		sim.Drop(d.ID)
	}
	c, err := New(Options{BaseURL: srv.URL + "/", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.ListHookDeliveries(context.Background(), h, sim.Now().Add(-72*60*60*1e9))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range ds {
		seen[d.GUID] = true
	}
	if len(ds) != 150 || len(seen) != 150 {
		t.Fatalf("listed %d deliveries (%d distinct), want 150", len(ds), len(seen))
	}
	var pages []string
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r.Path, "/deliveries") {
			pages = append(pages, r.Query.Encode())
		}
	}
	if len(pages) != 2 || pages[0] != "per_page=100" || !strings.HasPrefix(pages[1], "cursor=") {
		t.Fatalf("requests %q, want a first page and one by cursor", pages)
	}
}
