package recordjson

import (
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// MarshalRecord returns r's JSON as the outbox stores it and raw sinks
// ship it: encoding/json's bytes (HTML characters escaped, invalid UTF-8
// replaced). It fails for a record encoding/json refuses too (a time
// outside RFC 3339, raw JSON that is not JSON).
func MarshalRecord(r *exporter.Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.ID, err)
	}
	return b, nil
}

// UnmarshalRecord decodes a stored record into r, as encoding/json would.
func UnmarshalRecord(raw []byte, r *exporter.Record) error {
	return json.Unmarshal(raw, r)
}

// MarshalSnapshot returns s's JSON as the state file keeps it; it fails for
// a snapshot whose times are outside RFC 3339.
func MarshalSnapshot(s *exporter.Snapshot) ([]byte, error) {
	return json.Marshal(s)
}

// UnmarshalSnapshot decodes a stored snapshot into s, as encoding/json
// would.
func UnmarshalSnapshot(raw []byte, s *exporter.Snapshot) error {
	return json.Unmarshal(raw, s)
}
