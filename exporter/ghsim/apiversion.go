package ghsim

import (
	"net/http"
	"strings"
)

// REST API versions the simulator serves, as X-GitHub-Api-Version names
// them. A request without the header gets the oldest, as on GitHub.
const (
	APIVersion20221128 = "2022-11-28"
	// APIVersion20260310 drops Dependabot's advisory cvss (cvss_severities
	// stays) and /rate_limit's top-level rate (resources.core stays), as
	// the x-github-breaking-changes of GitHub's OpenAPI description say
	// (changesets deprecate_cvss and remove_rate_limit_rate). GitHub.com and
	// GHEC serve it; GHES from 3.21.
	APIVersion20260310 = "2026-03-10"
)

// apiVersions lists what the product serves, newest first.
func (s *Sim) apiVersions() []string {
	if s.opts.Product == ProductGHES && s.opts.GHESVersion != "3.21" {
		return []string{APIVersion20221128}
	}
	return []string{APIVersion20260310, APIVersion20221128}
}

// apiVersion is the version r asks for, or the 400 GitHub answers for
// one it does not serve (its message names the header, the version and
// those it serves).
func (s *Sim) apiVersion(r *http.Request) (string, *response) {
	v := r.Header.Get("X-GitHub-Api-Version")
	if v == "" {
		return APIVersion20221128, nil
	}
	served := s.apiVersions()
	for _, ok := range served {
		if v == ok {
			return v, nil
		}
	}
	quoted := make([]string, len(served))
	for i, ok := range served {
		quoted[i] = `"` + ok + `"`
	}
	quoted[0] += " (most recent)"
	return "", errResponse(&apiError{status: http.StatusBadRequest,
		msg: `The version you specified in the "X-GitHub-Api-Version" request header, "` + v + `", is not a supported version. ` +
			"The following versions are currently supported: " + strings.Join(quoted, ", ") + ".",
		doc: "https://docs.github.com/rest/about-the-rest-api/api-versions"})
}
