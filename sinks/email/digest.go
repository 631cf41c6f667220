package email

import (
	"cmp"
	"slices"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Stamp is a time shown in a mail: it prints as "2006-01-02 15:04 MST" in
// the sink's time zone, and templates may still call .Format.
type Stamp struct{ time.Time }

// String renders the time for a mail, or "" when unset.
func (s Stamp) String() string {
	if s.IsZero() {
		return ""
	}
	return s.Format("2006-01-02 15:04 MST")
}

// Digest is the summary of one period, the data of the digest's subject and
// body templates.
type Digest struct {
	// Sink is the sink's configured name; Version the exporter's.
	Sink, Version string
	// PeriodStart is when the last digest was accepted (or the sink
	// started), PeriodEnd when this one was cut.
	PeriodStart, PeriodEnd Stamp
	// New counts the period's events: alert transitions plus audit entries.
	New int
	// NewAlerts counts alerts created in the period; AuditEvents the audit entries.
	NewAlerts, AuditEvents int
	// Counts is transitions by action × source, split by severity.
	Counts []CountRow
	// NewCriticalHigh lists alerts created with critical or high severity.
	NewCriticalHigh List
	// Bypasses lists push-protection bypasses.
	Bypasses List
	// Fixed counts fixed alerts; MedianTimeToFix is the median of fixed
	// time − alert creation ("" when no fixed alert had a creation time).
	Fixed           int
	MedianTimeToFix string
	// Dismissals lists dismissed alerts and resolved secrets with actor and reason.
	Dismissals List
	// Requests lists the dismissal and bypass requests approved, denied or
	// expired in the period, self-reviewed ones first; RequestsApproved,
	// RequestsDenied, RequestsExpired and RequestsSelfReviewed count them.
	Requests                                                                List
	RequestsApproved, RequestsDenied, RequestsExpired, RequestsSelfReviewed int
	// Audit groups the audit entries by action, most frequent first.
	Audit     []AuditGroup
	AuditMore int
	// Open is the current overview of open alerts.
	Open Overview
}

// Empty reports whether the period had no events.
func (d *Digest) Empty() bool { return d.New == 0 }

// CountRow is one action × source line of the counts table.
type CountRow struct {
	Action                                   string
	Source                                   exporter.Source
	Critical, High, Medium, Low, None, Total int
}

// List is a capped list of alert events; More says how many were left out.
type List struct {
	Items []AlertLine
	More  int
}

// AlertLine is one alert event in a list.
type AlertLine struct {
	Time     Stamp
	Action   string
	Source   exporter.Source
	Org      string
	Repo     string
	Number   int
	Title    string
	Severity string
	URL      string
	Actor    string
	Reason   string
	Comment  string
	Secret   string
	// Request lines: Number is the request's; AlertNumber the alert's (0
	// for none).
	Kind, Target, Requester string
	AlertNumber             int
	SelfReviewed            bool
}

// AuditGroup is one audit action with how often it occurred and who did it.
type AuditGroup struct {
	Action string
	Count  int
	// Actors are the most frequent actors, "login (n)", at most three.
	Actors []string
}

// severityOrder ranks normalized severities, unknown ones last.
var severityOrder = map[string]int{
	exporter.SeverityCritical: 0, exporter.SeverityHigh: 1, exporter.SeverityMedium: 2,
	exporter.SeverityLow: 3, exporter.SeverityNone: 4,
}

// actionOrder puts the counts table in the order a reader cares about.
var actionOrder = []string{
	exporter.ActionCreated, exporter.ActionPushProtectionBypassed, exporter.ActionReintroduced,
	exporter.ActionReopened, exporter.ActionAutoReopened, exporter.ActionSeverityChanged,
	exporter.ActionFixed, exporter.ActionResolved, exporter.ActionDismissed,
	exporter.ActionAutoDismissed, exporter.ActionWithdrawn,
}

func rank[T comparable](order []T, v T) int {
	if i := slices.Index(order, v); i >= 0 {
		return i
	}
	return len(order)
}

func (r *CountRow) add(severity string) {
	switch severity {
	case exporter.SeverityCritical:
		r.Critical++
	case exporter.SeverityHigh:
		r.High++
	case exporter.SeverityMedium:
		r.Medium++
	case exporter.SeverityLow:
		r.Low++
	default:
		r.None++
	}
	r.Total++
}

func lineOf(e *entry, loc *time.Location) AlertLine {
	return AlertLine{
		Time: Stamp{e.Time.In(loc)}, Action: e.Action, Source: e.Source, Org: e.Org, Repo: e.Repo, Number: e.Number,
		Title: e.Title, Severity: e.Severity, URL: e.URL, Actor: e.Actor, Reason: e.Reason,
		Comment: e.Comment, Secret: e.Secret,
		Kind: e.Kind, Target: e.Target, Requester: e.Requester, AlertNumber: e.AlertNumber, SelfReviewed: e.SelfReviewed,
	}
}

// selfReviewedFirst orders request lines: self-reviewed ones first, then
// by time.
func selfReviewedFirst(a, b AlertLine) int {
	return cmp.Or(cmp.Compare(b2i(!a.SelfReviewed), b2i(!b.SelfReviewed)), byTime(a, b))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func byTime(a, b AlertLine) int {
	return cmp.Or(a.Time.Compare(b.Time.Time), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Number, b.Number))
}

func bySeverityThenTime(a, b AlertLine) int {
	return cmp.Or(cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)), byTime(a, b))
}

func sevRank(s string) int {
	if r, ok := severityOrder[s]; ok {
		return r
	}
	return len(severityOrder)
}

// formatDuration renders a time to fix as "3d 4h", "5h 12m" or "12m".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return itoa(days) + "d " + itoa(hours) + "h"
	case hours > 0:
		return itoa(hours) + "h " + itoa(mins) + "m"
	}
	return itoa(mins) + "m"
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return (ds[n/2-1] + ds[n/2]) / 2
}
