package ghapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// decodeAlert turns one alert object into an Observation. scope supplies
// the repository for repo-level lists, whose items carry none.
func decodeAlert(src exporter.Source, raw json.RawMessage, scope Scope, includeRaw bool) (exporter.Observation, error) {
	return decodeAlertState(src, raw, scope, includeRaw, "")
}

// decodeAlertState is decodeAlert with the state to assume when the object
// names none (older webhook payloads, whose action implies it); "" assumes
// nothing and such an object is refused.
func decodeAlertState(src exporter.Source, raw json.RawMessage, scope Scope, includeRaw bool, implied string) (exporter.Observation, error) {
	o, ext, secret, err := decodeObject(src, func(v any) error { return unmarshalAlert(raw, v) }, nil)
	if err != nil {
		return o, err
	}
	return finishAlert(o, ext, secret, raw, scope, includeRaw, implied)
}

// finishAlert applies the checks every decoded alert object must pass, the
// scope's repository and enterprise, and the members the typed struct does
// not model. raw is the object's bytes, kept (without the secret) when
// includeRaw; hasSecret says whether it has a "secret" member to drop.
func finishAlert(o exporter.Observation, ext extraMembers, hasSecret bool, raw []byte, scope Scope, includeRaw bool, implied string) (exporter.Observation, error) {
	src := o.Key.Source
	if o.Key.Number <= 0 {
		return o, fmt.Errorf("decode %s alert: no number", src)
	}
	if o.Key.Repo == "" && scope.Kind == ScopeRepo {
		o.Key.Repo = scope.Name
	}
	if o.Key.Repo == "" {
		return o, fmt.Errorf("decode %s alert #%d: no repository in an %s list", src, o.Key.Number, scope.Kind)
	}
	if !validRepo(o.Key.Repo) {
		return o, fmt.Errorf("decode %s alert #%d: repository %q is not owner/name", src, o.Key.Number, truncate(o.Key.Repo, 100))
	}
	// A null or garbled state is refused here, never diffed: it would
	// become an empty or made-up action, and a false reopen once it clears.
	if o.State == "" {
		o.State = implied
	}
	if !exporter.WellFormedState(o.State) {
		return o, fmt.Errorf("decode %s alert %s#%d: state %q is not an alert state", src, o.Key.Repo, o.Key.Number, truncate(o.State, 60))
	}
	o.Org = ownerOf(o.Key.Repo)
	if scope.Kind == ScopeEnterprise {
		o.Enterprise = scope.Name
	}
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.CreatedAt
	}
	for _, t := range []time.Time{o.CreatedAt, o.UpdatedAt, o.ClosedAt, o.BypassedAt} {
		// a record carries times in UTC, RFC 3339, which has four-digit
		// years: 9999-12-31T23:00:00-05:00 has none
		if y := t.UTC().Year(); !t.IsZero() && (y < 1 || y > 9999) {
			return o, fmt.Errorf("decode %s alert %s#%d: time %s is out of range", src, o.Key.Repo, o.Key.Number, t.Format(time.RFC3339))
		}
	}
	ext.apply(&o)
	if includeRaw {
		if hasSecret {
			raw = withoutSecret(raw)
		} else {
			// raw may be a window on a whole page: keep only the object
			raw = bytes.Clone(raw)
		}
		o.Raw = validUTF8JSON(raw)
	}
	return o, nil
}

// validRepo accepts owner/name, as the record schema requires of repo.
func validRepo(s string) bool {
	o, n, ok := strings.Cut(s, "/")
	return ok && o != "" && n != "" && !strings.Contains(n, "/") && utf8.ValidString(s)
}

// withoutSecret drops the "secret" member (and GitHub's copies of it in
// locations) from a raw alert object.
func withoutSecret(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	if _, ok := m["secret"]; !ok {
		return raw
	}
	delete(m, "secret")
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func repoName(r *github.Repository) string {
	if r == nil {
		return ""
	}
	if n := r.GetFullName(); n != "" {
		return n
	}
	if r.Owner != nil && r.GetName() != "" {
		return r.Owner.GetLogin() + "/" + r.GetName()
	}
	return ""
}

// dependabotAdvisory is a Dependabot alert's security_advisory: v62's
// type, which models the cvss that API version 2026-03-10 drops, and the
// cvss_severities every version has, which v62 does not model. It shadows
// the typed alert's member, so the advisory is still decoded once;
// cvss_severities is kept raw and read afterwards, so a malformed one is
// dropped (as extraMembers are) rather than refusing the alert.
type dependabotAdvisory struct {
	github.DependabotSecurityAdvisory
	CVSSSeverities json.RawMessage `json:"cvss_severities"`
	// EPSS is kept raw for the alert's details (detailMembers.apply).
	EPSS json.RawMessage `json:"epss"`
}

// cvssSeverities is the advisory's cvss_severities.
type cvssSeverities struct {
	V3 *github.AdvisoryCVSS `json:"cvss_v3"`
	V4 *github.AdvisoryCVSS `json:"cvss_v4"`
}

// fromDependabotObject converts a decoded object: its advisory back in the
// typed alert, and the CVSS scores from either API version's shape.
func fromDependabotObject(a *dependabotObject) exporter.Observation {
	adv := a.SecurityAdvisory
	if adv != nil {
		a.DependabotAlert.SecurityAdvisory = &adv.DependabotSecurityAdvisory
	}
	o := fromDependabot(&a.DependabotAlert)
	if adv != nil {
		o.CVSSv3, o.CVSSv4 = advisoryCVSS(adv.CVSS, adv.CVSSSeverities)
	}
	return o
}

// advisoryCVSS reads the v3 and v4 scores: cvss_severities when it has
// them, else (v3) the cvss that API versions before 2026-03-10 send.
func advisoryCVSS(legacy *github.AdvisoryCVSS, severities json.RawMessage) (v3, v4 exporter.CVSS) {
	var s cvssSeverities
	if severities != nil && json.Unmarshal(severities, &s) == nil {
		v3, v4 = cvssOf(s.V3), cvssOf(s.V4)
	}
	if v3.IsZero() {
		v3 = cvssOf(legacy)
	}
	return v3, v4
}

// cvssOf is c as a record carries it: zero (none) when c is absent,
// GitHub's empty {score: 0, vector_string: null}, or a score outside
// CVSS's 0–10; a score is kept to CVSS's one decimal.
func cvssOf(c *github.AdvisoryCVSS) exporter.CVSS {
	if c == nil {
		return exporter.CVSS{}
	}
	var score float64
	if c.Score != nil {
		score = *c.Score
	}
	if score < 0 || score > 10 {
		return exporter.CVSS{}
	}
	return exporter.CVSS{Score: math.Round(score*10) / 10, Vector: c.GetVectorString()}
}

func fromDependabot(a *github.DependabotAlert) exporter.Observation {
	o := exporter.Observation{
		Key:   exporter.AlertKey{Source: exporter.SourceDependabot, Repo: repoName(a.Repository), Number: a.GetNumber()},
		State: a.GetState(), HTMLURL: a.GetHTMLURL(),
		CreatedAt: a.GetCreatedAt().Time, UpdatedAt: a.GetUpdatedAt().Time,
	}
	if adv := a.SecurityAdvisory; adv != nil {
		o.GHSAID, o.CVEID, o.Title = adv.GetGHSAID(), adv.GetCVEID(), adv.GetSummary()
		o.SeverityRaw = adv.GetSeverity()
	}
	if v := a.SecurityVulnerability; v != nil {
		if v.GetSeverity() != "" {
			o.SeverityRaw = v.GetSeverity()
		}
		if p := v.Package; p != nil {
			o.Package, o.Ecosystem = p.GetName(), p.GetEcosystem()
		}
	}
	if d := a.Dependency; d != nil {
		o.Manifest = d.GetManifestPath()
		if p := d.Package; p != nil && o.Package == "" {
			o.Package, o.Ecosystem = p.GetName(), p.GetEcosystem()
		}
	}
	o.Severity = exporter.NormalizeSeverity(o.SeverityRaw)
	closing(&o, a.DismissedAt, a.DismissedBy, a.GetDismissedReason(), a.GetDismissedComment(), a.FixedAt)
	if o.State == "auto_dismissed" {
		o.ClosedAt = a.GetAutoDismissedAt().Time
	}
	return o
}

func fromCodeScanning(a *github.Alert) exporter.Observation {
	o := exporter.Observation{
		Key:   exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: repoName(a.Repository), Number: a.GetNumber()},
		State: a.GetState(), HTMLURL: a.GetHTMLURL(), RuleID: a.GetRuleID(),
		CreatedAt: a.GetCreatedAt().Time, UpdatedAt: a.GetUpdatedAt().Time,
	}
	if r := a.Rule; r != nil {
		if o.RuleID == "" {
			o.RuleID = r.GetID()
		}
		o.Title = r.GetDescription()
		// security_severity_level (low..critical) is what GitHub's UI shows
		// for security rules; other rules only have error/warning/note.
		o.SeverityRaw = r.GetSecuritySeverityLevel()
		if o.SeverityRaw == "" {
			o.SeverityRaw = r.GetSeverity()
		}
	}
	if o.Title == "" {
		o.Title = a.GetRuleDescription()
	}
	if o.SeverityRaw == "" {
		o.SeverityRaw = a.GetRuleSeverity()
	}
	if t := a.Tool; t != nil {
		o.Tool = t.GetName()
	}
	if mi := a.MostRecentInstance; mi != nil {
		if mi.Location != nil {
			o.Manifest = mi.Location.GetPath()
		}
		o.Details.Ref = mi.GetRef()
	}
	o.Severity = exporter.NormalizeSeverity(o.SeverityRaw)
	closing(&o, a.DismissedAt, a.DismissedBy, a.GetDismissedReason(), a.GetDismissedComment(), a.FixedAt)
	return o
}

// closing fills the closing fields Dependabot and code scanning share.
func closing(o *exporter.Observation, dismissedAt *github.Timestamp, by *github.User, reason, comment string, fixedAt *github.Timestamp) {
	switch o.State {
	case "dismissed":
		if dismissedAt != nil {
			o.ClosedAt = dismissedAt.Time
		}
		o.Reason, o.Comment, o.ClosedBy = reason, comment, by.GetLogin()
	case "fixed":
		if fixedAt != nil {
			o.ClosedAt = fixedAt.Time
		}
	}
}

// secretSeverity: secret scanning has no severity; an exposed credential is
// treated as high so it ranks with high code and dependency findings.
const secretSeverity = exporter.SeverityHigh

func fromSecretScanning(a *github.SecretScanningAlert) exporter.Observation {
	o := exporter.Observation{
		Key:   exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: repoName(a.Repository), Number: a.GetNumber()},
		State: a.GetState(), HTMLURL: a.GetHTMLURL(), SecretType: a.GetSecretType(),
		Title:     a.GetSecretTypeDisplayName(),
		CreatedAt: a.GetCreatedAt().Time, UpdatedAt: a.GetUpdatedAt().Time,
		Severity: secretSeverity,
	}
	if o.Title == "" {
		o.Title = o.SecretType
	}
	if o.State == "resolved" {
		o.ClosedAt, o.Reason, o.Comment = a.GetResolvedAt().Time, a.GetResolution(), a.GetResolutionComment()
		if a.ResolvedBy != nil {
			o.ClosedBy = a.ResolvedBy.GetLogin()
		}
	}
	if a.GetPushProtectionBypassed() {
		o.Bypassed, o.BypassedAt = true, a.GetPushProtectionBypassedAt().Time
		if a.PushProtectionBypassedBy != nil {
			o.BypassedBy = a.PushProtectionBypassedBy.GetLogin()
		}
	}
	return o
}
