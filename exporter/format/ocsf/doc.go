// Package ocsf maps the exporter's records to OCSF 1.8.0 events
// (https://schema.ocsf.io/1.8.0), the schema Amazon Security Lake, Splunk's
// OCSF add-on and others normalize on. It is pure: Marshal turns one
// record into one event's JSON and does no I/O.
//
// Classes: a Dependabot alert transition is a Vulnerability Finding (2002),
// a code scanning one an Application Security Posture Finding (2007), a
// secret scanning one a Data Security Finding (2006); an audit entry is an
// Account Change (3001) when its action changes a user account
// (user.create, user.suspend, two_factor_authentication.disabled, ...) and
// an API Activity (6003) otherwise; a dismissal or bypass request record is
// a Detection Finding (2004). All events of one alert share
// finding_info.uid (FindingUID), metadata.uid is the record's id, time is
// the record's time in epoch milliseconds, and what OCSF has no attribute
// for stays under unmapped with the record's own names (the audit entry
// whole under unmapped.audit.entry). docs/ocsf.md has the field table and
// the reasons for each choice.
//
// The tests validate every event they make against the OCSF schema files
// themselves (internal/ocsfschema), which they read from
// ../shared/reference/ocsf/v1.8.0 beside the repository and fail without.
package ocsf
