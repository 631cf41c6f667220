// Package ecs renders a record as one Elastic Common Schema (ECS 9.4.0)
// document, for sinks configured with the ECS format: the fields Elastic's
// searches, rules and Security views read (@timestamp, event.*,
// vulnerability.*, rule.*, package.*, user.*, organization.name, url.full,
// related.*) and everything else of the record under github.*, which ECS
// leaves to custom fields.
//
// Alert transitions, request records and audit records each have their own
// mapping; docs/ecs.md is the table and says why each event.kind,
// event.category and event.type was chosen. Audit records take the shape
// Elastic's GitHub integration gives them (its github.audit ingest
// pipeline), so Elastic's GitHub detection rules read them as they are, and
// carry GitHub's entry unchanged under github.audit.
//
// The package is pure: Marshal reads nothing but the record and writes
// nothing. The tests check every field it writes, with its type and allowed
// values, against ECS's own field definitions (ecs_flat.yml, read from the
// reference copy beside the repository).
package ecs
