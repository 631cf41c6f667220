package splunkhec

import (
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func TestConfig_Validate(t *testing.T) {
	t.Setenv("GHSEC_TEST_HEC_TOKEN", "secret-token-value")
	good := func() Config {
		c := DefaultConfig()
		c.URL = "https://splunk.example.com:8088"
		c.TokenEnv = "GHSEC_TEST_HEC_TOKEN"
		return c
	}
	tests := []struct {
		name string
		mod  func(c *Config)
		want string // substring of the error; "" means valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"ack with channel", func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Channel = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
		}, ""},
		{"missing url", func(c *Config) { c.URL = "" }, "url: missing"},
		{"url without scheme", func(c *Config) { c.URL = "splunk:8088" }, `url: must be an http(s) URL`},
		{"url with endpoint", func(c *Config) { c.URL = "https://splunk:8088/services/collector/event" }, "url: give the base URL only"},
		{"no token", func(c *Config) { c.TokenEnv = "" }, "token_file: missing"},
		{"token both", func(c *Config) { c.TokenFile = "/x" }, "token_file: set token_file or token_env, not both"},
		{"unset env", func(c *Config) { c.TokenEnv = "GHSEC_TEST_UNSET_VAR" }, "token_env: environment variable is unset"},
		{"bad record field", func(c *Config) { c.RecordFields = []string{"repo", "secret"} }, `record_fields[1]: unknown record field`},
		{"blank sourcetype", func(c *Config) { c.Audit.Sourcetype = "" }, "audit.sourcetype: must not be empty"},
		{"zero events", func(c *Config) { c.MaxBatchEvents = 0 }, "max_batch_events: must be at least 1"},
		{"tiny bytes", func(c *Config) { c.MaxBatchBytes = 10 }, "max_batch_bytes: must be at least 1024"},
		{"cert without key", func(c *Config) { c.CertFile = "/c.pem" }, "cert_file: cert_file and key_file go together"},
		{"bad channel", func(c *Config) { c.Ack.Channel = "chan-1" }, "ack.channel: must be a GUID"},
		{"ack timeout below poll", func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Timeout = config.Duration(time.Millisecond)
		}, "ack.timeout: must be at least ack.poll_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mod(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-token-value") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}
