package ghapi

import (
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// ScopeKind is the level an alert list is taken at.
type ScopeKind string

// Scope kinds.
const (
	ScopeRepo       ScopeKind = "repo"
	ScopeOrg        ScopeKind = "org"
	ScopeEnterprise ScopeKind = "enterprise"
)

// Scope is one place alerts are listed from.
type Scope struct {
	Kind ScopeKind
	Name string // owner/name, org login or enterprise slug
}

// String renders the scope as kind:name, e.g. org:acme.
func (s Scope) String() string { return string(s.Kind) + ":" + s.Name }

func kindPath(src exporter.Source) string {
	switch src {
	case exporter.SourceDependabot:
		return "dependabot"
	case exporter.SourceCodeScanning:
		return "code-scanning"
	case exporter.SourceSecretScanning:
		return "secret-scanning"
	}
	return string(src)
}

// listPath is the REST path of the alert list of src at s.
func listPath(s Scope, src exporter.Source) string {
	switch s.Kind {
	case ScopeRepo:
		return fmt.Sprintf("repos/%s/%s/alerts", s.Name, kindPath(src))
	case ScopeOrg:
		return fmt.Sprintf("orgs/%s/%s/alerts", s.Name, kindPath(src))
	}
	return fmt.Sprintf("enterprises/%s/%s/alerts", s.Name, kindPath(src))
}

// Supported reports whether product serves src's list at scope kind k:
// enterprise code and secret scanning lists exist on GHEC and GHES only.
func Supported(product string, k ScopeKind, src exporter.Source) bool {
	if k == ScopeEnterprise && product == "dotcom" && src != exporter.SourceDependabot {
		return false
	}
	return true
}

func ownerOf(repo string) string {
	o, _, _ := strings.Cut(repo, "/")
	return o
}
