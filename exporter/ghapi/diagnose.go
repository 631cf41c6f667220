package ghapi

import (
	"fmt"
	"strings"
)

// Diagnosis is what one answer means for an endpoint the exporter polls,
// and what to change: the words `check` prints per row and `once` and
// `run` print per failure, so both explain a cause alike.
type Diagnosis struct {
	// Result says what happened, e.g. `401: credential rejected (GitHub:
	// "Bad credentials")`.
	Result string
	// Fix says what to change; "" when the answer is a success. Answers
	// with one cause get the same Fix, whatever endpoint they were for, so
	// callers group by it.
	Fix string
}

// Fixes shared by every endpoint: one cause, one fix.
const (
	FixCredential = "the token is wrong, expired or revoked: renew it where github.token_env/token_file points (or fix github.app)"
	FixNoAnswer   = "check github.base_url, the network path and any proxy"
	FixNotGitHub  = "the answer did not come from GitHub (no GitHub headers): check github.base_url and any proxy"
)

// Diagnose says what p, the answer for kind (an alert source, "audit_log",
// a request list) at scope s, means when the product acted as is product.
func Diagnose(s Scope, kind string, p Probe, product string) Diagnosis {
	msg := ""
	if p.Message != "" {
		msg = fmt.Sprintf(" (GitHub: %q)", truncate(p.Message, 200))
	}
	switch {
	case p.Err != nil:
		return Diagnosis{"no answer: " + Cause(p.Err), FixNoAnswer}
	case p.Status == 200:
		return Diagnosis{Result: "works"}
	case p.Status == 304:
		return Diagnosis{Result: "not modified (works)"}
	case !p.FromGitHub:
		// whatever the status, GitHub did not say it: blaming the org or
		// the token would send the reader the wrong way
		body := ""
		if p.Message != "" {
			body = fmt.Sprintf(" (%q)", truncate(p.Message, 200))
		}
		return Diagnosis{fmt.Sprintf("%d without GitHub's headers%s", p.Status, body), FixNotGitHub}
	case p.Status == 401:
		return Diagnosis{"401: credential rejected" + msg, FixCredential}
	case p.Status == 403 && strings.Contains(strings.ToLower(p.Message), "rate limit"):
		return Diagnosis{"403: rate limited" + msg, "wait for the rate limit to reset, or lower the polling frequency (schedules)"}
	case p.Status == 403:
		return Diagnosis{"403: forbidden" + msg + needs(p), "grant the credential " + grant(p) + " for " + s.String()}
	case refusesVersion(p.Status, p.Message):
		return Diagnosis{"400: REST API version refused" + msg,
			"set github.api_version to a version this GitHub serves (" + DefaultAPIVersion + " is served everywhere)"}
	case p.Status == 404:
		meaning, fix := notFoundMeaning(s, kind, product)
		return Diagnosis{"404: " + meaning + msg, fix}
	case p.Status >= 500:
		return Diagnosis{fmt.Sprintf("%d: GitHub failed to answer%s", p.Status, msg),
			"a failure at GitHub's end: the next run tries again; if it lasts, see GitHub's status page (on GHES, the server's health)"}
	}
	return Diagnosis{fmt.Sprintf("%d%s", p.Status, msg), "GitHub refused the request; see its message"}
}

// needs renders what GitHub's headers say the endpoint accepts and what
// the token has.
func needs(p Probe) string {
	var parts []string
	if p.AcceptedPermissions != "" {
		parts = append(parts, "needs permission "+p.AcceptedPermissions)
	}
	if p.AcceptedScopes != "" {
		parts = append(parts, "accepts OAuth scopes "+p.AcceptedScopes)
	}
	if p.TokenScopes != "" || p.AcceptedScopes != "" {
		parts = append(parts, "token has scopes ["+p.TokenScopes+"]")
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

func grant(p Probe) string {
	switch {
	case p.AcceptedPermissions != "" && p.AcceptedScopes != "":
		return "the permission " + p.AcceptedPermissions + " (App or fine-grained token) or the scope " + p.AcceptedScopes + " (classic token)"
	case p.AcceptedPermissions != "":
		return "the permission " + p.AcceptedPermissions
	case p.AcceptedScopes != "":
		return "the scope " + p.AcceptedScopes
	}
	return "read access to this endpoint (GitHub named no permission; is the feature enabled and the token's owner a member?)"
}

// notFoundMeaning says what a 404 means for this endpoint and what to do.
// The fix names the scope, not the kind: an org that does not exist fails
// every kind alike, and is one problem.
func notFoundMeaning(s Scope, kind, product string) (meaning, fix string) {
	switch {
	case kind == "audit_log" && s.Kind == ScopeOrg && product != ProductGHES:
		return "org " + s.Name + " has no audit-log API: not on GitHub Enterprise Cloud (or not visible to the credential)",
			"move " + s.Name + " to Enterprise Cloud to export its audit log; until then the daemon warns once and re-checks daily (github.product: dotcom stops trying)"
	case kind == "audit_log":
		return string(s.Kind) + " " + s.Name + " not found, or the credential cannot read its audit log",
			"check the name and grant read:audit_log (classic) or the organization/enterprise administration read permission"
	case s.Kind == ScopeRepo:
		return "repository " + s.Name + " not found, not visible to the credential, or " + kind + " is off for it",
			"check the name in github.repos, the credential's access to " + s.Name + ", and that each feature named is enabled"
	case s.Kind == ScopeEnterprise:
		return "enterprise " + s.Name + " not found, or the credential is not an enterprise member with access",
			"check the slug in github.enterprises and that the token's owner is an enterprise owner or security manager"
	}
	return "org " + s.Name + " not found, not visible to the credential, or " + kind + " is off for it",
		"check the name in github.orgs, that the credential can see " + s.Name + ", and that each feature named is enabled"
}

// Problems groups failed checks by their Diagnosis's Fix, so that one cause
// (a wrong token, an unreachable base_url) is one line naming every target
// it hits: `check`'s problems and the daemon's failure messages both
// group with it. The zero value is ready to use.
type Problems struct {
	groups []*Problem
	byFix  map[string]*Problem
}

// Problem is one Fix and the failed checks it explains.
type Problem struct {
	// Result is the first grouped check's Result.
	Result string
	Fix    string
	// N counts the failed checks grouped, repeats included.
	N       int
	targets []string            // in first-seen order
	checks  map[string][]string // target → its checks, in order
}

// Add files the failed check of target that d diagnosed under d.Fix. A
// check repeated for the same target (two requests of one listing) is
// named once.
func (ps *Problems) Add(target, check string, d Diagnosis) {
	if ps.byFix == nil {
		ps.byFix = map[string]*Problem{}
	}
	p := ps.byFix[d.Fix]
	if p == nil {
		p = &Problem{Result: d.Result, Fix: d.Fix, checks: map[string][]string{}}
		ps.byFix[d.Fix] = p
		ps.groups = append(ps.groups, p)
	}
	p.N++
	ks, seen := p.checks[target]
	if !seen {
		p.targets = append(p.targets, target)
	}
	if len(ks) == 0 || ks[len(ks)-1] != check {
		p.checks[target] = append(ks, check)
	}
}

// Has reports whether a problem with fix was added.
func (ps *Problems) Has(fix string) bool { return ps.byFix[fix] != nil }

// List returns the problems in the order their first check was added.
func (ps *Problems) List() []*Problem { return ps.groups }

// Targets names what p hits: "org:acme dependabot, code_scanning;
// enterprise:e audit_log".
func (p *Problem) Targets() string {
	parts := make([]string, len(p.targets))
	for i, t := range p.targets {
		parts[i] = t + " " + strings.Join(p.checks[t], ", ")
	}
	return strings.Join(parts, "; ")
}
