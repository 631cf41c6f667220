package openapicheck

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestDocumentedList(t *testing.T) {
	str := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}}}
	enum := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: []any{"a"}}}
	for _, tc := range []struct {
		name   string
		desc   string
		schema *openapi3.SchemaRef
		want   []string
	}{
		{"can be", "A comma-separated list of states. If specified, only alerts with these states will be returned.\n\nCan be: `auto_dismissed`, `dismissed`, `fixed`, `open`", str,
			[]string{"auto_dismissed", "dismissed", "fixed", "open"}},
		{"valid X are ... or", "A comma-separated list of resolutions. Valid resolutions are `false_positive`, `wont_fix`, `revoked` or `used_in_tests`.", str,
			[]string{"false_positive", "wont_fix", "revoked", "used_in_tests"}},
		{"valid options ..., and", "A comma-separated list of validities that, when present, will return alerts that match the validities in this list. Valid options are `active`, `inactive`, and `unknown`.", str,
			[]string{"active", "inactive", "unknown"}},
		{"possible values", "A comma-separated list of metadata fields. Possible values are: `owner-email`, `owner-id`.", str,
			[]string{"owner-email", "owner-id"}},
		{"free list", "A comma-separated list of package names. If specified, only alerts for these packages will be returned.", str, nil},
		{"not a list", "The state. Can be: `a`, `b`", str, nil},
		{"has enum", "A comma-separated list. Can be: `a`, `b`", enum, nil},
		{"no schema", "A comma-separated list. Can be: `a`, `b`", nil, nil},
	} {
		got := documentedList(&openapi3.Parameter{Name: "x", In: "query", Description: tc.desc, Schema: tc.schema})
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDocumentedList_GitHub pins the lists recovered from the real GHEC
// description, so a phrasing change upstream shows up here.
func TestDocumentedList_GitHub(t *testing.T) {
	c := Load(t, ghec)
	for _, tc := range []struct {
		req, param string
		want       []string
	}{
		{"/orgs/o/dependabot/alerts", "state", []string{"auto_dismissed", "dismissed", "fixed", "open"}},
		{"/orgs/o/dependabot/alerts", "severity", []string{"low", "medium", "high", "critical"}},
		{"/orgs/o/secret-scanning/alerts", "resolution", []string{"false_positive", "wont_fix", "revoked", "pattern_edited", "pattern_deleted", "used_in_tests"}},
		{"/orgs/o/secret-scanning/alerts", "validity", []string{"active", "inactive", "unknown"}},
	} {
		info, _, err := c.find("GET", mustURL(t, ghec, tc.req))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.lists[tc.param]; !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: got %q, want %q", tc.req, tc.param, got, tc.want)
		}
	}
}
