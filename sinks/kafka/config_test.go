package kafka

import (
	"errors"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Brokers = []string{"kafka-1:9092"}
	return c
}

// Every invalid field is named by its path, with its kind of error.
func TestConfig_Validate_NamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
		kind  error
	}{
		{"no brokers", func(c *Config) { c.Brokers = nil }, "brokers", config.ErrRequired},
		{"broker without port", func(c *Config) { c.Brokers = []string{"kafka-1:9092", "kafka-2"} }, "brokers[1]", config.ErrInvalid},
		{"no default topic", func(c *Config) { c.Topics.Default = "" }, "topics.default", config.ErrRequired},
		{"bad topic", func(c *Config) { c.Topics.Audit = "audit log" }, "topics.audit", config.ErrInvalid},
		{"dot topic", func(c *Config) { c.Topics.Alert = ".." }, "topics.alert", config.ErrInvalid},
		{"long topic", func(c *Config) { c.Topics.Request = strings.Repeat("t", 250) }, "topics.request", config.ErrInvalid},
		{"key", func(c *Config) { c.Key = "repo" }, "key", config.ErrInvalid},
		{"client id", func(c *Config) { c.ClientID = "" }, "client_id", config.ErrRequired},
		{"compression", func(c *Config) { c.Compression = "brotli" }, "compression", config.ErrInvalid},
		{"small limit", func(c *Config) { c.MaxMessageBytes = 100 }, "max_message_bytes", config.ErrInvalid},
		{"timeout", func(c *Config) { c.ProduceTimeout = 0 }, "produce_timeout", config.ErrInvalid},
		{"dial timeout", func(c *Config) { c.DialTimeout = -1 }, "dial_timeout", config.ErrInvalid},
		{"ca without tls", func(c *Config) { c.CAFile = "/etc/ca.pem" }, "ca_file", config.ErrConflict},
		{"cert without key", func(c *Config) { c.TLS, c.CertFile = true, "/etc/c.pem" }, "cert_file", config.ErrInvalid},
		{"mechanism", func(c *Config) { c.SASL.Mechanism = "GSSAPI" }, "sasl.mechanism", config.ErrInvalid},
		{"user without mechanism", func(c *Config) { c.SASL.Username = "u" }, "sasl.mechanism", config.ErrRequired},
		{"no username", func(c *Config) { c.SASL = SASL{Mechanism: MechanismPlain, PasswordEnv: "PW"} }, "sasl.username", config.ErrRequired},
		{"no password", func(c *Config) { c.SASL = SASL{Mechanism: MechanismSCRAMSHA512, Username: "u"} }, "sasl.password_file", config.ErrRequired},
		{"both passwords", func(c *Config) {
			c.SASL = SASL{Mechanism: MechanismSCRAMSHA256, Username: "u", PasswordEnv: "PW", PasswordFile: "/pw"}
		}, "sasl.password_file", config.ErrConflict},
		{"schema", func(c *Config) { c.Schema = "cef" }, "schema", config.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c)
			err := c.Validate()
			var fe *config.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("Validate() = %v; want a %v naming %s", err, tc.kind, tc.field)
			}
		})
	}
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults with a broker: %v", err)
	}
}

// Resolve reads the password and names the variable, never its value.
func TestConfig_Resolve(t *testing.T) {
	c := validConfig()
	c.SASL = SASL{Mechanism: MechanismPlain, Username: "u", PasswordEnv: "GHSEC_TEST_KAFKA_UNSET"}
	_, err := c.Resolve()
	if !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "sasl.password_env") {
		t.Fatalf("unset variable: %v", err)
	}
	t.Setenv("GHSEC_TEST_KAFKA_SET", "pw-value")
	c.SASL.PasswordEnv = "GHSEC_TEST_KAFKA_SET"
	r, err := c.Resolve()
	if err != nil || r.password != "pw-value" {
		t.Fatalf("Resolve() = %q, %v", r.password, err)
	}
	c.TLS, c.CAFile = true, "/nonexistent/ca.pem"
	if _, err := c.Resolve(); !errors.Is(err, config.ErrUnreadable) || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("missing CA: %v", err)
	}
}

// Each category goes to its topic or the default.
func TestTopics_For(t *testing.T) {
	tp := Topics{Default: "d", Audit: "a"}
	for c, want := range map[exporter.Category]string{exporter.CategoryAlert: "d", exporter.CategoryAudit: "a", exporter.CategoryRequest: "d", "future": "d"} {
		if got := tp.For(c); got != want {
			t.Errorf("For(%s) = %s, want %s", c, got, want)
		}
	}
	if got := tp.names(); len(got) != 2 {
		t.Errorf("names() = %v", got)
	}
}
