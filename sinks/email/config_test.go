package email

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func TestConfig_Validate(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := func() Config {
		c := offlineConfig()
		c.Username, c.PasswordFile = "bot", pw
		return c
	}
	tests := []struct {
		name  string
		mod   func(c *Config)
		field string // "" = valid
		value string // expected in the message, if set
		// resolve: Validate passes (it reads nothing) and Resolve fails
		// with config.ErrUnreadable.
		resolve bool
	}{
		{name: "valid", mod: func(*Config) {}},
		{name: "valid implicit", mod: func(c *Config) { c.TLS = TLSImplicit }},
		{name: "none on loopback", mod: func(c *Config) { c.TLS, c.Host = TLSNone, "127.0.0.1" }},
		{name: "none on localhost", mod: func(c *Config) { c.TLS, c.Host = TLSNone, "localhost" }},
		{name: "none on ::1", mod: func(c *Config) { c.TLS, c.Host = TLSNone, "::1" }},
		{name: "audit action immediate", mod: func(c *Config) { c.ImmediateActions = []string{"repo.destroy", "push_protection_bypassed"} }},
		{name: "no auth", mod: func(c *Config) { c.Username, c.PasswordFile = "", "" }},
		{name: "password env", mod: func(c *Config) { t.Setenv("SMTP_PW", "x"); c.PasswordFile, c.PasswordEnv = "", "SMTP_PW" }},
		{name: "missing host", mod: func(c *Config) { c.Host = "" }, field: "host"},
		{name: "bad port", mod: func(c *Config) { c.Port = 70000 }, field: "port", value: "70000"},
		{name: "bad tls", mod: func(c *Config) { c.TLS = "ssl" }, field: "tls", value: "ssl"},
		{name: "none remote", mod: func(c *Config) { c.TLS = TLSNone }, field: "tls", value: "smtp.example.com"},
		{name: "missing ca file", mod: func(c *Config) { c.CAFile = filepath.Join(dir, "nope.pem") }, field: "ca_file", resolve: true},
		{name: "user without password", mod: func(c *Config) { c.PasswordFile = "" }, field: "password_file"},
		{name: "password without user", mod: func(c *Config) { c.Username = "" }, field: "username"},
		{name: "both password sources", mod: func(c *Config) { c.PasswordEnv = "X" }, field: "password_file"},
		{name: "unreadable password", mod: func(c *Config) { c.PasswordFile = filepath.Join(dir, "missing") }, field: "password_file", resolve: true},
		{name: "unset password env", mod: func(c *Config) { c.PasswordFile, c.PasswordEnv = "", "GHSEC_TEST_UNSET_VAR" }, field: "password_env", resolve: true},
		{name: "bad from", mod: func(c *Config) { c.From = "not an address" }, field: "from"},
		{name: "no recipients", mod: func(c *Config) { c.To = nil }, field: "to"},
		{name: "bad recipient", mod: func(c *Config) { c.To = []string{"a@example.com", "nope"} }, field: "to[1]", value: "nope"},
		{name: "subject syntax", mod: func(c *Config) { c.Subject = "{{.New" }, field: "subject"},
		{name: "subject unknown field", mod: func(c *Config) { c.Subject = "{{.Nope}}" }, field: "subject"},
		{name: "immediate subject unknown field", mod: func(c *Config) { c.ImmediateSubject = "{{.PeriodEnd}}" }, field: "immediate_subject"},
		{name: "bad schedule", mod: func(c *Config) { c.DigestSchedule = "0 25 * * *" }, field: "digest_schedule", value: "0 25 * * *"},
		{name: "endless ca file", mod: func(c *Config) { c.CAFile = "/dev/zero" }, field: "ca_file", value: "/dev/zero", resolve: true},
		{name: "negative every", mod: func(c *Config) { c.DigestSchedule = "@every -5m" }, field: "digest_schedule", value: "@every -5m"},
		{name: "credentials in host", mod: func(c *Config) { c.Host = "bot:hunter2@smtp.example.com" }, field: "host"},
		{name: "tz in schedule", mod: func(c *Config) { c.DigestSchedule = "CRON_TZ=Europe/Berlin 0 8 * * *" }, field: "digest_schedule"},
		{name: "no timezone", mod: func(c *Config) { c.Timezone = "" }, field: "timezone"},
		{name: "list limit", mod: func(c *Config) { c.ListLimit = 0 }, field: "list_limit"},
		{name: "unknown immediate action", mod: func(c *Config) { c.ImmediateActions = []string{"bypassed"} }, field: "immediate_actions[0]", value: "bypassed"},
		{name: "immediate delay", mod: func(c *Config) { c.ImmediateDelay = config.Duration(time.Hour) }, field: "immediate_delay"},
		{name: "timeout", mod: func(c *Config) { c.Timeout = 0 }, field: "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mod(&c)
			err := c.Validate()
			if tt.resolve {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil: it reads nothing", err)
				}
				if _, err = c.Resolve(); !errors.Is(err, config.ErrUnreadable) {
					t.Fatalf("Resolve() = %v, want config.ErrUnreadable", err)
				}
			}
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error naming %s", tt.field)
			}
			var fe *config.FieldError
			found := false
			for _, e := range config.Flatten(err) {
				if errors.As(e, &fe) && fe.Path == tt.field {
					found = true
				}
			}
			if !found {
				t.Errorf("Validate() = %v; no error names field %q", err, tt.field)
			}
			if tt.value != "" && !strings.Contains(err.Error(), tt.value) {
				t.Errorf("Validate() = %v; want the bad value %q in it", err, tt.value)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate() leaks the password: %v", err)
			}
		})
	}
}

// Resolve loads the time zone Validate only checks is set: a name the
// time zone database lacks fails there, naming timezone.
func TestConfig_Resolve_Timezone(t *testing.T) {
	c := offlineConfig()
	c.Timezone = "Mars/Olympus"
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	_, err := c.Resolve()
	const want = `timezone: not an IANA time zone name (e.g. UTC, Europe/Berlin) (got "Mars/Olympus")`
	if !errors.Is(err, config.ErrInvalid) || err.Error() != want {
		t.Fatalf("Resolve() = %v, want %q", err, want)
	}
	c.Timezone = "Europe/Berlin"
	r, err := c.Resolve()
	if err != nil || r.loc.String() != "Europe/Berlin" || r.schedule == nil || r.tmpl == nil {
		t.Fatalf("Resolve() = %+v, %v", r, err)
	}
}

func TestConfig_Port(t *testing.T) {
	for _, tt := range []struct {
		tls  string
		port int
		want int
	}{{TLSStartTLS, 0, 587}, {TLSImplicit, 0, 465}, {TLSNone, 0, 25}, {TLSImplicit, 2465, 2465}} {
		c := Config{TLS: tt.tls, Port: tt.port}
		if got := c.port(); got != tt.want {
			t.Errorf("port(%s, %d) = %d, want %d", tt.tls, tt.port, got, tt.want)
		}
	}
}
