package openapicheck

import (
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Several filters are comma-separated lists typed as a plain string; their
// allowed values exist only in the description text, e.g. Dependabot's state:
// "A comma-separated list of states. ... Can be: `auto_dismissed`,
// `dismissed`, `fixed`, `open`". documentedList recovers such lists so Check
// can reject state=opened, which the schema alone would accept.

// listIntro finds the sentence that enumerates the values, in the phrasings
// the descriptions use: "Can be:", "Valid resolutions are", "Valid options
// are", "Possible values are:".
// The "and"/"or" separator comes first: RE2 prefers earlier alternatives,
// and ", " alone would end the match before ", and `unknown`".
var listIntro = regexp.MustCompile("(?:Can be:|Valid [a-z]+ are:?|Possible values are:?)\\s*((?:`[^`]+`(?:\\s*,?\\s+(?:or|and)\\s+|\\s*,\\s*)?)+)")

var backticked = regexp.MustCompile("`([^`]+)`")

// documentedList returns the documented values of a comma-separated string
// query parameter without an enum, or nil when p is not one.
func documentedList(p *openapi3.Parameter) []string {
	if p.Schema == nil || p.Schema.Value == nil {
		return nil
	}
	s := p.Schema.Value
	if !s.Type.Is("string") || len(s.Enum) > 0 {
		return nil
	}
	if !strings.HasPrefix(strings.ToLower(p.Description), "a comma-separated list") {
		return nil
	}
	m := listIntro.FindStringSubmatch(p.Description)
	if m == nil {
		return nil
	}
	var vals []string
	for _, v := range backticked.FindAllStringSubmatch(m[1], -1) {
		vals = append(vals, v[1])
	}
	return vals
}
