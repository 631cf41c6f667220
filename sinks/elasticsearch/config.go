package elasticsearch

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// DefaultIndex is the data stream both record categories go to by default:
// it matches Elasticsearch's built-in logs-*-* index template, which makes
// it a data stream with @timestamp mapped, in the logs-<dataset>-<namespace>
// naming scheme.
const DefaultIndex = "logs-github.security-default"

// Values of Config.Compatibility.
const (
	// Elasticsearch checks that the cluster is Elasticsearch (the
	// X-Elastic-Product header on its successful replies).
	Elasticsearch = "elasticsearch"
	// OpenSearch skips that check: OpenSearch does not send the header.
	OpenSearch = "opensearch"
)

// Config is the elasticsearch sink's entry in `sinks:`.
type Config struct {
	// URLs are the cluster's nodes (or one load balancer), e.g.
	// https://es.example.com:9200; requests go to them in turn, and a path
	// after the host (a reverse proxy's prefix) is kept.
	URLs []string `yaml:"urls"`
	// Compatibility is elasticsearch (default) or opensearch.
	Compatibility string `yaml:"compatibility"`
	// APIKeyFile / APIKeyEnv hold an Elasticsearch API key, the encoded
	// form (base64 of id:key) that Kibana and the create API key API show.
	APIKeyFile string `yaml:"api_key_file"`
	APIKeyEnv  string `yaml:"api_key_env"`
	// Username and PasswordFile / PasswordEnv are basic authentication,
	// the alternative to an API key (OpenSearch has only this one).
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// AlertIndex and AuditIndex are the data streams (or indices, or
	// aliases) each record category is written to.
	AlertIndex string `yaml:"alert_index"`
	AuditIndex string `yaml:"audit_index"`
	// Pipeline is an ingest pipeline every document goes through; empty:
	// the index's default pipeline, if any.
	Pipeline string `yaml:"pipeline"`
	// MaxBatchEvents and MaxBatchBytes bound one _bulk request (bytes
	// before compression); a larger batch is sent as several requests.
	MaxBatchEvents int `yaml:"max_batch_events"`
	MaxBatchBytes  int `yaml:"max_batch_bytes"`
	// Compress gzips request bodies.
	Compress bool `yaml:"compress"`
	// Timeout bounds one request.
	Timeout config.Duration `yaml:"timeout"`
	// Settings are ca_file (the only CAs trusted for https URLs),
	// cert_file and key_file (a client certificate) and
	// insecure_skip_verify.
	tlsconf.Settings `yaml:",inline"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry as the document, our id, origin and observed_at
	// under _ghsec).
	format.Options `yaml:",inline"`
}

// Bounds of the request limits: a _bulk request must fit the cluster's
// http.max_content_length (100 MB by default).
const (
	minBatchBytes = 1024
	maxBatchBytes = 100 << 20
	maxBatchDocs  = 10000
	// maxIndexBytes is Elasticsearch's limit on an index name.
	maxIndexBytes = 255
)

// DefaultConfig returns the defaults: compatibility elasticsearch, both
// categories to logs-github.security-default, requests of at most 500
// documents and 5 MiB, gzip on, 30 s timeout, the normalized record.
func DefaultConfig() Config {
	return Config{
		Compatibility:  Elasticsearch,
		AlertIndex:     DefaultIndex,
		AuditIndex:     DefaultIndex,
		MaxBatchEvents: 500,
		MaxBatchBytes:  5 << 20,
		Compress:       true,
		Timeout:        config.Duration(30 * time.Second),
		Options:        format.DefaultOptions(),
	}
}

func (c *Config) apiKeyRef() config.SecretRef {
	return config.SecretRef{Path: "api_key", File: c.APIKeyFile, Env: c.APIKeyEnv}
}

func (c *Config) passwordRef() config.SecretRef {
	return config.SecretRef{Path: "password", File: c.PasswordFile, Env: c.PasswordEnv, Required: c.Username != ""}
}

func (c *Config) hasAPIKey() bool { return c.APIKeyFile != "" || c.APIKeyEnv != "" }

// Validate checks the config without reading anything (the credentials
// and TLS files are Resolve's). Errors are *config.FieldError naming the
// field relative to the sink's entry, joined.
func (c *Config) Validate() error {
	errs := []error{c.Options.Validate(), tlsconf.Check(c.Settings.Options()), c.apiKeyRef().Check(), c.passwordRef().Check()}
	if len(c.URLs) == 0 {
		errs = append(errs, config.Required("urls", "at least one node URL such as https://es.example.com:9200"))
	}
	for i, u := range c.URLs {
		path := fmt.Sprintf("urls[%d]", i)
		if v, err := config.URLField(path, u, "https://es.example.com:9200"); err != nil {
			errs = append(errs, err)
		} else if strings.Contains(v.Path, "_bulk") || v.RawQuery != "" {
			errs = append(errs, config.Field(path, u, "give the node's base URL only; the sink adds /_bulk"))
		}
	}
	switch c.Compatibility {
	case Elasticsearch, OpenSearch:
	default:
		errs = append(errs, config.Field("compatibility", c.Compatibility, "must be elasticsearch or opensearch"))
	}
	if c.hasAPIKey() && (c.Username != "" || c.PasswordFile != "" || c.PasswordEnv != "") {
		errs = append(errs, config.Conflict("api_key_file", "set an API key or username and password, not both"))
	}
	if c.Username == "" && (c.PasswordFile != "" || c.PasswordEnv != "") {
		errs = append(errs, config.Required("username", "a password is set, so set the user name too"))
	}
	if c.hasAPIKey() && c.Compatibility == OpenSearch {
		errs = append(errs, config.Field("api_key_file", nil, "OpenSearch takes no Elasticsearch API key: use username and password_file"))
	}
	errs = append(errs, indexField("alert_index", c.AlertIndex), indexField("audit_index", c.AuditIndex))
	if c.Pipeline != "" && strings.ContainsAny(c.Pipeline, " /?#&") {
		errs = append(errs, config.Field("pipeline", c.Pipeline, "must be an ingest pipeline's name"))
	}
	if c.MaxBatchEvents < 1 || c.MaxBatchEvents > maxBatchDocs {
		errs = append(errs, config.Field("max_batch_events", c.MaxBatchEvents, "must be between 1 and %d", maxBatchDocs))
	}
	if c.MaxBatchBytes < minBatchBytes || c.MaxBatchBytes > maxBatchBytes {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "must be between %d and %d", minBatchBytes, maxBatchBytes))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	return errors.Join(errs...)
}

// indexField checks a data stream or index name by Elasticsearch's rules:
// lower case, none of \ / * ? " < > | , # : or a space, not starting with
// -, _ or +, not . or .., at most 255 bytes.
func indexField(path, name string) error {
	switch {
	case name == "":
		return config.Required(path, "a data stream or index name such as %s", DefaultIndex)
	case name != strings.ToLower(name):
		return config.Field(path, name, "must be lower case")
	case strings.ContainsAny(name, `\/*?"<>|,#: `):
		return config.Field(path, name, `must not contain \ / * ? " < > | , # : or a space`)
	case strings.IndexAny(name[:1], "-_+") == 0:
		return config.Field(path, name, "must not start with -, _ or +")
	case name == "." || name == "..":
		return config.Field(path, name, "must be a data stream or index name")
	case len(name) > maxIndexBytes:
		return config.Field(path, name, "must be at most %d bytes", maxIndexBytes)
	}
	return nil
}

// Resolved is a validated Config with what New needs from outside it: the
// credential and the TLS configuration. Config.Resolve makes it, the only
// place the sink reads them.
type Resolved struct {
	Config
	apiKey   string
	password string
	tls      *tls.Config
}

// Resolve reads the credential and the TLS files of the validated config,
// once. Errors are *config.FieldError (config.ErrUnreadable) naming the
// field relative to the entry and the file or variable, never its content.
func (c *Config) Resolve() (Resolved, error) {
	var key, pass string
	var keyErr, passErr error
	if c.hasAPIKey() {
		key, keyErr = c.apiKeyRef().Resolve()
	}
	if c.Username != "" {
		pass, passErr = c.passwordRef().Resolve()
	}
	tc, tlsErr := tlsconf.Client(c.Settings.Options())
	if err := errors.Join(keyErr, passErr, tlsErr); err != nil {
		return Resolved{}, err
	}
	return Resolved{Config: *c, apiKey: key, password: pass, tls: tc}, nil
}
