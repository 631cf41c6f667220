// Package exporter is the domain of ghsec-exporter: the normalized record
// (schema version 1), the diff that turns two sightings of a GitHub security
// alert into transition records, the Sink interface every destination
// implements, and the delivery loop that moves records from a sink's durable
// outbox to the sink.
//
// GitHub access lives in exporter/github, configuration in exporter/config,
// the in-process GitHub simulator in exporter/ghsim, and the daemon that wires
// them together in exporter/daemon. State is kept by package state; sinks are
// implemented under sinks/.
package exporter
