package ghapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// toServer sends every request to srv whatever host the URL names, so a
// client configured for api.github.com talks to the simulator.
type toServer struct{ srv *url.URL }

func (t toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = t.srv.Scheme, t.srv.Host
	return http.DefaultTransport.RoundTrip(r2)
}

func TestDetect(t *testing.T) {
	cases := []struct {
		sim, base, want, version string
	}{
		{"ghes", "https://ghe.example.com/api/v3/", ProductGHES, "3.19"},
		{"dotcom", "https://api.github.com/", ProductDotcom, ""},
		{"ghec", "https://api.acme.ghe.com/", ProductGHEC, ""},
		{"dotcom", "https://proxy.example.com/", "", ""},
	}
	for _, c := range cases {
		t.Run(c.base, func(t *testing.T) {
			sim := ghsim.New(ghsim.Options{Product: c.sim, Token: "t"})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			cl, err := New(Options{BaseURL: c.base, Token: "t", Transport: toServer{u}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := cl.Detect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if d.Product != c.want || d.GHESVersion != c.version || d.Evidence == "" {
				t.Fatalf("Detect = %+v, want %q %q with evidence", d, c.want, c.version)
			}
		})
	}
}

// GHES without the version header still answers /meta's installed_version.
func TestDetect_MetaInstalledVersion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v3/meta" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"installed_version":"3.17.4","verifiable_password_authentication":true}`))
	}))
	defer srv.Close()
	cl, err := New(Options{BaseURL: srv.URL + "/api/v3/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := cl.Detect(context.Background())
	if err != nil || d.Product != ProductGHES || d.GHESVersion != "3.17" {
		t.Fatalf("Detect = %+v, %v; want ghes 3.17", d, err)
	}
	cl.SetProduct(d.Product, d.GHESVersion)
	if cl.Product() != ProductGHES || cl.hasHideSecret() != true {
		t.Fatalf("after SetProduct: %s hide_secret=%v", cl.Product(), cl.hasHideSecret())
	}
}
