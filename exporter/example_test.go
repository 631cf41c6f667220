package exporter_test

import (
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Diff turns what a poll saw of one alert, against the snapshot stored at
// the previous poll, into the transition records; the observation's
// Snapshot is what to store next.
func ExampleDiff() {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	alert := exporter.Observation{
		Key:   exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/app", Number: 7},
		Org:   "acme",
		State: "open", Severity: "high", SeverityRaw: "high", Package: "lodash",
		CreatedAt: t0, UpdatedAt: t0,
	}
	show := func(recs []exporter.Record) {
		for _, r := range recs {
			fmt.Printf("%s %s %s#%d at %s", r.Source, r.Action, r.Repo, r.Alert.Number, r.Time.Format(time.RFC3339))
			if r.Actor != "" {
				fmt.Printf(" by %s", r.Actor)
			}
			fmt.Println()
		}
	}

	// First sighting: no snapshot yet.
	show(exporter.Diff(nil, &alert, exporter.OriginPoll, t0.Add(time.Minute)))
	prev := alert.Snapshot()

	// The next poll sees it dismissed.
	dismissed := alert
	dismissed.State, dismissed.Reason = "dismissed", "tolerable_risk"
	dismissed.ClosedAt, dismissed.ClosedBy = t0.Add(time.Hour), "octocat"
	dismissed.UpdatedAt = dismissed.ClosedAt
	show(exporter.Diff(&prev, &dismissed, exporter.OriginPoll, t0.Add(2*time.Hour)))
	prev = dismissed.Snapshot()

	// Seen again unchanged: nothing happened.
	fmt.Println(len(exporter.Diff(&prev, &dismissed, exporter.OriginPoll, t0.Add(3*time.Hour))), "records")

	// Still dismissed, but dismissed_at moved on: between the polls it was
	// reopened and dismissed again, and both transitions are recorded.
	again := dismissed
	again.ClosedAt = t0.Add(4 * time.Hour)
	again.UpdatedAt = again.ClosedAt
	show(exporter.Diff(&prev, &again, exporter.OriginPoll, t0.Add(5*time.Hour)))
	// Output:
	// dependabot created acme/app#7 at 2026-01-05T09:00:00Z
	// dependabot dismissed acme/app#7 at 2026-01-05T10:00:00Z by octocat
	// 0 records
	// dependabot reopened acme/app#7 at 2026-01-05T13:00:00Z
	// dependabot dismissed acme/app#7 at 2026-01-05T13:00:00Z by octocat
}
