package syslog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

func TestConfig_Validate(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pem")
	for _, tc := range []struct {
		name   string
		mut    func(*Config)
		fields []string // FieldError paths expected, in order; none means valid
	}{
		{"defaults", func(c *Config) {}, nil},
		{"udp", func(c *Config) { c.Network = NetworkUDP }, nil},
		{"tls with files", func(c *Config) { c.Network = NetworkTLS }, nil},
		{"bad network", func(c *Config) { c.Network = "sctp" }, []string{"network"}},
		{"no address", func(c *Config) { c.Address = "" }, []string{"address"}},
		{"no port", func(c *Config) { c.Address = "logs.example.com" }, []string{"address"}},
		{"framing on udp", func(c *Config) { c.Network = NetworkUDP; c.Framing = FramingLF }, []string{"framing"}},
		{"bad framing", func(c *Config) { c.Framing = "crlf" }, []string{"framing"}},
		{"bad format", func(c *Config) { c.Format = "rfc5425" }, []string{"format"}},
		{"bad body", func(c *Config) { c.Body = "leef" }, []string{"body"}},
		{"bad facility", func(c *Config) { c.Facility = "local9" }, []string{"facility"}},
		{"facility number", func(c *Config) { c.Facility = "23" }, nil},
		{"facility out of range", func(c *Config) { c.Facility = "24" }, []string{"facility"}},
		{"bad severity", func(c *Config) { c.Severity.High = "urgent" }, []string{"severity.high"}},
		{"severity number", func(c *Config) { c.Severity.Audit = "7" }, nil},
		{"app name with space", func(c *Config) { c.AppName = "gh sec" }, []string{"app_name"}},
		{"app name too long for 3164", func(c *Config) { c.Format = FormatRFC3164; c.AppName = strings.Repeat("a", 33) }, []string{"app_name"}},
		{"empty app name", func(c *Config) { c.AppName = "" }, []string{"app_name"}},
		{"bad hostname", func(c *Config) { c.Hostname = "my host" }, []string{"hostname"}},
		{"sd id without pen", func(c *Config) { c.SDID = "ghsec" }, []string{"sd_id"}},
		{"sd id with quote", func(c *Config) { c.SDID = `gh"sec@1` }, []string{"sd_id"}},
		{"size too small", func(c *Config) { c.MaxMessageSize = 480 }, []string{"max_message_size"}},
		{"udp size too big", func(c *Config) { c.Network = NetworkUDP; c.MaxMessageSize = 65536 }, []string{"max_message_size"}},
		{"bad oversize", func(c *Config) { c.Oversize = "drop" }, []string{"oversize"}},
		{"zero timeout", func(c *Config) { c.WriteTimeout = 0 }, []string{"write_timeout"}},
		{"tls option on tcp", func(c *Config) { c.CAFile = "ca.pem" }, []string{"ca_file"}},
		{"cert without key", func(c *Config) { c.Network = NetworkTLS; c.KeyFile = "" }, []string{"cert_file"}},
		{"missing ca passes: Validate reads nothing", func(c *Config) { c.Network = NetworkTLS; c.CAFile = missing }, nil},
		{"several", func(c *Config) { c.Network = "x"; c.Body = "y" }, []string{"network", "body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := DefaultConfig()
			c.Address = "127.0.0.1:6514"
			tc.mut(&c)
			if c.Network == NetworkTLS && c.CAFile == "" {
				c.CAFile, c.KeyFile = writeFile(t, dir, "ca.pem"), writeFile(t, dir, "key.pem")
				if tc.name != "cert without key" {
					c.CertFile = writeFile(t, dir, "cert.pem")
				}
			}
			err := c.Validate()
			got := fieldPaths(t, err)
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("error fields = %v, want %v (err: %v)", got, tc.fields, err)
			}
		})
	}
}

// Resolve reads the TLS files Validate only names: a missing ca_file fails
// it, naming the field and the path.
func TestConfig_Resolve_MissingCA(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pem")
	c := DefaultConfig()
	c.Address, c.Network, c.CAFile = "127.0.0.1:6514", NetworkTLS, missing
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	_, err := c.Resolve()
	want := `ca_file: cannot read: no such file or directory (got "` + missing + `")`
	if !errors.Is(err, config.ErrUnreadable) || err.Error() != want {
		t.Fatalf("Resolve = %v, want ErrUnreadable %q", err, want)
	}
}

func TestConfig_Validate_FillsDefaults(t *testing.T) {
	for _, tc := range []struct {
		network, framing string
		size             int
	}{
		{NetworkTCP, FramingOctetCounting, 65536},
		{NetworkTLS, FramingOctetCounting, 65536},
		{NetworkUDP, "", 8192},
	} {
		c := DefaultConfig()
		c.Address, c.Network = "localhost:514", tc.network
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if c.Framing != tc.framing || c.MaxMessageSize != tc.size {
			t.Errorf("%s: framing %q size %d, want %q %d", tc.network, c.Framing, c.MaxMessageSize, tc.framing, tc.size)
		}
	}
}

func writeFile(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fieldPaths lists the field paths Validate's error names; any error that
// names no field fails the test.
func fieldPaths(t *testing.T, err error) []string {
	t.Helper()
	var got []string
	for _, e := range config.Flatten(err) {
		var fe *config.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("not a FieldError: %v", e)
		}
		got = append(got, fe.Path)
	}
	return got
}
