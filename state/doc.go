// Package state is ghsec-exporter's durable memory: one bbolt file holding
// every tracked alert's last-seen snapshot keyed by (source, repo, number),
// polling cursors, sets of already-shipped audit document ids, one outbox and
// one dead-letter bucket per sink, each sink's own bucket, the security
// overview's counts and oldest-alert index (overview.go), and the schema
// version. No other package imports bbolt.
//
// The invariant the exporter is built on: records are appended to the outboxes
// in the same transaction (Update) that advances the snapshots or cursor they
// came from, and leave an outbox only after the sink accepted them.
package state
