// Package sinks holds one package per destination type (file, splunkhec,
// splunkcloud, syslog, email, otlp, kafka, elasticsearch, azuremonitor), each
// implementing exporter.Sink; this package
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
//   - (*Config).Validate() error, which checks the decoded config's shape
//     and does no I/O at all: no file is read or stat-ed, no environment
//     variable looked up, so a config validates the same on any machine.
//     A secret is a config.SecretRef: Validate calls its Check. Errors are
//     *config.FieldError (config.Field, Required, Conflict) naming fields
//     relative to the entry ("address", "ca_file"); wiring.Decode prefixes
//     them with "sinks[i]".
//   - Resolved, the validated Config plus what it names from outside the
//     YAML, and (*Config).Resolve() (Resolved, error), the resolve step: it
//     reads every secret (SecretRef.Resolve) and file (CA bundles, client
//     certificates via tlsconf.Client) once, and parses what New would
//     otherwise parse again. Its errors are *config.FieldError,
//     config.ErrUnreadable for a file or variable, naming the field and the
//     path or variable name, never the content; wiring.Resolve prefixes
//     them. check-config, check, run, once and a reload all resolve
//     through it, so they accept the same configs.
//   - New(Resolved, exporter.SinkDeps) (*Sink, error), which builds the
//     sink from the resolved values and reads no secret or file again (a
//     reload falling back to the old config builds from the same
//     Resolved). It needs no destination to be up: connecting is the first
//     Send's business. Every field of SinkDeps is filled by the daemon
//     (name, scoped logger, version, state store, clock).
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
//   - A sink that ships one event per record inlines format.Options in its
//     Config (`schema`, `audit_body`), validates them in Validate, and
//     renders each body with exporter/format (RenderStored for stored
//     bytes: they are decoded only when the options change that record).
package sinks
