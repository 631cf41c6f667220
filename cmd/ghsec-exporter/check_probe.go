package main

import (
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// probeRow turns GitHub's answer for one list or audit log into a table
// row: what happened, and for a problem what to change (the daemon's
// failures say the same: ghapi.Diagnose).
func probeRow(s ghapi.Scope, kind string, p ghapi.Probe, product string) checkRow {
	d := ghapi.Diagnose(s, kind, p, product)
	return checkRow{Target: s.String(), Check: kind, Result: d.Result, Fix: d.Fix}
}

// problem is one cause and every row it explains.
type problem struct {
	fix     string
	targets []string // "org:acme" with its checks, in table order
	checks  map[string][]string
}

// groupProblems makes one problem per fix: an unreachable base_url or a
// wrong token fails every list alike, and is one thing to change. A
// warning whose fix is a problem's joins it (the product row of an
// unreachable GitHub); the others are returned as they are.
func groupProblems(rows []checkRow, warns []checkWarning) (problems []*problem, warnings []checkWarning) {
	byFix := map[string]*problem{}
	add := func(target, check, fix string) {
		p := byFix[fix]
		if p == nil {
			p = &problem{fix: fix, checks: map[string][]string{}}
			byFix[fix] = p
			problems = append(problems, p)
		}
		if _, ok := p.checks[target]; !ok {
			p.targets = append(p.targets, target)
		}
		p.checks[target] = append(p.checks[target], check)
	}
	for _, r := range rows {
		if r.Fix != "" {
			add(r.Target, r.Check, r.Fix)
		}
	}
	for _, w := range warns {
		if w.key != "" && byFix[w.key] != nil {
			add(w.Target, w.Check, w.key)
		} else {
			warnings = append(warnings, w)
		}
	}
	return problems, warnings
}

// String renders the problem's line: "org:acme dependabot, code_scanning;
// github product: FIX".
func (p *problem) String() string {
	parts := make([]string, len(p.targets))
	for i, t := range p.targets {
		parts[i] = t + " " + strings.Join(p.checks[t], ", ")
	}
	return strings.Join(parts, "; ") + ": " + p.fix
}
