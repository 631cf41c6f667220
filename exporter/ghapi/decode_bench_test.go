package ghapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// pageTransport answers every request with the same page, so a benchmark
// measures the client's work on it, not a server's.
type pageTransport struct{ body string }

func (t pageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(t.body)), Request: r}, nil
}

// simPage is the first 100-item page of one kind of a simulated org, as
// the simulator renders it.
func simPage(b *testing.B, kind string) string {
	sim := ghsim.New(ghsim.Options{Product: "ghec"})
	ghsim.Populate(sim, "acme", 20, 200, 1)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://sim/orgs/acme/"+kind+"/alerts?per_page=100&sort=updated&direction=desc", nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// BenchmarkDecodePage: one 100-alert page of each kind from the simulator
// through ListAlerts (the decode from response bytes to Observations; the
// transport only hands the bytes over). Reports ns and allocations per page.
func BenchmarkDecodePage(b *testing.B) {
	for _, tc := range []struct {
		kind string
		src  exporter.Source
	}{
		{"dependabot", exporter.SourceDependabot},
		{"code-scanning", exporter.SourceCodeScanning},
		{"secret-scanning", exporter.SourceSecretScanning},
	} {
		b.Run(tc.kind, func(b *testing.B) {
			body := simPage(b, tc.kind)
			c, err := New(Options{BaseURL: "https://api.example.test/", Token: "t", Product: "ghec", Transport: pageTransport{body}})
			if err != nil {
				b.Fatal(err)
			}
			lr := ListRequest{Scope: Scope{Kind: ScopeOrg, Name: "acme"}, Source: tc.src}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				n := 0
				_, err := c.ListAlerts(context.Background(), lr, func(p []exporter.Observation) error { n += len(p); return nil })
				if err != nil || n != 100 {
					b.Fatalf("%d alerts, %v", n, err)
				}
			}
		})
	}
}
