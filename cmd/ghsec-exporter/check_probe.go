package main

import (
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// probeRow turns GitHub's answer for one list or audit log into a table
// row: what happened, and for a problem what to change.
func probeRow(s ghapi.Scope, kind string, p ghapi.Probe, product string) checkRow {
	row := checkRow{Target: s.String(), Check: kind}
	msg := ""
	if p.Message != "" {
		msg = fmt.Sprintf(" (GitHub: %q)", p.Message)
	}
	switch {
	case p.Err != nil:
		row.Result = "no answer: " + p.Err.Error()
		row.Fix = "check github.base_url, the network path and any proxy"
	case p.Status == 200:
		row.Result = "works"
	case p.Status == 304:
		row.Result = "not modified (works)"
	case p.Status == 401:
		row.Result = "401: credential rejected" + msg
		row.Fix = "the token is wrong, expired or revoked: renew it where github.token_env/token_file points (or fix github.app)"
	case p.Status == 403 && strings.Contains(strings.ToLower(p.Message), "rate limit"):
		row.Result = "403: rate limited" + msg
		row.Fix = "wait for the rate limit to reset, or lower the polling frequency (schedules)"
	case p.Status == 403:
		row.Result = "403: forbidden" + msg + needs(p)
		row.Fix = "grant the credential " + grant(p) + " for " + s.String()
	case p.Status == 400 && strings.Contains(strings.ToLower(p.Message), "x-github-api-version"):
		row.Result = "400: REST API version refused" + msg
		row.Fix = "set github.api_version to a version this GitHub serves (" + ghapi.DefaultAPIVersion + " is served everywhere)"
	case p.Status == 404:
		row.Result, row.Fix = notFoundMeaning(s, kind, product)
		row.Result = "404: " + row.Result + msg
	default:
		row.Result = fmt.Sprintf("%d%s", p.Status, msg)
		row.Fix = "GitHub refused the request; see its message"
	}
	return row
}

// needs renders what GitHub's headers say the endpoint accepts and what
// the token has.
func needs(p ghapi.Probe) string {
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

func grant(p ghapi.Probe) string {
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
func notFoundMeaning(s ghapi.Scope, kind, product string) (meaning, fix string) {
	switch {
	case kind == "audit_log" && s.Kind == ghapi.ScopeOrg && product != ghapi.ProductGHES:
		return "org " + s.Name + " has no audit-log API: not on GitHub Enterprise Cloud (or not visible to the credential)",
			"move " + s.Name + " to Enterprise Cloud to export its audit log; until then the daemon warns once and re-checks daily (github.product: dotcom stops trying)"
	case kind == "audit_log":
		return string(s.Kind) + " " + s.Name + " not found, or the credential cannot read its audit log",
			"check the name and grant read:audit_log (classic) or the organization/enterprise administration read permission"
	case s.Kind == ghapi.ScopeRepo:
		return "repository " + s.Name + " not found, not visible to the credential, or " + kind + " is off for it",
			"check the name in github.repos, the credential's repository access, and that " + kind + " is enabled"
	case s.Kind == ghapi.ScopeEnterprise:
		return "enterprise " + s.Name + " not found, or the credential is not an enterprise member with access",
			"check the slug in github.enterprises and that the token's owner is an enterprise owner or security manager"
	}
	return "org " + s.Name + " not found, not visible to the credential, or " + kind + " is off for it",
		"check the name in github.orgs, that the credential can see the org, and that " + kind + " is enabled"
}
