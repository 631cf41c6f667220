package main

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// probeRow turns GitHub's answer for one list or audit log into a table
// row: what happened, and for a problem what to change (the daemon's
// failures say the same: ghapi.Diagnose).
func probeRow(s ghapi.Scope, kind string, p ghapi.Probe, product string) checkRow {
	d := ghapi.Diagnose(s, kind, p, product)
	return checkRow{Target: s.String(), Check: kind, Result: d.Result, Fix: d.Fix}
}

// groupProblems makes one problem per fix (ghapi.Problems, as the daemon's
// failure messages group): an unreachable base_url or a wrong token fails
// every list alike, and is one thing to change. A warning whose fix is a
// problem's joins it (the product row of an unreachable GitHub); the
// others are returned as they are. A problem's line is "org:acme
// dependabot, code_scanning; github product: FIX".
func groupProblems(rows []checkRow, warns []checkWarning) (problems []string, warnings []checkWarning) {
	var causes ghapi.Problems
	for _, r := range rows {
		if r.Fix != "" {
			causes.Add(r.Target, r.Check, ghapi.Diagnosis{Result: r.Result, Fix: r.Fix})
		}
	}
	for _, w := range warns {
		if w.key != "" && causes.Has(w.key) {
			causes.Add(w.Target, w.Check, ghapi.Diagnosis{Result: w.Warn, Fix: w.key})
		} else {
			warnings = append(warnings, w)
		}
	}
	for _, c := range causes.List() {
		problems = append(problems, c.Targets()+": "+c.Fix)
	}
	return problems, warnings
}
