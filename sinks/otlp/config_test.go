package otlp

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/configtest"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_OTLP_TOKEN", "secret-token-value")
	good := func() Config {
		c := DefaultConfig()
		c.Endpoint = "https://otel-collector.example.com:4318"
		return c
	}
	configtest.Run[Config, Resolved](t, good, "secret-token-value", []configtest.Case[Config]{
		{Name: "defaults", Mod: func(c *Config) {}},
		{Name: "logs endpoint", Mod: func(c *Config) { c.Endpoint, c.LogsEndpoint = "", "https://otlp.example.com/otlp/v1/logs" }},
		{Name: "token and headers", Mod: func(c *Config) {
			c.TokenEnv, c.TokenHeader, c.TokenScheme = "GHSEC_TEST_OTLP_TOKEN", "X-Api-Key", ""
			c.Headers = map[string]string{"X-Scope-OrgID": "security"}
			c.ResourceAttributes = map[string]string{"deployment.environment.name": "prod"}
		}},
		{Name: "missing endpoint", Mod: func(c *Config) { c.Endpoint = "" }, Want: "endpoint: missing", Is: config.ErrRequired},
		{Name: "both endpoints", Mod: func(c *Config) { c.LogsEndpoint = "https://x/v1/logs" }, Want: "logs_endpoint: set endpoint", Is: config.ErrConflict},
		{Name: "endpoint without scheme", Mod: func(c *Config) { c.Endpoint = "collector:4318" }, Want: "endpoint: must be an http(s) URL", Is: config.ErrInvalid},
		{Name: "endpoint with logs path", Mod: func(c *Config) { c.Endpoint = "http://collector:4318/v1/logs" }, Want: "endpoint: give the base URL", Is: config.ErrInvalid},
		{Name: "bad logs endpoint", Mod: func(c *Config) { c.Endpoint, c.LogsEndpoint = "", "grpc://x:4317" }, Want: "logs_endpoint: must be an http(s) URL", Is: config.ErrInvalid},
		{Name: "credentials in url", Mod: func(c *Config) { c.Endpoint = "https://u:p@x:4318" }, Want: "endpoint: must not contain a user name or password", Is: config.ErrInvalid},
		{Name: "token both", Mod: func(c *Config) { c.TokenEnv, c.TokenFile = "GHSEC_TEST_OTLP_TOKEN", "/x" }, Want: "token_file: set token_file or token_env, not both", Is: config.ErrConflict},
		{Name: "token value as env", Mod: func(c *Config) { c.TokenEnv = "eyJhbGciOiJSUzI1NiJ9.x" }, Want: "token_env: looks like a token value", Is: config.ErrInvalid},
		{Name: "unset env", Mod: func(c *Config) { c.TokenEnv = "GHSEC_TEST_UNSET_VAR" }, Want: "token_env: environment variable is unset", Is: config.ErrUnreadable},
		{Name: "missing token file", Mod: func(c *Config) { c.TokenFile = "/nonexistent/otlp-token" }, Want: `token_file: cannot read secret file`, Is: config.ErrUnreadable},
		{Name: "missing ca_file", Mod: func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, Want: `ca_file: cannot read`, Is: config.ErrUnreadable},
		{Name: "cert without key", Mod: func(c *Config) { c.CertFile = "/c.pem" }, Want: "cert_file: cert_file and key_file go together", Is: config.ErrInvalid},
		{Name: "authorization in headers", Mod: func(c *Config) { c.Headers = map[string]string{"authorization": "Bearer secret-token-value"} },
			Want: "headers.authorization: a credential is not put in the config", Is: config.ErrInvalid},
		{Name: "token header in headers", Mod: func(c *Config) {
			c.TokenHeader = "X-Api-Key"
			c.Headers = map[string]string{"x-api-key": "secret-token-value"}
		}, Want: "headers.x-api-key: a credential is not put in the config", Is: config.ErrInvalid},
		{Name: "bad header name", Mod: func(c *Config) { c.Headers = map[string]string{"X Tenant": "a"} }, Want: `headers: not an HTTP header name (got "X Tenant")`, Is: config.ErrInvalid},
		{Name: "header line break", Mod: func(c *Config) { c.Headers = map[string]string{"X-Tenant": "a\r\nX-Evil: 1"} }, Want: "headers.X-Tenant: must not contain a line break", Is: config.ErrInvalid},
		{Name: "empty token header", Mod: func(c *Config) { c.TokenHeader = "" }, Want: "token_header: must be an HTTP header name", Is: config.ErrInvalid},
		{Name: "two-word scheme", Mod: func(c *Config) { c.TokenScheme = "Bearer x" }, Want: "token_scheme: must be one word", Is: config.ErrInvalid},
		{Name: "empty resource attribute", Mod: func(c *Config) { c.ResourceAttributes = map[string]string{"": "x"} }, Want: "resource_attributes: attribute names must not be empty", Is: config.ErrInvalid},
		{Name: "compression", Mod: func(c *Config) { c.Compression = "zstd" }, Want: `compression: must be gzip or none (got "zstd")`, Is: config.ErrInvalid},
		{Name: "zero records", Mod: func(c *Config) { c.MaxBatchRecords = 0 }, Want: "max_batch_records: must be at least 1", Is: config.ErrInvalid},
		{Name: "tiny bytes", Mod: func(c *Config) { c.MaxBatchBytes = 10 }, Want: "max_batch_bytes: must be between 1024 and", Is: config.ErrInvalid},
		{Name: "huge bytes", Mod: func(c *Config) { c.MaxBatchBytes = 1 << 30 }, Want: "max_batch_bytes: must be between 1024 and", Is: config.ErrInvalid},
		{Name: "zero timeout", Mod: func(c *Config) { c.Timeout = 0 }, Want: "timeout: must be positive", Is: config.ErrInvalid},
		{Name: "bad schema", Mod: func(c *Config) { c.Schema = "cef" }, Want: `schema: must be record, ocsf or ecs`, Is: config.ErrInvalid},
		{Name: "bad audit_body", Mod: func(c *Config) { c.AuditBody = "raw" }, Want: `audit_body: must be record or entry`, Is: config.ErrInvalid},
	})
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
