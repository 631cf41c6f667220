// Package format is what a sink's `schema` and `audit_body` options do to
// the body it ships: the normalized record (the default, the outbox's
// bytes unchanged), an OCSF event (package ocsf), an ECS document
// (package ecs), or, for audit records with audit_body: entry, GitHub's
// audit entry itself, as GitHub's audit-log streaming sends it, so that
// detection content written for the stream (Splunk ESCU, the Splunk Add-on
// for GitHub, Elastic's and Panther's GitHub integrations, Sigma) reads our
// events unchanged.
//
// An entry carries our id, origin and observed_at in the transport's
// metadata where it has some (HEC indexed fields, RFC 5424 structured
// data: the sink puts them there, RenderBody leaves them out) and
// otherwise under the one top-level key MetaKey, which GitHub's entries
// never use (Render adds it).
//
// The package is pure: it renders bytes and makes no I/O; each sink
// decides where the body goes.
package format
