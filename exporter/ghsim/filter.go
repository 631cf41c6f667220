package ghsim

import (
	"net/url"
	"sort"
	"strings"
)

// filter is the parsed filtering parameters of an alert list. Each field is
// a set of accepted values; a nil set accepts everything.
type filter struct {
	state      map[string]bool // alert states (code scanning "closed" expanded)
	severity   map[string]bool
	ecosystem  map[string]bool
	pkg        map[string]bool
	manifest   map[string]bool
	scope      map[string]bool
	tool       map[string]bool
	secretType map[string]bool
	// excludeType is exclude_secret_types: default patterns minus these.
	excludeType map[string]bool
	resolution  map[string]bool
	validity    map[string]bool
}

var (
	dependabotStates = map[string]bool{"open": true, "dismissed": true, "fixed": true, "auto_dismissed": true}
	depSeverities    = map[string]bool{"low": true, "medium": true, "high": true, "critical": true}
	csSeverities     = map[string]bool{"critical": true, "high": true, "medium": true, "low": true, "warning": true, "note": true, "error": true}
)

// parseFilter reads the filters GitHub documents per kind and rejects values
// outside their enums with 422, as GitHub does.
func parseFilter(kind Kind, q url.Values) (filter, *apiError) {
	var f filter
	switch kind {
	case Dependabot:
		f.state = splitList(q, "state")
		for st := range f.state {
			if !dependabotStates[st] {
				return f, validationFailed("state", "state must be a comma-separated list of auto_dismissed, dismissed, fixed, open")
			}
		}
		f.severity = splitList(q, "severity")
		for sv := range f.severity {
			if !depSeverities[sv] {
				return f, validationFailed("severity", "severity must be a comma-separated list of low, medium, high, critical")
			}
		}
		f.ecosystem = splitList(q, "ecosystem")
		f.pkg = splitList(q, "package")
		f.manifest = splitList(q, "manifest")
		if v := q.Get("scope"); v != "" {
			if v != "development" && v != "runtime" {
				return f, validationFailed("scope", "scope must be development or runtime")
			}
			f.scope = map[string]bool{v: true}
		}
	case CodeScanning:
		switch v := q.Get("state"); v {
		case "":
		case "open", "dismissed", "fixed":
			f.state = map[string]bool{v: true}
		case "closed":
			f.state = map[string]bool{"dismissed": true, "fixed": true}
		default:
			return f, validationFailed("state", "state must be one of open, closed, dismissed, fixed")
		}
		if v := q.Get("severity"); v != "" {
			if !csSeverities[v] {
				return f, validationFailed("severity", "severity must be one of critical, high, medium, low, warning, note, error")
			}
			f.severity = map[string]bool{v: true}
		}
		if v := q.Get("tool_name"); v != "" {
			f.tool = map[string]bool{v: true}
		}
	case SecretScanning:
		switch v := q.Get("state"); v {
		case "":
		case "open", "resolved":
			f.state = map[string]bool{v: true}
		default:
			return f, validationFailed("state", "state must be one of open, resolved")
		}
		f.secretType = splitList(q, "secret_type")
		f.excludeType = splitList(q, "exclude_secret_types")
		if f.secretType != nil && f.excludeType != nil {
			return f, validationFailed("secret_type", "secret_type and exclude_secret_types cannot be combined")
		}
		f.resolution = splitList(q, "resolution")
		f.validity = splitList(q, "validity")
	}
	return f, nil
}

func (f filter) match(a *alert) bool {
	sp := a.spec
	if a.kind == SecretScanning && !f.typeListed(sp.SecretType) {
		return false
	}
	if f.state != nil && !f.state[a.state] {
		return false
	}
	if f.severity != nil {
		sev := sp.Severity
		if a.kind == CodeScanning && isRuleSeverity(f.anyKey(f.severity)) {
			sev = sp.RuleSeverity
		}
		if !f.severity[sev] {
			return false
		}
	}
	return in(f.ecosystem, sp.Ecosystem) && in(f.pkg, sp.Package) && in(f.manifest, sp.Manifest) &&
		in(f.tool, sp.Tool) && in(f.resolution, a.resolution) &&
		in(f.validity, sp.Validity) && in(f.scope, depScope(a))
}

// typeListed says whether a secret of type t is in the list: as GitHub,
// a list returns the default (provider) patterns unless secret_type names
// the types it wants, and a generic pattern only when it is named.
func (f filter) typeListed(t string) bool {
	if f.secretType != nil {
		return f.secretType[t]
	}
	return !GenericSecretTypes[t] && !f.excludeType[t]
}

func in(set map[string]bool, v string) bool { return set == nil || set[v] }

func (f filter) anyKey(set map[string]bool) string {
	for k := range set {
		return k
	}
	return ""
}

// depScope is the dependency scope renderDependabot reports.
func depScope(a *alert) string {
	if a.id%5 == 0 {
		return "development"
	}
	return "runtime"
}

// String is a canonical form, the filter's part of the index cache key.
func (f filter) String() string {
	var b strings.Builder
	for i, set := range []map[string]bool{f.state, f.severity, f.ecosystem, f.pkg, f.manifest, f.scope, f.tool, f.secretType, f.resolution, f.validity, f.excludeType} {
		if set == nil {
			continue
		}
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte(byte('a' + i))
		b.WriteString(strings.Join(keys, ","))
		b.WriteByte(';')
	}
	return b.String()
}
