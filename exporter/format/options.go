package format

import (
	"errors"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// Values of Options.Schema.
const (
	// SchemaRecord is the normalized record (docs/record.schema.json).
	SchemaRecord = "record"
	// SchemaOCSF is an OCSF 1.8.0 event per record.
	SchemaOCSF = "ocsf"
	// SchemaECS is an Elastic Common Schema document per record.
	SchemaECS = "ecs"
)

// Values of Options.AuditBody.
const (
	// AuditBodyRecord renders audit records like every other record, in
	// Schema.
	AuditBodyRecord = "record"
	// AuditBodyEntry ships an audit record as GitHub's entry, whatever
	// Schema says.
	AuditBodyEntry = "entry"
)

// Options are the keys every sink that ships one event per record (file,
// splunk_hec, splunk_cloud_services, syslog) has in its entry, inlined in
// its Config with `yaml:",inline"`. The key is `schema`, not `format`:
// syslog's `format` (rfc5424 / rfc3164) and `body` (json / cef) name other
// things already, and one name for all sinks keeps the config readable.
type Options struct {
	// Schema is what every record's body follows: record (default), ocsf
	// or ecs. "" is record.
	Schema string `yaml:"schema"`
	// AuditBody is record (default: audit records follow Schema too) or
	// entry (GitHub's audit entry as its streaming sends it). "" is
	// record.
	AuditBody string `yaml:"audit_body"`
}

// DefaultOptions returns the defaults a sink's DefaultConfig starts from:
// the normalized record for every record.
func DefaultOptions() Options {
	return Options{Schema: SchemaRecord, AuditBody: AuditBodyRecord}
}

// Validate checks the two values, reading nothing. Errors are
// *config.FieldError naming schema or audit_body relative to the sink's
// entry (wiring prefixes sinks[i]), joined.
func (o Options) Validate() error {
	var errs []error
	switch o.Schema {
	case "", SchemaRecord, SchemaOCSF, SchemaECS:
	default:
		errs = append(errs, config.Field("schema", o.Schema, "must be record, ocsf or ecs"))
	}
	switch o.AuditBody {
	case "", AuditBodyRecord, AuditBodyEntry:
	default:
		errs = append(errs, config.Field("audit_body", o.AuditBody, "must be record or entry"))
	}
	return errors.Join(errs...)
}

// IsDefault reports whether every record ships as the normalized record,
// i.e. as the outbox stores it: a sink that ships stored bytes then needs
// no decoding at all.
func (o Options) IsDefault() bool {
	return (o.Schema == "" || o.Schema == SchemaRecord) && (o.AuditBody == "" || o.AuditBody == AuditBodyRecord)
}

// Entry reports whether a record of category c ships as its audit entry.
func (o Options) Entry(c exporter.Category) bool {
	return o.AuditBody == AuditBodyEntry && c == exporter.CategoryAudit
}

// AsStored reports whether a record of category c ships as the outbox
// stores it (the normalized record), so a sink that has its stored bytes
// need not decode it.
func (o Options) AsStored(c exporter.Category) bool {
	return (o.Schema == "" || o.Schema == SchemaRecord) && !o.Entry(c)
}
