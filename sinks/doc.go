// Package sinks holds one package per destination type (file, splunkhec,
// splunkcloud, syslog, email), each implementing exporter.Sink; this package
// itself has no code. The table that maps a config entry's `type` to its
// package lives beside main, in cmd/ghsec-exporter/wiring, which decodes
// the entry strictly into that type's Config; receivers starts the real
// receivers the sinks' integration tests run against.
//
// A new sink type is one package here and one line in wiring's table. The
// package provides:
//
//   - Config, a struct of YAML fields, and DefaultConfig() Config, which
//     returns every default; the entry is decoded strictly over it, so an
//     unknown key is an error.
//   - (*Config).Validate() error, which checks the decoded config without
//     I/O beyond stat-ing paths. Its errors are built with config.Field and
//     name fields relative to the entry ("address", "tls.ca_file"); Decode
//     prefixes them with "sinks[i]".
//   - New(Config, exporter.SinkDeps) (*Sink, error), which resolves secrets
//     and loads files but needs no destination to be up: connecting is the
//     first Send's business. Every field of SinkDeps is filled by the
//     daemon (name, scoped logger, version, state store, clock).
//   - Sink implementing exporter.Sink: Send makes one attempt per call and
//     returns nil only when the destination accepted (or acknowledged) every
//     record of the batch; otherwise the error is classified with
//     exporter.Retryable, exporter.Permanent, exporter.Paused or
//     exporter.Rejected, and an unclassified error is retried, so a sink
//     that cannot tell never loses a record. Retries and backoff belong to
//     the delivery loop, not to the sink. A sink that needs a goroutine of
//     its own (a digest schedule) also implements exporter.Runner. A sink that
//     ships the record JSON as stored (file, splunk_hec,
//     splunk_cloud_services) also implements exporter.RawSender and is then
//     handed the outbox's bytes instead of decoded records.
package sinks
