// Package pipeline runs ghsec-exporter's jobs against the state file: alert
// polls (incremental, backfill, reconcile), audit-log polls, and one delivery
// loop per sink. Every job writes the records it produces into each sink's
// outbox in the same state transaction that advances the snapshots or cursor
// they came from; delivery loops remove records only after the sink accepted
// them. A crash at any instant therefore loses nothing, and a repeated poll
// regenerates the same records with the same ids.
package pipeline
