// Package ingest turns what GitHub reports into records in the state file:
// alert listings (incremental, backfill, reconcile and the withdrawals it
// confirms), audit-log polls, and webhook deliveries with the GUID set that
// keeps a redelivered one from counting twice. Every job diffs what it
// read against the stored snapshots and writes the records it produces
// into each sink's outbox in the same state transaction that advances the
// snapshots or cursor they came from, grouping pages into few
// transactions. A crash at any instant therefore loses nothing, and a
// repeated poll regenerates the same records with the same ids.
//
// It reads GitHub through the small lister interfaces declared here
// (AlertLister, AuditLister), which ghapi's client implements; delivery to
// sinks is package delivery's.
package ingest
