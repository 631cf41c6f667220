package recordjson

import (
	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// MarshalRequestSnapshot returns s's JSON as the state file keeps it.
func MarshalRequestSnapshot(s *exporter.RequestSnapshot) ([]byte, error) {
	return json.Marshal(s)
}

// UnmarshalRequestSnapshot decodes a stored request snapshot into s.
func UnmarshalRequestSnapshot(raw []byte, s *exporter.RequestSnapshot) error {
	return json.Unmarshal(raw, s)
}
