package config

import (
	"time"
)

// DefaultRequestWindow is github.request_window's default: a month, GitHub's
// longest time_period. A request may change status up to a week after it
// was made (it expires unreviewed after 7 days) and GitHub's lists select
// requests by when they were made, so a shorter window would lose the
// outcome of every request older than it.
const DefaultRequestWindow = 30 * 24 * time.Hour

// MaxRequestWindow is the longest window GitHub's lists offer (a month).
const MaxRequestWindow = 30 * 24 * time.Hour

// RequestPeriod is GitHub's time_period covering window: the shortest of
// hour, day, week and month that is at least as long.
func RequestPeriod(window time.Duration) string {
	switch {
	case window <= time.Hour:
		return "hour"
	case window <= 24*time.Hour:
		return "day"
	case window <= 7*24*time.Hour:
		return "week"
	}
	return "month"
}

// requestWindowField checks github.request_window against the requests
// schedule: at most a month (GitHub has no longer time_period) and at least
// twice the longest gap between two runs, so a run that fails or is skipped
// leaves nothing unread.
func requestWindowField(spec string, window time.Duration) error {
	if window <= 0 || window > MaxRequestWindow {
		return Field("github.request_window", window, "must be positive and at most 720h (GitHub's longest time_period, a month)")
	}
	sched, err := CronParser.Parse(spec)
	if err != nil {
		return nil // schedules.requests names the problem
	}
	// the longest gap over a year of runs from a fixed instant
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var gap time.Duration
	for i := 0; i < 400; i++ {
		next := sched.Next(at)
		if next.IsZero() {
			return nil
		}
		gap = max(gap, next.Sub(at))
		at = next
		if at.Year() > 2026 {
			break
		}
	}
	if window < 2*gap {
		return Field("github.request_window", window, "must be at least twice the gap between runs of schedules.requests (%s)", gap)
	}
	return nil
}
