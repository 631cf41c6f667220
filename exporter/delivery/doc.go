// Package delivery empties each sink's outbox: one Deliverer per sink reads
// batches in outbox order, sends them through the sink, and removes records
// only after the sink accepted them, committing one batch's ack while the
// next is on the wire. One Retrier serves every sink: it classifies the
// sink's error (exporter.Classify), waits with backoff or the
// server's Retry-After, dead-letters what a sink refused for good, and
// keeps the health that /healthz and the metrics show.
//
// Records reach the outbox through package ingest; this package never
// diffs or writes snapshots.
package delivery
