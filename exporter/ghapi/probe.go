package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// Probe is GitHub's answer to one smallest request for an endpoint the
// exporter polls: what `ghsec-exporter check` reports per scope and kind.
type Probe struct {
	// Status is the HTTP status, 0 when no answer came (Err says why).
	Status int
	// Message is GitHub's error message, if any.
	Message string
	// FromGitHub is whether the answer carried GitHub's headers
	// (X-GitHub-Request-Id, X-GitHub-Media-Type); without them something
	// else answered: a proxy, or a web server at a wrong base_url.
	FromGitHub bool
	// AcceptedPermissions is X-Accepted-GitHub-Permissions: the App or
	// fine-grained token permissions the endpoint accepts.
	AcceptedPermissions string
	// AcceptedScopes is X-Accepted-OAuth-Scopes: the classic token scopes
	// the endpoint accepts; TokenScopes (X-OAuth-Scopes) are the token's own.
	AcceptedScopes, TokenScopes string
	// Remaining, Limit and Resource are the rate-limit budget left after it.
	Remaining, Limit int
	Resource         string
	Err              error
}

// ProbeAlerts asks for one alert of src at scope s.
func (c *Client) ProbeAlerts(ctx context.Context, s Scope, src exporter.Source) Probe {
	return c.probe(ctx, listPath(s, src)+"?per_page=1")
}

// ProbeSecretTypes asks for one secret scanning alert of the named types at
// scope s: the second listing, which GitHub needs to return generic
// patterns.
func (c *Client) ProbeSecretTypes(ctx context.Context, s Scope, types []string) Probe {
	q := url.Values{"per_page": {"1"}, "secret_type": {strings.Join(types, ",")}}
	return c.probe(ctx, listPath(s, exporter.SourceSecretScanning)+"?"+q.Encode())
}

// ProbeAudit asks for one audit-log entry of an org or enterprise.
func (c *Client) ProbeAudit(ctx context.Context, s Scope) Probe {
	switch s.Kind {
	case ScopeOrg:
		return c.probe(ctx, "orgs/"+s.Name+"/audit-log?per_page=1")
	case ScopeEnterprise:
		return c.probe(ctx, "enterprises/"+s.Name+"/audit-log?per_page=1")
	}
	return Probe{Err: fmt.Errorf("scope %s has no audit log", s)}
}

func (c *Client) probe(ctx context.Context, path string) Probe {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return Probe{Err: err}
	}
	var body json.RawMessage
	resp, err := c.gh.Do(ctx, req, &body)
	var p Probe
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		p.Message = er.Message
	} else if err != nil && (resp == nil || resp.StatusCode < 300) {
		// a transport failure or an undecodable body: no usable answer
		p.Err = fmt.Errorf("get %s: %w", path, err)
	}
	if resp == nil || resp.Response == nil {
		if p.Err == nil {
			p.Err = fmt.Errorf("get %s: no answer: %w", path, err)
		}
		return p
	}
	h := resp.Header
	p.Status = resp.StatusCode
	p.readAccess(h)
	p.Remaining, _ = strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	p.Limit, _ = strconv.Atoi(h.Get("X-RateLimit-Limit"))
	p.Resource = h.Get("X-RateLimit-Resource")
	return p
}

// readAccess sets what an answer's headers h say about who answered and
// what the endpoint accepts: FromGitHub and the permission and scope
// headers.
func (p *Probe) readAccess(h http.Header) {
	p.FromGitHub = FromGitHub(h)
	p.AcceptedPermissions = h.Get("X-Accepted-GitHub-Permissions")
	p.AcceptedScopes = h.Get("X-Accepted-OAuth-Scopes")
	p.TokenScopes = h.Get("X-OAuth-Scopes")
}
