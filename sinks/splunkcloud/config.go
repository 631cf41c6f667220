package splunkcloud

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
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
	// Common holds the keys splunk_hec has too: token_file / token_env (the
	// SCS access token), fields (attributes), record_fields,
	// max_batch_events (at most 500), max_batch_bytes (at most 1,040,000,
	// JSON before compression) and timeout.
	splunk.Common `yaml:",inline"`
	// Host overrides where requests go: a URL such as https://api.example
	// or http://127.0.0.1:8080 (tests). Empty: SCS's own
	// https://api.scp.splunk.com.
	Host string `yaml:"host"`
	// EventHost is the events' host field; default: this machine's hostname.
	EventHost string `yaml:"event_host"`
	// Alert and Audit set source and sourcetype per record category.
	Alert Target `yaml:"alert"`
	Audit Target `yaml:"audit"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry as the body, our id, origin and observed_at
	// under format.MetaKey).
	format.Options `yaml:",inline"`
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
		Common:  splunk.DefaultCommon(maxEvents, maxBytes),
		Alert:   Target{Sourcetype: DefaultAlertSourcetype},
		Audit:   Target{Sourcetype: DefaultAuditSourcetype},
		Options: format.DefaultOptions(),
	}
}

var tenantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the config without reading anything (the token is
// Resolve's), naming fields relative to the sink entry.
func (c *Config) Validate() error {
	errs := []error{c.Common.Validate(splunk.Limits{MaxEvents: maxEvents, MaxBytes: maxBytes}), c.Options.Validate()}
	if !tenantRE.MatchString(c.Tenant) {
		errs = append(errs, config.Field("tenant", c.Tenant, "must be an SCS tenant name (lowercase letters, digits, - and _)"))
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
	return errors.Join(errs...)
}

// Resolved is a validated Config with the access token read, what New
// builds from; Config.Resolve makes it, the only place the token is read.
type Resolved struct {
	Config
	token string
}

// Resolve reads the access token of the validated config, once. Its error
// is a *config.FieldError (config.ErrUnreadable) naming token_file or
// token_env, never the token.
func (c *Config) Resolve() (Resolved, error) {
	token, err := c.ResolveToken()
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{Config: *c, token: token}, nil
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
