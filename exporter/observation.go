package exporter

import (
	"encoding/json"
	"time"
)

// Observation is one alert as GitHub reports it now, normalized across the
// three products. It never carries a secret scanning alert's secret value.
type Observation struct {
	Key        AlertKey
	Enterprise string
	Org        string

	// State is GitHub's state: open, dismissed, fixed, auto_dismissed or
	// resolved, or a well-formed state GitHub added later (WellFormedState).
	State       string
	Severity    string // normalized: critical, high, medium, low, none
	SeverityRaw string // GitHub's own value

	Title      string
	RuleID     string
	GHSAID     string
	CVEID      string
	SecretType string
	Package    string
	Ecosystem  string
	Manifest   string
	Tool       string
	Reason     string // dismissed_reason or resolution
	Comment    string // dismissed_comment or resolution_comment
	Validity   string
	HTMLURL    string

	CreatedAt time.Time
	UpdatedAt time.Time
	// ClosedAt is the timestamp of the current closed state (dismissed_at,
	// fixed_at, auto_dismissed_at, resolved_at); zero while open.
	ClosedAt time.Time
	// ClosedBy is dismissed_by or resolved_by, when GitHub says.
	ClosedBy string

	Bypassed   bool
	BypassedAt time.Time
	BypassedBy string

	// PubliclyLeaked: a secret scanning alert's secret was found in a public place.
	PubliclyLeaked bool
	// Assignees are the logins the alert is assigned to, sorted, when the
	// alert object carries assignees (code scanning assignees, secret
	// scanning assigned_to).
	Assignees []string
	// Details are copied to every record of the alert, never diffed.
	Details AlertDetails
	// Sender is who caused a webhook delivery; the actor of transitions
	// whose alert object names none. Empty for polls.
	Sender string

	// Raw is GitHub's object with any secret removed; shipped only when the
	// config asks for it.
	Raw json.RawMessage
}

// Open reports whether the observed state is open.
func (o *Observation) Open() bool { return o.State == "open" }

// Snapshot is what the state keeps of o.
func (o *Observation) Snapshot() Snapshot {
	return Snapshot{
		State: o.State, Severity: o.Severity, SeverityRaw: o.SeverityRaw,
		Bypassed: o.Bypassed, UpdatedAt: o.UpdatedAt.UTC(), ClosedAt: o.ClosedAt.UTC(),
		Title: o.Title, HTMLURL: o.HTMLURL,
		Validity: o.Validity, PubliclyLeaked: o.PubliclyLeaked, Assignees: o.Assignees,
		Tracks: SnapshotTracks,
	}
}

// NormalizeSeverity maps a GitHub severity of any product to
// critical/high/medium/low/none. Code scanning rules without a security
// severity use error/warning/note, mapped to high/medium/low. Unknown values
// map to none.
func NormalizeSeverity(raw string) string {
	switch raw {
	case "critical":
		return SeverityCritical
	case "high", "error":
		return SeverityHigh
	case "medium", "moderate", "warning":
		return SeverityMedium
	case "low", "note":
		return SeverityLow
	}
	return SeverityNone
}

// knownStates are the alert states GitHub's OpenAPI description lists per
// product. GitHub adds states over time; one not listed here is still a
// state (see WellFormedState) and diffs to ActionStateChanged.
var knownStates = map[Source][]string{
	SourceDependabot:     {"open", "dismissed", "fixed", "auto_dismissed"},
	SourceCodeScanning:   {"open", "dismissed", "fixed"},
	SourceSecretScanning: {"open", "resolved"},
}

// KnownState reports whether state is one the transition table has a rule
// for, for alerts of src.
func KnownState(src Source, state string) bool {
	for _, s := range knownStates[src] {
		if s == state {
			return true
		}
	}
	return false
}

// WellFormedState reports whether s looks like a GitHub alert state:
// 1–40 characters of lowercase a–z and underscore, starting with a letter.
// Anything else (empty, null, garbled) is not a state at all.
func WellFormedState(s string) bool {
	if len(s) == 0 || len(s) > 40 || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}
