// Package recordschema validates records against the published JSON Schema
// of schema version 1. The embedded copy must equal docs/record.schema.json,
// which a test checks; tests of every package that emits records use it.
package recordschema
