package otlp

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_OTLP_TOKEN", "secret-token-value")
	good := func() Config {
		c := DefaultConfig()
		c.Endpoint = "https://otel-collector.example.com:4318"
		return c
	}
	tests := []struct {
		name string
		mod  func(c *Config)
		want string // substring of the error; "" means valid
		// is is the error's kind; config.ErrUnreadable means Validate
		// passes (it reads nothing) and Resolve fails.
		is error
	}{
		{"defaults", func(c *Config) {}, "", nil},
		{"logs endpoint", func(c *Config) { c.Endpoint, c.LogsEndpoint = "", "https://otlp.example.com/otlp/v1/logs" }, "", nil},
		{"token and headers", func(c *Config) {
			c.TokenEnv, c.TokenHeader, c.TokenScheme = "GHSEC_TEST_OTLP_TOKEN", "X-Api-Key", ""
			c.Headers = map[string]string{"X-Scope-OrgID": "security"}
			c.ResourceAttributes = map[string]string{"deployment.environment.name": "prod"}
		}, "", nil},
		{"missing endpoint", func(c *Config) { c.Endpoint = "" }, "endpoint: missing", config.ErrRequired},
		{"both endpoints", func(c *Config) { c.LogsEndpoint = "https://x/v1/logs" }, "logs_endpoint: set endpoint", config.ErrConflict},
		{"endpoint without scheme", func(c *Config) { c.Endpoint = "collector:4318" }, "endpoint: must be an http(s) URL", config.ErrInvalid},
		{"endpoint with logs path", func(c *Config) { c.Endpoint = "http://collector:4318/v1/logs" }, "endpoint: give the base URL", config.ErrInvalid},
		{"bad logs endpoint", func(c *Config) { c.Endpoint, c.LogsEndpoint = "", "grpc://x:4317" }, "logs_endpoint: must be an http(s) URL", config.ErrInvalid},
		{"credentials in url", func(c *Config) { c.Endpoint = "https://u:p@x:4318" }, "endpoint: must not contain a user name or password", config.ErrInvalid},
		{"token both", func(c *Config) { c.TokenEnv, c.TokenFile = "GHSEC_TEST_OTLP_TOKEN", "/x" }, "token_file: set token_file or token_env, not both", config.ErrConflict},
		{"token value as env", func(c *Config) { c.TokenEnv = "eyJhbGciOiJSUzI1NiJ9.x" }, "token_env: looks like a token value", config.ErrInvalid},
		{"unset env", func(c *Config) { c.TokenEnv = "GHSEC_TEST_UNSET_VAR" }, "token_env: environment variable is unset", config.ErrUnreadable},
		{"missing token file", func(c *Config) { c.TokenFile = "/nonexistent/otlp-token" }, `token_file: cannot read secret file`, config.ErrUnreadable},
		{"missing ca_file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, `ca_file: cannot read`, config.ErrUnreadable},
		{"cert without key", func(c *Config) { c.CertFile = "/c.pem" }, "cert_file: cert_file and key_file go together", config.ErrInvalid},
		{"authorization in headers", func(c *Config) { c.Headers = map[string]string{"authorization": "Bearer secret-token-value"} },
			"headers.authorization: a credential is not put in the config", config.ErrInvalid},
		{"token header in headers", func(c *Config) {
			c.TokenHeader = "X-Api-Key"
			c.Headers = map[string]string{"x-api-key": "secret-token-value"}
		}, "headers.x-api-key: a credential is not put in the config", config.ErrInvalid},
		{"bad header name", func(c *Config) { c.Headers = map[string]string{"X Tenant": "a"} }, `headers: not an HTTP header name (got "X Tenant")`, config.ErrInvalid},
		{"header line break", func(c *Config) { c.Headers = map[string]string{"X-Tenant": "a\r\nX-Evil: 1"} }, "headers.X-Tenant: must not contain a line break", config.ErrInvalid},
		{"empty token header", func(c *Config) { c.TokenHeader = "" }, "token_header: must be an HTTP header name", config.ErrInvalid},
		{"two-word scheme", func(c *Config) { c.TokenScheme = "Bearer x" }, "token_scheme: must be one word", config.ErrInvalid},
		{"empty resource attribute", func(c *Config) { c.ResourceAttributes = map[string]string{"": "x"} }, "resource_attributes: attribute names must not be empty", config.ErrInvalid},
		{"compression", func(c *Config) { c.Compression = "zstd" }, `compression: must be gzip or none (got "zstd")`, config.ErrInvalid},
		{"zero records", func(c *Config) { c.MaxBatchRecords = 0 }, "max_batch_records: must be at least 1", config.ErrInvalid},
		{"tiny bytes", func(c *Config) { c.MaxBatchBytes = 10 }, "max_batch_bytes: must be between 1024 and", config.ErrInvalid},
		{"huge bytes", func(c *Config) { c.MaxBatchBytes = 1 << 30 }, "max_batch_bytes: must be between 1024 and", config.ErrInvalid},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "timeout: must be positive", config.ErrInvalid},
		{"bad schema", func(c *Config) { c.Schema = "cef" }, `schema: must be record, ocsf or ecs`, config.ErrInvalid},
		{"bad audit_body", func(c *Config) { c.AuditBody = "raw" }, `audit_body: must be record or entry`, config.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mod(&c)
			err := c.Validate()
			if tt.is == config.ErrUnreadable {
				if err != nil {
					t.Fatalf("Validate = %v, want nil: it reads nothing", err)
				}
				_, err = c.Resolve()
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Fatalf("error %v is not %v", err, tt.is)
			}
			if err != nil && strings.Contains(err.Error(), "secret-token-value") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

func TestConfig_Resolve_Headers(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		header, scheme string
		want           http.Header
	}{
		{"Authorization", "Bearer", http.Header{"Authorization": {"Bearer s3cret"}, "X-Scope-Orgid": {"sec"}}},
		{"x-honeycomb-team", "", http.Header{"X-Honeycomb-Team": {"s3cret"}, "X-Scope-Orgid": {"sec"}}},
	} {
		c := DefaultConfig()
		c.Endpoint, c.TokenFile, c.TokenHeader, c.TokenScheme = "http://c:4318/", tok, tt.header, tt.scheme
		c.Headers = map[string]string{"X-Scope-OrgID": "sec"}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		r, err := c.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		if len(r.header) != len(tt.want) {
			t.Errorf("headers %v, want %v", r.header, tt.want)
		}
		for k, v := range tt.want {
			if got := r.header.Values(k); len(got) != 1 || got[0] != v[0] {
				t.Errorf("header %s = %v, want %v", k, got, v)
			}
		}
		if got := c.url(); got != "http://c:4318/v1/logs" {
			t.Errorf("url %q", got)
		}
	}
}
