package exporter

import "time"

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
}

// Equal reports whether two snapshots hold the same state (times compared
// as instants).
func (s Snapshot) Equal(o Snapshot) bool {
	return s.State == o.State && s.Severity == o.Severity && s.SeverityRaw == o.SeverityRaw &&
		s.Bypassed == o.Bypassed && s.UpdatedAt.Equal(o.UpdatedAt) && s.ClosedAt.Equal(o.ClosedAt) &&
		s.Title == o.Title && s.HTMLURL == o.HTMLURL
}
