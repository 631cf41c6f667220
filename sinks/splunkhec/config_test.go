package splunkhec

import (
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/configtest"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_HEC_TOKEN", "secret-token-value")
	good := func() Config {
		c := DefaultConfig()
		c.URL = "https://splunk.example.com:8088"
		c.TokenEnv = "GHSEC_TEST_HEC_TOKEN"
		return c
	}
	configtest.Run[Config, Resolved](t, good, "secret-token-value", []configtest.Case[Config]{
		{Name: "defaults", Mod: func(c *Config) {}},
		{Name: "ack with channel", Mod: func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Channel = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
		}},
		{Name: "missing url", Mod: func(c *Config) { c.URL = "" }, Want: "url: missing", Is: config.ErrRequired},
		{Name: "url without scheme", Mod: func(c *Config) { c.URL = "splunk:8088" }, Want: `url: must be an http(s) URL`, Is: config.ErrInvalid},
		{Name: "url with endpoint", Mod: func(c *Config) { c.URL = "https://splunk:8088/services/collector/event" }, Want: "url: give the base URL only", Is: config.ErrInvalid},
		{Name: "no token", Mod: func(c *Config) { c.TokenEnv = "" }, Want: "token_file: missing", Is: config.ErrRequired},
		{Name: "token both", Mod: func(c *Config) { c.TokenFile = "/x" }, Want: "token_file: set token_file or token_env, not both", Is: config.ErrConflict},
		{Name: "unset env", Mod: func(c *Config) { c.TokenEnv = "GHSEC_TEST_UNSET_VAR" }, Want: "token_env: environment variable is unset", Is: config.ErrUnreadable},
		{Name: "missing token file", Mod: func(c *Config) { c.TokenEnv, c.TokenFile = "", "/nonexistent/hec-token" }, Want: `token_file: cannot read secret file: no such file or directory (got "/nonexistent/hec-token")`, Is: config.ErrUnreadable},
		{Name: "missing ca_file", Mod: func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, Want: `ca_file: cannot read: no such file or directory (got "/nonexistent/ca.pem")`, Is: config.ErrUnreadable},
		{Name: "bad record field", Mod: func(c *Config) { c.RecordFields = []string{"repo", "secret"} }, Want: `record_fields[1]: unknown record field`, Is: config.ErrInvalid},
		{Name: "blank sourcetype", Mod: func(c *Config) { c.Audit.Sourcetype = "" }, Want: "audit.sourcetype: must not be empty", Is: config.ErrInvalid},
		{Name: "zero events", Mod: func(c *Config) { c.MaxBatchEvents = 0 }, Want: "max_batch_events: must be at least 1", Is: config.ErrInvalid},
		{Name: "tiny bytes", Mod: func(c *Config) { c.MaxBatchBytes = 10 }, Want: "max_batch_bytes: must be at least 1024", Is: config.ErrInvalid},
		{Name: "cert without key", Mod: func(c *Config) { c.CertFile = "/c.pem" }, Want: "cert_file: cert_file and key_file go together", Is: config.ErrInvalid},
		{Name: "bad channel", Mod: func(c *Config) { c.Ack.Channel = "chan-1" }, Want: "ack.channel: must be a GUID", Is: config.ErrInvalid},
		{Name: "ack timeout below poll", Mod: func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Timeout = config.Duration(time.Millisecond)
		}, Want: "ack.timeout: must be at least ack.poll_interval", Is: config.ErrInvalid},
	})
}
