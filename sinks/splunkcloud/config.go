package splunkcloud

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
)

// Default sourcetypes per record category (shared by both Splunk sinks).
const (
	DefaultAlertSourcetype = splunk.DefaultAlertSourcetype
	DefaultAuditSourcetype = splunk.DefaultAuditSourcetype
)

// The ingest API's limits per request (the SDK's own batch sender uses them).
const (
	maxEvents = 500
	maxBytes  = 1040000
)

// Config is the splunk_cloud_services sink's entry in `sinks:`.
type Config struct {
	// Tenant is the SCS tenant name (the first path element of every call).
	Tenant string `yaml:"tenant"`
	// TokenFile / TokenEnv hold the SCS access token (exactly one).
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// Host overrides where requests go: a URL such as https://api.example
	// or http://127.0.0.1:8080 (tests). Empty: SCS's own
	// https://api.scp.splunk.com.
	Host string `yaml:"host"`
	// EventHost is the events' host field; default: this machine's hostname.
	EventHost string `yaml:"event_host"`
	// Alert and Audit set source and sourcetype per record category.
	Alert Target `yaml:"alert"`
	Audit Target `yaml:"audit"`
	// Fields are static attributes added to every event.
	Fields map[string]string `yaml:"fields"`
	// RecordFields names record fields copied into attributes as
	// github_<name>: any of source, action, repo, severity, org, category.
	RecordFields []string `yaml:"record_fields"`
	// MaxBatchEvents (at most 500) and MaxBatchBytes (at most 1,040,000,
	// JSON before compression) bound one request.
	MaxBatchEvents int `yaml:"max_batch_events"`
	MaxBatchBytes  int `yaml:"max_batch_bytes"`
	// Timeout bounds one request.
	Timeout config.Duration `yaml:"timeout"`
}

// Target is the source and sourcetype of one record category. An empty
// Source uses "github:<record source>".
type Target struct {
	Source     string `yaml:"source"`
	Sourcetype string `yaml:"sourcetype"`
}

// DefaultConfig returns the defaults: 500 events or 1,040,000 bytes per
// request, 30 s timeout.
func DefaultConfig() Config {
	return Config{
		Alert:          Target{Sourcetype: DefaultAlertSourcetype},
		Audit:          Target{Sourcetype: DefaultAuditSourcetype},
		MaxBatchEvents: maxEvents,
		MaxBatchBytes:  maxBytes,
		Timeout:        config.Duration(30 * time.Second),
	}
}

var tenantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the config, naming fields relative to the sink entry. It
// also resolves the token so a missing secret fails check-config.
func (c *Config) Validate() error {
	var errs []error
	if !tenantRE.MatchString(c.Tenant) {
		errs = append(errs, config.Field("tenant", c.Tenant, "must be an SCS tenant name (lowercase letters, digits, - and _)"))
	}
	if _, err := config.ResolveSecret("token", c.TokenFile, c.TokenEnv, true); err != nil {
		errs = append(errs, err)
	}
	if c.Host != "" {
		if _, err := config.URLField("host", withScheme(c.Host), "https://api.scp.splunk.com"); err != nil {
			errs = append(errs, err)
		} else if _, _, err := splitHost(c.Host); err != nil {
			errs = append(errs, config.Field("host", c.Host, "%v", err))
		}
	}
	if c.Alert.Sourcetype == "" {
		errs = append(errs, config.Field("alert.sourcetype", nil, "must not be empty"))
	}
	if c.Audit.Sourcetype == "" {
		errs = append(errs, config.Field("audit.sourcetype", nil, "must not be empty"))
	}
	if err := splunk.ValidateRecordFields(c.RecordFields); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBatchEvents < 1 || c.MaxBatchEvents > maxEvents {
		errs = append(errs, config.Field("max_batch_events", c.MaxBatchEvents, "must be between 1 and %d", maxEvents))
	}
	if c.MaxBatchBytes < 1024 || c.MaxBatchBytes > maxBytes {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "must be between 1024 and %d", maxBytes))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	return errors.Join(errs...)
}

// withScheme gives a host override without a scheme the default https.
func withScheme(h string) string {
	if !strings.Contains(h, "://") {
		return "https://" + h
	}
	return h
}

// splitHost turns the host override into the SDK's scheme and host:port.
func splitHost(h string) (scheme, host string, err error) {
	u, err := url.Parse(withScheme(h))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("must be a URL with scheme and host only, such as https://api.scp.splunk.com")
	}
	return u.Scheme, u.Host, nil
}
