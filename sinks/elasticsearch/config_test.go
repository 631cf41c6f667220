package elasticsearch

import (
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/configtest"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_ES_KEY", "secret-api-key-value")
	good := func() Config {
		c := DefaultConfig()
		c.URLs = []string{"https://es.example.com:9200"}
		c.APIKeyEnv = "GHSEC_TEST_ES_KEY"
		return c
	}
	configtest.Run[Config, Resolved](t, good, "secret-api-key-value", []configtest.Case[Config]{
		{Name: "defaults", Mod: func(c *Config) {}},
		{Name: "basic auth", Mod: func(c *Config) { c.APIKeyEnv, c.Username, c.PasswordEnv = "", "ghsec", "GHSEC_TEST_ES_KEY" }},
		{Name: "no credential (security off)", Mod: func(c *Config) { c.APIKeyEnv = "" }},
		{Name: "opensearch basic", Mod: func(c *Config) {
			c.Compatibility, c.APIKeyEnv, c.Username, c.PasswordEnv = OpenSearch, "", "ghsec", "GHSEC_TEST_ES_KEY"
		}},
		{Name: "two nodes and a prefix", Mod: func(c *Config) { c.URLs = []string{"https://a:9200", "https://proxy/es"} }},
		{Name: "no urls", Mod: func(c *Config) { c.URLs = nil }, Want: "urls: missing", Is: config.ErrRequired},
		{Name: "url without scheme", Mod: func(c *Config) { c.URLs = []string{"https://a:9200", "es:9200"} }, Want: "urls[1]: must be an http(s) URL", Is: config.ErrInvalid},
		{Name: "url with _bulk", Mod: func(c *Config) { c.URLs = []string{"https://es:9200/_bulk"} }, Want: "urls[0]: give the node's base URL only", Is: config.ErrInvalid},
		{Name: "url with password", Mod: func(c *Config) { c.URLs = []string{"https://u:secret-api-key-value@es:9200"} }, Want: "urls[0]: must not contain a user name or password", Is: config.ErrInvalid},
		{Name: "bad compatibility", Mod: func(c *Config) { c.Compatibility = "solr" }, Want: `compatibility: must be elasticsearch or opensearch (got "solr")`, Is: config.ErrInvalid},
		{Name: "key both", Mod: func(c *Config) { c.APIKeyFile = "/k" }, Want: "api_key_file: set api_key_file or api_key_env, not both", Is: config.ErrConflict},
		{Name: "key and user", Mod: func(c *Config) { c.Username, c.PasswordFile = "u", "/p" }, Want: "api_key_file: set an API key or username and password, not both", Is: config.ErrConflict},
		{Name: "user without password", Mod: func(c *Config) { c.APIKeyEnv, c.Username = "", "u" }, Want: "password_file: missing", Is: config.ErrRequired},
		{Name: "password without user", Mod: func(c *Config) { c.APIKeyEnv, c.PasswordFile = "", "/p" }, Want: "username: missing", Is: config.ErrRequired},
		{Name: "opensearch api key", Mod: func(c *Config) { c.Compatibility = OpenSearch }, Want: "api_key_file: OpenSearch takes no Elasticsearch API key", Is: config.ErrInvalid},
		{Name: "upper-case index", Mod: func(c *Config) { c.AlertIndex = "Logs-github" }, Want: `alert_index: must be lower case (got "Logs-github")`, Is: config.ErrInvalid},
		{Name: "index with a star", Mod: func(c *Config) { c.AuditIndex = "logs-*" }, Want: `audit_index: must not contain`, Is: config.ErrInvalid},
		{Name: "index with underscore", Mod: func(c *Config) { c.AuditIndex = "_all" }, Want: `audit_index: must not start with -, _ or +`, Is: config.ErrInvalid},
		{Name: "empty index", Mod: func(c *Config) { c.AlertIndex = "" }, Want: `alert_index: missing`, Is: config.ErrRequired},
		{Name: "long index", Mod: func(c *Config) { c.AlertIndex = strings.Repeat("a", 256) }, Want: `alert_index: must be at most 255 bytes`, Is: config.ErrInvalid},
		{Name: "bad pipeline", Mod: func(c *Config) { c.Pipeline = "a b" }, Want: `pipeline: must be an ingest pipeline's name`, Is: config.ErrInvalid},
		{Name: "zero events", Mod: func(c *Config) { c.MaxBatchEvents = 0 }, Want: "max_batch_events: must be between 1 and 10000", Is: config.ErrInvalid},
		{Name: "tiny bytes", Mod: func(c *Config) { c.MaxBatchBytes = 10 }, Want: "max_batch_bytes: must be between 1024", Is: config.ErrInvalid},
		{Name: "zero timeout", Mod: func(c *Config) { c.Timeout = 0 }, Want: "timeout: must be positive", Is: config.ErrInvalid},
		{Name: "cert without key", Mod: func(c *Config) { c.CertFile = "/c.pem" }, Want: "cert_file: cert_file and key_file go together", Is: config.ErrInvalid},
		{Name: "bad schema", Mod: func(c *Config) { c.Schema = "cef" }, Want: "schema: must be record, ocsf or ecs", Is: config.ErrInvalid},
		{Name: "unset env", Mod: func(c *Config) { c.APIKeyEnv = "GHSEC_TEST_UNSET_VAR" }, Want: "api_key_env: environment variable is unset", Is: config.ErrUnreadable},
		{Name: "missing password file", Mod: func(c *Config) { c.APIKeyEnv, c.Username, c.PasswordFile = "", "u", "/nonexistent/pw" }, Want: `password_file: cannot read secret file`, Is: config.ErrUnreadable},
		{Name: "missing ca_file", Mod: func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, Want: `ca_file: cannot read: no such file or directory (got "/nonexistent/ca.pem")`, Is: config.ErrUnreadable},
	})
}
