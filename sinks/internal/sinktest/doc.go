// Package sinktest is the delivery harness of the sink fault tests: a real
// state file holding a sink's outbox and the project's delivery.Deliverer
// moving it to one exporter.Sink, so a test can break the receiver, watch
// the loop fail without losing a record, heal the receiver and see every
// record delivered; Hijack breaks an HTTP receiver below HTTP, Build
// makes a sink from its config as the daemon does, and Formats lists the
// schema and audit_body settings a sink's format test goes through. It is
// imported by tests only.
package sinktest
