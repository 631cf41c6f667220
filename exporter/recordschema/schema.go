package recordschema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema is the JSON Schema of exporter.Record, schema version 1. It must be
// identical to docs/record.schema.json (a test checks).
//
//go:embed record.schema.json
var Schema []byte

var (
	once     sync.Once
	compiled *jsonschema.Schema
	compErr  error
)

func schema() (*jsonschema.Schema, error) {
	once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
		if err != nil {
			compErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource("record.schema.json", doc); err != nil {
			compErr = err
			return
		}
		compiled, compErr = c.Compile("record.schema.json")
	})
	return compiled, compErr
}

// ValidateJSON checks one record as encoded JSON.
func ValidateJSON(raw []byte) error {
	s, err := schema()
	if err != nil {
		return fmt.Errorf("compile record schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("record is not JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("record does not match schema v1: %w", err)
	}
	return nil
}

// Validate encodes r and checks it.
func Validate(r *exporter.Record) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := ValidateJSON(raw); err != nil {
		return fmt.Errorf("record %s (%s %s): %w", r.ID, r.Source, r.Action, err)
	}
	return nil
}
