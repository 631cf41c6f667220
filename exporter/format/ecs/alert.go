package ecs

import (
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// vendor is vulnerability.scanner.vendor: every alert comes from a GitHub
// scanner (Dependabot, code scanning, secret scanning).
const vendor = "GitHub"

// advisoryURL is where GitHub publishes an advisory by its GHSA id.
const advisoryURL = "https://github.com/advisories/"

// githubAlert is the part of an alert record ECS has no field for.
type githubAlert struct {
	Number           int        `json:"number"`
	State            string     `json:"state,omitempty"`
	PreviousState    string     `json:"previous_state,omitempty"`
	SeverityRaw      string     `json:"severity_raw,omitempty"`
	Title            string     `json:"title,omitempty"` // request records only: an alert's title is vulnerability.description
	GHSAID           string     `json:"ghsa_id,omitempty"`
	SecretType       string     `json:"secret_type,omitempty"`
	Manifest         string     `json:"manifest,omitempty"`
	Comment          string     `json:"comment,omitempty"`
	Validity         string     `json:"validity,omitempty"`
	PreviousValidity string     `json:"previous_validity,omitempty"`
	CreatedAt        *time.Time `json:"created_at,omitempty"`
	UpdatedAt        *time.Time `json:"updated_at,omitempty"`
	// a secret's push protection bypass, on every record of the alert
	PushProtectionBypassed   bool   `json:"push_protection_bypassed,omitempty"`
	PushProtectionBypassedBy string `json:"push_protection_bypassed_by,omitempty"`
	// provider, provider_slug, first_location_detected, …, epss: as the
	// record has them (ECS has no field for any)
	exporter.AlertDetails
}

// Categorization of alert transitions (docs/ecs.md says why).
var (
	categoryVulnerability = []string{"vulnerability"}
	typeInfo              = []string{"info"}
	// a push protection bypass is also a security control letting through
	// what it blocked: intrusion_detection's "allowed"
	categoryBypass = []string{"vulnerability", "intrusion_detection"}
	typeBypass     = []string{"info", "allowed"}
)

// alertKind is event.kind of an alert transition: "alert" for the ones
// that open a finding or make it worse (a new or returning alert, a secret
// pushed past protection, leaked in public or found live), "event" for
// the rest of its life (closed, dismissed, withdrawn, assigned, re-rated),
// which is not a new finding.
func alertKind(rec *exporter.Record) string {
	switch rec.Action {
	case exporter.ActionCreated, exporter.ActionReopened, exporter.ActionAutoReopened, exporter.ActionReintroduced,
		exporter.ActionPushProtectionBypassed, exporter.ActionPubliclyLeaked:
		return "alert"
	case exporter.ActionValidityChanged:
		if rec.Alert != nil && rec.Alert.Validity == "active" {
			return "alert"
		}
	}
	return "event"
}

// mapAlert fills d for an alert transition.
func mapAlert(d *document, rec *exporter.Record) {
	e := &d.Event
	e.Kind, e.Category, e.Type = alertKind(rec), categoryVulnerability, typeInfo
	if rec.Action == exporter.ActionPushProtectionBypassed {
		e.Category, e.Type = categoryBypass, typeBypass
	}
	e.Dataset = module + "." + string(rec.Source)
	a := rec.Alert
	if a == nil {
		// a record damaged or foreign: what it says is mapped, nothing invented
		return
	}
	e.Reason = a.Reason
	v := &d.p.vulnerability
	*v = vulnerability{Severity: a.Severity, Description: a.Title, Scanner: scanner{Vendor: vendor}}
	switch {
	case a.CVEID != "":
		v.ID, v.Enumeration = a.CVEID, "CVE"
	case a.GHSAID != "":
		v.ID, v.Enumeration = a.GHSAID, "GHSA"
	}
	if a.GHSAID != "" {
		v.Reference = advisoryURL + a.GHSAID
	}
	d.Vulnerability = v
	// a code scanning rule, or a secret scanning alert's secret type (the
	// pattern that found it); no alert has both, and a record that did
	// would keep the secret type under github.alert
	secretType := a.SecretType
	r := &d.p.rule
	*r = rule{ID: a.RuleID, Ruleset: a.Tool}
	if r.ID == "" && secretType != "" {
		r.ID, secretType = secretType, ""
	}
	if r.ID != "" || r.Ruleset != "" {
		d.Rule = r
	}
	if a.Package != "" || a.Ecosystem != "" {
		d.p.pkg = pkg{Name: a.Package, Type: a.Ecosystem}
		d.Package = &d.p.pkg
	}
	d.setURL(a.HTMLURL)
	if a.Assignee != "" {
		d.target().Name = a.Assignee
		d.related(a.Assignee)
	}
	d.GitHub.Alert = &d.p.alert
	d.p.alert = githubAlert{
		Number: a.Number, State: a.State, PreviousState: a.PreviousState, SeverityRaw: a.SeverityRaw,
		GHSAID: a.GHSAID, SecretType: secretType, Manifest: a.Manifest, Comment: a.Comment,
		Validity: a.Validity, PreviousValidity: a.PreviousValidity,
		CreatedAt: d.time(0, a.CreatedAt), UpdatedAt: d.time(1, a.UpdatedAt),
		PushProtectionBypassed: a.PushProtectionBypassed, PushProtectionBypassedBy: a.PushProtectionBypassedBy,
		AlertDetails: a.AlertDetails,
	}
}
