package exporter

import (
	"slices"
	"time"
)

// AlertKey identifies an alert: the number alone is never unique.
type AlertKey struct {
	Source Source
	Repo   string // owner/name
	Number int
}

// Snapshot is the last-seen state of one alert, as kept in the state file:
// just what the diff and the overviews need, never a secret.
type Snapshot struct {
	State       string    `json:"s"`
	Severity    string    `json:"v,omitempty"`
	SeverityRaw string    `json:"r,omitempty"`
	Bypassed    bool      `json:"b,omitempty"`
	UpdatedAt   time.Time `json:"u"`
	ClosedAt    time.Time `json:"c,omitzero"` // the current closing timestamp, if closed
	Title       string    `json:"t,omitempty"`
	HTMLURL     string    `json:"h,omitempty"`

	Validity       string   `json:"y,omitempty"`
	PubliclyLeaked bool     `json:"p,omitempty"`
	Assignees      []string `json:"a,omitempty"`
	// Tracks is SnapshotTracks when Validity, PubliclyLeaked and Assignees
	// were recorded; older snapshots lack them, and the diff must not read
	// their absence as a change.
	Tracks int `json:"k,omitempty"`
}

// SnapshotTracks is the Tracks value of snapshots written by this version.
const SnapshotTracks = 1

// Equal reports whether two snapshots hold the same state (times compared
// as instants).
func (s Snapshot) Equal(o Snapshot) bool {
	return s.State == o.State && s.Severity == o.Severity && s.SeverityRaw == o.SeverityRaw &&
		s.Bypassed == o.Bypassed && s.UpdatedAt.Equal(o.UpdatedAt) && s.ClosedAt.Equal(o.ClosedAt) &&
		s.Title == o.Title && s.HTMLURL == o.HTMLURL && s.Validity == o.Validity &&
		s.PubliclyLeaked == o.PubliclyLeaked && slices.Equal(s.Assignees, o.Assignees) && s.Tracks == o.Tracks
}
