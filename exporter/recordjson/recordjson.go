// Package recordjson is the JSON form of the exporter's records and
// snapshots: the bytes the state file keeps (outbox entries, alert
// snapshots) and the raw sinks ship, and the check the delivery loop makes
// on a stored entry before a sink gets it (DecodeHead).
//
// The bytes are exactly encoding/json's (the golden files in testdata were
// written by the encoder of earlier versions and still match), so files
// written by any version read the same. The work is done by
// github.com/goccy/go-json, chosen on measurement (BenchmarkCodec, and the
// report of issue 17): it is the one candidate that wrote the golden
// corpus byte for byte, refusing the same values (times outside RFC 3339)
// and honouring omitzero, where segmentio/encoding wrote years past 9999
// and zero times under omitzero and go-json-experiment wrote invalid UTF-8
// as a raw U+FFFD instead of "\ufffd"; and it was the fastest of them at
// encoding a record and at reading a record's head. It is also what the
// GitHub client decodes pages with, so the project has one JSON library.
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
