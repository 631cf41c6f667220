package otlp

import (
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// logsPath is what the sink appends to endpoint: OTLP/HTTP's logs path.
const logsPath = "/v1/logs"

// ServiceName is the service.name resource attribute unless
// resource_attributes sets another.
const ServiceName = "ghsec-exporter"

// Values of Config.Compression.
const (
	CompressionGzip = "gzip"
	CompressionNone = "none"
)

// Config is the otlp sink's entry in `sinks:`.
type Config struct {
	// Endpoint is the OTLP/HTTP base URL, e.g. http://otel-collector:4318;
	// the sink posts to <endpoint>/v1/logs, as the OpenTelemetry SDKs and
	// the collector's otlphttp exporter do.
	Endpoint string `yaml:"endpoint"`
	// LogsEndpoint is the full logs URL, used as is (for a backend whose
	// logs path is not /v1/logs); exactly one of the two is set.
	LogsEndpoint string `yaml:"logs_endpoint"`
	// Headers are sent with every request (X-Scope-OrgID, a tenant). They
	// are not secrets: a credential goes in token_file / token_env.
	Headers map[string]string `yaml:"headers"`
	// TokenFile / TokenEnv hold an optional credential, sent as
	// "<token_header>: <token_scheme> <token>".
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// TokenHeader is the header carrying the token (default
	// Authorization); TokenScheme prefixes it (default Bearer; empty sends
	// the token alone, as for an API-key header).
	TokenHeader string `yaml:"token_header"`
	TokenScheme string `yaml:"token_scheme"`
	// ResourceAttributes are added to the resource, beside service.name
	// (ghsec-exporter, which they may override) and service.version.
	ResourceAttributes map[string]string `yaml:"resource_attributes"`
	// Compression is gzip (default) or none.
	Compression string `yaml:"compression"`
	// MaxBatchRecords and MaxBatchBytes bound one request (bodies before
	// compression); a larger batch is split into several requests.
	MaxBatchRecords int `yaml:"max_batch_records"`
	MaxBatchBytes   int `yaml:"max_batch_bytes"`
	// Timeout bounds one request.
	Timeout config.Duration `yaml:"timeout"`
	// Settings are ca_file (the only CAs trusted for an https endpoint),
	// cert_file and key_file (a client certificate) and
	// insecure_skip_verify.
	tlsconf.Settings `yaml:",inline"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry as the body; our id and origin stay in the
	// attributes, observed_at in the observed time).
	format.Options `yaml:",inline"`
}

// DefaultConfig returns the defaults: gzip, 1000 records or 4 MiB per
// request (the collector's gRPC limit; its HTTP limit is larger), a 30 s
// timeout, the token (if any) as "Authorization: Bearer <token>".
func DefaultConfig() Config {
	return Config{
		TokenHeader:     "Authorization",
		TokenScheme:     "Bearer",
		Compression:     CompressionGzip,
		MaxBatchRecords: 1000,
		MaxBatchBytes:   4 << 20,
		Timeout:         config.Duration(30 * time.Second),
		Options:         format.DefaultOptions(),
	}
}

// maxBatchBytes bounds max_batch_bytes: the collector's default HTTP
// request limit is 20 MiB.
const maxBatchBytes = 16 << 20

func (c *Config) tokenRef() config.SecretRef {
	return config.SecretRef{Path: "token", File: c.TokenFile, Env: c.TokenEnv}
}

// Validate checks the config without reading anything (the token and the
// TLS files are Resolve's). Errors are *config.FieldError naming fields
// relative to the sink entry, joined.
func (c *Config) Validate() error {
	errs := []error{c.Options.Validate(), c.tokenRef().Check(), tlsconf.Check(c.Settings.Options())}
	switch {
	case c.Endpoint != "" && c.LogsEndpoint != "":
		errs = append(errs, config.Conflict("logs_endpoint", "set endpoint (the base URL) or logs_endpoint (the full logs URL), not both"))
	case c.LogsEndpoint != "":
		if _, err := config.URLField("logs_endpoint", c.LogsEndpoint, "https://otlp.example.com/v1/logs"); err != nil {
			errs = append(errs, err)
		}
	default:
		if u, err := config.URLField("endpoint", c.Endpoint, "http://otel-collector:4318"); err != nil {
			errs = append(errs, err)
		} else if strings.HasSuffix(strings.TrimRight(u.Path, "/"), logsPath) {
			errs = append(errs, config.Field("endpoint", c.Endpoint, "give the base URL; the sink adds %s (or set logs_endpoint to the full URL)", logsPath))
		}
	}
	for k, v := range c.Headers {
		switch {
		case !validHeaderName(k):
			errs = append(errs, config.Field("headers", k, "not an HTTP header name"))
		case strings.EqualFold(k, c.TokenHeader) || strings.EqualFold(k, "Authorization"):
			errs = append(errs, config.Field("headers."+k, nil, "a credential is not put in the config: set token_file or token_env (and token_header, token_scheme)"))
		case strings.ContainsAny(v, "\r\n"):
			errs = append(errs, config.Field("headers."+k, nil, "must not contain a line break"))
		}
	}
	if !validHeaderName(c.TokenHeader) {
		errs = append(errs, config.Field("token_header", c.TokenHeader, "must be an HTTP header name such as Authorization"))
	}
	if strings.ContainsAny(c.TokenScheme, " \t\r\n") {
		errs = append(errs, config.Field("token_scheme", c.TokenScheme, "must be one word such as Bearer, or empty"))
	}
	for k := range c.ResourceAttributes {
		if k == "" {
			errs = append(errs, config.Field("resource_attributes", k, "attribute names must not be empty"))
		}
	}
	switch c.Compression {
	case CompressionGzip, CompressionNone:
	default:
		errs = append(errs, config.Field("compression", c.Compression, "must be gzip or none"))
	}
	if c.MaxBatchRecords < 1 {
		errs = append(errs, config.Field("max_batch_records", c.MaxBatchRecords, "must be at least 1"))
	}
	if c.MaxBatchBytes < 1024 || c.MaxBatchBytes > maxBatchBytes {
		errs = append(errs, config.Field("max_batch_bytes", c.MaxBatchBytes, "must be between 1024 and %d", maxBatchBytes))
	}
	if c.Timeout.D() <= 0 {
		errs = append(errs, config.Field("timeout", c.Timeout.D(), "must be positive"))
	}
	return errors.Join(errs...)
}

// validHeaderName reports whether name is an HTTP token, as net/http
// accepts in a header name: not empty, no space, control character or
// separator (':' among them).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

// url returns the logs URL the sink posts to.
func (c *Config) url() string {
	if c.LogsEndpoint != "" {
		return c.LogsEndpoint
	}
	return strings.TrimRight(c.Endpoint, "/") + logsPath
}

// Resolved is a validated Config with what New needs from outside it: the
// token and the TLS configuration built from ca_file, cert_file and
// key_file. Config.Resolve makes it, the only place the sink reads them.
type Resolved struct {
	Config
	header http.Header // Headers and the token, canonicalized
	tls    *tls.Config
}

// Resolve reads the token and the TLS files of the validated config, once.
// Errors are *config.FieldError (config.ErrUnreadable) naming the field
// relative to the entry and the file or variable, never its content.
func (c *Config) Resolve() (Resolved, error) {
	token, tokErr := c.tokenRef().Resolve()
	tc, tlsErr := tlsconf.Client(c.Settings.Options())
	if err := errors.Join(tokErr, tlsErr); err != nil {
		return Resolved{}, err
	}
	h := http.Header{}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	if token != "" {
		if strings.ContainsAny(token, "\r\n") {
			return Resolved{}, config.Unreadable(c.tokenRef().Path+tokenSuffix(c), c.TokenFile+c.TokenEnv, "the token holds a line break")
		}
		v := token
		if c.TokenScheme != "" {
			v = c.TokenScheme + " " + token
		}
		h.Set(c.TokenHeader, v)
	}
	return Resolved{Config: *c, header: h, tls: tc}, nil
}

func tokenSuffix(c *Config) string {
	if c.TokenFile != "" {
		return "_file"
	}
	return "_env"
}
