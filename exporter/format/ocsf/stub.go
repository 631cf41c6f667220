package ocsf

import (
	"errors"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Marshal is a placeholder until the OCSF mapper lands: the real package
// replaces this file. It fails for every record, so a sink configured with
// schema: ocsf dead-letters what it cannot render instead of shipping
// something else.
func Marshal(rec *exporter.Record) ([]byte, error) {
	return nil, errors.New("ocsf: mapper not built")
}
