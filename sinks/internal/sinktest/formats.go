package sinktest

import "github.com/ghsec-exporter/ghsec-exporter/exporter/format"

// Formats returns every schema and audit_body a sink's entry can name,
// each combination once, the default (record, record) first: the option
// sets a sink's format test renders every record in.
func Formats() []format.Options {
	var out []format.Options
	for _, schema := range []string{format.SchemaRecord, format.SchemaOCSF, format.SchemaECS} {
		for _, body := range []string{format.AuditBodyRecord, format.AuditBodyEntry} {
			out = append(out, format.Options{Schema: schema, AuditBody: body})
		}
	}
	return out
}
