package ghsim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkPopulate measures building 3 kinds × 20,000 alerts over 200 repositories.
func BenchmarkPopulate(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Populate(New(Options{}), "acme", 200, 20000, 1)
	}
	b.ReportMetric(float64(3*20000*b.N)/b.Elapsed().Seconds(), "alerts/s")
}

// BenchmarkListOrgPage measures serving one 100-alert page of a 20,000-alert
// organization list, walking by cursor (ServeHTTP in-process, no network).
// The sub-benchmark "changing" mutates an alert before every page, so every
// page pays the index rebuild (the worst case).
func BenchmarkListOrgPage(b *testing.B) {
	for _, tc := range []struct {
		name   string
		kind   string
		mutate bool
	}{
		{"dependabot", "dependabot", false},
		{"code-scanning", "code-scanning", false},
		{"secret-scanning", "secret-scanning", false},
		{"dependabot-changing", "dependabot", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := New(Options{})
			Populate(s, "acme", 200, 20000, 1)
			first := "http://sim/orgs/acme/" + tc.kind + "/alerts?per_page=100&sort=updated&after="
			next := first
			bytes := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if tc.mutate {
					s.Advance(time.Second)
					_ = s.Fix(Dependabot, "acme/repo-0001", 1+i%50)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, next, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				bytes += rec.Body.Len()
				next = links(rec.Header())["next"]
				if next == "" {
					next = first
				}
				s.ResetRequests()
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/page")
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}
