// Package recordjson is the JSON form of the exporter's records and
// snapshots: the bytes the state file keeps (outbox entries, alert
// snapshots) and the raw sinks ship, the stored form of an outbox entry
// (MarshalStored: the record JSON behind a binary head and a CRC-32C), and
// the check the delivery loop makes on a stored entry before a sink gets
// it (DecodeStored; DecodeHead for a plain JSON entry of an earlier
// version).
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
