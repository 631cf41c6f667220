package email

import (
	"cmp"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Overview is the current state of open alerts, like GitHub's security
// overview: by severity × kind, and the repositories with the most open
// critical and high alerts.
type Overview struct {
	Total                                    int
	Dependabot, CodeScanning, SecretScanning int
	// Severities has one row per severity, critical first, zeros included.
	Severities []SeverityRow
	// TopRepos are the repositories with open critical or high alerts,
	// most critical first.
	TopRepos []RepoRow
}

// SeverityRow is one severity's open alerts by kind. Bar is the row's share
// of the largest row in percent, for the chart.
type SeverityRow struct {
	Severity                                        string
	Dependabot, CodeScanning, SecretScanning, Total int
	Bar                                             int
	Color                                           string
}

// RepoRow is one repository's open alerts.
type RepoRow struct {
	Repo                  string
	Critical, High, Total int
	Bar                   int
}

// severities are the overview's rows; alerts without a known severity
// (secret scanning has none) count as "none".
var severities = []string{exporter.SeverityCritical, exporter.SeverityHigh, exporter.SeverityMedium, exporter.SeverityLow, exporter.SeverityNone}

// severityColors follow GitHub's own palette, so the chart reads familiar.
var severityColors = map[string]string{
	exporter.SeverityCritical: "#cf222e", exporter.SeverityHigh: "#bc4c00", exporter.SeverityMedium: "#9a6700",
	exporter.SeverityLow: "#6e7781", exporter.SeverityNone: "#afb8c1",
}

func buildOverview(db exporter.SinkStore, top int) (Overview, error) {
	var o Overview
	rows := make([]SeverityRow, len(severities))
	for i, s := range severities {
		rows[i] = SeverityRow{Severity: s, Color: severityColors[s]}
	}
	repos := map[string]*RepoRow{}
	err := db.ForEachOpenAlert(func(a exporter.TrackedAlert) error {
		i, ok := severityOrder[a.Severity]
		if !ok {
			i = len(severities) - 1
		}
		r := &rows[i]
		switch a.Source {
		case exporter.SourceDependabot:
			r.Dependabot++
			o.Dependabot++
		case exporter.SourceCodeScanning:
			r.CodeScanning++
			o.CodeScanning++
		case exporter.SourceSecretScanning:
			r.SecretScanning++
			o.SecretScanning++
		}
		r.Total++
		o.Total++
		rr := repos[a.Repo]
		if rr == nil {
			rr = &RepoRow{Repo: a.Repo}
			repos[a.Repo] = rr
		}
		rr.Total++
		switch a.Severity {
		case exporter.SeverityCritical:
			rr.Critical++
		case exporter.SeverityHigh:
			rr.High++
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	maxRow := 0
	for _, r := range rows {
		maxRow = max(maxRow, r.Total)
	}
	for i := range rows {
		rows[i].Bar = pct(rows[i].Total, maxRow)
	}
	o.Severities = rows
	for _, r := range repos {
		if r.Critical+r.High > 0 {
			o.TopRepos = append(o.TopRepos, *r)
		}
	}
	slices.SortFunc(o.TopRepos, func(x, y RepoRow) int {
		return cmp.Or(cmp.Compare(y.Critical, x.Critical), cmp.Compare(y.High, x.High), cmp.Compare(y.Total, x.Total), cmp.Compare(x.Repo, y.Repo))
	})
	if len(o.TopRepos) > top {
		o.TopRepos = o.TopRepos[:top:top]
	}
	maxRepo := 0
	for _, r := range o.TopRepos {
		maxRepo = max(maxRepo, r.Critical+r.High)
	}
	for i := range o.TopRepos {
		o.TopRepos[i].Bar = pct(o.TopRepos[i].Critical+o.TopRepos[i].High, maxRepo)
	}
	return o, nil
}

// pct is n's share of total in whole percent; any non-zero share shows at
// least 1% so a small bar stays visible.
func pct(n, total int) int {
	if total == 0 || n == 0 {
		return 0
	}
	return max(1, n*100/total)
}
