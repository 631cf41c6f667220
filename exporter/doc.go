// Package exporter is the domain of ghsec-exporter, which every other
// package builds on and which imports none of them: the normalized record
// (schema version 1) and its ids, the Observation of an alert and the
// Snapshot kept of it, the pure Diff that turns two sightings into
// transition records, the Sink interface every destination implements with
// the classification of its failures (and RawSender, for sinks that ship
// the stored record JSON), the SinkDeps a sink is built with, the two
// helpers every retrying loop shares (ParseRetryAfter, Sleep) and the loop
// of the periodic background jobs (Every). The JSON form of records and
// snapshots is package recordjson's.
package exporter
