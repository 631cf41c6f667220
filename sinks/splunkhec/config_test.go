package splunkhec

import (
	"errors"
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
		// is is the error's kind; config.ErrUnreadable means Validate
		// passes (it reads nothing) and Resolve fails.
		is error
	}{
		{"defaults", func(c *Config) {}, "", nil},
		{"ack with channel", func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Channel = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
		}, "", nil},
		{"missing url", func(c *Config) { c.URL = "" }, "url: missing", config.ErrRequired},
		{"url without scheme", func(c *Config) { c.URL = "splunk:8088" }, `url: must be an http(s) URL`, config.ErrInvalid},
		{"url with endpoint", func(c *Config) { c.URL = "https://splunk:8088/services/collector/event" }, "url: give the base URL only", config.ErrInvalid},
		{"no token", func(c *Config) { c.TokenEnv = "" }, "token_file: missing", config.ErrRequired},
		{"token both", func(c *Config) { c.TokenFile = "/x" }, "token_file: set token_file or token_env, not both", config.ErrConflict},
		{"unset env", func(c *Config) { c.TokenEnv = "GHSEC_TEST_UNSET_VAR" }, "token_env: environment variable is unset", config.ErrUnreadable},
		{"missing token file", func(c *Config) { c.TokenEnv, c.TokenFile = "", "/nonexistent/hec-token" }, `token_file: cannot read secret file: no such file or directory (got "/nonexistent/hec-token")`, config.ErrUnreadable},
		{"missing ca_file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, `ca_file: cannot read: no such file or directory (got "/nonexistent/ca.pem")`, config.ErrUnreadable},
		{"bad record field", func(c *Config) { c.RecordFields = []string{"repo", "secret"} }, `record_fields[1]: unknown record field`, config.ErrInvalid},
		{"blank sourcetype", func(c *Config) { c.Audit.Sourcetype = "" }, "audit.sourcetype: must not be empty", config.ErrInvalid},
		{"zero events", func(c *Config) { c.MaxBatchEvents = 0 }, "max_batch_events: must be at least 1", config.ErrInvalid},
		{"tiny bytes", func(c *Config) { c.MaxBatchBytes = 10 }, "max_batch_bytes: must be at least 1024", config.ErrInvalid},
		{"cert without key", func(c *Config) { c.CertFile = "/c.pem" }, "cert_file: cert_file and key_file go together", config.ErrInvalid},
		{"bad channel", func(c *Config) { c.Ack.Channel = "chan-1" }, "ack.channel: must be a GUID", config.ErrInvalid},
		{"ack timeout below poll", func(c *Config) {
			c.Ack.Enabled = true
			c.Ack.Timeout = config.Duration(time.Millisecond)
		}, "ack.timeout: must be at least ack.poll_interval", config.ErrInvalid},
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
