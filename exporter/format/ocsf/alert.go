package ocsf

import (
	"cmp"
	"fmt"
	"path"
	"strconv"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Finding statuses (status_id of the findings classes).
var findingStatusNames = map[int]string{0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 5: "Archived", 6: "Deleted", 99: "Other"}

const (
	statusNew        = 1
	statusInProgress = 2
	statusSuppressed = 3
	statusResolved   = 4
	statusArchived   = 5
	statusDeleted    = 6
	statusOther      = idOther
)

func (ev *event) findingStatus(id int, other string) {
	ev.StatusID, ev.Status = id, caption(findingStatusNames, id, other)
}

// closingActions end an alert's open life: activity Close.
var closingActions = map[string]bool{
	exporter.ActionDismissed: true, exporter.ActionFixed: true, exporter.ActionAutoDismissed: true,
	exporter.ActionResolved: true, exporter.ActionWithdrawn: true,
}

// alertActivity is the finding activity of an alert transition: created
// opens the finding, closing actions close it, everything else (reopen,
// severity, validity, assignment, bypass, a state no rule names) updates it.
func alertActivity(action string) int {
	switch {
	case action == exporter.ActionCreated:
		return activityCreate
	case closingActions[action]:
		return activityClose
	}
	return activityUpdate
}

// alertStatus is the finding status of an alert in GitHub's state st,
// closed for reason: dismissals are suppressions (the alert was judged and
// left), fixes and revoked secrets resolutions, a secret closed because
// its custom pattern went away is archived, a withdrawn alert (gone from
// GitHub) deleted. Another state is Other, carrying GitHub's word.
func alertStatus(action, st, reason string) (int, string) {
	if action == exporter.ActionWithdrawn {
		return statusDeleted, ""
	}
	switch st {
	case "open":
		return statusNew, ""
	case "dismissed", "auto_dismissed":
		return statusSuppressed, ""
	case "fixed":
		return statusResolved, ""
	case "resolved":
		switch reason {
		case "false_positive", "wont_fix", "used_in_tests":
			return statusSuppressed, ""
		case "pattern_deleted", "pattern_edited":
			return statusArchived, ""
		}
		return statusResolved, ""
	}
	return statusOther, st
}

// alertSeverity is severity_id of a normalized severity; GitHub's own value
// is kept as the caption of Other when it normalized to none.
func alertSeverity(sev, raw string) (int, string) {
	switch sev {
	case exporter.SeverityCritical:
		return 5, ""
	case exporter.SeverityHigh:
		return 4, ""
	case exporter.SeverityMedium:
		return 3, ""
	case exporter.SeverityLow:
		return 2, ""
	}
	if raw != "" {
		return severityOther, raw
	}
	return severityUnknown, ""
}

// FindingUID is the finding_info.uid of every event about one alert:
// source:owner/name#number, e.g. "dependabot:acme/api#7". It is the
// record's alert key (docs/record.md), so all transitions of an alert share it and no two
// alerts do.
func FindingUID(source exporter.Source, repo string, number int) string {
	return string(source) + ":" + repo + "#" + strconv.Itoa(number)
}

var productNames = map[exporter.Source]string{
	exporter.SourceDependabot:     "Dependabot",
	exporter.SourceCodeScanning:   "Code scanning",
	exporter.SourceSecretScanning: "Secret scanning",
}

func mapAlert(ev *event, rec *exporter.Record) error {
	a := rec.Alert
	if a == nil {
		return fmt.Errorf("%w: alert record without alert", ErrIncomplete)
	}
	var c class
	switch rec.Source {
	case exporter.SourceDependabot:
		c = vulnerabilityFinding
	case exporter.SourceCodeScanning:
		c = appSecPostureFinding
	case exporter.SourceSecretScanning:
		c = dataSecurityFinding
	default:
		return fmt.Errorf("%w: alert source %q", ErrCategory, rec.Source)
	}
	ev.classify(c, alertActivity(rec.Action), "")
	ev.severity(alertSeverity(a.Severity, a.SeverityRaw))
	ev.findingStatus(alertStatus(rec.Action, a.State, a.Reason))
	ev.StatusDetail, ev.Comment = a.Reason, a.Comment
	title := alertTitle(rec)
	ev.Message = fmt.Sprintf("%s alert %s#%d %s: %s", productNames[rec.Source], rec.Repo, a.Number, rec.Action, title)
	fi := &findingInfo{
		UID: FindingUID(rec.Source, rec.Repo, a.Number), Title: title, SrcURL: a.HTMLURL,
		CreatedTime: millisPtr(a.CreatedAt), ModifiedTime: millisPtr(a.UpdatedAt),
		Product: &product{Name: productNames[rec.Source], VendorName: "GitHub"},
	}
	ev.FindingInfo = fi
	if rec.Repo != "" {
		ev.Resources = []resource{{UID: rec.Repo, Name: rec.Repo, Type: "GitHub Repository"}}
	}
	um := &unmappedAlert{Number: a.Number, State: a.State, PreviousState: a.PreviousState,
		Validity: a.Validity, PreviousValidity: a.PreviousValidity, Assignee: a.Assignee,
		PushProtectionBypassed: a.PushProtectionBypassed, PushProtectionBypassedBy: a.PushProtectionBypassedBy, AlertDetails: a.AlertDetails}
	if a.SeverityRaw != a.Severity {
		um.SeverityRaw = a.SeverityRaw
	}
	ev.Unmapped.Alert = um
	switch rec.Source {
	case exporter.SourceDependabot:
		ev.Vulnerabilities = []vulnerability{dependabotVulnerability(a, title)}
		um.Package, um.Ecosystem = a.Package, a.Ecosystem
		// Vulnerability Finding has no actor outside the host profile,
		// which describes a device: the actor stays unmapped.
		ev.Unmapped.Actor = rec.Actor
	case exporter.SourceCodeScanning:
		if a.RuleID != "" {
			fi.Analytic = &analytic{UID: a.RuleID, Name: a.RuleID, TypeID: 1, Type: "Rule"}
		}
		if a.Tool != "" {
			fi.Product = &product{Name: a.Tool}
			if a.Tool == "CodeQL" {
				fi.Product.VendorName = "GitHub"
			}
		}
		// the class needs one of application, compliance, remediation and
		// vulnerabilities: the scanned repository is the application
		ev.Application = &application{Name: cmp.Or(rec.Repo, rec.Org), UID: rec.Repo}
		if ev.Application.Name == "" {
			ev.Application.Name = "unknown"
		}
		ev.Unmapped.Actor = rec.Actor
	case exporter.SourceSecretScanning:
		if a.SecretType != "" {
			fi.Analytic = &analytic{UID: a.SecretType, Name: a.SecretType, TypeID: 1, Type: "Rule"}
		}
		ev.DataSecurity = &dataSecurity{
			CategoryID: 6, Category: "Security", // credentials
			DataLifecycleStateID: 1, DataLifecycleState: "Data at-Rest", // committed to a repository
			DetectionPattern:  a.SecretType,
			DetectionSystemID: 11, DetectionSystem: "Developer Security",
		}
		if rec.Actor != "" {
			ev.Actor = &actor{User: &user{Name: rec.Actor}}
		}
	}
	return nil
}

// dependabotVulnerability holds the advisory: by its CVE when it has one
// (what most SIEM content joins on), with the GHSA id as a related
// vulnerability, else by its GHSA id as an advisory. OCSF allows exactly
// one of cve, advisory and cwe.
func dependabotVulnerability(a *exporter.AlertInfo, title string) vulnerability {
	v := vulnerability{Title: title, Severity: a.SeverityRaw, VendorName: "GitHub"}
	switch {
	case a.CVEID != "":
		v.CVE = &idObject{UID: a.CVEID}
		if a.GHSAID != "" {
			v.RelatedVulnerabilities = []string{a.GHSAID}
		}
	case a.GHSAID != "":
		v.Advisory = &idObject{UID: a.GHSAID}
	default:
		// neither id (never seen from GitHub): the alert's own name
		v.Advisory = &idObject{UID: "dependabot#" + strconv.Itoa(a.Number)}
	}
	if a.GHSAID != "" {
		v.References = []string{"https://github.com/advisories/" + a.GHSAID}
	}
	if a.Manifest != "" {
		v.AffectedCode = []affectedCode{{File: file{Name: path.Base(a.Manifest), Path: a.Manifest, TypeID: 1, Type: "Regular File"}}}
	}
	return v
}

// alertTitle is the alert's title, else the rule, advisory or secret type
// that names it.
func alertTitle(rec *exporter.Record) string {
	a := rec.Alert
	if t := cmp.Or(a.Title, a.RuleID, a.GHSAID, a.SecretType); t != "" {
		return t
	}
	return productNames[rec.Source] + " alert #" + strconv.Itoa(a.Number)
}
