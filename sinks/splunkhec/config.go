package splunkhec

import (
	"crypto/tls"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/splunk"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// Default sourcetypes per record category (shared by both Splunk sinks).
const (
	DefaultAlertSourcetype = splunk.DefaultAlertSourcetype
	DefaultAuditSourcetype = splunk.DefaultAuditSourcetype
)

// Config is the splunk_hec sink's entry in `sinks:`.
type Config struct {
	// URL is HEC's base URL, e.g. https://splunk.example.com:8088; the sink
	// appends /services/collector/event itself.
	URL string `yaml:"url"`
	// Common holds the keys splunk_cloud_services has too: token_file /
	// token_env (the HEC token), fields (indexed fields), record_fields,
	// max_batch_events, max_batch_bytes and timeout.
	splunk.Common `yaml:",inline"`
	// Host is the envelope's host; default: this machine's hostname.
	Host string `yaml:"host"`
	// Alert and Audit set index, source and sourcetype per record category.
	Alert Target `yaml:"alert"`
	Audit Target `yaml:"audit"`
	// Compress gzips request bodies.
	Compress bool `yaml:"compress"`
	// HealthCheck probes /services/collector/health once when the sink's Run
	// starts and logs a warning when HEC is not healthy; delivery goes on
	// either way.
	HealthCheck bool `yaml:"health_check"`
	// Settings are ca_file (the only CAs trusted for an https URL),
	// cert_file and key_file (a client certificate) and
	// insecure_skip_verify.
	tlsconf.Settings `yaml:",inline"`
	// Ack configures indexer acknowledgement.
	Ack AckConfig `yaml:"ack"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry as the event, our id, origin and observed_at
	// in the indexed fields ghsec_id, ghsec_origin, ghsec_observed_at).
	format.Options `yaml:",inline"`
}

// Target is where one record category goes in Splunk. An empty Index uses
// the token's default index; an empty Source uses "github:<record source>".
type Target struct {
	Index      string `yaml:"index"`
	Source     string `yaml:"source"`
	Sourcetype string `yaml:"sourcetype"`
}

// AckConfig configures HEC indexer acknowledgement.
type AckConfig struct {
	Enabled bool `yaml:"enabled"`
	// Channel is the X-Splunk-Request-Channel GUID. Empty: one is generated
	// and kept in the state file, so the sink reuses it across restarts.
	Channel string `yaml:"channel"`
	// PollInterval is the wait between two /services/collector/ack queries.
	PollInterval config.Duration `yaml:"poll_interval"`
	// Timeout is how long Send waits for acknowledgement before failing
	// with a retryable error (the batch is then re-sent).
	Timeout config.Duration `yaml:"timeout"`
}

// DefaultConfig returns the defaults: gzip on, 500 events or 1 MB per
// request, 30 s request timeout, health check on, ack off (1 s polls,
// 2 min timeout when turned on).
func DefaultConfig() Config {
	return Config{
		Common:      splunk.DefaultCommon(500, 1<<20),
		Alert:       Target{Sourcetype: DefaultAlertSourcetype},
		Audit:       Target{Sourcetype: DefaultAuditSourcetype},
		Compress:    true,
		HealthCheck: true,
		Ack: AckConfig{
			PollInterval: config.Duration(time.Second),
			Timeout:      config.Duration(2 * time.Minute),
		},
		Options: format.DefaultOptions(),
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks the config without reading anything (the token and the
// TLS files are Resolve's), naming fields relative to the sink entry.
func (c *Config) Validate() error {
	errs := []error{c.Common.Validate(splunk.Limits{}), c.Options.Validate()}
	if u, err := config.URLField("url", c.URL, "https://splunk:8088 (the HEC base URL)"); err != nil {
		errs = append(errs, err)
	} else if strings.Contains(u.Path, "/services/collector") {
		errs = append(errs, config.Field("url", c.URL, "give the base URL only; the sink adds /services/collector/event"))
	}
	for k := range c.Fields {
		if k == "" || strings.ContainsAny(k, " \t\n") {
			errs = append(errs, config.Field("fields", k, "field names must be non-empty without spaces"))
		}
	}
	if c.Alert.Sourcetype == "" {
		errs = append(errs, config.Field("alert.sourcetype", nil, "must not be empty"))
	}
	if c.Audit.Sourcetype == "" {
		errs = append(errs, config.Field("audit.sourcetype", nil, "must not be empty"))
	}
	errs = append(errs, tlsconf.Check(c.Settings.Options()))
	if c.Ack.Channel != "" && !guidRE.MatchString(c.Ack.Channel) {
		errs = append(errs, config.Field("ack.channel", c.Ack.Channel, "must be a GUID such as 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"))
	}
	if c.Ack.Enabled {
		if c.Ack.PollInterval.D() <= 0 {
			errs = append(errs, config.Field("ack.poll_interval", c.Ack.PollInterval.D(), "must be positive"))
		}
		if c.Ack.Timeout.D() < c.Ack.PollInterval.D() {
			errs = append(errs, config.Field("ack.timeout", c.Ack.Timeout.D(), "must be at least ack.poll_interval"))
		}
	}
	return errors.Join(errs...)
}

// Resolved is a validated Config with what New needs from outside it: the
// token and the TLS configuration built from ca_file, cert_file and
// key_file. Config.Resolve makes it, the only place the sink reads them.
type Resolved struct {
	Config
	token string
	tls   *tls.Config
}

// Resolve reads the token and the TLS files of the validated config, once.
// Errors are *config.FieldError (config.ErrUnreadable) naming the field
// relative to the entry and the file or variable, never its content.
func (c *Config) Resolve() (Resolved, error) {
	token, tokErr := c.ResolveToken()
	tc, tlsErr := tlsconf.Client(c.Settings.Options())
	if err := errors.Join(tokErr, tlsErr); err != nil {
		return Resolved{}, err
	}
	return Resolved{Config: *c, token: token, tls: tc}, nil
}
