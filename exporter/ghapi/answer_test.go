package ghapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// A refusal reads as GitHub's answer, without go-github's repetition of the
// request and its empty error list ("GET …: 401 Bad credentials []"); an
// answer without GitHub's headers says it came from something else.
func TestListError_RendersGitHubsAnswerCleanly(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers bool
		status  int
		body    string
		want    string
	}{
		{"401", true, 401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`,
			"list dependabot alerts for org:acme (page 1): GitHub answered 401: Bad credentials"},
		{"422 with errors", true, 422, `{"message":"Validation Failed","errors":[{"resource":"Alert","field":"state","code":"invalid"}]}`,
			"list dependabot alerts for org:acme (page 1): GitHub answered 422: Validation Failed (state: invalid)"},
		{"404 from a proxy", false, 404, ``,
			"list dependabot alerts for org:acme (page 1): answered 404 without GitHub's headers (not GitHub: check base_url and any proxy)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.headers {
					w.Header().Set("X-GitHub-Request-Id", "A:B:C")
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			cl, err := New(Options{BaseURL: srv.URL + "/", Token: "t", Product: ProductGHEC})
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.ListAlerts(context.Background(), ListRequest{Scope: Scope{Kind: ScopeOrg, Name: "acme"}, Source: exporter.SourceDependabot}, func([]exporter.Observation) error { return nil })
			if err == nil || err.Error() != c.want {
				t.Fatalf("error\n got %v\nwant %s", err, c.want)
			}
			if strings.Contains(err.Error(), "[]") || strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("raw go-github text: %v", err)
			}
			if StatusOf(err) != c.status {
				t.Fatalf("StatusOf = %d, want %d", StatusOf(err), c.status)
			}
		})
	}
}
