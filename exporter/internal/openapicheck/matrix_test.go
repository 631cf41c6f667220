package openapicheck

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// paginationMatrix is the table in docs/openapi-proof.md: for each list
// operation and product, "-" (absent), or which of cursor (before/after) and
// page the operation declares, "+sort" when it declares sort and direction.
// TestPagination_Matrix keeps the doc honest against the installed package.
var paginationMatrix = []struct {
	path string
	// api.github.com, ghec, ghes-3.17, ghes-3.18, ghes-3.19
	want [5]string
}{
	{"/repos/{owner}/{repo}/dependabot/alerts", [5]string{"cursor+sort", "cursor+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/orgs/{org}/dependabot/alerts", [5]string{"cursor+sort", "cursor+sort", "cursor+sort", "cursor+sort", "cursor+sort"}},
	{"/enterprises/{enterprise}/dependabot/alerts", [5]string{"cursor+sort", "cursor+sort", "cursor+sort", "cursor+sort", "cursor+sort"}},
	{"/repos/{owner}/{repo}/code-scanning/alerts", [5]string{"cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/orgs/{org}/code-scanning/alerts", [5]string{"cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/enterprises/{enterprise}/code-scanning/alerts", [5]string{"-", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/instances", [5]string{"page", "page", "page", "page", "page"}},
	{"/repos/{owner}/{repo}/secret-scanning/alerts", [5]string{"cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/orgs/{org}/secret-scanning/alerts", [5]string{"cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort", "cursor+page+sort"}},
	{"/enterprises/{enterprise}/secret-scanning/alerts", [5]string{"-", "cursor+sort", "cursor+sort", "cursor+sort", "cursor+sort"}},
	{"/repos/{owner}/{repo}/secret-scanning/alerts/{alert_number}/locations", [5]string{"page", "page", "page", "page", "page"}},
	{"/orgs/{org}/audit-log", [5]string{"-", "cursor", "cursor+page", "cursor+page", "cursor+page"}},
	{"/enterprises/{enterprise}/audit-log", [5]string{"-", "cursor+page", "cursor+page", "cursor+page", "cursor+page"}},
}

var matrixProducts = [5]string{"api.github.com", "ghec", "ghes-3.17", "ghes-3.18", "ghes-3.19"}

func TestPagination_Matrix(t *testing.T) {
	for i, product := range matrixProducts {
		c := Load(t, product)
		for _, row := range paginationMatrix {
			if got := paginationOf(c, row.path); got != row.want[i] {
				t.Errorf("%s GET %s: %s, doc table says %s", product, row.path, got, row.want[i])
			}
		}
	}
}

func paginationOf(c *Checker, path string) string {
	item := c.doc.Paths.Value(path)
	if item == nil || item.Get == nil {
		return "-"
	}
	has := map[string]bool{}
	for _, list := range []openapi3.Parameters{item.Parameters, item.Get.Parameters} {
		for _, p := range list {
			if p.Value.In == openapi3.ParameterInQuery {
				has[p.Value.Name] = true
			}
		}
	}
	var parts []string
	if has["before"] && has["after"] {
		parts = append(parts, "cursor")
	}
	if has["page"] {
		parts = append(parts, "page")
	}
	if has["sort"] && has["direction"] {
		parts = append(parts, "sort")
	}
	return strings.Join(parts, "+")
}
