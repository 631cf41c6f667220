package ghsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Denial makes every request whose path contains PathContains answer 403
// the way GitHub refuses a credential lacking a permission.
type Denial struct {
	PathContains string
	// Permission is sent as X-Accepted-GitHub-Permissions, e.g.
	// "secret_scanning_alerts=read".
	Permission string
	// Scopes is sent as X-Accepted-OAuth-Scopes (classic tokens), e.g. "repo".
	Scopes string
}

// Deny installs d until the simulator is discarded; unlike a Fault it is
// never consumed and it costs one rate-limit unit, as GitHub's 403 does.
func (s *Sim) Deny(d Denial) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denials = append(s.denials, d)
}

// SetAuditLogMissing makes GET /orgs/{org}/audit-log answer 404, as
// github.com does for an organization that is not on Enterprise Cloud.
func (s *Sim) SetAuditLogMissing(org string, missing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noAudit == nil {
		s.noAudit = map[string]bool{}
	}
	s.noAudit[org] = missing
}

// ghesRelease is the full version GHES reports for the feature release.
func (s *Sim) ghesRelease() string { return s.opts.GHESVersion + ".0" }

// denied is the 403 of the first Deny whose PathContains is in path (the
// request path without the product's prefix), or nil. Caller holds s.mu.
func (s *Sim) denied(path string) *response {
	for _, d := range s.denials {
		if strings.Contains(path, d.PathContains) {
			resp := errResponse(&apiError{status: http.StatusForbidden, msg: "Resource not accessible by integration",
				doc: "https://docs.github.com/rest"})
			if d.Permission != "" {
				resp.header.Set("X-Accepted-GitHub-Permissions", d.Permission)
			}
			if d.Scopes != "" {
				resp.header.Set("X-Accepted-OAuth-Scopes", d.Scopes)
			}
			return resp
		}
	}
	return nil
}

// serveMeta answers GET /meta; GHES reports its version there.
func (s *Sim) serveMeta(*http.Request, time.Time) *response {
	meta := map[string]any{"verifiable_password_authentication": false}
	if s.opts.Product == ProductGHES {
		meta["installed_version"] = s.ghesRelease()
	}
	body, _ := json.Marshal(meta)
	return okResponse(body)
}

// setProductHeaders adds the headers every answer of the product carries.
func (s *Sim) setProductHeaders(h http.Header) {
	if s.opts.Product == ProductGHES {
		h.Set("X-GitHub-Enterprise-Version", s.ghesRelease())
	}
}
