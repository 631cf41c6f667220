package elasticsearch

import (
	"errors"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_ES_KEY", "secret-api-key-value")
	good := func() Config {
		c := DefaultConfig()
		c.URLs = []string{"https://es.example.com:9200"}
		c.APIKeyEnv = "GHSEC_TEST_ES_KEY"
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
		{"basic auth", func(c *Config) { c.APIKeyEnv, c.Username, c.PasswordEnv = "", "ghsec", "GHSEC_TEST_ES_KEY" }, "", nil},
		{"no credential (security off)", func(c *Config) { c.APIKeyEnv = "" }, "", nil},
		{"opensearch basic", func(c *Config) {
			c.Compatibility, c.APIKeyEnv, c.Username, c.PasswordEnv = OpenSearch, "", "ghsec", "GHSEC_TEST_ES_KEY"
		}, "", nil},
		{"two nodes and a prefix", func(c *Config) { c.URLs = []string{"https://a:9200", "https://proxy/es"} }, "", nil},
		{"no urls", func(c *Config) { c.URLs = nil }, "urls: missing", config.ErrRequired},
		{"url without scheme", func(c *Config) { c.URLs = []string{"https://a:9200", "es:9200"} }, "urls[1]: must be an http(s) URL", config.ErrInvalid},
		{"url with _bulk", func(c *Config) { c.URLs = []string{"https://es:9200/_bulk"} }, "urls[0]: give the node's base URL only", config.ErrInvalid},
		{"url with password", func(c *Config) { c.URLs = []string{"https://u:secret-api-key-value@es:9200"} }, "urls[0]: must not contain a user name or password", config.ErrInvalid},
		{"bad compatibility", func(c *Config) { c.Compatibility = "solr" }, `compatibility: must be elasticsearch or opensearch (got "solr")`, config.ErrInvalid},
		{"key both", func(c *Config) { c.APIKeyFile = "/k" }, "api_key_file: set api_key_file or api_key_env, not both", config.ErrConflict},
		{"key and user", func(c *Config) { c.Username, c.PasswordFile = "u", "/p" }, "api_key_file: set an API key or username and password, not both", config.ErrConflict},
		{"user without password", func(c *Config) { c.APIKeyEnv, c.Username = "", "u" }, "password_file: missing", config.ErrRequired},
		{"password without user", func(c *Config) { c.APIKeyEnv, c.PasswordFile = "", "/p" }, "username: missing", config.ErrRequired},
		{"opensearch api key", func(c *Config) { c.Compatibility = OpenSearch }, "api_key_file: OpenSearch takes no Elasticsearch API key", config.ErrInvalid},
		{"upper-case index", func(c *Config) { c.AlertIndex = "Logs-github" }, `alert_index: must be lower case (got "Logs-github")`, config.ErrInvalid},
		{"index with a star", func(c *Config) { c.AuditIndex = "logs-*" }, `audit_index: must not contain`, config.ErrInvalid},
		{"index with underscore", func(c *Config) { c.AuditIndex = "_all" }, `audit_index: must not start with -, _ or +`, config.ErrInvalid},
		{"empty index", func(c *Config) { c.AlertIndex = "" }, `alert_index: missing`, config.ErrRequired},
		{"long index", func(c *Config) { c.AlertIndex = strings.Repeat("a", 256) }, `alert_index: must be at most 255 bytes`, config.ErrInvalid},
		{"bad pipeline", func(c *Config) { c.Pipeline = "a b" }, `pipeline: must be an ingest pipeline's name`, config.ErrInvalid},
		{"zero events", func(c *Config) { c.MaxBatchEvents = 0 }, "max_batch_events: must be between 1 and 10000", config.ErrInvalid},
		{"tiny bytes", func(c *Config) { c.MaxBatchBytes = 10 }, "max_batch_bytes: must be between 1024", config.ErrInvalid},
		{"zero timeout", func(c *Config) { c.Timeout = 0 }, "timeout: must be positive", config.ErrInvalid},
		{"cert without key", func(c *Config) { c.CertFile = "/c.pem" }, "cert_file: cert_file and key_file go together", config.ErrInvalid},
		{"bad schema", func(c *Config) { c.Schema = "cef" }, "schema: must be record, ocsf or ecs", config.ErrInvalid},
		{"unset env", func(c *Config) { c.APIKeyEnv = "GHSEC_TEST_UNSET_VAR" }, "api_key_env: environment variable is unset", config.ErrUnreadable},
		{"missing password file", func(c *Config) { c.APIKeyEnv, c.Username, c.PasswordFile = "", "u", "/nonexistent/pw" }, `password_file: cannot read secret file`, config.ErrUnreadable},
		{"missing ca_file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, `ca_file: cannot read: no such file or directory (got "/nonexistent/ca.pem")`, config.ErrUnreadable},
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
			case tt.want == "":
				if _, err := c.Resolve(); err != nil {
					t.Fatalf("Resolve = %v", err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			case !errors.Is(err, tt.is):
				t.Fatalf("error %v is not %v", err, tt.is)
			}
			if err != nil && strings.Contains(err.Error(), "secret-api-key-value") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}
