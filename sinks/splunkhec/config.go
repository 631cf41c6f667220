package splunkhec

import (
	"errors"
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

// Config is the splunk_hec sink's entry in `sinks:`.
type Config struct {
	// URL is HEC's base URL, e.g. https://splunk.example.com:8088; the sink
	// appends /services/collector/event itself.
	URL string `yaml:"url"`
	// TokenFile / TokenEnv hold the HEC token (exactly one).
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// Host is the envelope's host; default: this machine's hostname.
	Host string `yaml:"host"`
	// Alert and Audit set index, source and sourcetype per record category.
	Alert Target `yaml:"alert"`
	Audit Target `yaml:"audit"`
	// Fields are static indexed fields added to every event.
	Fields map[string]string `yaml:"fields"`
	// RecordFields names record fields copied into indexed fields, as
	// github_<name>: any of source, action, repo, severity, org, category.
	RecordFields []string `yaml:"record_fields"`
	// MaxBatchEvents and MaxBatchBytes bound one HTTP request (bytes before
	// compression); a larger batch is split into several requests.
	MaxBatchEvents int `yaml:"max_batch_events"`
	MaxBatchBytes  int `yaml:"max_batch_bytes"`
	// Compress gzips request bodies.
	Compress bool `yaml:"compress"`
	// Timeout bounds one HTTP request.
	Timeout config.Duration `yaml:"timeout"`
	// HealthCheck probes /services/collector/health once when the sink's Run
	// starts and logs a warning when HEC is not healthy; delivery goes on
	// either way.
	HealthCheck bool `yaml:"health_check"`
	// CAFile is a PEM bundle of the only CAs trusted for an https URL: it
	// replaces the system roots. Empty: the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate (mutual TLS), both or
	// neither; InsecureSkipVerify turns verification off (tests only;
	// logged loudly).
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	// Ack configures indexer acknowledgement.
	Ack AckConfig `yaml:"ack"`
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
		Alert:          Target{Sourcetype: DefaultAlertSourcetype},
		Audit:          Target{Sourcetype: DefaultAuditSourcetype},
		MaxBatchEvents: 500,
		MaxBatchBytes:  1 << 20,
		Compress:       true,
		Timeout:        config.Duration(30 * time.Second),
		HealthCheck:    true,
		Ack: AckConfig{
			PollInterval: config.Duration(time.Second),
			Timeout:      config.Duration(2 * time.Minute),
		},
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Validate checks the config, naming fields relative to the sink entry. It
// also resolves the token so a missing secret fails check-config.
func (c *Config) Validate() error {
	var errs []error
	if u, err := config.URLField("url", c.URL, "https://splunk:8088 (the HEC base URL)"); err != nil {
		errs = append(errs, err)
	} else if strings.Contains(u.Path, "/services/collector") {
		errs = append(errs, config.Field("url", c.URL, "give the base URL only; the sink adds /services/collector/event"))
	}
	if _, err := config.ResolveSecret("token", c.TokenFile, c.TokenEnv, true); err != nil {
		errs = append(errs, err)
	}
	if err := splunk.ValidateRecordFields(c.RecordFields); err != nil {
		errs = append(errs, err)
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
	if c.MaxBatchEvents < 1 {
		errs = append(errs, config.Field("max_batch_events", c.MaxBatchEvents, "must be at least 1"))
	}
	if c.MaxBatchBytes < 1024 {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "must be at least 1024"))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, config.Field("cert_file", c.CertFile, "cert_file and key_file go together"))
	}
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
