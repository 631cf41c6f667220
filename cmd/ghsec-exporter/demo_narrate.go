package main

import (
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// narrate is a record in the one line a security engineer reads: which
// path saw it, what happened, to which alert, by whom and why —
//
//	webhook    dismissed                 acme/webshop dependabot #1 high lodash  by alice: "tolerable_risk" — Only used at build time
//
// The record itself (demo -json) holds the rest.
func narrate(r exporter.Record) string {
	from := string(r.Origin)
	if r.Category == exporter.CategoryAudit {
		from = "audit log"
	}
	scope := r.Repo
	if scope == "" {
		scope = r.Org
	}
	if scope == "" {
		scope = r.Enterprise
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s  %-24s  %s", from, r.Action, scope)
	var reason, comment string
	switch r.Category {
	case exporter.CategoryAudit:
		if r.AlertSource != "" && r.Alert != nil {
			fmt.Fprintf(&b, " %s #%d", r.AlertSource, r.Alert.Number)
		}
		if q := r.Request; q != nil {
			fmt.Fprintf(&b, " %s %s request", q.Target, q.Kind)
			if q.Number > 0 {
				fmt.Fprintf(&b, " #%d", q.Number)
			}
		}
	case exporter.CategoryRequest:
		if q := r.Request; q != nil {
			fmt.Fprintf(&b, " %s %s request #%d", q.Target, q.Kind, q.Number)
			reason, comment = q.Reason, q.RequesterComment
			if q.ReviewerComment != "" {
				comment = q.ReviewerComment
			}
		}
		if r.Alert != nil {
			fmt.Fprintf(&b, " for alert #%d", r.Alert.Number)
		}
	default:
		if a := r.Alert; a != nil {
			fmt.Fprintf(&b, " %s #%d %s %s", r.Source, a.Number, a.Severity, alertSubject(r.Source, a))
			switch r.Action {
			case "state_changed":
				fmt.Fprintf(&b, ": %s → %s", a.PreviousState, a.State)
			case "validity_changed":
				fmt.Fprintf(&b, ": validity %s → %s", a.PreviousValidity, a.Validity)
			case "assigned", "unassigned":
				fmt.Fprintf(&b, ": %s", a.Assignee)
			}
			reason, comment = a.Reason, a.Comment
		}
	}
	switch {
	case r.Actor != "" && reason != "":
		fmt.Fprintf(&b, "  by %s: %q", r.Actor, reason)
	case r.Actor != "":
		fmt.Fprintf(&b, "  by %s", r.Actor)
	case reason != "":
		fmt.Fprintf(&b, "  %q", reason)
	}
	if comment != "" {
		b.WriteString(" — " + shorten(comment, 60))
	}
	return b.String()
}

// alertSubject is what an engineer calls the alert: the package, the rule
// or the kind of secret, else its title.
func alertSubject(source exporter.Source, a *exporter.AlertInfo) string {
	var s string
	switch source {
	case exporter.SourceDependabot:
		s = a.Package
	case exporter.SourceCodeScanning:
		s = a.RuleID
	case exporter.SourceSecretScanning:
		s = a.SecretType
	}
	if s == "" {
		s = shorten(a.Title, 50)
	}
	return s
}

// shorten cuts s to at most n runes on one line, marking a cut with "…".
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
