package splunk

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// Common is the part of an entry that the splunk_hec and
// splunk_cloud_services sinks share: the token, the fields added to every
// event, the request bounds and the timeout. Each type's Config embeds it
// with `yaml:",inline"`, so its keys sit in the entry beside the type's own.
type Common struct {
	// TokenFile / TokenEnv hold the token (exactly one): HEC's token or
	// SCS's access token.
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// Fields are static fields added to every event (HEC: indexed fields;
	// SCS: attributes).
	Fields map[string]string `yaml:"fields"`
	// RecordFields names record fields copied into those as github_<name>:
	// any of source, action, repo, severity, org, category.
	RecordFields []string `yaml:"record_fields"`
	// MaxBatchEvents and MaxBatchBytes bound one request (bytes before
	// compression); a larger batch is split into several requests.
	MaxBatchEvents int `yaml:"max_batch_events"`
	MaxBatchBytes  int `yaml:"max_batch_bytes"`
	// Timeout bounds one request.
	Timeout config.Duration `yaml:"timeout"`
}

// Limits are the largest max_batch_events and max_batch_bytes a type
// allows; 0 is no limit (HEC's own limit is the server's setting).
type Limits struct {
	MaxEvents, MaxBytes int
}

// minBatchBytes is the least max_batch_bytes: room for one small event.
const minBatchBytes = 1024

// DefaultCommon returns the shared defaults: requests of at most maxEvents
// events and maxBytes bytes, a 30 s timeout.
func DefaultCommon(maxEvents, maxBytes int) Common {
	return Common{MaxBatchEvents: maxEvents, MaxBatchBytes: maxBytes, Timeout: config.Duration(30 * time.Second)}
}

// tokenRef is the token's pair of fields, required.
func (c *Common) tokenRef() config.SecretRef {
	return config.SecretRef{Path: "token", File: c.TokenFile, Env: c.TokenEnv, Required: true}
}

// Validate checks the shared keys without reading anything: the token's
// fields (not the token), record_fields, the request bounds within lim and
// the timeout. Errors are *config.FieldError naming fields relative to the
// entry, joined.
func (c *Common) Validate(lim Limits) error {
	errs := []error{c.tokenRef().Check(), ValidateRecordFields(c.RecordFields)}
	if c.MaxBatchEvents < 1 || lim.MaxEvents > 0 && c.MaxBatchEvents > lim.MaxEvents {
		errs = append(errs, config.Field("max_batch_events", c.MaxBatchEvents, "%s", between(1, lim.MaxEvents)))
	}
	if c.MaxBatchBytes < minBatchBytes || lim.MaxBytes > 0 && c.MaxBatchBytes > lim.MaxBytes {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "%s", between(minBatchBytes, lim.MaxBytes)))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	return errors.Join(errs...)
}

func between(lo, hi int) string {
	if hi == 0 {
		return fmt.Sprintf("must be at least %d", lo)
	}
	return fmt.Sprintf("must be between %d and %d", lo, hi)
}

// ResolveToken reads the token, for the sink's resolve step; its error
// names token_file or token_env (config.ErrUnreadable), never the token.
func (c *Common) ResolveToken() (string, error) {
	return c.tokenRef().Resolve()
}

// RecordFieldNames are the record fields a sink's record_fields may name.
var RecordFieldNames = []string{"source", "action", "repo", "severity", "org", "category"}

// ValidateRecordFields checks a record_fields list; errors name
// record_fields[i] relative to the sink entry.
func ValidateRecordFields(names []string) error {
	var errs []error
	for i, n := range names {
		if !slices.Contains(RecordFieldNames, n) {
			errs = append(errs, config.Field(fmt.Sprintf("record_fields[%d]", i), n, "unknown record field; known: %v", RecordFieldNames))
		}
	}
	return errors.Join(errs...)
}
